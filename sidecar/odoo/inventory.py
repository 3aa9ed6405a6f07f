"""Reads of the inventory-adjustment flow: one counted stock.quant with what its policy needs, in one call."""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, OdooError
from sidecar.odoo.gateway import OdooGateway, company_context
from sidecar.values import m2o_id

STOCK_QUANT = "stock.quant"
LOGIN = {"fields": {"login": {}}, "context": {"active_test": False}}  # archived users keep their login
# One web_read: the quant's count (inventory_quantity, inventory_diff_quantity, inventory_quantity_set),
# its product with its cost (standard_price, company-dependent: read in the quant's company), unit and
# category, its location's warehouse, its company's currency, and the login of the committed writer
# (who set the count).
SPECIFICATION = {
    "display_name": {}, "quantity": {}, "inventory_quantity": {}, "inventory_diff_quantity": {},
    "inventory_quantity_set": {}, "write_date": {}, "company_id": {"fields": {"currency_id": {"fields": {
        "name": {}, "decimal_places": {}}}}},
    "product_id": {"fields": {"display_name": {}, "standard_price": {}, "categ_id": {"fields": {"display_name": {}}}}},
    "product_uom_id": {"fields": {"display_name": {}}}, "lot_id": {"fields": {"display_name": {}}},
    "location_id": {"fields": {"display_name": {}, "warehouse_id": {}}},
    "write_uid": LOGIN,
}


def _read(gateway: OdooGateway, quant_id: int, context: dict | None) -> dict:
    rows = gateway.web_read(STOCK_QUANT, [quant_id], SPECIFICATION, context=context)
    if not rows:
        raise OdooError(RECORD_MISSING, f"{STOCK_QUANT} {quant_id} does not exist")
    return rows[0]


def read_quant_bundle(gateway: OdooGateway, quant_id: int) -> dict:
    """The counted quant as Odoo answers it (one web_read; a second one only for a quant of another company).

    The product's cost is company-dependent: read first with every company of the integration user
    allowed (its default first, as intake does); a quant of another company is read again in its own
    company so its cost is that company's.
    """
    across = gateway._across_companies()
    row = _read(gateway, quant_id, across)
    company = row.get("company_id") or {}
    default = ((across or {}).get("allowed_company_ids") or [None])[0]
    if company.get("id") and company["id"] != default:
        row = _read(gateway, quant_id, company_context(company["id"]))
    return row


STOCK_MOVE = "stock.move"
HISTORY_FIELDS = ["date", "quantity", "location_dest_id"]


def read_adjustment_history(gateway: OdooGateway, product_id: int, location_id: int, company_id: int | None,
                            limit: int) -> list[dict]:
    """The product's latest applied inventory adjustments at the location, oldest first, in one search_read:
    Odoo's done inventory moves (`is_inventory`, stock/models/stock_quant.py _apply_inventory) into the location
    (a count above what was on hand: positive) or out of it (below: negative; a count that confirmed: 0)."""
    domain = [("product_id", "=", product_id), ("is_inventory", "=", True), ("state", "=", "done"),
              "|", ("location_id", "=", location_id), ("location_dest_id", "=", location_id)]
    rows = gateway.search_read(STOCK_MOVE, domain, HISTORY_FIELDS, limit=limit, order="date desc, id desc",
                               context=company_context(company_id))
    return [{"move_id": row["id"], "date": row["date"],
             "quantity": row["quantity"] if m2o_id(row["location_dest_id"]) == location_id else -row["quantity"]}
            for row in reversed(rows)]
