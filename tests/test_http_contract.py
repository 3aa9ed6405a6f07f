"""node-specs, Flask routes and the workflows' HTTP nodes must describe the same contract."""
import json
import re
from pathlib import Path

import pytest

from sidecar import contracts
from sidecar.specs import flask_rule, load_specs, openapi_document

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / "n8n-workflows").glob("*.json"))
BASE_URL = "__SIDECAR_URL__"  # scripts/n8n.sh writes the sidecar's URL in at import
# Webhooks that change something and whose caller is not authenticated by the sidecar itself.
BASIC_AUTH_CREDENTIAL = {"id": "odooWebhookAuth1", "name": "Odoo webhook"}
# The approval webhook's caller is authenticated by the sidecar: the decision token it passes on.
TOKEN_WEBHOOKS = {"approvals/decision"}
# Carriers, suppliers and the WMS post to the ingest webhooks with a token header of their own.
PARTNER_CREDENTIAL = {"id": "partnerWebhook01", "name": "Partner webhook"}
# The availability feed goes to each channel's own URL (the workflow's Channel feeds setting), not the sidecar.
FEED_CREDENTIAL = {"id": "channelFeedAuth01", "name": "Channel feed"}


@pytest.fixture(scope="module")
def routes(app_without_odoo):
    found = {}
    for rule in app_without_odoo.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app_without_odoo.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method, re.sub(r"<\w+:(\w+)>", r"<\1>", rule.rule))] = getattr(view, "required_scope", None)
    return found


def test_every_route_has_a_spec_and_every_spec_a_route(routes):
    specified = {(s["method"], flask_rule(s["path"])): s["scope"] for s in load_specs()}
    assert specified.keys() == routes.keys()


def test_scopes_agree(routes):
    for spec in load_specs():
        assert routes[(spec["method"], flask_rule(spec["path"]))] == spec["scope"], spec["operation"]


def test_specs_name_real_contracts_and_unique_operations():
    specs = load_specs()
    assert len({s["operation"] for s in specs}) == len(specs)
    for spec in specs:
        if spec["request"]:
            assert contracts.schema(spec["request"]["contract"])


def test_openapi_covers_every_spec():
    document = openapi_document()
    operations = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert sorted(operations) == sorted(s["operation"] for s in load_specs())


def _http_nodes(channel: bool = False):
    """The HTTP Request nodes calling the sidecar (or, with `channel`, those posting to a channel's feed)."""
    for path in WORKFLOWS:
        workflow = json.loads(path.read_text())
        for node in workflow["nodes"]:
            if node["type"] == "n8n-nodes-base.httpRequest" and \
                    (node.get("credentials", {}).get("httpHeaderAuth") == FEED_CREDENTIAL) == channel:
                yield path.name, node


def _spec_path(url: str) -> str:
    """`=__SIDECAR_URL__/v1/approvals/{{ $json.approval_id }}/decision` -> `/v1/approvals/{}/decision`."""
    url = url.lstrip("=").strip()
    assert url.startswith(BASE_URL), f"{url} must start with {BASE_URL}"
    return re.sub(r"\{\{.*?\}\}", "{}", url[len(BASE_URL):])


def test_workflows_exist():
    names = {p.name for p in WORKFLOWS}
    assert {"sales-order-release.json", "error-handler.json"} <= names


