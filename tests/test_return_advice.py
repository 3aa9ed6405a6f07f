"""Advice in the returns flow: the customer's message classified beside the decision, audited, shown in the
chatter note, and the decision exactly what the rules make without it."""
from __future__ import annotations

import json
from pathlib import Path

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.flows import pipeline, return_request
from sidecar.policy import load_policy
from sidecar.store import audit, releases
from tests.conftest import bearer, sidecar_env
from tests.test_return_api import DEMO_POLICY, notes, shop  # noqa: F401 (the fixture)

MESSAGE = "Two of the mugs arrived broken, please collect them and refund us."


def _submit(client, shop, message):  # noqa: F811
    customer = shop.customer("Gold")
    sold = shop.delivered(customer, [(3, 20.0)])
    event = shop.envelope(shop.request(sold["picking"], [(sold["products"][0], 1)],
                                        **({"message": message} if message else {})))
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 201, answer.json
    return sold, answer.json


def test_the_message_is_classified_beside_a_decision_it_does_not_change(client, worker, services, shop):  # noqa: F811
    sold, answer = _submit(client, shop, MESSAGE)
    advice = answer["decision"]["advice"]
    assert advice["kind"] == "classify" and advice["backend"] == "local" and advice["advisory_only"]
    assert advice["result"]["category"] == "returns"
    with services.db.engine.connect() as conn:
        facts = releases.get_release(conn, answer["release_id"])["facts"]
        entry = audit.latest(conn, "advice.given", answer["release_id"])
    assert entry["data"]["input_sha256"] == advice["input_sha256"] and MESSAGE not in str(entry["data"])
    without = {key: value for key, value in answer["decision"].items() if key != "advice"}
    assert without == pipeline.decide(services, return_request.FLOW, facts)
    worker.drain()
    [note] = notes(shop, sold["picking"])
    assert "(local, decides nothing): it reads as returns" in note  # Odoo may escape the apostrophe before


def test_no_message_no_advice(client, services, shop):  # noqa: F811
    _, answer = _submit(client, shop, None)
    assert "advice" not in answer["decision"]


# What may differ between two pieces of advice on the same message: when it was given, which backend gave it and
# why the first choice did not.
ADVICE_ALLOWED_TO_DIFFER = {"given_at", "backend", "fallback_reason"}


def _decision_with(tmp_path, odoo_proxy, odoo_target, event, **advice_env) -> dict:
    """The returns flow's decision on `event` by a sidecar of its own (its own store) with these advice settings."""
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_ODOO_TIMEOUT="10", **advice_env)  # about advice, not a slow Odoo
    application = create_app(settings=load_settings(env))
    services = application.extensions["sidecar"]
    try:
        services.policies[return_request.FLOW.name] = load_policy(DEMO_POLICY)
        answer = application.test_client().post("/v1/events", json=event, headers=bearer())
        assert answer.status_code == 201, answer.json
        return answer.json["decision"]
    finally:
        services.close()


def test_the_chat_backend_off_or_dead_changes_nothing_in_the_decision_but_who_advised(tmp_path, odoo_proxy,
                                                                                   odoo_target, shop):  # noqa: F811
    customer = shop.customer("Gold")
    sold = shop.delivered(customer, [(3, 20.0)])
    event = shop.envelope(shop.request(sold["picking"], [(sold["products"][0], 1)], message=MESSAGE))
    off = _decision_with(tmp_path / "off", odoo_proxy, odoo_target, event)
    dead = _decision_with(tmp_path / "dead", odoo_proxy, odoo_target, event,
                          SIDECAR_ADVICE_LLM_URL="http://127.0.0.1:9/v1", SIDECAR_ADVICE_LLM_MODEL="small-1",
                          SIDECAR_ADVICE_LLM_TIMEOUT="2")
    assert off["advice"]["fallback_reason"] is None and dead["advice"]["fallback_reason"].startswith("unreachable")
    assert off.keys() == dead.keys() and off["advice"].keys() == dead["advice"].keys()
    for field in off:
        if field != "advice":
            assert off[field] == dead[field], field
    for field in off["advice"].keys() - ADVICE_ALLOWED_TO_DIFFER:
        assert off["advice"][field] == dead["advice"][field], field
    assert off["advice"]["result"]["category"] == "returns" and off["outcome"] == "accept"


WORKFLOW = Path(__file__).resolve().parent.parent / "n8n-workflows" / "return-request.json"
ACTING = {"n8n-nodes-base.httpRequest", "n8n-nodes-base.executeWorkflow", "n8n-nodes-base.respondToWebhook",
          "n8n-nodes-odoo-governance.odooGovernance"}


def _after(workflow: dict, start: str) -> set[str]:
    """The names of the nodes an item leaving `start` can reach."""
    seen, todo = set(), [start]
    while todo:
        for output in workflow["connections"].get(todo.pop(), {}).get("main", []):
            for link in output:
                if link["node"] not in seen:
                    seen.add(link["node"])
                    todo.append(link["node"])
    return seen


def test_the_workflow_routes_on_advice_to_teams_and_only_the_outcome_decides():
    workflow = json.loads(WORKFLOW.read_text())
    nodes = {node["name"]: node for node in workflow["nodes"]}
    advice_branch = _after(workflow, "Route by advice")
    assert "Email the team" in advice_branch and "Route by outcome" not in advice_branch
    assert not {nodes[name]["type"] for name in advice_branch} & ACTING  # it tells people; it calls nothing
    assert "advice" not in json.dumps(nodes["Route by outcome"]["parameters"])
    rules = json.dumps(nodes["Route by advice"]["parameters"])
    assert all(f"'{category}'" in rules for category in ("returns", "delivery_issue", "pricing_dispute"))
