"""Price-change test data through JSON-RPC, on the double or a real Odoo 17: a product in a category of its own,
a pricelist, and what Odoo answers about them (read as the administrator)."""
from __future__ import annotations

import datetime as dt

from tests.support.odoo_seed import OdooSeed, unique

TEMPLATE, PRICELIST, ITEM = "product.template", "product.pricelist", "product.pricelist.item"


def moment(days: int = 0) -> str:
    """A UTC moment `days` from now, whole seconds, as Odoo stores datetimes."""
    return (dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
            + dt.timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")


class PriceSeed:
    """Wraps an administrator's OdooSeed."""

    def __init__(self, seed: OdooSeed):
        self.seed = seed

    def category(self, name: str = "Pricing") -> tuple[int, str]:
        """A category under the root one, and its complete name as Odoo shows it."""
        parent = self.seed.call("product.category", "search", [("parent_id", "=", False)], limit=1, order="id")[0]
        cid = self.seed.call("product.category", "create", {"name": unique(name), "parent_id": parent})
        return cid, self.seed.read("product.category", [cid], ["complete_name"])[0]["complete_name"]

    def product(self, cost: float, price: float, category: int | None = None) -> tuple[int, int]:
        """A product (one variant) at `cost` selling at `price`; (template, variant)."""
        variant = self.seed.product(cost=cost, price=price, storable=False)
        template = self.seed.read("product.product", [variant], ["product_tmpl_id"])[0]["product_tmpl_id"][0]
        if category:
            self.seed.call(TEMPLATE, "write", [template], {"categ_id": category})
        return template, variant

    def pricelist(self) -> int:
        """A pricelist in the company's currency (Odoo gives it the creator's company)."""
        return self.seed.call(PRICELIST, "create", {"name": unique("Retail")})

    def item(self, pricelist: int, template: int, price: float, **values) -> int:
        """A fixed-price item on the template, as someone would add it in Odoo."""
        return self.seed.call(ITEM, "create", {"pricelist_id": pricelist, "applied_on": "1_product",
                                               "product_tmpl_id": template, "compute_price": "fixed",
                                               "fixed_price": float(price), **values})

    def items(self, pricelist: int) -> list[dict]:
        return self.seed.search_read(ITEM, [("pricelist_id", "=", pricelist)],
                                     ["applied_on", "product_tmpl_id", "product_id", "fixed_price", "min_quantity",
                                      "date_start", "date_end", "create_uid"], order="id")

    def price(self, pricelist: int, variant: int, quantity: float = 1.0, date: str | None = None) -> float:
        """The price Odoo applies (get_contextual_price as the administrator)."""
        context = {"pricelist": pricelist, "quantity": quantity, **({"date": date} if date else {})}
        return self.seed.call("product.product", "get_contextual_price", [variant], context=context)

    def messages(self, template: int) -> list[str]:
        """The product template's chatter, newest first."""
        return [m["body"] for m in self.seed.search_read("mail.message", [("model", "=", TEMPLATE), ("res_id", "=", template)],
                                                         ["body"], order="id desc")]
