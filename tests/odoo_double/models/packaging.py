"""product.packaging (product/models/product_packaging.py): how many of a product one package holds.

``qty`` is in the product's own unit: ``product_uom_id`` is related to ``product_id.uom_id``. Every internal
user reads packagings (product/security/ir.model.access.csv); the double leaves unlisted models open to them.
"""
from __future__ import annotations

from .. import fields as F
from ..registry import ModelSpec


def spec() -> ModelSpec:
    return ModelSpec("product.packaging", "Product Packaging", order="product_id, sequence, id", fields={
        "name": F.Char("Product Packaging", required=True),
        "sequence": F.Integer("Sequence", default=1),
        "product_id": F.Many2one("product.product", "Product", required=True),
        "qty": F.Float("Contained Quantity", default=1.0),
        "barcode": F.Char("Barcode"),
        "product_uom_id": F.Many2one("uom.uom", "Unit of Measure", compute=lambda env, m, rid: env.get(
            "product.product", env.get(m, rid, "product_id"), "uom_id")),
        "company_id": F.Many2one("res.company", "Company"),
    })
