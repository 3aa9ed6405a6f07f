"""Procurement test data through JSON-RPC, on the double or a real Odoo 17: vendors with class tags,
vendor prices (product.supplierinfo), blanket orders (purchase.requisition, confirmed as Odoo does:
`action_in_progress` makes each line a price of the vendor) and draft RFQs, some naming an agreement,
sent to the procurement check the way the "Request procurement check" server action does it (the
"Procurement check" activity created through the order's write)."""
from __future__ import annotations

from tests.support.odoo_seed import OdooSeed, unique
from tests.support.purchase_seed import PurchaseSeed

ACTIVITY_TYPE = "Procurement check"  # sidecar.odoo.procurement_setup.ACTIVITY_TYPE_NAME
WEBHOOK_FIELDS = ["write_date", "write_uid", "name", "state"]  # sidecar.odoo.procurement_setup.WEBHOOK_FIELDS


class ProcurementSeed:
    """Wraps an administrator's OdooSeed; company settings it changes are put back by the seed's close()."""

    def __init__(self, seed: OdooSeed):
        self.seed = seed
        self.purchase = PurchaseSeed(seed)

    def vendor(self, classes=("Approved",)) -> int:
        return self.purchase.vendor(classes=classes, name="Agreement Vendor")

    def product(self, cost: float = 50.0, categ_id: int | None = None) -> int:
        """A consumable product (no stock needed to buy it)."""
        vals = {"name": unique("Procured Product"), "detailed_type": "consu", "standard_price": float(cost)}
        if categ_id:
            vals["categ_id"] = categ_id
        return self.seed.call("product.product", "create", vals)

    def vendor_price(self, vendor_id: int, product_id: int, price: float, min_qty: float = 0.0, **extra) -> int:
        """A vendor price of the product's template (product.supplierinfo)."""
        template = self.seed.read("product.product", [product_id], ["product_tmpl_id"])[0]["product_tmpl_id"][0]
        return self.seed.call("product.supplierinfo", "create", {
            "partner_id": vendor_id, "product_tmpl_id": template, "price": float(price), "min_qty": float(min_qty),
            **extra})

    def blanket_order(self, vendor_id: int, lines) -> int:
        """A confirmed blanket order; ``lines`` are ``(product_id, quantity, unit price)``."""
        requisition = self.seed.call("purchase.requisition", "create", {
            "vendor_id": vendor_id, "line_ids": [(0, 0, {"product_id": p, "product_qty": float(q), "price_unit": float(pr)})
                                                 for p, q, pr in lines]})
        self.seed.call("purchase.requisition", "action_in_progress", [requisition])
        return requisition

    def rfq(self, vendor_id: int, lines, requisition_id: int | None = None, company_id: int | None = None) -> int:
        """A draft RFQ; ``lines`` are ``(product_id, quantity, unit price)`` (no taxes)."""
        vals = {"partner_id": vendor_id, "order_line": [
            (0, 0, {"product_id": p, "product_qty": float(q), "price_unit": float(price), "taxes_id": [(6, 0, [])]})
            for p, q, price in lines]}
        if requisition_id:
            vals["requisition_id"] = requisition_id
        if company_id:
            vals["company_id"] = company_id
        return self.seed.call("purchase.order", "create", vals, **self.seed.as_company(company_id))

    def confirm(self, order_id: int) -> None:
        self.seed.call("purchase.order", "button_confirm", [order_id])

    def activity_type_id(self) -> int:
        """The marker's activity type (made when missing, as `sidecar odoo provision` makes it)."""
        found = self.seed.call("mail.activity.type", "search", [("name", "=", ACTIVITY_TYPE),
                                                                ("res_model", "=", "purchase.order")], limit=1)
        return found[0] if found else self.seed.call("mail.activity.type", "create", {
            "name": ACTIVITY_TYPE, "res_model": "purchase.order", "category": "default", "delay_count": 0})

    def request_check(self, order_id: int) -> dict:
        """Submit the RFQ as "Request procurement check" does: the marker activity is created through the
        order's write; returns the body Odoo's Automation Rule posts."""
        kind = self.activity_type_id()
        model_id = self.seed.call("ir.model", "search", [("model", "=", "purchase.order")], limit=1)[0]
        self.seed.call("purchase.order", "write", [order_id], {"activity_ids": [(0, 0, {
            "res_model_id": model_id, "activity_type_id": kind, "user_id": self.seed.uid,
            "summary": "Procurement check requested"})]})
        row = self.seed.call("purchase.order", "read", [order_id], WEBHOOK_FIELDS, load=None)[0]
        return {"_action": "Send Webhook Notification(#0)", "_id": order_id, "_model": "purchase.order", **row}

    def markers(self, order_id: int) -> list[dict]:
        """The RFQ's open "Procurement check" activities."""
        return self.seed.search_read("mail.activity", [("res_model", "=", "purchase.order"), ("res_id", "=", order_id),
                                                       ("activity_type_id.name", "=", ACTIVITY_TYPE)], ["summary"])

    def order(self, order_id: int, fields=("state",)) -> dict:
        return self.seed.read("purchase.order", [order_id], list(fields))[0]

    def messages(self, order_id: int) -> list[dict]:
        return self.seed.search_read("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", order_id)],
                                     ["body"], order="id desc")

    def close(self) -> None:
        self.purchase.close()
