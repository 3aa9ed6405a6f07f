"""N records written to one Odoo model by the sync's batched write-back, against N single calls.

The records are N fixed prices (product.pricelist.item), written by the `sync_prices` write-back
the outbox runs for POST /v1/sync/prices: one read of the pricelists, one read of the items already
there, then one `create` per 100 records: at most 2 + N/100 RPC calls. The baseline is what n8n's
Odoo node does for the same N items: one `create` call per item. Both run in the same process
against the same Odoo, each into its own new pricelist, and the script prints the calls each made,
their times and the ratio.

Against the Odoo double started in-process by default; against a real Odoo 17 when ODOO_URL, ODOO_DB,
ODOO_USER, ODOO_PASSWORD are set (the integration user; test data is seeded as ODOO_ADMIN_LOGIN /
ODOO_ADMIN_PASSWORD, default admin/admin):

    .venv/bin/python bench/batch_writes.py [--records 500]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sidecar.odoo import OdooGateway  # noqa: E402
from sidecar.odoo.sync_writeback import ITEM, sync_prices  # noqa: E402
from sidecar.outbound import prices  # noqa: E402
from tests.support.odoo_seed import OdooSeed  # noqa: E402

INTEGRATION_LOGIN, INTEGRATION_PASSWORD = "sidecar-integration", "sidecar-integration-pw"


def call_bound(records: int) -> int:
    """The most RPC calls N records may cost: 2 + N/100."""
    return 2 + math.ceil(records / 100)


class Counted:
    """Counts the RPC calls a gateway sends (every read and write goes through `execute`)."""

    def __init__(self, gateway: OdooGateway):
        self.gateway, self.calls = gateway, 0
        inner = gateway.execute

        def execute(*args, **kwargs):
            self.calls += 1
            return inner(*args, **kwargs)

        gateway.execute = execute


def payload(products: list[int], pricelist_id: int) -> dict:
    """The job the sync would queue for one price per product, converted as POST /v1/sync/prices converts it."""
    records = [{"source": {"system": "bench", "ref": str(p)}, "kind": "list",
                "product": {"sku": f"B-{p}", "product_id": p, "default_code": None},
                "pricelist": {"id": pricelist_id, "name": None}, "partner_id": None, "price": 10.0 + i % 7,
                "currency": "USD", "min_quantity": 0, "date_start": None, "date_end": None}
               for i, p in enumerate(products)]
    return {"ref": f"bench-{pricelist_id}", "items": [prices.convert(record, "bench") for record in records]}


def batched(gateway: OdooGateway, products: list[int], pricelist_id: int) -> tuple[int, float]:
    """The sync's write-back: (calls, seconds)."""
    counted, job = Counted(gateway), payload(products, pricelist_id)
    start = time.perf_counter()
    result = sync_prices(gateway, job)
    elapsed = time.perf_counter() - start
    assert len(result["created"]) == len(products), result
    return counted.calls, elapsed


def single(gateway: OdooGateway, products: list[int], pricelist_id: int) -> tuple[int, float]:
    """n8n's Odoo node: one create per item: (calls, seconds)."""
    counted = Counted(gateway)
    start = time.perf_counter()
    for i, product in enumerate(products):
        gateway.execute(ITEM, "create", {"pricelist_id": pricelist_id, "applied_on": "0_product_variant",
                                         "product_id": product, "compute_price": "fixed", "fixed_price": 10.0 + i % 7})
    return counted.calls, time.perf_counter() - start


def run(url: str, db: str, login: str, password: str, admin: tuple[str, str], records: int) -> dict:
    """Seed products and two pricelists as admin, then write N prices both ways as the sidecar's user."""
    seed = OdooSeed(url, db, *admin)
    try:
        products = seed.call("product.product", "create", [{"name": f"Bench product {i}", "detailed_type": "consu"}
                                                           for i in range(records)])
        usd = seed.call("res.currency", "search", [("name", "=", "USD")], context={"active_test": False})[0]
        lists = [seed.call("product.pricelist", "create", {"name": f"Bench {kind} {time.time_ns()}", "currency_id": usd})
                 for kind in ("batched", "single")]
    finally:
        seed.close()
    gateway = OdooGateway(url, db, login, password, timeout=120)
    try:
        gateway.version()
        batch_calls, batch_time = batched(gateway, products, lists[0])
        gateway = OdooGateway(url, db, login, password, timeout=120)
        single_calls, single_time = single(gateway, products, lists[1])
    finally:
        gateway.close()
    return {"records": records, "batched_calls": batch_calls, "bound": call_bound(records),
            "batched_seconds": batch_time, "single_calls": single_calls, "single_seconds": single_time}


def on_the_double(records: int) -> dict:
    """The same run against the Odoo double, started in this process."""
    from tests.support.odoo_fixtures import DOUBLE_DB, provision_integration_user
    from tests.odoo_double import OdooDouble

    double = OdooDouble(db=DOUBLE_DB)
    url = double.start(host="127.0.0.1", port=0)
    try:
        admin = OdooGateway(url, DOUBLE_DB, "admin", "admin")
        from sidecar.odoo.integration_user import provision
        provision(admin, INTEGRATION_LOGIN, INTEGRATION_PASSWORD)
        admin.close()
        return run(url, DOUBLE_DB, INTEGRATION_LOGIN, INTEGRATION_PASSWORD, ("admin", "admin"), records)
    finally:
        double.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500)
    args = parser.parse_args(argv)
    if os.environ.get("ODOO_URL"):
        where = f"Odoo at {os.environ['ODOO_URL']} db {os.environ['ODOO_DB']}"
        found = run(os.environ["ODOO_URL"], os.environ["ODOO_DB"], os.environ["ODOO_USER"], os.environ["ODOO_PASSWORD"],
                    (os.environ.get("ODOO_ADMIN_LOGIN", "admin"), os.environ.get("ODOO_ADMIN_PASSWORD", "admin")),
                    args.records)
    else:
        where = "the Odoo double (in process)"
        found = on_the_double(args.records)
    print(f"{found['records']} pricelist items written to {where}")
    print(f"  batched (sync_prices): {found['batched_calls']:5d} RPC calls (bound 2 + N/100 = {found['bound']}), "
          f"{found['batched_seconds']:.3f}s")
    print(f"  single (n8n's node):   {found['single_calls']:5d} RPC calls, {found['single_seconds']:.3f}s")
    print(f"  time ratio single / batched: {found['single_seconds'] / found['batched_seconds']:.1f}x")
    ok = found["batched_calls"] <= found["bound"]
    print("  within the bound" if ok else "  OVER THE BOUND")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