@pytest.mark.parametrize("workflow, node", list(_http_nodes()), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_workflow_http_nodes_match_a_spec(workflow, node):
    params = node["parameters"]
    path = _spec_path(params["url"])
    method = params.get("method", "GET")
    # A path parameter matches an expression ({}) or a literal segment (/v1/ingest/wms-stock).
    matching = [s for s in load_specs() if s["method"] == method and
                re.fullmatch(re.sub(r"\\\{\w+\\\}", r"(\\{\\}|[A-Za-z0-9_.-]+)", re.escape(s["path"])), path)]
    assert matching, f"{workflow}: {node['name']} calls {method} {path}, which no node-spec describes"
    assert params.get("authentication") == "genericCredentialType"
    assert params.get("genericAuthType") == "httpHeaderAuth"
    assert set(node["credentials"]) == {"httpHeaderAuth"}
    assert set(node["credentials"]["httpHeaderAuth"]) == {"id", "name"}


@pytest.mark.parametrize("workflow, node", list(_http_nodes(channel=True)),
                         ids=lambda v: v if isinstance(v, str) else v["name"])
def test_channel_feed_nodes_post_to_the_configured_url_with_their_credential(workflow, node):
    params = node["parameters"]
    assert params["url"].startswith("={{ $('Channel feeds').first().json.feeds[")
    assert node["credentials"] == {"httpHeaderAuth": FEED_CREDENTIAL}
    assert params["options"]["response"]["response"]["neverError"] is True
    settings = next(n for n in json.loads((ROOT / "n8n-workflows" / workflow).read_text())["nodes"]
                    if n["name"] == "Channel feeds")
    [feeds] = settings["parameters"]["assignments"]["assignments"]
    assert feeds["value"] == "={{ JSON.parse('__CHANNEL_FEEDS__') }}"  # scripts/n8n.sh writes CHANNEL_FEEDS in


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_hold_no_literal_bearer_token_and_are_well_formed(path):
    text = path.read_text()
    assert not re.search(r"Bearer\s+\w{8,}", text)
    workflow = json.loads(text)
    assert workflow["settings"]["executionOrder"] == "v1"
    names = [n["name"] for n in workflow["nodes"]]
    assert len(names) == len(set(names))
    assert set(workflow["connections"]) <= set(names)


def test_openapi_is_served_without_credentials(app_without_odoo):
    answer = app_without_odoo.test_client().get("/openapi.json")
    assert answer.status_code == 200 and answer.json == json.loads(json.dumps(openapi_document()))


def test_dead_letter_schema_names_what_the_code_uses():
    from sidecar.flows import deadletters
    from sidecar.specs import load_schemas

    properties = load_schemas()["DeadLetter"]["properties"]
    assert properties["status"]["enum"] == list(deadletters.STATUSES)
    assert properties["kind"]["enum"] == list(deadletters.KINDS)
    assert properties["category"]["enum"] == list(deadletters.CATEGORIES)


def test_every_authenticated_operation_documents_its_refusals():
    for spec in load_specs():
        statuses = set(spec["responses"])
        if spec["scope"]:
            assert {"401", "403", "503"} <= statuses, spec["operation"]
        if spec.get("request"):
            assert {"400", "413", "415"} <= statuses, spec["operation"]
        if "{" in spec["path"]:
            assert "404" in statuses, spec["operation"]


def _nodes(type_: str):
    for path in WORKFLOWS:
        for node in json.loads(path.read_text())["nodes"]:
            if node["type"] == type_:
                yield path.name, node


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_read_no_environment(path):
    """n8n runs with N8N_BLOCK_ENV_ACCESS_IN_NODE=true: any $env or process.env would break, or leak."""
    text = path.read_text()
    assert "$env" not in text and "process.env" not in text


@pytest.mark.parametrize("workflow, node", list(_nodes("n8n-nodes-base.webhook")),
                         ids=lambda v: v if isinstance(v, str) else v["name"])
def test_every_webhook_is_authenticated(workflow, node):
    params = node["parameters"]
    if params["path"] in TOKEN_WEBHOOKS:
        assert params.get("authentication", "none") == "none"
        workflow_json = json.loads((ROOT / "n8n-workflows" / workflow).read_text())
        decision = next(n for n in workflow_json["nodes"] if n["type"] == "n8n-nodes-base.httpRequest")
        assert decision["parameters"]["url"].endswith("/decision")
        # The caller's fields go to the sidecar as sent: it checks the token and refuses an `approver`.
        assert "approver" not in decision["parameters"]["jsonBody"]
        return
    if params["path"].startswith("ingest/"):
        assert params.get("authentication") == "headerAuth", f"{workflow}: {node['name']} is not authenticated"
        assert node["credentials"] == {"httpHeaderAuth": PARTNER_CREDENTIAL}
        return
    assert params.get("authentication") == "basicAuth", f"{workflow}: {node['name']} is not authenticated"
    assert node["credentials"] == {"httpBasicAuth": BASIC_AUTH_CREDENTIAL}


def test_scripts_start_n8n_without_the_environment_and_with_env_access_blocked():
    script = (ROOT / "scripts" / "n8n.sh").read_text()
    assert "export N8N_BLOCK_ENV_ACCESS_IN_NODE=true" in script
    assert "N8N_BLOCK_ENV_ACCESS_IN_NODE=false" not in script
    starts = [line for line in script.splitlines() if '"$N8N_BIN"' in line and "node " in line]
    assert starts and all("env -i" in line for line in starts), starts


@pytest.mark.parametrize("workflow, node", list(_http_nodes()), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_final_answers_are_not_retried(workflow, node):
    """retryOnFail must not repeat a final 4xx: the node must not error on HTTP statuses, and a branch decides."""
    if node.get("retryOnFail"):
        assert node["parameters"]["options"]["response"]["response"].get("neverError") is True, node["name"]


def test_the_release_workflow_branches_on_the_sidecars_status():
    """2xx goes on, 5xx/429 is asked again a bounded number of times, the rest stops with the event."""
    workflow = json.loads((ROOT / "n8n-workflows" / "sales-order-release.json").read_text())
    nodes = {n["name"]: n for n in workflow["nodes"]}
    wiring = {name: [[c["node"] for c in out] for out in links["main"]]
              for name, links in workflow["connections"].items()}
    assert wiring["Sidecar: decide release"] == [["Sidecar answer"]]
    assert wiring["Sidecar answer"] == [["Route by outcome"], ["Wait before asking again"],
                                        ["Sidecar refused the event"]]
    assert wiring["Wait before asking again"] == [["Sidecar: decide release"]]
    accepted, retry = nodes["Sidecar answer"]["parameters"]["rules"]["values"]
    assert "statusCode >= 200 && $json.statusCode < 300" in accepted["conditions"]["conditions"][0]["leftValue"]
    assert "$runIndex < 2" in retry["conditions"]["conditions"][0]["leftValue"]
    assert nodes["Sidecar answer"]["parameters"]["options"]["fallbackOutput"] == "extra"
    refused = nodes["Sidecar refused the event"]
    assert refused["type"] == "n8n-nodes-base.stopAndError" and "event:" in refused["parameters"]["errorObject"]
    # Every expression reads the event from the webhook node, so a second ask sends the same event.
    sent = nodes["Sidecar: decide release"]["parameters"]
    assert "$json.body" not in sent["jsonBody"].replace("$('Odoo: quotation submitted').item.json.body", "")


def test_the_event_operation_names_every_flows_event_type_and_outcome():
    """POST /v1/events is documented for every governed flow: its event type with its contract, its outcomes."""
    from sidecar import specs
    from sidecar.flows import registry
    operation = specs.openapi_document()["paths"]["/v1/events"]["post"]
    variants = operation["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    documented = {variant["properties"]["type"]["const"]: variant["properties"]["data"] for variant in variants}
    assert set(documented) == {flow.event_type for flow in registry.flows()}
    for flow in registry.flows():
        from sidecar import contracts
        assert documented[flow.event_type]["properties"].keys() == contracts.schema(flow.contract)["properties"].keys()
        for status in ("200", "201"):
            outcome = operation["responses"][status]["content"]["application/json"]["schema"]["properties"]["outcome"]
            assert set(flow.outcomes) <= set(outcome["enum"])
