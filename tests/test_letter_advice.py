"""Dead letters carry advice (priority with each factor's points, the category of their failure text), can be
listed by it, and a fairness report shows the scores per customer tier; replay never reads any of it."""
from __future__ import annotations

import statistics

import pytest

from sidecar.advisory import letters
from sidecar.advisory.priority import MAX_SLA_POINTS, TIER_POINTS
from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.store import dead_letters, jobs, records, releases
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY, bearer, sidecar_env

OPS = bearer(ALL_SCOPES_KEY)
HOUR = 3600.0


@pytest.fixture
def app(tmp_path):
    application = create_app(settings=load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9")))
    yield application
    application.extensions["sidecar"].close()


@pytest.fixture
def clock(monkeypatch):
    """The store's clock, set back while a letter is made (its created_at)."""
    import time as real_time

    class Clock:
        offset = 0.0

        def time(self):
            return real_time.time() + self.offset

    moved = Clock()
    monkeypatch.setattr(records, "time", moved)
    return moved


def job_letter(app, clock, *, hours_ago: float, category: str, facts: dict, order_id: int, attempts: int = 1) -> str:
    """A dead job of a decision on `facts`, made `hours_ago` (as the worker leaves one)."""
    db = app.extensions["sidecar"].db
    clock.offset = -hours_ago * HOUR
    try:
        with db.transaction() as conn:
            release_id = releases.insert_release(
                conn, flow="sales-order-release", model="sale.order", order_id=order_id, order_name=f"S{order_id}",
                event_id=f"e{order_id}", status="releasing", facts=facts, requested_by="admin",
                decision={"outcome": "pass", "policy": {"version": "t"}})
            job_id = jobs.enqueue(conn, idempotency_key=f"k{order_id}", operation="confirm_order",
                                  payload={"order_id": order_id}, release_id=release_id, max_attempts=3)
            return dead_letters.insert(conn, kind=dead_letters.JOB, category=category, ref=job_id,
                                       summary=f"confirm_order for sale.order {order_id}: failed",
                                       detail={"job_id": job_id, "error": "Odoo said no", "attempts": attempts})
    finally:
        clock.offset = 0.0


def listed(app, query=""):
    answer = app.test_client().get(f"/v1/dead-letters{query}", headers=OPS)
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


def factor_points(advice: dict) -> dict:
    return {f["factor"]: f["points"] for f in advice["priority"]["factors"]}


def test_each_letter_shows_its_priority_factors_and_category(app, clock):
    letter_id = job_letter(app, clock, hours_ago=30, category="access_denied", order_id=1, attempts=3,
                           facts={"order": {"amount_total": 5400.0}, "customer": {"tier": "Key"}})
    [item] = listed(app)
    advice = item["advice"]
    assert advice["advisory_only"] is True and advice["backend"] == "local" and advice["segment"] == "Key"
    points = factor_points(advice)
    assert set(points) == {"category", "amount", "hours_to_sla", "customer_tier", "failure", "attempts"}
    assert points["hours_to_sla"] == MAX_SLA_POINTS            # 30 h old against a 24 h SLA: overdue
    assert points["customer_tier"] == TIER_POINTS["key"]        # Odoo's tag name, matched without case
    assert points["attempts"] == 4                              # two tries beyond the first, 2 points each
    values = {f["factor"]: f["value"] for f in advice["priority"]["factors"]}
    assert values["amount"] == 5400.0 and values["failure"] == "access_denied"
    assert advice["priority"]["score"] == pytest.approx(sum(points.values()), abs=0.01)
    assert advice["category"]["category"] in letters_categories() and 0 <= advice["category"]["confidence"] <= 1
    shown = app.test_client().get(f"/v1/dead-letters/{letter_id}", headers=OPS).json
    assert shown["advice"]["priority"]["score"] == pytest.approx(advice["priority"]["score"], abs=0.1)
    assert shown["category"] == "access_denied"  # the letter's own failure category is untouched


def letters_categories():
    from sidecar.advisory.classifier import CATEGORIES
    return CATEGORIES


def test_a_failure_a_person_must_fix_and_an_older_letter_rank_first(app, clock):
    fresh = job_letter(app, clock, hours_ago=1, category="odoo_unreachable", order_id=1, facts={})
    blocked = job_letter(app, clock, hours_ago=1, category="validation_error", order_id=2, facts={})
    old = job_letter(app, clock, hours_ago=40, category="odoo_unreachable", order_id=3, facts={})
    assert [item["id"] for item in listed(app)] == [blocked, fresh, old]  # newest first by default
    by_priority = listed(app, "?sort=priority")
    scores = [item["advice"]["priority"]["score"] for item in by_priority]
    assert scores == sorted(scores, reverse=True)
    assert [item["id"] for item in by_priority][0] == old
    assert by_priority.index(next(i for i in by_priority if i["id"] == blocked)) < \
        by_priority.index(next(i for i in by_priority if i["id"] == fresh))
    assert [item["id"] for item in listed(app, "?sort=priority&limit=1")] == [old]


@pytest.mark.parametrize("query", ["?sort=score", "?sort=priority&sort=newest"])
def test_a_bad_sort_is_a_clear_400(app, query):
    answer = app.test_client().get(f"/v1/dead-letters{query}", headers=OPS)
    assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid_payload"


def test_advice_never_changes_what_replay_takes(app, clock, monkeypatch):
    from sidecar.flows import deadletters
    ids = [job_letter(app, clock, hours_ago=h, category=c, order_id=i, facts={}) for i, (h, c) in
           enumerate([(1, "odoo_unreachable"), (50, "access_denied"), (5, "state_conflict")], start=1)]
    services = app.extensions["sidecar"]
    taken = deadletters.open_ids(services)
    assert taken == [ids[0], ids[2], ids[1]]  # newest first (1 h, 5 h, 50 h old), as before advice existed

    def broken(*_args, **_kwargs):
        raise RuntimeError("advice is down")
    monkeypatch.setattr(letters, "advise_letters", broken)
    assert deadletters.open_ids(services) == taken
    items = listed(app, "?sort=priority")  # a failing advice never hides a letter
    assert [item["id"] for item in items] == taken and all(item["advice"] is None for item in items)
    assert app.test_client().get(f"/v1/dead-letters/{ids[0]}", headers=OPS).json["advice"] is None


def test_the_console_shows_the_advice_and_orders_by_it(app, clock):
    from tests.test_console import sign_in  # the console's own sign-in helper
    old = job_letter(app, clock, hours_ago=40, category="odoo_unreachable", order_id=1, facts={})
    client = app.test_client()
    sign_in(client, api_key=ALL_SCOPES_KEY)
    page = client.get("/console/dead-letters?sort=priority")
    assert page.status_code == 200 and "Advice: priority, category" in page.text
    assert "by advised priority" in page.text
    one = client.get(f"/console/dead-letters/{old}")
    assert "Advice (decides nothing)" in one.text and "hours_to_sla" in one.text
    assert client.get("/console/dead-letters?sort=loudest").status_code == 400


def test_fairness_shows_scores_per_tier_and_the_gap(app, clock):
    # The same letters twice, once for customers of tier Key, once for customers without a tier.
    made = {"Key": [], "no tier": []}
    for n, (hours, category) in enumerate([(2, "odoo_unreachable"), (20, "validation_error"), (60, "state_conflict")]):
        made["Key"].append(job_letter(app, clock, hours_ago=hours, category=category, order_id=10 + n,
                                      facts={"order": {"amount_total": 800.0}, "customer": {"tier": "Key"}}))
        made["no tier"].append(job_letter(app, clock, hours_ago=hours, category=category, order_id=20 + n,
                                          facts={"order": {"amount_total": 800.0}}))
    job_letter(app, clock, hours_ago=24 * 40, category="odoo_unreachable", order_id=99, facts={})  # outside 30 days
    answer = app.test_client().get("/v1/advice/fairness", headers=OPS)
    assert answer.status_code == 200, answer.json
    report = answer.json
    assert report["advisory_only"] is True and report["window_days"] == 30 and report["cases"] == 6
    scores = {tier: [app.test_client().get(f"/v1/dead-letters/{i}", headers=OPS).json["advice"]["priority"]["score"]
                     for i in ids] for tier, ids in made.items()}
    for tier, values in scores.items():
        figures = report["segments"][tier]
        assert figures["cases"] == 3
        assert figures["mean"] == pytest.approx(statistics.fmean(values), abs=0.02)
        assert figures["median"] == pytest.approx(statistics.median(values), abs=0.02)
    assert report["segments"]["Key"]["factor_means"]["customer_tier"] == TIER_POINTS["key"]
    # The tier is the only difference: the gap is exactly its points, and it is visible.
    assert report["gap"]["highest"] == "Key" and report["gap"]["lowest"] == "no tier"
    assert report["gap"]["mean"] == pytest.approx(TIER_POINTS["key"], abs=0.02)
    longer = app.test_client().get("/v1/advice/fairness?days=60", headers=OPS).json
    assert longer["cases"] == 7


@pytest.mark.parametrize("query, key, status", [
    ("?days=0", ALL_SCOPES_KEY, 400), ("?days=366", ALL_SCOPES_KEY, 400), ("?days=ten", ALL_SCOPES_KEY, 400),
    ("", N8N_KEY, 403),
])
def test_fairness_refuses_a_bad_window_and_other_scopes(app, query, key, status):
    answer = app.test_client().get(f"/v1/advice/fairness{query}", headers=bearer(key))
    assert answer.status_code == status and "error" in answer.json


def test_fairness_of_no_letters_is_empty_not_an_error(app):
    report = app.test_client().get("/v1/advice/fairness", headers=OPS).json
    assert report["cases"] == 0 and report["segments"] == {} and report["gap"] is None and report["overall"] is None


def test_a_letter_case_reads_value_and_tier_from_any_flow_and_the_event():
    letter = {"status": "open", "created_at": 0.0, "updated_at": 0.0, "category": "odoo_unreachable",
              "replay_count": 2, "summary": "s", "detail": {"event": {"data": {"_id": 4, "amount_total": 12.5}}}}
    assert letters.case(letter, {}, now=6 * HOUR) == {"hours_to_sla": 18.0, "failure": "odoo_unreachable",
                                                      "attempts": 3, "amount": 12.5}
    returned = letters.case({**letter, "status": "resolved", "updated_at": 30 * HOUR},
                            {"return": {"value": 90.0}, "customer": {"tier": "Gold"}}, now=500 * HOUR)
    assert returned["hours_to_sla"] == -6.0  # measured until it left the queue, not until now
    assert (returned["amount"], returned["customer_tier"]) == (90.0, "Gold")
    assert letters.case(letter, {"count": {"value_abs": 40.0}}, now=0)["amount"] == 40.0


def test_the_command_line_lists_by_priority_and_reports_fairness(tmp_path):
    import json
    from tests.test_cli import run_cli
    env = sidecar_env(tmp_path, "http://127.0.0.1:9")
    app = create_app(settings=load_settings(env))
    try:
        with app.extensions["sidecar"].db.transaction() as conn:
            first = dead_letters.insert(conn, kind="event", category="odoo_unreachable", summary="parked", detail={})
            second = dead_letters.insert(conn, kind="event", category="access_denied", summary="parked", detail={})
    finally:
        app.extensions["sidecar"].close()
    listed = json.loads(run_cli(env, "dlq", "list", "--sort", "priority").stdout)
    assert [item["id"] for item in listed] == [second, first]  # access denied waits for a person
    report = run_cli(env, "advisory", "fairness", "--days", "7")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["segments"]["no tier"]["cases"] == 2
    assert run_cli(env, "advisory", "fairness", "--days", "0").returncode == 2


def test_the_replay_workflow_lists_in_the_order_asked_and_shows_the_advice():
    import json
    from pathlib import Path
    workflow = json.loads((Path(__file__).parent.parent / "n8n-workflows" / "dead-letter-replay.json").read_text())
    nodes = {node["name"]: node["parameters"] for node in workflow["nodes"]}
    asked = {a["name"]: a["value"] for a in nodes["What to replay"]["assignments"]["assignments"]}
    assert asked["order"] == "newest"  # replays what it always replayed unless ops ask for priority
    assert "sort: $json.order || 'newest'" in nodes["Sidecar: open dead letters"]["jsonQuery"]
    per_letter = {a["name"]: a["value"] for a in nodes["Per letter"]["assignments"]["assignments"]}
    assert "advice.priority.score" in per_letter["advice"]


@pytest.mark.parametrize("case, status", [
    ({"failure": "access_denied", "attempts": 3}, 200), ({"attempts": "three"}, 400), ({"attempts": -1}, 400),
])
def test_the_priority_route_takes_the_letter_factors_and_refuses_bad_ones(app, case, status):
    answer = app.test_client().post("/v1/advice/priority", json={"case": case}, headers=OPS)
    assert answer.status_code == status, answer.json
    if status == 200:
        points = factor_points({"priority": answer.json["advice"]["result"]})
        assert points["failure"] == 10 and points["attempts"] == 4


def test_a_page_is_classified_in_one_pass_as_each_text_would_be_alone():
    from sidecar.advisory.classifier import classify, shared_classifier
    texts = ["confirm_order for sale.order 7: Odoo unreachable", "the shelf of oat milk is empty, send stock today",
             "invoice INV/2026/0042 charges 12 units, we got 10"]
    page = letters.PageScores(shared_classifier(), texts)
    assert [classify(t, 0.5, model=page) for t in texts] == [classify(t, 0.5) for t in texts]


def test_the_listed_advice_matches_the_one_priority_advice_schema_of_the_specs(app, clock):
    from jsonschema import Draft202012Validator

    from sidecar.specs import openapi_document
    job_letter(app, clock, hours_ago=3, category="odoo_unreachable", order_id=1, facts={})
    [item] = listed(app)
    document = openapi_document()
    approvals = document["paths"]["/v1/approvals"]["get"]["responses"]["200"]["content"]["application/json"]

    def problems(schema: dict, instance) -> list[str]:
        validator = Draft202012Validator({**schema, "components": document["components"]})
        return [error.message for error in validator.iter_errors(instance)]
    letter = {"$ref": "#/components/schemas/DeadLetter"}
    assert item["advice"] and problems(letter, item) == []
    assert problems(approvals["schema"]["properties"]["items"]["items"]["properties"]["advice"], item["advice"]) == []
    assert problems(letter, {**item, "advice": None}) == []
    assert problems(letter, {**item, "advice": {k: v for k, v in item["advice"].items() if k != "category"}})
    scored = {**item["advice"], "priority": {**item["advice"]["priority"], "score": 101}}
    assert problems(letter, {**item, "advice": scored})
