"""The pipeline runs a flow it has never heard of: a tiny invoice-review flow declared here, on account.move.

Nothing in sidecar/ knows this flow: it brings its own declaration, contract, policy and write-backs,
as a new module of sidecar/flows/ would. The policy engine is replaced by a small stand-in so these
tests hold the pipeline's plumbing, whatever the policy format.
"""
import dataclasses
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from sidecar import contracts
from sidecar.flows import pipeline, registry
from sidecar.flows.registry import Flow
from sidecar.store import jobs, releases
from tests.conftest import ALL_SCOPES_KEY, bearer

OPS = bearer(ALL_SCOPES_KEY)
CONTRACT = "test.invoice_review_requested.v1"
SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["_model", "_id"],
          "properties": {"_model": {"const": "account.move"}, "_id": {"type": "integer", "minimum": 1},
                         "write_date": {"type": "string"}}}
POLICY = SimpleNamespace(name="invoice-review", version="test.1",
                         data={"intake": {"domain": [["move_type", "=", "out_invoice"]]}})
APPROVAL_FROM = 1000.0


def read_invoice_facts(services, move_id):
    """One read of the invoice, in every company the integration user has."""
    [move] = services.odoo.read("account.move", [move_id], ["name", "state", "company_id", "write_date",
                                                            "amount_total", "write_uid"])
    document = {"id": move["id"], "name": move["name"], "state": move["state"], "write_date": move["write_date"],
                "company_id": move["company_id"][0] if move["company_id"] else None,
                "amount_total": move["amount_total"]}
    return {"order": document, "requested_by": {"user_id": move["write_uid"][0], "login": None}}


def invoice_writebacks(facts, decision, notices):
    """Nothing for a passing invoice; the approvers' notices when a person must decide."""
    return [("notify_approver", notice) for notice in notices]


FLOW = Flow(
    name="invoice-review", model="account.move", event_type="account_move.review_requested", contract=CONTRACT,
    policy_file="invoice-review.json", decidable_states=("draft",), read_facts=read_invoice_facts,
    writebacks=invoice_writebacks,
    on_approved=lambda facts: [("post_invoice", {"order_id": facts["order"]["id"], "model": "account.move"})],
    on_rejected=lambda facts: [("cancel_invoice", {"order_id": facts["order"]["id"], "model": "account.move"})],
    passing_outcome="pass", label="review")


