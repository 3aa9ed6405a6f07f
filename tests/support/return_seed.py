"""Return-request test data through JSON-RPC, on the double or a real Odoo 17: a customer with a tier (contact tag
under "Customer tier"), a confirmed sales order whose delivery is validated, its customer invoice (posted), and
the return request event the shop sends."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tests.support.odoo_seed import OdooSeed, unique

TIER_PARENT = "Customer tier"
PICKING = "stock.picking"


class ReturnSeed:
    """Wraps an administrator's OdooSeed (the administrator sells, delivers and invoices)."""

    def __init__(self, seed: OdooSeed):
        self.seed = seed

    def tag(self, name: str, parent: str | None = None) -> int:
        """A contact tag (made when missing), under `parent` when given."""
        parent_id = self.tag(parent) if parent else False
        found = self.seed.call("res.partner.category", "search", [("name", "=", name), ("parent_id", "=", parent_id)],
                               limit=1)
        return found[0] if found else self.seed.call("res.partner.category", "create",
                                                     {"name": name, "parent_id": parent_id})

    def customer(self, *tiers: str) -> int:
        """A company customer, tagged "Customer tier / <tier>" for each tier given."""
        extra = {"category_id": [(6, 0, [self.tag(tier, TIER_PARENT) for tier in tiers])]} if tiers else {}
        return self.seed.customer(**extra)

    def delivered(self, customer: int, lines) -> dict:
        """A confirmed sales order of storable products, `lines` (qty, price), its delivery validated."""
        products = [self.seed.product(cost=price / 2, price=price, on_hand=qty + 10) for qty, price in lines]
        order = self.seed.quotation(customer, [(p, qty, price) for p, (qty, price) in zip(products, lines)],
                                    state="sale")
        [picking] = self.seed.read("sale.order", [order], ["picking_ids"])[0]["picking_ids"]
        answer = self.seed.call(PICKING, "button_validate", [picking])
        if answer is not True:
            raise AssertionError(f"Odoo did not validate the delivery at once: {answer!r}")
        sale_lines = self.seed.read("sale.order", [order], ["order_line"])[0]["order_line"]
        moves = self.seed.read(PICKING, [picking], ["move_ids"])[0]["move_ids"]
        return {"order": order, "picking": picking, "products": products, "sale_lines": sale_lines, "moves": moves}

    def invoice(self, customer: int, delivery: dict, quantities=None, post: bool = True) -> int:
        """The customer invoice of the order's lines (or `quantities` of them), tax free, linked to its sale lines."""
        rows = self.seed.read("sale.order.line", delivery["sale_lines"], ["product_id", "product_uom_qty", "price_unit"])
        quantities = quantities or [row["product_uom_qty"] for row in rows]
        move = self.seed.call("account.move", "create", {
            "move_type": "out_invoice", "partner_id": customer, "invoice_line_ids": [
                (0, 0, {"product_id": row["product_id"][0], "quantity": float(qty), "price_unit": row["price_unit"],
                        "tax_ids": [(6, 0, [])], "sale_line_ids": [(6, 0, [row["id"]])]})
                for row, qty in zip(rows, quantities) if qty]})
        if post:
            self.seed.call("account.move", "action_post", [move])
        return move

    def delivered_days_ago(self, picking: int, days: float) -> None:
        """Move the delivery's date back (Odoo's date_done)."""
        moment = datetime.now(timezone.utc) - timedelta(days=days)
        self.seed.call(PICKING, "write", [picking], {"date_done": moment.strftime("%Y-%m-%d %H:%M:%S")})

    @staticmethod
    def request(picking: int, lines, reason: str = "damaged", resolution: str = "refund", **extra) -> dict:
        """The event data the shop sends; `lines` are (product_id, qty) or {"move_id": .., "quantity": ..}."""
        asked = [line if isinstance(line, dict) else {"product_id": line[0], "quantity": line[1]} for line in lines]
        return {"picking_id": picking, "lines": asked, "reason": reason, "resolution": resolution,
                "reference": extra.pop("reference", f"RMA-{uuid.uuid4().hex[:6]}"), **extra}

    @staticmethod
    def envelope(data: dict) -> dict:
        return {"id": unique("return").replace(" ", "-"), "type": "return.requested", "source": "shop", "data": data}

    def returns(self, picking: int) -> list[dict]:
        """The delivery's returns (Odoo's return_ids), with their moves."""
        ids = self.seed.read(PICKING, [picking], ["return_ids"])[0]["return_ids"]
        rows = self.seed.read(PICKING, ids, ["name", "origin", "state", "move_ids", "return_id"])
        for row in rows:
            row["moves"] = self.seed.read("stock.move", row["move_ids"], ["product_id", "product_uom_qty",
                                                                          "origin_returned_move_id", "state"])
        return rows

    def credit_notes(self, invoice: int) -> list[dict]:
        rows = self.seed.search_read("account.move", [("reversed_entry_id", "=", invoice)],
                                     ["name", "state", "move_type", "ref", "amount_untaxed", "invoice_line_ids"])
        for row in rows:
            row["lines"] = self.seed.read("account.move.line", row["invoice_line_ids"],
                                          ["product_id", "quantity", "price_unit", "sale_line_ids"])
        return rows

    def messages(self, picking: int) -> list:
        return self.seed.search_read("mail.message", [("model", "=", PICKING), ("res_id", "=", picking)],
                                     ["body", "message_type"], order="id desc")

    def activities(self, picking: int) -> list:
        return self.seed.search_read("mail.activity", [("res_model", "=", PICKING), ("res_id", "=", picking)],
                                     ["user_id", "summary", "note"], context={"active_test": False})
