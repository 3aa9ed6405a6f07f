"""End to end in a real n8n for the Stock drift check workflow: the sidecar's inventory positions are the canonical
snapshot, the workflow asks for drift against Odoo (the double) and its notice names the position that differs.
The stack is tests/e2e/conftest.py's."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.e2e.conftest import N8N_SH, ROOT, _n8n_env

pytestmark = pytest.mark.e2e

WORKFLOW_ID = json.loads((ROOT / "n8n-workflows" / "stock-drift-check.json").read_text())["id"]


def test_a_position_that_odoo_does_not_show_is_notified(stack, odoo_seed):
    main = odoo_seed.search_read("stock.warehouse", [("company_id", "=", odoo_seed.company_id())], ["code"],
                                 limit=1, order="id")[0]
    warehouse = main["code"]
    product = odoo_seed.product(cost=1.0, price=2.0, on_hand=10)
    received = stack.sidecar("POST", "/v1/inventory/positions", json={"product_id": product, "warehouse": warehouse,
                                                                       "quantity": 12})
    assert received.status_code == 201, received.text
    moved = stack.sidecar("POST", f"/v1/inventory/positions/{received.json()['id']}/transitions",
                          json={"from": "received", "to": "available", "quantity": 12})
    assert moved.status_code == 200, moved.text
    env = _n8n_env(stack.folder, int(stack.n8n_url.rsplit(":", 1)[1]), stack.sidecar_url)
    done = subprocess.run(["bash", str(N8N_SH), "execute", WORKFLOW_ID], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"the workflow failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    odoo = odoo_seed.call("product.product", "read", [product], ["qty_available"],
                          context={"warehouse": main["id"]})[0]["qty_available"]
    assert odoo == 10
    assert f"product {product} in {warehouse}: different on_hand 12 vs Odoo {odoo:g}" in done.stdout, \
        done.stdout[-3000:]
    assert '"notify": "stock"' in done.stdout
