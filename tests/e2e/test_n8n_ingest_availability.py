"""End to end in a real n8n for the channel availability feed: the scheduled Channel availability workflow (run
now, as its schedule would) -> GET /v1/availability (Odoo's free quantity per channel, less its buffer) -> one
post per channel to the feed URL the workflow's Channel feeds setting holds (a local receiver here), with the
Channel feed credential. The stack is tests/e2e/conftest.py's; free quantities are read back from Odoo as admin."""
from __future__ import annotations

import json
import math
import os
import subprocess

import pytest

from tests.e2e.conftest import CHANNELS, FEED_TOKEN, N8N_SH, ROOT, _n8n_env

pytestmark = pytest.mark.e2e

WORKFLOW_ID = json.loads((ROOT / "n8n-workflows" / "channel-availability.json").read_text())["id"]


def run_workflow(stack) -> None:
    """What the schedule does every 15 minutes, now (scripts/n8n.sh execute, beside the running n8n)."""
    env = _n8n_env(stack.folder, int(stack.n8n_url.rsplit(":", 1)[1]), stack.sidecar_url)
    done = subprocess.run(["bash", str(N8N_SH), "execute", WORKFLOW_ID], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"the workflow failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def free_in_warehouse(odoo_seed, product_id: int, code: str) -> float:
    """Odoo's own free quantity of the product in the warehouse."""
    [warehouse] = odoo_seed.search_read("stock.warehouse", [("code", "=", code)], ["id"])
    return odoo_seed.call("product.product", "read", [product_id], ["free_qty"],
                          context={"warehouse": warehouse["id"]})[0]["free_qty"]


def test_each_channel_gets_its_available_to_promise_at_its_own_url(stack, odoo_seed, feed_receiver):
    product = odoo_seed.product(cost=3.0, price=9.0, on_hand=35)
    free = free_in_warehouse(odoo_seed, product, "WH")
    assert free == 35.0
    letters_before, received = stack.n8n_letters(), len(feed_receiver.results)

    run_workflow(stack)
    posts = feed_receiver.wait(received + len(CHANNELS))[received:]
    assert sorted(p["path"].rsplit("/", 1)[1] for p in posts) == sorted(CHANNELS)
    assert {p["authorization"] for p in posts} == {f"Bearer {FEED_TOKEN}"}
    feeds = {p["body"]["channel"]: p["body"] for p in posts}
    for channel, settings in CHANNELS.items():
        assert feeds[channel]["warehouses"] == settings["warehouses"] and feeds[channel]["as_of"]
        [item] = [i for i in feeds[channel]["items"] if i["product_id"] == product]
        buffer = settings.get("buffer_units", 0) + math.ceil(free * settings.get("buffer_percent", 0) / 100)
        assert item["available"] == free - buffer and item["uom"] == "Units"
    assert feeds["shop-eu"]["items"][0].keys() >= {"sku", "product_id", "name", "available", "uom"}
    assert stack.n8n_letters() == letters_before
