"""Every workflow in n8n-workflows/ follows the pack's conventions: an integrator opening it on the canvas finds
what it does, what it needs and how to test it, readable names, tags, a pinned sample on its trigger, the error
handler, current node versions, and no secret."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sidecar import contracts
from sidecar.flows import registry

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / "n8n-workflows").glob("*.json"))
ERROR_HANDLER = "wfErrorHandler01"
# n8n 2.41.1's default version of each node type the pack uses (a new type is added here on purpose).
CURRENT_VERSIONS = {
    "n8n-nodes-base.code": 2, "n8n-nodes-base.emailSend": 2.1, "n8n-nodes-base.errorTrigger": 1,
    "n8n-nodes-base.executeWorkflow": 1.4, "n8n-nodes-base.executeWorkflowTrigger": 1.1,
    "n8n-nodes-base.httpRequest": 4.5, "n8n-nodes-base.if": 2.3, "n8n-nodes-base.manualTrigger": 1,
    "n8n-nodes-base.noOp": 1, "n8n-nodes-base.respondToWebhook": 1.5, "n8n-nodes-base.scheduleTrigger": 1.4,
    "n8n-nodes-base.set": 3.5, "n8n-nodes-base.splitOut": 1, "n8n-nodes-base.stickyNote": 1,
    "n8n-nodes-base.stopAndError": 1, "n8n-nodes-base.switch": 3.4, "n8n-nodes-base.wait": 1.1,
    "n8n-nodes-base.webhook": 2.1, "n8n-nodes-odoo-governance.odooGovernance": 1,
}
TRIGGERS = {"n8n-nodes-base.webhook", "n8n-nodes-base.scheduleTrigger", "n8n-nodes-base.errorTrigger",
            "n8n-nodes-base.executeWorkflowTrigger", "n8n-nodes-base.manualTrigger"}
# The names n8n gives a node when it is dropped on the canvas (a copy adds a number).
DEFAULT_NAMES = {"HTTP Request", "Webhook", "Edit Fields", "Set", "If", "Switch", "Wait", "Code", "Sticky Note",
                 "No Operation, do nothing", "Schedule Trigger", "Error Trigger", "Send Email", "Execute Workflow",
                 "Execute Workflow Trigger", "When Executed by Another Workflow", "Split Out", "Respond to Webhook",
                 "Stop and Error", "Manual Trigger", "When clicking ‘Execute workflow’", "Merge", "Filter", "Limit",
                 "Aggregate", "Odoo Governance"}
SECRET_KEYS = re.compile(r"password|secret|token|api_?key|authorization", re.I)
SCHEDULE_FIELDS = {"timestamp", "Readable date", "Readable time", "Day of week", "Timezone"}


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _nodes(workflow: dict, types=None) -> list[dict]:
    return [n for n in workflow["nodes"] if types is None or n["type"] in types]


def _strings(value, key=""):
    """(key, text) for every string in a JSON value, with the key it sits under."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


@pytest.fixture(params=WORKFLOWS, ids=lambda p: p.name)
def workflow(request) -> dict:
    return _load(request.param)


def test_a_sticky_note_says_what_it_does_what_it_needs_and_how_to_test_it(workflow):
    notes = [n["parameters"]["content"] for n in _nodes(workflow, {"n8n-nodes-base.stickyNote"})]
    about = [text for text in notes if text.startswith("## ") and "**Needs:**" in text]
    assert len(about) == 1, "one sticky note: a '## ' title, what it does, **Needs:**, **Test it:**"
    what, _, rest = about[0].partition("\n")[2].partition("**Needs:**")
    needs, _, test = rest.partition("**Test it:**")
    assert len(what.strip()) > 80 and needs.strip() and test.strip(), "what it does, **Needs:**, **Test it:**"
    for credential in {c["name"] for n in workflow["nodes"] for c in n.get("credentials", {}).values()}:
        assert f"*{credential}*" in needs, f"the credential {credential} is named under Needs"
    for path in re.findall(r"`(tests/[\w/.]+\.py)`", test):
        assert (ROOT / path).exists(), path


def test_it_is_tagged(workflow):
    tags = workflow.get("tags")
    assert tags and all(re.fullmatch(r"[a-z][a-z-]*", t["name"]) for t in tags), tags


