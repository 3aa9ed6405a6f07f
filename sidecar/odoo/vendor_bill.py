"""Reads of the vendor-bill match flow: one vendor bill with its lines' purchase order lines, in one call."""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, OdooError
from sidecar.odoo.gateway import OdooGateway

ACCOUNT_MOVE = "account.move"
LOGIN = {"fields": {"login": {}}, "context": {"active_test": False}}  # archived users keep their login
# One web_read: the bill, its invoice lines and, per line, the purchase order line it bills
# (purchase/models/account_invoice.py: account.move.line.purchase_line_id) with what Odoo counts
# on it: ordered (product_qty), received (qty_received), billed so far (qty_invoiced: every bill
# line not cancelled, this draft bill's own lines included) and its unit price.
SPECIFICATION = {
    "name": {}, "state": {}, "move_type": {}, "amount_untaxed": {}, "amount_total": {}, "write_date": {},
    "company_id": {}, "invoice_date": {}, "ref": {},
    "currency_id": {"fields": {"name": {}, "decimal_places": {}}},
    "partner_id": {"fields": {"display_name": {}, "commercial_partner_id": {"fields": {"name": {}}}}},
    "write_uid": LOGIN,
    "invoice_line_ids": {"fields": {
        "display_type": {}, "name": {}, "quantity": {}, "price_unit": {}, "price_subtotal": {},
        "product_id": {"fields": {"display_name": {}}},
        "purchase_line_id": {"fields": {"product_qty": {}, "qty_received": {}, "qty_invoiced": {},
                                        "price_unit": {}, "order_id": {"fields": {"name": {}}}}},
    }},
}


def _pair(record) -> list | bool:
    """A related record of web_read as `read` names it: [id, display name], or False."""
    return [record["id"], record.get("display_name") or record.get("name") or ""] if record else False


def _po_line(record) -> dict | None:
    if not record:
        return None
    order = record.get("order_id") or {}
    return {"id": record["id"], "order_id": order.get("id"), "order_name": order.get("name"),
            **{key: record.get(key) for key in ("product_qty", "qty_received", "qty_invoiced", "price_unit")}}


def read_bill_bundle(gateway: OdooGateway, bill_id: int) -> dict:
    """The vendor bill and what its match policy needs, as Odoo answered it (one web_read).

    Read with every company of the integration user allowed (no company-dependent field is read),
    as intake does.
    """
    rows = gateway.web_read(ACCOUNT_MOVE, [bill_id], SPECIFICATION, context=gateway._across_companies())
    if not rows:
        raise OdooError(RECORD_MISSING, f"{ACCOUNT_MOVE} {bill_id} does not exist")
    row = rows[0]
    partner = row.get("partner_id") or {}
    commercial = partner.get("commercial_partner_id") or partner
    lines = [{"id": line["id"], "display_type": line.get("display_type"), "name": line.get("name"),
              "product_id": _pair(line.get("product_id")), "quantity": line.get("quantity"),
              "price_unit": line.get("price_unit"), "price_subtotal": line.get("price_subtotal"),
              "purchase_line": _po_line(line.get("purchase_line_id"))}
             for line in row.get("invoice_line_ids") or []]
    bill = {key: row.get(key) for key in ("id", "name", "state", "move_type", "amount_untaxed", "amount_total",
                                          "write_date", "company_id", "invoice_date", "ref")}
    bill.update(partner_id=_pair(partner), currency_id=_pair(row.get("currency_id")),
                write_uid=_pair(row.get("write_uid")))
    writer = row.get("write_uid")
    return {
        "bill": bill, "lines": lines,
        "commercial_partner": {"id": commercial.get("id"), "name": commercial.get("name") or commercial.get("display_name")},
        "currency": row.get("currency_id") or {},
        "users": [{"id": writer["id"], "login": writer.get("login")}] if writer else [],
    }
