"""The approver's summary: computed once when a decision asks for approval, beside it as advice, audited, and in the
approver's Odoo activity (the double, or a real Odoo 17 with SIDECAR_LIVE=1); it never changes the decision and a
failing advisor never holds it up. What the note must say is read back from Odoo as admin."""
from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from sidecar import advisory
from sidecar.advisory import approver_summary, input_hash, load_advisory
from sidecar.advisory import service as advisory_service
from sidecar.flows import approval_routing, pipeline, registry, release
from sidecar.store import audit, jobs, releases
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.test_approval_notice import demo, notices  # noqa: F401 (demo: the fixture)
from tests.test_approvals import event_for
from tests.test_return_api import shop  # noqa: F401 (the fixture)

LABEL = "Advice (local, rules-2, not a decision"
DEAD_CHAT = {"SIDECAR_ADVICE_LLM_URL": "http://127.0.0.1:9/v1", "SIDECAR_ADVICE_LLM_MODEL": "small-1",
             "SIDECAR_ADVICE_LLM_TIMEOUT": "2"}


def text_of(note_html: str | None) -> str:
    """An Odoo HTML note as the approver reads it: line breaks kept, tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "\n", note_html or "")))


def approval_activities(odoo_seed, order_id: int) -> list[dict]:
    return [a for a in odoo_seed.activities(order_id) if "Approve release" in (a.get("summary") or "")]


def as_odoo_has_it(odoo_seed, order_id: int) -> dict:
    """The order's name, total, currency and customer, read back from Odoo as admin."""
    [order] = odoo_seed.read("sale.order", [order_id], ["name", "amount_total", "currency_id", "partner_id"])
    return {"name": order["name"], "total": f"{order['amount_total']:,.2f} {order['currency_id'][1]}",
            "partner": order["partner_id"][1]}


