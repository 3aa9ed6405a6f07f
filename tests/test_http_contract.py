"""node-specs, Flask routes and the workflows' HTTP nodes must describe the same contract."""
import json
import re
from pathlib import Path

import pytest

from sidecar import contracts
from sidecar.specs import flask_rule, load_specs, openapi_document

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / "n8n-workflows").glob("*.json"))
BASE_URL = "{{ $env.SIDECAR_URL }}"


@pytest.fixture(scope="module")
def routes(app_without_odoo):
    found = {}
    for rule in app_without_odoo.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app_without_odoo.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method, rule.rule)] = getattr(view, "required_scope", None)
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


def _http_nodes():
    for path in WORKFLOWS:
        workflow = json.loads(path.read_text())
        for node in workflow["nodes"]:
            if node["type"] == "n8n-nodes-base.httpRequest":
                yield path.name, node


def _spec_path(url: str) -> str:
    """`={{ $env.SIDECAR_URL }}/v1/approvals/{{ $json.approval_id }}/decision` -> `/v1/approvals/{}/decision`."""
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
    matching = [s for s in load_specs() if s["method"] == method and re.sub(r"\{\w+\}", "{}", s["path"]) == path]
    assert matching, f"{workflow}: {node['name']} calls {method} {path}, which no node-spec describes"
    assert params.get("authentication") == "genericCredentialType"
    assert params.get("genericAuthType") == "httpHeaderAuth"
    assert set(node["credentials"]) == {"httpHeaderAuth"}
    assert set(node["credentials"]["httpHeaderAuth"]) == {"id", "name"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_hold_no_literal_bearer_token_and_are_well_formed(path):
    text = path.read_text()
    assert not re.search(r"Bearer\s+\w{8,}", text)
    workflow = json.loads(text)
    assert workflow["settings"]["executionOrder"] == "v1"
    names = [n["name"] for n in workflow["nodes"]]
    assert len(names) == len(set(names))
    assert set(workflow["connections"]) <= set(names)
