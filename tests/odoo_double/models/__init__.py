"""The models the double implements, grouped by Odoo module."""
from __future__ import annotations

from . import base, mail, product, sale, sale_line, stock, tracking


def all_specs() -> list:
    return [*base.specs(), *mail.specs(), *product.specs(), *stock.specs(), sale.spec(), sale_line.spec(), tracking.tracking_spec()]