def stand_in_engine(facts, policy, now):
    """Approval from APPROVAL_FROM on, by demo; otherwise the flow's passing outcome."""
    big = facts["order"]["amount_total"] >= APPROVAL_FROM
    reason = {"rule": "amount", "code": "amount_high" if big else "amount_ok", "passed": not big,
              "effect": "approve" if big else "pass", "message": f"total {facts['order']['amount_total']}"}
    decision = {"outcome": "approve" if big else "pass", "reasons": [reason], "route": None, "sla": None,
                "policy": {"name": policy.name, "version": policy.version}, "summary": reason["message"]}
    if big:
        due = (now + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
        decision["route"] = {"role": "finance", "assignee": "demo", "eligible": ["demo"], "salesperson": None}
        decision["sla"] = {"hours": 24, "due_at": due}
    return decision


@pytest.fixture
def invoice_flow(services, monkeypatch):
    """The flow registered, its contract known and its policy in force, for one test."""
    real_schema = contracts.schema
    monkeypatch.setattr(contracts, "schema", lambda name: SCHEMA if name == CONTRACT else real_schema(name))
    monkeypatch.setattr(pipeline, "evaluate", stand_in_engine)
    services.policies[FLOW.name] = POLICY
    registry.register(FLOW)
    yield FLOW
    registry.unregister(FLOW.name)


def event(odoo_seed, move_id, event_id=None):
    write_date = odoo_seed.read("account.move", [move_id], ["write_date"])[0]["write_date"]
    return {"id": event_id or f"odoo:account.move:{move_id}:{write_date}", "type": FLOW.event_type,
            "source": "odoo", "data": {"_model": "account.move", "_id": move_id, "write_date": write_date}}


def test_a_passing_document_of_another_model_is_decided_and_final(client, services, odoo_seed, invoice_flow):
    move = odoo_seed.invoice(odoo_seed.customer(), 100.0, post=False)
    answer = client.post("/v1/events", json=event(odoo_seed, move), headers=bearer())
    assert answer.status_code == 201, answer.json
    assert (answer.json["outcome"], answer.json["status"], answer.json["jobs"]) == ("pass", "released", [])
    with services.db.read() as conn:
        stored = releases.get_release(conn, answer.json["release_id"])
    assert (stored["flow"], stored["model"], stored["order_id"]) == ("invoice-review", "account.move", move)
    again = client.post("/v1/events", json=event(odoo_seed, move), headers=bearer())
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == answer.json


def test_the_approval_decision_runs_the_flows_own_write_backs(client, services, odoo_seed, invoice_flow):
    move = odoo_seed.invoice(odoo_seed.customer(), 5000.0, post=False)
    answer = client.post("/v1/events", json=event(odoo_seed, move), headers=bearer()).json
    assert answer["outcome"] == "approve" and answer["status"] == "awaiting_approval"
    with services.db.read() as conn:
        [notice] = jobs.for_release(conn, answer["release_id"])
    assert (notice["operation"], notice["model"], notice["order_id"]) == ("notify_approver", "account.move", move)
    [link] = answer["decision_links"]
    decided = client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                          json={"token": link["approve_token"], "decision": "approve"}, headers=bearer())
    assert decided.status_code == 200, decided.json
    assert [j["operation"] for j in decided.json["jobs"]][-1] == "post_invoice"
    with services.db.read() as conn:  # the generic approval write-backs name the flow's document too
        assert {j["payload"].get("model") for j in jobs.for_release(conn, answer["release_id"])} == {"account.move"}
    in_flight = client.post("/v1/events", json=event(odoo_seed, move, "second"), headers=bearer())
    assert in_flight.status_code == 200 and in_flight.json["duplicate_of"] == answer["release_id"]


def test_one_document_per_model_a_sale_order_with_the_same_id_is_another_document(services):
    with services.db.transaction() as conn:
        first = jobs.enqueue(conn, idempotency_key="a/1", operation="post_invoice", payload={"order_id": 7},
                             release_id=None, max_attempts=3, model="account.move")
        other = jobs.enqueue(conn, idempotency_key="b/1", operation="post_message", payload={"order_id": 7},
                             release_id=None, max_attempts=3, model="sale.order")
        assert jobs.get(conn, first)["seq"] == jobs.get(conn, other)["seq"] == 1
        claimed = {jobs.claim_next(conn, lambda operation: 60.0)["id"] for _ in range(2)}
    assert claimed == {first, other}  # neither waits for the other


@pytest.mark.parametrize("kind, code, status", [("posted", "not_decidable", 409),
                                                 ("refund", "not_submitted", 409)])
def test_refusals_name_why(client, odoo_seed, invoice_flow, kind, code, status):
    move = odoo_seed.invoice(odoo_seed.customer(), 100.0, post=kind == "posted", refund=kind == "refund")
    answer = client.post("/v1/events", json=event(odoo_seed, move), headers=bearer())
    assert answer.status_code == status and answer.json["error"]["code"] == code
    if code == "not_decidable":
        assert "'posted'" in answer.json["error"]["message"]


