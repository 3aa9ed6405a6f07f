"""Reads of the return-request flow: one delivered picking with everything its policy needs, in one call."""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, OdooError
from sidecar.odoo.gateway import OdooGateway

STOCK_PICKING = "stock.picking"
NAMED = {"fields": {"display_name": {}}}
CURRENCY = {"fields": {"name": {}, "decimal_places": {}}}
QUANTITIES = {"state": {}, "quantity": {}, "product_uom_qty": {}}
# One web_read of the delivery (stock/models/stock_picking.py, stock_move.py; sale_stock; sale):
# - its moves with what each delivered (`quantity` once done) and the returns Odoo links to it
#   (`returned_move_ids`: moves whose origin_returned_move_id is this move, as the return wizard makes);
# - each move's sale order line (sale_stock's `sale_line_id`) with its price after discount and the
#   invoice lines that invoiced it (`invoice_lines`), each with its invoice's state and type;
# - the customer's commercial entity and its contact tags with their parent ("Customer tier");
# - the company's currency, the sale order's currency and rate, the operation type's warehouse.
SPECIFICATION = {
    "name": {}, "state": {}, "write_date": {}, "date_done": {}, "picking_type_code": {}, "origin": {},
    "company_id": {"fields": {"currency_id": CURRENCY}},
    "picking_type_id": {"fields": {"warehouse_id": {}}},
    "partner_id": {"fields": {"display_name": {}, "commercial_partner_id": {"fields": {
        "name": {}, "category_id": {"fields": {"name": {}, "parent_id": NAMED}}}}}},
    "sale_id": {"fields": {"name": {}, "currency_rate": {}, "currency_id": CURRENCY}},
    "move_ids": {"fields": {
        **QUANTITIES,
        "product_id": NAMED,
        "returned_move_ids": {"fields": QUANTITIES},
        "sale_line_id": {"fields": {"price_reduce_taxexcl": {}, "invoice_lines": {"fields": {
            "quantity": {}, "move_id": {"fields": {"name": {}, "state": {}, "move_type": {}}}}}}},
    }},
}


def _pair(record) -> list | bool:
    """A related record of web_read as `read` names it: [id, display name], or False."""
    return [record["id"], record.get("display_name") or record.get("name") or ""] if record else False


def _sale_line(record) -> dict | None:
    if not record:
        return None
    invoiced = []
    for line in record.get("invoice_lines") or []:
        move = line.get("move_id") or {}
        invoiced.append({"quantity": line.get("quantity"), "move_id": move.get("id"), "move_name": move.get("name"),
                         "state": move.get("state"), "move_type": move.get("move_type")})
    return {"id": record["id"], "price_reduce_taxexcl": record.get("price_reduce_taxexcl"), "invoice_lines": invoiced}


def read_return_bundle(gateway: OdooGateway, picking_id: int) -> dict:
    """The delivery and what the return policy needs, as Odoo answered it (one web_read, every company allowed)."""
    rows = gateway.web_read(STOCK_PICKING, [picking_id], SPECIFICATION, context=gateway._across_companies())
    if not rows:
        raise OdooError(RECORD_MISSING, f"{STOCK_PICKING} {picking_id} does not exist")
    row = rows[0]
    partner = row.get("partner_id") or {}
    commercial = partner.get("commercial_partner_id") or partner
    company = row.get("company_id") or {}
    sale = row.get("sale_id") or {}
    moves = [{"id": move["id"], "state": move.get("state"), "quantity": move.get("quantity"),
              "product_uom_qty": move.get("product_uom_qty"), "product_id": _pair(move.get("product_id")),
              "returned": [{key: r.get(key) for key in ("id", *QUANTITIES)} for r in move.get("returned_move_ids") or []],
              "sale_line": _sale_line(move.get("sale_line_id"))}
             for move in row.get("move_ids") or []]
    picking = {key: row.get(key) for key in ("id", "name", "state", "write_date", "date_done", "picking_type_code",
                                             "origin")}
    picking.update(company_id=company.get("id"), partner_id=_pair(partner),
                   warehouse_id=((row.get("picking_type_id") or {}).get("warehouse_id")) or None)
    return {
        "picking": picking, "moves": moves,
        "sale_order": {"id": sale.get("id"), "name": sale.get("name"), "currency_rate": sale.get("currency_rate"),
                       "currency": sale.get("currency_id") or {}} if sale else None,
        "company_currency": company.get("currency_id") or {},
        "commercial_partner": {"id": commercial.get("id"),
                               "name": commercial.get("name") or commercial.get("display_name")},
        "tags": [{"id": t["id"], "name": t.get("name"), "parent_id": _pair(t.get("parent_id"))}
                 for t in commercial.get("category_id") or []],
    }
