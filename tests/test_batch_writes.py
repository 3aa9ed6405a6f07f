"""N records to one model in at most 2 + N/100 RPC calls (bench/batch_writes.py), counted on the double."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sidecar.odoo import OdooGateway, batch

BENCH = Path(__file__).resolve().parents[1] / "bench" / "batch_writes.py"


def _bench():
    spec = importlib.util.spec_from_file_location("batch_writes", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("records", [1, 100, 101, 250])
def test_n_prices_cost_at_most_two_calls_plus_one_per_hundred(odoo_double, odoo_target, records):
    bench = _bench()
    found = bench.run(odoo_target.url, odoo_target.db, odoo_target.login, odoo_target.password, ("admin", "admin"),
                      records)
    assert found["batched_calls"] <= bench.call_bound(records) == 2 + -(-records // 100)
    assert found["single_calls"] == records  # what n8n's Odoo node sends: one create per item


def test_a_write_goes_once_per_group_of_records_sharing_the_same_values(odoo_double, odoo_target, odoo_seed):
    items = [odoo_seed.call("res.partner", "create", {"name": f"Batch partner {i}"}) for i in range(6)]
    gateway = OdooGateway(odoo_target.url, odoo_target.db, "admin", "admin")
    counted = _bench().Counted(gateway)
    writes = batch.write_grouped(gateway, "res.partner", {pid: {"city": "Even" if i % 2 == 0 else "Odd"}
                                                           for i, pid in enumerate(items)})
    rows = odoo_seed.read("res.partner", items, ["city"])
    assert writes == counted.calls == 2
    assert [r["city"] for r in rows] == ["Even", "Odd"] * 3
