"""Purchase demo data: receipt types of the two warehouses (ids as on the demo database: 1 and 6),
the demo's vendor tags, and Marc Demo as a purchase user (as on the demo database)."""
from __future__ import annotations

from . import security


def seed(env) -> None:
    env.create("stock.picking.type", {"name": "Receipts", "code": "incoming", "sequence_code": "IN",
                                      "warehouse_id": 1}, forced_id=1)
    env.create("stock.picking.type", {"name": "Receipts", "code": "incoming", "sequence_code": "IN",
                                      "warehouse_id": 2}, forced_id=6)
    vendor = env.create("res.partner.category", {"name": "Vendor"}, forced_id=1)
    env.create("res.partner.category", {"name": "Office Supplies", "parent_id": vendor}, forced_id=6)
    env.create("res.partner.category", {"name": "Desk Manufacturers", "parent_id": vendor}, forced_id=7)
    env.write("res.users", [6], {"groups_id": [(4, env.ref_id(security.PURCHASE_USER))]})
