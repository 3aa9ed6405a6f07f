"""The ops side of the n8n pack, read from the workflow files: a failed execution can be re-run without a second
effect, reconciliations never overlap, and the ops workflows (dead-letter replay, n8n execution retry) keep the
pack's conventions. Their behaviour in a real n8n is tests/e2e/test_n8n_ops.py's."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sidecar.flows import reconcile
from sidecar.flows.registry import flows

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = {p.name: json.loads(p.read_text()) for p in sorted((ROOT / "n8n-workflows").glob("*.json"))}
OPS = ("dead-letter-replay.json", "n8n-execution-retry.json", "flows-reconcile.json", "sales-order-reconcile.json")
RECONCILE = {"flows-reconcile.json": "Sidecar: reconcile missed documents of the flow",
             "sales-order-reconcile.json": "Sidecar: reconcile missed quotations"}
TRIGGERS = ("n8n-nodes-base.manualTrigger", "n8n-nodes-base.scheduleTrigger", "n8n-nodes-base.webhook",
            "n8n-nodes-base.formTrigger", "n8n-nodes-base.errorTrigger")
DEFAULT_NAME = re.compile(r"(HTTP Request|Edit Fields|Set|Code|Switch|If|No Operation, do nothing|Split Out)\d*")


def nodes(name: str) -> dict:
    return {node["name"]: node for node in WORKFLOWS[name]["nodes"]}


def event_nodes():
    """Every HTTP Request node that submits an event to the sidecar (POST /v1/events)."""
    for name, workflow in WORKFLOWS.items():
        for node in workflow["nodes"]:
            if node["type"] == "n8n-nodes-base.httpRequest" and node["parameters"].get("url", "").endswith("/v1/events"):
                yield name, node


def test_no_idempotency_key_or_event_id_comes_from_the_execution():
    """A re-run execution has a new id: a key made of it would make the sidecar decide the event twice."""
    found = list(event_nodes())
    assert len(found) >= len([f for f in flows() if not f.found_by]), found
    for name, workflow in WORKFLOWS.items():
        for node in workflow["nodes"]:
            headers = node["parameters"].get("headerParameters", {}).get("parameters", [])
            for header in headers:
                if header["name"].lower() == "idempotency-key":
                    assert "$execution" not in header["value"], (name, node["name"])
    for name, node in found:
        assert "$execution" not in node["parameters"]["jsonBody"], (name, node["name"])


@pytest.mark.parametrize("name, node", list(event_nodes()), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_the_last_ask_of_an_event_fails_in_its_http_node_so_a_retry_asks_again(name, node):
    """5xx/429 is asked again twice by the workflow's own branch; the third answer that is still not taken fails the
    HTTP node itself (n8n re-runs the failed node on retry), and n8n's retryOnFail, which would repeat a 4xx, is off."""
    assert node["parameters"]["options"]["response"]["response"]["neverError"] == "={{ $runIndex < 2 }}"
    assert not node.get("retryOnFail"), name
    answer = WORKFLOWS[name]["connections"][node["name"]]["main"][0][0]["node"]
    rules = nodes(name)[answer]["parameters"]["rules"]["values"]
    retry = [r for r in rules if "statusCode >= 500" in r["conditions"]["conditions"][0]["leftValue"]]
    assert retry and "$runIndex < 2" in retry[0]["conditions"]["conditions"][0]["leftValue"], name


@pytest.mark.parametrize("name", OPS)
def test_ops_workflows_keep_the_pack_conventions(name):
    workflow = WORKFLOWS[name]
    notes = [n for n in workflow["nodes"] if n["type"] == "n8n-nodes-base.stickyNote"]
    assert notes and re.search(r"test", notes[0]["parameters"]["content"], re.I), name
    assert re.search(r"need", notes[0]["parameters"]["content"], re.I), name
    assert workflow["tags"] and all(tag["name"] for tag in workflow["tags"])
    assert workflow["settings"]["errorWorkflow"] == WORKFLOWS["error-handler.json"]["id"]
    assert workflow["settings"]["executionOrder"] == "v1"
    triggers = {n["name"] for n in workflow["nodes"] if n["type"] in TRIGGERS}
    assert workflow["pinData"] and set(workflow["pinData"]) <= triggers, name
    names = [n["name"] for n in workflow["nodes"]]
    assert len(names) == len(set(names)) and not [n for n in names if DEFAULT_NAME.fullmatch(n)]
    for node in workflow["nodes"]:
        for credential in node.get("credentials", {}).values():
            assert set(credential) == {"id", "name"}, (name, node["name"])
    assert workflow["active"] is False  # ops switch them on once the credentials are in place


@pytest.mark.parametrize("name, ask", RECONCILE.items())
def test_a_reconciliation_that_finds_another_running_ends_quietly(name, ask):
    """The sidecar's lease answers a second concurrent run 409 reconciliation_running; the workflow stops there
    without an error (nothing for the Error handler), and any other refusal fails for it."""
    wiring = WORKFLOWS[name]["connections"]
    assert [t["node"] for t in wiring[ask]["main"][0]] == ["Sidecar answer"]
    switch = nodes(name)["Sidecar answer"]["parameters"]
    done, running = [r["conditions"]["conditions"][0]["leftValue"] for r in switch["rules"]["values"]]
    assert "statusCode >= 200" in done and "statusCode === 409" in running
    assert f"'{reconcile.RUNNING}'" in running
    assert switch["options"]["fallbackOutput"] == "extra"
    reconciled, skipped, refused = [[t["node"] for t in out] for out in wiring["Sidecar answer"]["main"]]
    assert nodes(name)[skipped[0]]["type"] == "n8n-nodes-base.noOp"
    assert nodes(name)[refused[0]]["type"] == "n8n-nodes-base.stopAndError"
    assert nodes(name)[ask]["parameters"]["options"]["response"]["response"]["neverError"] is True


def test_the_retry_workflow_retries_every_flow_and_uses_n8ns_api_by_credential():
    retry = nodes("n8n-execution-retry.json")
    settings = {a["name"]: a["value"] for a in retry["Settings"]["parameters"]["assignments"]["assignments"]}
    listed = set(re.findall(r"'(\w+)'", settings["workflow_ids"]))
    assert listed == {WORKFLOWS[name]["id"] for name, _ in event_nodes()}
    assert settings["max_retries"] >= 1
    calls = [n for n in retry.values() if n["type"] == "n8n-nodes-base.httpRequest"]
    assert {c["parameters"]["method"] for c in calls} == {"GET", "POST"}
    for call in calls:
        assert call["parameters"]["authentication"] == "predefinedCredentialType"
        assert call["parameters"]["nodeCredentialType"] == "n8nApi" and set(call["credentials"]) == {"n8nApi"}
    pick = retry["Retryable failures"]["parameters"]["jsCode"]
    assert "5\\d\\d|429" in pick and "retryOf" in pick and "max_retries" in pick


def test_the_replay_workflow_calls_the_sidecar_with_the_ops_key():
    replay = nodes("dead-letter-replay.json")
    asks = [n for n in replay.values() if n["type"] == "n8n-nodes-base.httpRequest"]
    assert {a["credentials"]["httpHeaderAuth"]["name"] for a in asks} == {"Sidecar ops key"}
    script = (ROOT / "scripts" / "n8n.sh").read_text()
    assert 'OPS_CREDENTIAL_ID=sidecarOpsKey001' in script and 'OPS_CREDENTIAL_NAME="Sidecar ops key"' in script
    assert {a["credentials"]["httpHeaderAuth"]["id"] for a in asks} == {"sidecarOpsKey001"}