def test_a_missing_document_is_404_and_an_unknown_type_lists_the_known_ones(client, invoice_flow):
    missing = {"id": "x", "type": FLOW.event_type, "data": {"_model": "account.move", "_id": 99999999}}
    answer = client.post("/v1/events", json=missing, headers=bearer())
    assert answer.status_code == 404 and answer.json["error"]["code"] == "document_not_found"
    unknown = client.post("/v1/events", json={**missing, "type": "nobody.governs_this"}, headers=bearer())
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "unknown_event_type"
    assert "account_move.review_requested" in unknown.json["error"]["details"][0]["message"]
    assert "sale_order.release_requested" in unknown.json["error"]["details"][0]["message"]


def test_the_release_flow_is_found_in_its_module():
    from sidecar.flows.release import FLOW as RELEASE
    assert registry.by_type("sale_order.release_requested") is RELEASE
    assert RELEASE.outcomes == ("release", "approve", "reject")


def test_a_flow_whose_policy_does_not_validate_decides_nothing(client, services, odoo_seed, invoice_flow):
    services.policies.pop(FLOW.name)  # read from its file, which does not exist
    move = odoo_seed.invoice(odoo_seed.customer(), 100.0, post=False)
    answer = client.post("/v1/events", json=event(odoo_seed, move), headers=bearer())
    assert answer.status_code == 422 and answer.json["error"]["code"] == "policy_invalid"
    assert "invoice-review.json" in answer.json["error"]["details"][0]["message"]


def test_each_flow_may_name_its_policy_file(tmp_path):
    from sidecar.config import load_settings
    from sidecar.policy import DEMO_POLICY_PATH
    from tests.conftest import sidecar_env
    settings = load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9",
                                         SIDECAR_FLOW_POLICIES=f"invoice-review={DEMO_POLICY_PATH}"))
    assert registry.policy_path(settings, FLOW) == DEMO_POLICY_PATH
    with pytest.raises(Exception) as refused:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_FLOW_POLICIES="invoice-review"))
    assert "SIDECAR_FLOW_POLICIES: 'invoice-review' is not flow=path" in str(refused.value.problems)


def test_a_flows_acting_operations_carry_what_the_decision_saw(client, services, odoo_seed, invoice_flow):
    registry.unregister(FLOW.name)  # the same flow, saying that posting the invoice acts on it
    registry.register(dataclasses.replace(FLOW, acting_operations=("post_invoice",)))
    move = odoo_seed.invoice(odoo_seed.customer(), 5000.0, post=False)
    answer = client.post("/v1/events", json=event(odoo_seed, move), headers=bearer()).json
    [link] = answer["decision_links"]
    client.post(f"/v1/approvals/{answer['approval_id']}/decision",
                json={"token": link["approve_token"], "decision": "approve"}, headers=bearer())
    with services.db.read() as conn:
        [post] = [j for j in jobs.for_release(conn, answer["release_id"]) if j["operation"] == "post_invoice"]
        facts = releases.get_release(conn, answer["release_id"])["facts"]["order"]
    assert post["payload"]["decided_on"] == {"write_date": facts["write_date"], "amount_total": 5000.0,
                                             "company_id": facts["company_id"]}


def test_an_outcome_the_flow_does_not_know_decides_nothing(client, services, odoo_seed, invoice_flow, monkeypatch):
    monkeypatch.setattr(pipeline, "evaluate", lambda facts, policy, now: {**stand_in_engine(facts, policy, now),
                                                                          "outcome": "release"})
    move = odoo_seed.invoice(odoo_seed.customer(), 100.0, post=False)
    answer = client.post("/v1/events", json=event(odoo_seed, move), headers=bearer())
    assert answer.status_code == 422 and answer.json["error"]["code"] == "policy_outcome_unknown"
    with services.db.read() as conn:
        assert releases.release_in_flight(conn, FLOW.name, "account.move", move) is None


def test_the_readme_table_lists_every_governed_flow_with_its_event():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2].strip() for line in readme.splitlines()
            if line.startswith("| `") and line.count("|") == 6}
    for flow in registry.flows():
        assert flow.name in rows and f"`{flow.event_type}`" in rows[flow.name], flow.name
