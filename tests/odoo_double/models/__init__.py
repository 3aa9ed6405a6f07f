"""The models the double implements, grouped by Odoo module."""
from __future__ import annotations

from . import base, mail, product, sale, sale_line, stock


def all_specs() -> list:
    return [*base.specs(), *mail.specs(), *product.specs(), *stock.specs(), sale.tag_spec(), sale.spec(), sale_line.spec()]
