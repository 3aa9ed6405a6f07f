"""Inventory test data through JSON-RPC, on the double or a real Odoo 17: a product with stock on hand, and a
count set on its quant by an Inventory / User (the counter: the requester), as the Inventory app sets it."""
from __future__ import annotations

from tests.support.odoo_seed import OdooSeed

STOCK_USER = "stock.group_stock_user"
QUANT = "stock.quant"
# The fields the Automation Rule posts (sidecar/odoo/inventory_trigger.py).
WEBHOOK_FIELDS = ["write_date", "write_uid", "inventory_quantity", "inventory_diff_quantity", "inventory_quantity_set"]


class InventorySeed:
    """Wraps an administrator's OdooSeed; the counter is logged in once."""

    def __init__(self, seed: OdooSeed):
        self.seed = seed
        self._counter: OdooSeed | None = None
        self.counter_login: str | None = None

    def close(self) -> None:
        if self._counter is not None:
            self._counter.close()

    def counter(self) -> OdooSeed:
        """An Inventory / User (not a manager: Odoo lets only a manager apply) of the seed's company."""
        if self._counter is None:
            _uid, login, password = self.seed.user([STOCK_USER])
            self.counter_login = login
            self._counter = OdooSeed(self.seed.url, self.seed.db, login, password)
        return self._counter

    def stocked(self, cost: float, on_hand: float) -> tuple[int, int]:
        """A storable product at `cost` with `on_hand` in the warehouse stock; (product, its quant there)."""
        product = self.seed.product(cost=cost, price=cost * 2, on_hand=on_hand)
        [quant] = self.seed.call(QUANT, "search", [("product_id", "=", product),
                                                   ("location_id", "=", self.seed.stock_location_id())])
        return product, quant

    def count(self, quant_id: int, counted: float) -> None:
        """The counter sets the counted quantity (Inventory > Physical Inventory: inventory_quantity)."""
        self.counter().call(QUANT, "write", [quant_id], {"inventory_quantity": float(counted)},
                            context={"inventory_mode": True})

    def quant(self, quant_id: int) -> dict:
        return self.seed.read(QUANT, [quant_id], ["quantity", "inventory_quantity", "inventory_quantity_set",
                                                  "write_date", "product_id"])[0]

    def messages(self, product_id: int) -> list:
        """The product's chatter: a quant's notes go there (stock.quant has none)."""
        return self.seed.search_read("mail.message", [("model", "=", "product.product"), ("res_id", "=", product_id)],
                                     ["body", "message_type"], order="id desc")

    def activities(self, product_id: int) -> list:
        return self.seed.search_read("mail.activity", [("res_model", "=", "product.product"), ("res_id", "=", product_id)],
                                     ["user_id", "summary"], context={"active_test": False})

    def webhook_body(self, quant_id: int) -> dict:
        """The body of the Automation Rule's webhook for this quant, from what Odoo shows now, many2one as bare
        ids (recorded: tests/data/odoo17-quant-count-set-webhook.json)."""
        row = self.seed.call(QUANT, "read", [quant_id], WEBHOOK_FIELDS, load=None)[0]
        return {"_action": "Send Webhook Notification(#0)", "_id": quant_id, "_model": QUANT, **row}
