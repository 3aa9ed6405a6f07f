"""Replenishment test data through JSON-RPC as an administrator, on the double or a real Odoo 17: a second
warehouse of the company (made once per seed), a storable product with stock where asked, a manual reorder
rule, and a vendor price list line."""
from __future__ import annotations

from tests.support.odoo_seed import OdooSeed, unique

ORDERPOINT = "stock.warehouse.orderpoint"


class ReplenishmentSeed:
    """Wraps an administrator's OdooSeed."""

    def __init__(self, seed: OdooSeed):
        self.seed = seed
        self._second: dict | None = None

    def main_warehouse(self) -> dict:
        return self.seed.search_read("stock.warehouse", [("company_id", "=", self.seed.company_id())],
                                     ["lot_stock_id", "int_type_id", "in_type_id", "name"], limit=1,
                                     order="id")[0]

    def second_warehouse(self) -> dict:
        """Another warehouse of the seed's company (Odoo makes its locations and picking types)."""
        if self._second is None:
            code = unique("W").split(" ")[-1][-4:].upper()
            wid = self.seed.call("stock.warehouse", "create", {"name": unique("Second Warehouse"), "code": code,
                                                               "company_id": self.seed.company_id()})
            self._second = self.seed.read("stock.warehouse", [wid], ["lot_stock_id", "int_type_id", "in_type_id",
                                                                     "name"])[0]
        return self._second

    def product(self, cost: float, main_stock: float = 0.0, second_stock: float = 0.0) -> int:
        """A storable product at `cost` with stock in the main and the second warehouse."""
        product = self.seed.product(cost=cost, price=cost * 2, on_hand=main_stock)
        if second_stock:
            self.seed.set_on_hand(product, second_stock, self.second_warehouse()["lot_stock_id"][0])
        return product

    def rule(self, product: int, minimum: float, maximum: float, warehouse: dict | None = None,
             trigger: str = "manual", **extra) -> int:
        """A reorder rule of the product in a warehouse (its stock location)."""
        warehouse = warehouse or self.main_warehouse()
        return self.seed.call(ORDERPOINT, "create", {
            "product_id": product, "warehouse_id": warehouse["id"], "location_id": warehouse["lot_stock_id"][0],
            "product_min_qty": float(minimum), "product_max_qty": float(maximum), "trigger": trigger, **extra})

    def vendor(self, price: float, product: int, min_qty: float = 0.0, delay: int = 3, tags=()) -> int:
        """A vendor company with a price list line for the product's template; `tags` are contact tag ids."""
        partner = self.seed.call("res.partner", "create", {"name": unique("Vendor"), "is_company": True,
                                                           "supplier_rank": 1,
                                                           "category_id": [(6, 0, list(tags))]})
        template = self.seed.read("product.product", [product], ["product_tmpl_id"])[0]["product_tmpl_id"][0]
        self.seed.call("product.supplierinfo", "create", {
            "partner_id": partner, "product_tmpl_id": template, "price": float(price), "min_qty": float(min_qty),
            "delay": int(delay), "company_id": self.seed.company_id()})
        return partner

    def vendor_class(self, name: str) -> int:
        """The contact tag `Vendor class / <name>` (made when missing)."""
        parents = self.seed.search_read("res.partner.category", [("name", "=", "Vendor class"),
                                                                 ("parent_id", "=", False)], ["id"], limit=1)
        parent = parents[0]["id"] if parents else self.seed.call("res.partner.category", "create",
                                                                 {"name": "Vendor class"})
        found = self.seed.search_read("res.partner.category", [("name", "=", name), ("parent_id", "=", parent)],
                                      ["id"], limit=1)
        return found[0]["id"] if found else self.seed.call("res.partner.category", "create",
                                                           {"name": name, "parent_id": parent})

    def shown(self, rule: int) -> dict:
        """The rule as Odoo shows it to the administrator."""
        return self.seed.read(ORDERPOINT, [rule], ["name", "qty_forecast", "qty_on_hand", "product_min_qty",
                                                   "product_max_qty", "qty_to_order", "write_date",
                                                   "warehouse_id", "company_id"])[0]

    def pickings(self, marker: str) -> list:
        return self.seed.search_read("stock.picking", [("origin", "ilike", marker)],
                                     ["name", "state", "location_id", "location_dest_id", "picking_type_id",
                                      "origin", "move_ids"])

    def moves(self, picking: int) -> list:
        return self.seed.search_read("stock.move", [("picking_id", "=", picking)],
                                     ["product_id", "product_uom_qty", "state"])

    def rfqs(self, marker: str) -> list:
        return self.seed.search_read("purchase.order", [("origin", "ilike", marker)],
                                     ["name", "state", "partner_id", "picking_type_id", "origin", "order_line"])

    def rfq_lines(self, order: int) -> list:
        return self.seed.search_read("purchase.order.line", [("order_id", "=", order)],
                                     ["product_id", "product_qty", "price_unit", "orderpoint_id"])

    def messages(self, product: int) -> list:
        """The product's chatter: a reorder rule's notes go there (it has none)."""
        return self.seed.search_read("mail.message", [("model", "=", "product.product"), ("res_id", "=", product)],
                                     ["body"], order="id desc")

    def activities(self, product: int) -> list:
        return self.seed.search_read("mail.activity", [("res_model", "=", "product.product"),
                                                       ("res_id", "=", product)], ["user_id", "summary"],
                                     context={"active_test": False})
