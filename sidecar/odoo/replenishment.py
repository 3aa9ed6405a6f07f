"""Reads of the replenishment-exception flow: reorder rules below their minimum, the free stock of the other
warehouses of their company, the preferred vendor, and the customer demand that ranks them. One call per model.

Odoo 17 (stock/models/stock_orderpoint.py): `qty_forecast` and `qty_on_hand` are computed when read (not
stored, not searchable: no domain can say "forecast below minimum"); the stored `qty_to_order` is recomputed
only when Odoo marks it (a rule's min/max, `stock.move._update_orderpoints`, purchase lines), so it may be
stale. The scan therefore asks Odoo for the candidate rules (the policy's intake domain, stored fields) with
their live forecast and compares forecast and minimum itself, as `_compute_qty_to_order` does.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sidecar.odoo.errors import RECORD_MISSING, OdooError
from sidecar.odoo.gateway import OdooGateway, company_context
from sidecar.values import ODOO_DATETIME

ORDERPOINT = "stock.warehouse.orderpoint"
WAREHOUSE = "stock.warehouse"
PENDING_MOVE_STATES = ("waiting", "confirmed", "partially_available", "assigned")  # stock.move: not done yet
DEMAND_DAYS = 30  # customer deliveries of the last DEMAND_DAYS days measure the demand per day
NAMED = {"fields": {"display_name": {}}}
SCAN_FIELDS = ["name", "product_id", "warehouse_id", "location_id", "company_id", "product_min_qty",
               "product_max_qty", "qty_multiple", "qty_forecast", "qty_on_hand", "trigger", "snoozed_until",
               "write_date", "product_uom"]
# Supplier lines in Odoo's own order (product.supplierinfo._order): the first valid one is the preferred vendor.
SELLER_ORDER = "sequence, min_qty desc, price, id"
SELLER = {"fields": {
    "sequence": {}, "price": {}, "min_qty": {}, "delay": {}, "date_start": {}, "date_end": {}, "product_code": {},
    "company_id": {}, "product_id": {}, "currency_id": {"fields": {"name": {}, "decimal_places": {}}},
    "partner_id": {"fields": {"display_name": {}, "commercial_partner_id": {"fields": {
        "name": {}, "category_id": {"fields": {"name": {}, "parent_id": NAMED}}}}}},
}, "order": SELLER_ORDER}
# One web_read: the rule with its live forecast, its warehouse (receipt type, stock location), location,
# unit, company currency, and the product with its cost (company-dependent: read in the rule's company),
# its supplier lines with each vendor's commercial entity and contact tags ("Vendor class / ..."), and its
# reorder rules in every warehouse (another warehouse keeps its own minimum).
SPECIFICATION = {
    "name": {}, "trigger": {}, "active": {}, "snoozed_until": {}, "write_date": {}, "product_min_qty": {},
    "product_max_qty": {}, "qty_multiple": {}, "qty_forecast": {}, "qty_on_hand": {}, "qty_to_order": {},
    "company_id": {"fields": {"display_name": {}, "currency_id": {"fields": {"name": {}, "decimal_places": {}}}}},
    "warehouse_id": {"fields": {"display_name": {}, "lot_stock_id": {}, "in_type_id": {}}},
    "location_id": NAMED,
    "product_uom": {"fields": {"display_name": {}, "rounding": {}}},
    "product_id": {"fields": {"display_name": {}, "standard_price": {}, "seller_ids": SELLER,
                              "orderpoint_ids": {"fields": {"warehouse_id": {}, "product_min_qty": {}}}}},
}


def since(days: int = DEMAND_DAYS, now: datetime | None = None) -> str:
    """Odoo's UTC datetime `days` ago."""
    return ((now or datetime.now(timezone.utc)) - timedelta(days=days)).strftime(ODOO_DATETIME)


def search_orderpoints(gateway: OdooGateway, domain: list, limit: int) -> list[dict]:
    """Reorder rules matching `domain` in every company of the integration user, with their live forecast."""
    return gateway.search_documents(ORDERPOINT, list(domain), SCAN_FIELDS, limit=limit, order="id")


def customer_moves(gateway: OdooGateway, product_ids: list[int], done_since: str) -> list[dict]:
    """Moves of these products to customers: done since `done_since`, or still waiting to be delivered.

    One web_search_read; each move names its source location's warehouse, so it counts for the
    reorder rules of that warehouse.
    """
    if not product_ids:
        return []
    domain = [("product_id", "in", sorted(set(product_ids))), ("location_dest_id.usage", "=", "customer"),
              "|", "&", ("state", "=", "done"), ("date", ">=", done_since), ("state", "in", list(PENDING_MOVE_STATES))]
    spec = {"product_id": {}, "product_qty": {}, "state": {}, "date": {}, "picking_id": {},
            "location_id": {"fields": {"warehouse_id": {}}}}
    answer = gateway.execute("stock.move", "web_search_read", domain, specification=spec,
                             context=gateway._across_companies() or {})
    return answer.get("records") or []


def _read(gateway: OdooGateway, orderpoint_id: int, context: dict | None) -> dict:
    rows = gateway.web_read(ORDERPOINT, [orderpoint_id], SPECIFICATION, context=context)
    if not rows:
        raise OdooError(RECORD_MISSING, f"{ORDERPOINT} {orderpoint_id} does not exist")
    return rows[0]


def read_orderpoint_bundle(gateway: OdooGateway, orderpoint_id: int, done_since: str | None = None) -> dict:
    """The reorder rule and everything its decision needs, as Odoo answered it (four calls, one per model; five
    for a rule of a company other than the integration user's default one).

    The rule with its product's supplier lines and reorder rules (web_read, again in its own company
    when that is not the default: the cost is company-dependent), the other warehouses of its company,
    the free quantity of the product in their stock locations (quants: quantity minus reserved), and the
    product's customer moves (demand).
    """
    across = gateway._across_companies()
    row = _read(gateway, orderpoint_id, across)
    company = (row.get("company_id") or {}).get("id")
    default = ((across or {}).get("allowed_company_ids") or [None])[0]
    if company and company != default:
        row = _read(gateway, orderpoint_id, company_context(company))
    context = company_context(company)
    product = (row.get("product_id") or {}).get("id")
    warehouse = (row.get("warehouse_id") or {}).get("id")
    warehouses = gateway.search_read(WAREHOUSE, [("company_id", "=", company), ("id", "!=", warehouse)],
                                     ["name", "code", "lot_stock_id", "int_type_id"], order="sequence, id",
                                     context=context)
    stock_locations = [w["lot_stock_id"][0] for w in warehouses if w.get("lot_stock_id")]
    quants = gateway.search_read("stock.quant", [("product_id", "=", product),
                                                 ("location_id", "child_of", stock_locations)],
                                 ["location_id", "warehouse_id", "quantity", "reserved_quantity"],
                                 context=context) if stock_locations else []
    others = {w["id"] for w in warehouses}
    rules = [rule for rule in (row.get("product_id") or {}).get("orderpoint_ids") or []
             if rule.get("warehouse_id") in others]
    moves = customer_moves(gateway, [product], done_since or since()) if product else []
    return {"orderpoint": row, "warehouses": warehouses, "quants": quants, "rules": rules, "moves": moves,
            "integration_login": gateway.login}
