"""How long one release decision waits on Odoo, as a ratio of one bare `common.version` call.

Against the real Odoo 17 named by ODOO_URL, ODOO_DB, ODOO_USER, ODOO_PASSWORD (the sidecar's login;
test data is seeded as ODOO_ADMIN_LOGIN / ODOO_ADMIN_PASSWORD, default admin/admin). It seeds one
submitted quotation (three storable lines and a service), then measures, interleaved round by round:

  bare      one `common.version` call on the gateway's transport (no login, no database work)
  decision  the sidecar's Odoo work for one release decision: the intake (committed and submitted,
            one search_count), the facts (one web_read, one stock read) and the facts built from them
  old path  the same decision read as before: intake in two counts, the order and each related model
            in its own call, the logins asked apart, a new connection per call (keep-alive off)

and prints the medians, the ratios and the target (a decision within 3x one bare call).

    out=$(bash ../shared/odoo17/start.sh --fresh-db bench) && eval "$out"
    .venv/bin/python bench/decision_rpc.py [--rounds 200]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sidecar.flows.pipeline import matches, written_since  # noqa: E402
from sidecar.odoo import OdooGateway, release_bundle  # noqa: E402
from sidecar.policy import DEMO_POLICY_PATH  # noqa: E402
from sidecar.transform.sales_order import build_release_facts  # noqa: E402
from tests.support.odoo_seed import OdooSeed  # noqa: E402
from tests.test_decision_calls import bundle_model_by_model  # noqa: E402

TARGET = 3.0
ORDER = "sale.order"


def intake_domain() -> list:
    """The release policy's intake domain (whichever name the policy format gives it)."""
    intake = json.loads(DEMO_POLICY_PATH.read_text())["intake"]
    return intake.get("domain") or intake["submitted_domain"]


def seed_quotation(url: str, db: str) -> tuple[int, str]:
    """A submitted quotation: (its id, the write_date Odoo's webhook would carry)."""
    seed = OdooSeed(url, db, os.environ.get("ODOO_ADMIN_LOGIN", "admin"),
                    os.environ.get("ODOO_ADMIN_PASSWORD", "admin"))
    try:
        lines = [(seed.product(cost=cost, price=price, on_hand=20.0), 2.0, price)
                 for cost, price in ((60.0, 100.0), (12.0, 30.0), (150.0, 260.0))]
        lines.append((seed.product(cost=10.0, price=25.0, storable=False), 1.0, 25.0))
        order_id = seed.quotation(seed.customer(credit_limit=100000.0), lines=lines, state="sent")
        return order_id, seed.request_release(order_id)["write_date"]
    finally:
        seed.close()


def decision(gateway: OdooGateway, order_id: int, write_date: str, domain: list) -> dict:
    """The sidecar's Odoo work for one decision (sidecar.flows.release: check_submission, read_release_facts)."""
    assert gateway.committed_match(ORDER, order_id, write_date, domain), "the quotation is not submitted"
    return build_release_facts(gateway.read_release_bundle(order_id, None))


def old_decision(gateway: OdooGateway, order_id: int, write_date: str, domain: list) -> dict:
    """The same work as the sidecar did it before: two counts, one read per model, the logins apart."""
    assert written_since(gateway, ORDER, order_id, write_date) and matches(gateway, ORDER, order_id, domain)
    gateway._one("res.users", gateway._client().env.uid, ["company_ids"])  # the order was looked up across companies
    bundle = bundle_model_by_model(gateway, order_id)
    storable = [p["id"] for p in bundle["products"] if p.get("detailed_type") == "product"]
    company = {"allowed_company_ids": [bundle["company"]["id"]]}
    free = gateway.free_quantities(storable, bundle["order"]["warehouse_id"][0], context=company)
    writer = bundle["order"]["write_uid"][0]
    login = gateway.read("res.users", [writer], ["login"], context=company)[0]["login"]
    gateway.user_logins([writer, bundle["order"]["user_id"][0]])
    return build_release_facts({**bundle, "free_quantities": {str(pid): free.get(pid, 0.0) for pid in storable},
                                "requested_by": {"user_id": writer, "login": login}})