def test_a_tag_has_one_id_across_the_pack():
    """`n8n import:workflow` reads n8n's tags once per run: a new tag without an id on two workflows is
    created twice and the import fails on the duplicate name; with one id, the second save updates it."""
    ids = {}
    for path in WORKFLOWS:
        for tag in _load(path)["tags"]:
            assert set(tag) == {"id", "name"} and ids.setdefault(tag["name"], tag["id"]) == tag["id"], path.name
    assert len(set(ids.values())) == len(ids)


def test_node_names_are_readable_and_unique(workflow):
    names = [n["name"] for n in workflow["nodes"]]
    assert len(names) == len(set(names))
    for name in names:
        assert re.sub(r"\d+$", "", name) not in DEFAULT_NAMES, f"{name!r} is n8n's default name"
        assert not re.search(r"[A-Za-z]\d+$", name), f"{name!r} ends like a copy's name"


def test_credentials_are_references_only(workflow):
    for node in workflow["nodes"]:
        for kind, ref in node.get("credentials", {}).items():
            assert set(ref) == {"id", "name"} and all(isinstance(v, str) and v for v in ref.values()), node["name"]


def test_it_holds_no_secret(workflow):
    text = json.dumps(workflow)
    assert not re.search(r"Bearer\s+[\w.~+/-]{8,}", text)
    found = re.findall(r"https?://([^/\s:@\"]+:[^/\s@\"]+)@", text)
    assert set(found) <= {"user:password"}, "no credentials in a URL, but for the placeholder"
    for key, value in _strings([n["parameters"] for n in workflow["nodes"]] + [workflow.get("pinData", {})]):
        if SECRET_KEYS.search(key) and key not in {"authentication", "genericAuthType"}:
            assert value.startswith("=") or value in ("", "none") or "sample-not-a-token" in value, (key, value)


def test_every_trigger_that_receives_data_has_a_realistic_pinned_sample(workflow):
    pinned = workflow.get("pinData") or {}
    names = {n["name"] for n in workflow["nodes"]}
    assert set(pinned) <= names
    for node in _nodes(workflow, TRIGGERS - {"n8n-nodes-base.manualTrigger"}):
        items = pinned.get(node["name"])
        assert items and all(item["json"] for item in items), f"{node['name']} has pinned sample data"
        sample = items[0]["json"]
        if node["type"] == "n8n-nodes-base.webhook":
            # what n8n's Webhook node gives, with the body its sender posts (and no credential of theirs)
            assert {"headers", "params", "query", "body"} <= sample.keys() and sample["body"] is not None
            assert not {"authorization", "x-webhook-token"} & {h.lower() for h in sample["headers"]}
        elif node["type"] == "n8n-nodes-base.scheduleTrigger":
            assert SCHEDULE_FIELDS <= sample.keys()
        elif node["type"] == "n8n-nodes-base.errorTrigger":
            assert sample["execution"]["error"]["message"] and sample["workflow"]["id"]


def test_pinned_events_follow_their_flows_contract(workflow):
    """A webhook whose body becomes a governed event pins a body the flow's contract accepts."""
    contract_of = {flow.event_type: flow.contract for flow in registry.flows()}
    for node in _nodes(workflow, {"n8n-nodes-base.httpRequest"}):
        if node["parameters"].get("url", "").endswith("/v1/events"):
            event_type = re.search(r"type: '([a-z_.]+)'", node["parameters"]["jsonBody"])
            for hook in _nodes(workflow, {"n8n-nodes-base.webhook"}):  # a scheduled flow builds its own event
                contracts.validate(contract_of[event_type.group(1)],
                                   workflow["pinData"][hook["name"]][0]["json"]["body"])


def test_failures_go_to_the_error_handler(workflow):
    settings = workflow["settings"]
    assert settings["executionOrder"] == "v1"
    if workflow["id"] == ERROR_HANDLER:
        assert "errorWorkflow" not in settings  # its own failure would call it again
        assert _nodes(workflow, {"n8n-nodes-base.errorTrigger"})
    else:
        assert settings.get("errorWorkflow") == ERROR_HANDLER


def test_nodes_are_at_n8n_2_41_current_versions(workflow):
    stale = [(n["name"], n["type"], n["typeVersion"]) for n in workflow["nodes"]
             if CURRENT_VERSIONS.get(n["type"]) != n["typeVersion"]]
    assert not stale


def test_the_error_handler_is_in_the_pack():
    assert ERROR_HANDLER in {_load(p)["id"] for p in WORKFLOWS}
