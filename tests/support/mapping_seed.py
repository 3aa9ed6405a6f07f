"""Odoo records mapping tests point at, created as the administrator (double or real Odoo 17), and read back."""
from __future__ import annotations

from tests.support.odoo_seed import OdooSeed, unique

UOM_FIELDS = ["name", "category_id", "factor", "rounding"]


class MappingSeed:
    """Products, units, packagings and partners of the test's own."""

    def __init__(self, seed: OdooSeed):
        self.seed = seed

    def product(self, uom_id: int | None = None, default_code: str | None = None) -> int:
        """A consumable product (in `uom_id` when given), with a unique default code unless one is given."""
        vals = {"name": unique("Mapped product"), "default_code": default_code or unique("MAP").replace(" ", "-"),
                "detailed_type": "consu"}
        if uom_id:
            vals.update(uom_id=uom_id, uom_po_id=uom_id)
        return self.seed.call("product.product", "create", vals)

    def read_product(self, product_id: int) -> dict:
        return self.seed.read("product.product", [product_id], ["default_code", "uom_id", "active"])[0]

    def unit(self, uom_id: int) -> dict:
        """A uom.uom as Odoo reads it (what a mapping must hold)."""
        row = self.seed.read("uom.uom", [uom_id], UOM_FIELDS)[0]
        return {"id": row["id"], "name": row["name"], "category_id": list(row["category_id"]),
                "factor": row["factor"], "rounding": row["rounding"]}

    def weight_units(self) -> tuple[int, int]:
        """A category of the test's own with a reference unit (factor 1) and one 1000 times smaller."""
        category = self.seed.call("uom.category", "create", {"name": unique("Weight")})
        kilo = self.seed.call("uom.uom", "create", {"name": unique("kilo"), "category_id": category, "factor": 1.0,
                                                    "uom_type": "reference", "rounding": 0.001})
        gram = self.seed.call("uom.uom", "create", {"name": unique("gram"), "category_id": category,
                                                    "factor": 1000.0, "uom_type": "smaller", "rounding": 1.0})
        return kilo, gram

    def packaging(self, product_id: int, qty: float) -> int:
        return self.seed.call("product.packaging", "create", {"name": unique("Case"), "product_id": product_id,
                                                              "qty": qty})

    def partner(self, active: bool = True) -> int:
        partner = self.seed.call("res.partner", "create", {"name": unique("Mapped partner")})
        if not active:
            self.seed.call("res.partner", "write", [partner], {"active": False})
        return partner

    def archive(self, model: str, record_id: int) -> None:
        self.seed.call(model, "write", [record_id], {"active": False})

    def missing_id(self, model: str) -> int:
        """An id no record of `model` has (past the highest, archived included)."""
        found = self.seed.call(model, "search", [("active", "in", [True, False])] if model != "product.packaging"
                               else [], order="id desc", limit=1)
        return (found[0] if found else 0) + 100000
