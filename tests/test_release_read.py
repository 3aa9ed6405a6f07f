"""GET /v1/releases/{id}'s read (store/releases.release_answer, a prepared statement run alone): the decision as stored,
its approval's id and its jobs in the order they run, in one statement; the API answers the same object
pipeline.view builds. Runs on SQLite and, with SIDECAR_TEST_DATABASE_URL, on PostgreSQL."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from sidecar.flows import pipeline
from sidecar.flows.release_view import release_json, with_raw
from sidecar.store import jobs, releases
from tests.support.stores import opened_store

DECISION = {"outcome": "hold", "summary": "Marge 3 % < 5 % — à revoir", "policy": {"version": "v7"},
            "reasons": [{"rule": "margin_minimum", "passed": False, "value": 0.03}], "nested": {"deep": [1, 2.5, None]}}


@pytest.fixture
def db(tmp_path):
    with opened_store(tmp_path) as store:
        yield store


def decided(db, order_id: int, operations=()) -> str:
    """A stored decision on order `order_id` with jobs queued in this order (each behind the one before)."""
    with db.transaction() as conn:
        release_id = releases.insert_release(conn, flow="sales-order-release", model="sale.order", order_id=order_id,
                                             order_name=f"S{order_id}", event_id=f"evt-{order_id}", decision=DECISION,
                                             facts={"order": {"id": order_id}}, status=releases.RELEASING,
                                             requested_by="sales@example.com")
        for operation in operations:
            jobs.enqueue(conn, idempotency_key=f"{release_id}/{operation}", operation=operation, payload={"x": 1},
                         release_id=release_id, max_attempts=3, order_id=order_id)
    return release_id


def test_the_answer_is_the_release_its_approval_and_its_jobs_in_order(db):
    release_id = decided(db, 41, ["post_message", "confirm_order", "schedule_activity"])
    with db.transaction() as conn:
        approval_id = releases.insert_approval(conn, release_id=release_id, order_id=41, route={"eligible": ["a"]},
                                               requested_by=None, salesperson=None, due_at=None, activity_ref=None)
    release, shown = releases.release_answer(db, release_id)
    assert json.loads(release.pop("decision")) == DECISION  # the stored text, not decoded
    with db.read() as conn:
        expected = releases.release_shown(conn, release_id)
    assert expected.pop("decision") == DECISION
    assert release == expected and release["approval_id"] == approval_id
    with db.read() as conn:
        assert shown == jobs.shown_for_release(conn, release_id)
    assert [job["operation"] for job in shown] == ["post_message", "confirm_order", "schedule_activity"]


def test_jobs_come_in_the_order_they_run_not_the_order_they_were_stored(db):
    release_id = decided(db, 45, ["post_message", "confirm_order", "schedule_activity"])
    with db.transaction() as conn:  # the first one stored now runs last, and failed once with an awkward error
        conn.execute(sa.update(jobs.jobs).where(jobs.jobs.c.release_id == release_id,
                                                jobs.jobs.c.operation == "post_message")
                     .values(seq=99, attempts=2, last_error='Odoo said "non" — à réessayer\n\\', category="odoo_down"))
    _, shown = releases.release_answer(db, release_id)
    with db.read() as conn:
        assert shown == jobs.shown_for_release(conn, release_id)
    assert [job["operation"] for job in shown] == ["confirm_order", "schedule_activity", "post_message"]
    assert shown[-1]["last_error"] == 'Odoo said "non" — à réessayer\n\\' and shown[-1]["attempts"] == 2


def test_a_release_without_jobs_or_approval_and_no_release(db):
    release_id = decided(db, 42)
    release, shown = releases.release_answer(db, release_id)
    assert shown == [] and release["approval_id"] is None and release["id"] == release_id
    assert releases.release_answer(db, "rel_missing") is None


def test_the_json_answer_is_the_view_of_the_decision(db):
    release_id = decided(db, 43, ["confirm_order"])

    class Services:
        pass

    services = Services()
    services.db = db
    with db.read() as conn:
        expected = pipeline.view(releases.get_release(conn, release_id), None, jobs.shown_for_release(conn, release_id))
    text = release_json(services, release_id)
    assert json.loads(text) == json.loads(json.dumps(expected))
    assert list(json.loads(text)) == list(expected)  # the members in the view's order


def test_with_raw_puts_the_text_in_its_place():
    assert with_raw({"a": 1, "b": None, "c": "x"}, "b", '{"k": [1]}') == '{"a":1,"b":{"k": [1]},"c":"x"}'
    assert with_raw({"b": None}, "b", "[]") == '{"b":[]}'
    assert with_raw({"a": "\u00e9\"", "b": None}, "b", "1") == '{"a":"\\u00e9\\"","b":1}'


def test_a_statement_listener_sees_the_read_and_the_answer_is_the_same(db):
    release_id = decided(db, 44, ["confirm_order"])
    alone = releases.release_answer(db, release_id)
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert releases.release_answer(db, release_id) == alone
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert any("LEFT OUTER JOIN jobs" in statement for statement in seen)


def test_with_raw_is_not_fooled_by_a_value_that_looks_like_the_member():
    looks = ',"b":"raw"'
    assert with_raw({"a": looks, "b": None}, "b", "[1]") == '{"a":",\\"b\\":\\"raw\\"","b":[1]}'
    assert with_raw({"b": None, "a": '{"b":"raw"'}, "b", "2") == '{"b":2,"a":"{\\"b\\":\\"raw\\""}'
