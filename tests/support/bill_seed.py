"""Vendor-bill test data through JSON-RPC, on the double or a real Odoo 17: a confirmed purchase order of
services (Odoo lets a user set a service line's received quantity by hand: qty_received_method
"manual"), what was received, and draft vendor bills whose lines bill its lines (purchase_line_id)."""
from __future__ import annotations

from tests.support.odoo_seed import OdooSeed, unique

# The fields the Automation Rule on vendor bills would send (as the purchase one does).
WEBHOOK_FIELDS = ["write_date", "write_uid", "name", "state", "amount_total", "move_type"]


class BillSeed:
    """Wraps an administrator's OdooSeed (the administrator confirms orders and writes bills)."""

    def __init__(self, seed: OdooSeed):
        self.seed = seed

    def vendor(self) -> int:
        return self.seed.call("res.partner", "create", {"name": unique("Bill Vendor"), "is_company": True,
                                                        "supplier_rank": 1})

    def service(self, cost: float = 100.0) -> int:
        """A service product: its purchase lines' received quantity is entered by hand."""
        return self.seed.call("product.product", "create", {
            "name": unique("Billed Service"), "detailed_type": "service", "standard_price": float(cost),
            "list_price": float(cost) * 2})

    def order(self, vendor_id: int, lines) -> tuple[int, list[int]]:
        """A confirmed purchase order; ``lines`` are ``(product_id, qty, price_unit)``; its line ids in order."""
        order_id = self.seed.call("purchase.order", "create", {"partner_id": vendor_id, "order_line": [
            (0, 0, {"product_id": p, "product_qty": float(q), "price_unit": float(price), "taxes_id": [(6, 0, [])]})
            for p, q, price in lines]})
        self.seed.call("purchase.order", "button_confirm", [order_id])
        state = self.seed.read("purchase.order", [order_id], ["state"])[0]["state"]
        if state != "purchase":
            raise AssertionError(f"Odoo put the confirmed order in {state!r}, not 'purchase'")
        return order_id, self.seed.read("purchase.order", [order_id], ["order_line"])[0]["order_line"]

    def receive(self, quantities: dict[int, float]) -> None:
        """What was received, per purchase order line."""
        for line_id, qty in quantities.items():
            self.seed.call("purchase.order.line", "write", [line_id], {"qty_received": float(qty)})

    def bill(self, vendor_id: int, lines, date: str | None = "2026-11-20") -> int:
        """A draft vendor bill; ``lines`` are ``(purchase_line_id or None, product_id, qty, price_unit)``."""
        vals = {"move_type": "in_invoice", "partner_id": vendor_id, "invoice_line_ids": [
            (0, 0, {"product_id": product, "quantity": float(qty), "price_unit": float(price), "tax_ids": [(6, 0, [])],
                    **({"purchase_line_id": po_line} if po_line else {"name": unique("Unordered")})})
            for po_line, product, qty, price in lines]}
        if date:
            vals["invoice_date"] = date
        return self.seed.call("account.move", "create", vals)

    def state(self, bill_id: int) -> str:
        return self.seed.read("account.move", [bill_id], ["state"])[0]["state"]

    def move(self, bill_id: int, fields) -> dict:
        return self.seed.read("account.move", [bill_id], list(fields))[0]

    def po_lines(self, line_ids, fields) -> list[dict]:
        return self.seed.read("purchase.order.line", list(line_ids), list(fields))

    def webhook_body(self, bill_id: int) -> dict:
        row = self.seed.call("account.move", "read", [bill_id], WEBHOOK_FIELDS, load=None)[0]
        return {"_action": "Send Webhook Notification(#0)", "_id": bill_id, "_model": "account.move", **row}

    def messages(self, bill_id: int) -> list:
        return self.seed.search_read("mail.message", [("model", "=", "account.move"), ("res_id", "=", bill_id)],
                                     ["body", "message_type"], order="id desc")

    def activities(self, bill_id: int) -> list:
        return self.seed.search_read("mail.activity", [("res_model", "=", "account.move"), ("res_id", "=", bill_id)],
                                     ["user_id", "summary", "note", "date_deadline"], context={"active_test": False})

    def request_match(self, bill_id: int) -> None:
        """Submit the bill as its "Request match" action does: a "Match requested" activity added through the
        bill (the type made when missing, as `sidecar odoo provision` makes it), so Odoo writes the bill."""
        from sidecar.odoo.match_request import ACTIVITY_TYPE, BILL_MODEL
        kind = self.seed.call("mail.activity.type", "search", [("name", "=", ACTIVITY_TYPE), ("res_model", "=", BILL_MODEL)])
        kind = kind[0] if kind else self.seed.call("mail.activity.type", "create", {"name": ACTIVITY_TYPE,
                                                                                   "res_model": BILL_MODEL})
        [model] = self.seed.call("ir.model", "search", [("model", "=", BILL_MODEL)])
        self.seed.call(BILL_MODEL, "write", [bill_id], {"activity_ids": [(0, 0, {
            "activity_type_id": kind, "res_model_id": model, "user_id": self.seed.user_id(self.seed.login),
            "summary": "Waiting for the three-way match"})]})

    def match_requests(self, bill_id: int) -> list:
        """The bill's "Match requested" markers."""
        from sidecar.odoo.match_request import ACTIVITY_TYPE
        return [a for a in self.seed.search_read("mail.activity", [("res_model", "=", "account.move"), ("res_id", "=", bill_id)],
                                                 ["activity_type_id"]) if a["activity_type_id"][1] == ACTIVITY_TYPE]
