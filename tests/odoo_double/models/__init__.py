"""The models the double implements, grouped by Odoo module."""
from __future__ import annotations

from . import (account, automation, base, mail, packaging, pricelist, procurement, product, purchase, replenishment, returns,
               sale, sale_line, stock, sync, tracking)


def all_specs(sale_margin: bool = True) -> list:
    """Every model; ``sale_margin`` adds that module's cost and margin fields (installed on the real server)."""
    specs = returns.extend(purchase.extend([*base.specs(), *automation.specs(), *account.specs(), *mail.specs(), *product.specs(),
                                            *stock.specs(), sale.tag_spec(), sale.spec(sale_margin),
                                            sale_line.spec(sale_margin), tracking.tracking_spec(), *purchase.specs(),
                                            *procurement.specs(), *returns.specs(),
                                            *replenishment.specs(), packaging.spec()]))
    procurement.extend({spec.name: spec for spec in specs})
    return sync.extend(replenishment.extend(pricelist.extend(specs)))