def calls_of_a_decision(gateway: OdooGateway, order_id: int, write_date: str, domain: list) -> dict:
    """Each of the decision's three calls on its own, to show where Odoo spends the time."""
    spec = release_bundle.specification(
        gateway._optional(ORDER, release_bundle.MARGIN_ORDER_FIELDS),
        gateway._optional("sale.order.line", release_bundle.MARGIN_LINE_FIELDS)
        + gateway._optional("sale.order.line", release_bundle.DELIVERY_LINE_FIELDS))
    bundle = gateway.read_release_bundle(order_id, None)
    company = bundle["company"]["id"]
    storable = [int(pid) for pid in bundle["free_quantities"]]
    warehouse = bundle["order"]["warehouse_id"][0]
    return {
        "intake search_count": lambda: gateway.committed_match(ORDER, order_id, write_date, domain),
        "facts web_read": lambda: gateway.web_read(ORDER, [order_id], spec, company_id=company),
        "stock search_read": lambda: gateway.free_quantities(storable, warehouse,
                                                             context={"allowed_company_ids": [company]}),
    }


def same_facts(new: dict, old: dict) -> bool:
    """Both paths read the same facts (the lead time is counted from each read's own moment)."""
    return {k: v for k, v in new.items() if k != "lead_time"} == {k: v for k, v in old.items() if k != "lead_time"}


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    url, db = os.environ["ODOO_URL"], os.environ["ODOO_DB"]
    login, password = os.environ.get("ODOO_USER", "admin"), os.environ.get("ODOO_PASSWORD", "admin")
    order_id, write_date = seed_quotation(url, db)
    domain = intake_domain()
    new = OdooGateway(url, db, login, password)
    old = OdooGateway(url, db, login, password, keep_alive=False)
    assert same_facts(decision(new, order_id, write_date, domain), old_decision(old, order_id, write_date, domain))

    before = new.pool.stats()
    decision(new, order_id, write_date, domain)
    after = new.pool.stats()
    calls = after["requests"] - before["requests"]
    new.version()
    kept = new.pool.stats()["connections"] == after["connections"]

    parts = calls_of_a_decision(new, order_id, write_date, domain)
    runs: dict[str, list[float]] = {"bare": [], "decision": [], "old path": [], **{name: [] for name in parts}}
    for _ in range(args.rounds):
        runs["bare"].append(timed(new.version))
        runs["decision"].append(timed(lambda: decision(new, order_id, write_date, domain)))
        runs["old path"].append(timed(lambda: old_decision(old, order_id, write_date, domain)))
        for name, work in parts.items():
            runs[name].append(timed(work))
    medians = {name: statistics.median(values) * 1000 for name, values in runs.items()}
    bare = medians["bare"]
    print(f"Odoo {url} db {db} as {login}: sale.order {order_id}, {args.rounds} rounds, medians")
    print(f"  bare common.version     {bare:8.2f} ms   1.00x")
    print(f"  decision ({calls} calls)     {medians['decision']:8.2f} ms  {medians['decision'] / bare:5.2f}x"
          f"   target <= {TARGET:g}x: {'met' if medians['decision'] / bare <= TARGET else 'NOT met'}")
    print(f"  old path (new connection per call) "
          f"{medians['old path']:8.2f} ms  {medians['old path'] / bare:5.2f}x"
          f"   ({medians['old path'] / medians['decision']:.1f}x the decision)")
    for name in parts:
        print(f"    {name:21s} {medians[name]:8.2f} ms  {medians[name] / bare:5.2f}x")
    print(f"  connections kept alive by the server: {'yes' if kept else 'no (it answers Connection: close)'}")
    new.close()
    old.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
