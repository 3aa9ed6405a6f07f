"""Purchase test data through JSON-RPC, on the double or a real Odoo 17: vendors with class tags,
products in categories, and purchase orders brought to `to approve` the way Odoo does it (a buyer
who is not a purchase manager confirms an RFQ while the company asks for two-step approval)."""
from __future__ import annotations

from tests.support.odoo_seed import OdooSeed, unique

VENDOR_CLASS = "Vendor class"  # sidecar.transform.purchase_order.VENDOR_CLASS_TAG
PURCHASE_USER = "purchase.group_purchase_user"
# The fields the Automation Rule "Purchase approval: notify n8n" sends (sidecar odoo provision).
WEBHOOK_FIELDS = ["write_date", "write_uid", "name", "state", "amount_total"]


class PurchaseSeed:
    """Wraps an administrator's OdooSeed; company settings it changes are put back by the seed's close()."""

    def __init__(self, seed: OdooSeed):
        self.seed = seed
        self._buyer: OdooSeed | None = None
        self.buyer_login: str | None = None

    def close(self) -> None:
        if self._buyer is not None:
            self._buyer.close()

    def tag(self, name: str, parent: str | None = None) -> int:
        """A contact tag (found or made), under the parent tag of that name when given."""
        parent_id = self.tag(parent) if parent else False
        found = self.seed.call("res.partner.category", "search", [("name", "=", name), ("parent_id", "=", parent_id)],
                               limit=1)
        return found[0] if found else self.seed.call("res.partner.category", "create",
                                                     {"name": name, "parent_id": parent_id})

    def vendor(self, classes=(), name: str | None = None) -> int:
        """A company vendor carrying the tags "Vendor class / <class>" for each class."""
        tags = [self.tag(cls, VENDOR_CLASS) for cls in classes]
        return self.seed.call("res.partner", "create", {"name": unique(name or "Test Vendor"), "is_company": True,
                                                        "supplier_rank": 1, "category_id": [(6, 0, tags)]})

    def category(self, name: str) -> tuple[int, str]:
        """A product category under All, and its complete name as Odoo shows it."""
        parent = self.seed.call("product.category", "search", [("parent_id", "=", False)], limit=1, order="id")[0]
        cid = self.seed.call("product.category", "create", {"name": unique(name), "parent_id": parent})
        return cid, self.seed.read("product.category", [cid], ["complete_name"])[0]["complete_name"]

    def product(self, cost: float = 100.0, categ_id: int | None = None) -> int:
        product_id = self.seed.product(cost=cost, price=cost * 2)
        if categ_id:
            self.seed.call("product.product", "write", [product_id], {"categ_id": categ_id})
        return product_id

    def two_step(self, company_id: int, amount: float = 0.0) -> None:
        """Settings > Purchase > Purchase Order Approval, as the company field it saves; undone on close."""
        row = self.seed.read("res.company", [company_id], ["po_double_validation", "po_double_validation_amount"])[0]
        self.seed._restore.append(("res.company", company_id, {
            "po_double_validation": row["po_double_validation"],
            "po_double_validation_amount": row["po_double_validation_amount"]}))
        self.seed.call("res.company", "write", [company_id], {"po_double_validation": "two_step",
                                                              "po_double_validation_amount": float(amount)})

    def buyer(self) -> OdooSeed:
        """A purchase user (not a manager) of the seed's company, logged in."""
        if self._buyer is None:
            _uid, login, password = self.seed.user([PURCHASE_USER])
            self.seed.call("res.users", "write", [_uid], {"email": f"{login}@example.invalid"})
            self.buyer_login = login
            self._buyer = OdooSeed(self.seed.url, self.seed.db, login, password)
        return self._buyer

    def rfq(self, vendor_id: int, lines, company_id: int | None = None) -> int:
        """An RFQ made by the buyer; ``lines`` are ``(product_id, qty, price_unit)``."""
        vals = {"partner_id": vendor_id, "order_line": [(0, 0, {"product_id": p, "product_qty": float(q),
                                                                "price_unit": float(price)}) for p, q, price in lines]}
        if company_id:
            vals["company_id"] = company_id
        return self.buyer().call("purchase.order", "create", vals, **self.seed.as_company(company_id))

    def to_approve(self, vendor_id: int, lines) -> int:
        """An order the buyer confirmed while the company asks for approval of every amount: `to approve`."""
        self.two_step(self.seed.company_id(), 0.0)
        order_id = self.rfq(vendor_id, lines)
        self.buyer().call("purchase.order", "button_confirm", [order_id])
        state = self.state(order_id)
        if state != "to approve":
            raise AssertionError(f"Odoo put the confirmed RFQ in {state!r}, not 'to approve'")
        return order_id

    def webhook_body(self, order_id: int) -> dict:
        """The body of the Automation Rule's webhook for this order, from what Odoo shows now, many2one as
        bare ids (recorded: tests/data/odoo17-purchase-to-approve-webhook.json)."""
        row = self.seed.call("purchase.order", "read", [order_id], WEBHOOK_FIELDS, load=None)[0]
        return {"_action": "Send Webhook Notification(#0)", "_id": order_id, "_model": "purchase.order", **row}

    def state(self, order_id: int) -> str:
        return self.seed.read("purchase.order", [order_id], ["state"])[0]["state"]

    def order(self, order_id: int, fields) -> dict:
        return self.seed.read("purchase.order", [order_id], list(fields))[0]

    def messages(self, order_id: int) -> list:
        return self.seed.search_read("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", order_id)],
                                     ["body", "message_type"], order="id desc")

    def activities(self, order_id: int) -> list:
        return self.seed.search_read("mail.activity", [("res_model", "=", "purchase.order"), ("res_id", "=", order_id)],
                                     ["user_id", "summary", "note", "date_deadline"], context={"active_test": False})
