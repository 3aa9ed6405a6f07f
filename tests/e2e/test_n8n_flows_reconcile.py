"""End to end in a real n8n for the Flows reconcile workflow: a purchase order whose webhook was lost is
found by the workflow's dry run (each reconcilable flow asked in turn) and nothing is decided.
The stack is tests/e2e/conftest.py's (go-live is its start)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from sidecar.flows import purchase_approval
from tests.e2e.conftest import N8N_SH, ROOT, _n8n_env
from tests.support.purchase_seed import PurchaseSeed

pytestmark = pytest.mark.e2e

WORKFLOW_ID = json.loads((ROOT / "n8n-workflows" / "flows-reconcile.json").read_text())["id"]


@pytest.fixture
def purchase(odoo_seed):
    seed = PurchaseSeed(odoo_seed)
    yield seed
    seed.close()


def test_a_lost_purchase_webhook_is_planned_by_the_dry_run_and_nothing_is_decided(stack, purchase):
    order_id = purchase.to_approve(purchase.vendor(classes=["Approved"]), [(purchase.product(), 10, 100.0)])
    name = purchase.order(order_id, ["name"])["name"]
    env = _n8n_env(stack.folder, int(stack.n8n_url.rsplit(":", 1)[1]), stack.sidecar_url)
    done = subprocess.run(["bash", str(N8N_SH), "execute", WORKFLOW_ID], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"the workflow failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert f'"order_name": "{name}"' in done.stdout, done.stdout[-3000:]  # in `missed` and `planned`
    assert stack.counts(order_id, purchase_approval.MODEL)["releases"] == 0
    assert purchase.state(order_id) == "to approve"