@pytest.fixture
def asked(client, odoo_seed, thin_margin_quotation):
    """A quotation whose 5 % margin asks for approval (admin submitted it, demo decides)."""
    answer = client.post("/v1/events", json=event_for(thin_margin_quotation, odoo_seed.user_id("admin")),
                         headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "approve", answer.json
    return answer.json


def test_the_approvers_activity_carries_the_summary_as_advice(client, worker, services, odoo_seed, asked,
                                                              thin_margin_quotation):
    advice = asked["decision"]["advice"]
    assert advice["kind"] == "summary" and advice["backend"] == "local" and advice["advisory_only"]
    assert advice["model_version"] == "rules-2" and advice["fallback_reason"] is None
    worker.drain()
    [activity] = approval_activities(odoo_seed, thin_margin_quotation)
    note = text_of(activity["note"])
    order = as_odoo_has_it(odoo_seed, thin_margin_quotation)
    assert f"{LABEL}):\nQuotation {order['name']} for {order['partner']}: {order['total']}" in note, note
    assert advice["result"]["summary"] in note
    assert "Margin 5.0%" in note and "Requested by admin; to decide: demo (sales-manager)" in note
    assert activity["user_id"][0] == odoo_seed.user_id("demo")
    with services.db.engine.connect() as conn:
        entry = audit.latest(conn, "advice.given", asked["release_id"])
    assert {key: entry["data"][key] for key in ("kind", "backend", "model_version", "input_sha256")} == {
        "kind": "summary", "backend": "local", "model_version": "rules-2", "input_sha256": advice["input_sha256"]}
    assert "Margin" not in str(entry["data"])  # the audit names the input by its hash, never its words


def test_the_approvers_private_notice_carries_the_same_advice_as_the_activity(worker, asked, thin_margin_quotation,
                                                                               odoo_seed, demo):  # noqa: F811
    worker.drain()
    [notice] = notices(demo, thin_margin_quotation)  # read back as the approver: only they may read it
    [activity] = approval_activities(odoo_seed, thin_margin_quotation)
    paragraph = f"{LABEL}):\n{asked['decision']['advice']['result']['summary']}"
    assert paragraph in text_of(notice["body"]) and paragraph in text_of(activity["note"])
    assert text_of(notice["body"]).index(paragraph) < text_of(notice["body"]).index("Approve: ")


def test_the_summary_is_computed_once_from_what_the_decision_saw(client, services, odoo_seed, asked,
                                                                 thin_margin_quotation):
    with services.db.engine.connect() as conn:
        stored = releases.get_release(conn, asked["release_id"])
        [activity_job] = [j for j in jobs.for_release(conn, asked["release_id"])
                          if j["operation"] == "schedule_activity"]
        given = [e for e in audit.entries(conn) if e["kind"] == "advice.given" and e["subject"] == asked["release_id"]]
    decision = {key: value for key, value in stored["decision"].items() if key != "advice"}
    context = approver_summary.context(release.FLOW, stored["facts"], decision)
    assert input_hash("summary", {"context": context}) == asked["decision"]["advice"]["input_sha256"]
    again = client.post("/v1/events", json=event_for(thin_margin_quotation, odoo_seed.user_id("admin")),
                        headers=bearer())
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == asked
    with services.db.engine.connect() as conn:
        assert jobs.get(conn, activity_job["id"])["payload"] == activity_job["payload"]
        assert [e for e in audit.entries(conn) if e["kind"] == "advice.given"
                and e["subject"] == asked["release_id"]] == given and len(given) == 1


def test_a_rerouted_approval_moves_the_summary_with_its_activity(client, worker, odoo_seed, asked,
                                                                 thin_margin_quotation):
    worker.drain()
    rerouted = client.post(f"/v1/approvals/{asked['approval_id']}/reroute",
                           json={"role": "finance-director", "reason": "above the manager's authority"},
                           headers=bearer(ALL_SCOPES_KEY))
    assert rerouted.status_code == 200, rerouted.json
    worker.drain()
    [activity] = approval_activities(odoo_seed, thin_margin_quotation)
    note = text_of(activity["note"])
    assert f"{asked['release_id']}/reroute1/" in note
    assert f"{LABEL}; given with the decision):\n{asked['decision']['advice']['result']['summary']}" in note


def test_advice_that_fails_leaves_the_decision_and_its_activity_as_the_rules_made_them(
        client, worker, odoo_seed, thin_margin_quotation, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("advisor down")
    monkeypatch.setattr(approver_summary, "advise", broken)
    answer = client.post("/v1/events", json=event_for(thin_margin_quotation, odoo_seed.user_id("admin")),
                         headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "approve", answer.json
    assert "advice" not in answer.json["decision"] and answer.json["decision_links"]
    worker.drain()
    [activity] = approval_activities(odoo_seed, thin_margin_quotation)
    assert "Advice (" not in text_of(activity["note"]) and "Decide with the approve/reject link" in text_of(
        activity["note"])


def _decided(services, flow, doc_id):
    """A decision asking for approval, as the pipeline makes it before advice (decided once, compared below)."""
    facts = flow.read_facts(services, doc_id)
    decision = pipeline.decide(services, flow, facts)
    return facts, approval_routing.with_people(services, facts, decision, datetime.now(timezone.utc),
                                               registry.policy_for(services, flow))


def test_advice_never_changes_outcome_route_reasons_or_sla_and_the_chat_backend_changes_only_backend_notes(
        services, thin_margin_quotation):
    facts, decision = _decided(services, release.FLOW, thin_margin_quotation)
    assert decision["outcome"] == "approve"

    def with_advisor(env):
        settings = replace(services.settings, advisory=load_advisory(env))
        return advisory_service.advised(SimpleNamespace(settings=settings), release.FLOW, facts, decision)

    off, dead = with_advisor({}), with_advisor(DEAD_CHAT)
    for advised in (off, dead):
        assert {key: value for key, value in advised.items() if key != "advice"} == decision
    assert off["advice"]["fallback_reason"] is None and dead["advice"]["fallback_reason"].startswith("unreachable")
    ignored = ("fallback_reason", "given_at")
    assert {k: v for k, v in off["advice"].items() if k not in ignored} == \
        {k: v for k, v in dead["advice"].items() if k not in ignored}
    # the write-backs, activity note included, are the same whichever way the chat backend is set
    assert release.FLOW.writebacks(facts, off, []) == release.FLOW.writebacks(facts, dead, [])


def test_a_return_keeps_its_classification_first_and_the_summary_follows(client, worker, services, shop):  # noqa: F811
    sold = shop.delivered(shop.customer(), [(4, 30.0)])
    message = "Two of the mugs arrived broken, please collect them and refund us."
    answer = client.post("/v1/events", json=shop.envelope(shop.request(
        sold["picking"], [(sold["products"][0], 3)], reason="not_as_described", message=message)), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "approve", answer.json
    advice = answer.json["decision"]["advice"]
    assert advice["kind"] == "classify" and advice["result"]["category"] == "returns"
    [summary] = advice["also"]
    assert summary["kind"] == "summary" and advisory.piece(answer.json["decision"], "summary") == summary
    assert "The customer's message reads as returns" in summary["result"]["summary"]
    with services.db.engine.connect() as conn:
        given = [e["data"]["kind"] for e in audit.entries(conn)
                 if e["kind"] == "advice.given" and e["subject"] == answer.json["release_id"]]
    assert given == ["classify", "summary"]
    worker.drain()
    [picking] = shop.seed.read("stock.picking", [sold["picking"]], ["name", "partner_id"])
    [activity] = shop.activities(sold["picking"])
    note = text_of(activity["note"])
    assert f"{LABEL}):\nReturn request {picking['name']} for {picking['partner_id'][1]}" in note, note
    assert message not in note  # the customer's words stay in the request, the note says what they read as
