"""The least-privilege Odoo user the sidecar logs in as: created or updated by an administrator."""
from __future__ import annotations

from sidecar.odoo.gateway import OdooGateway

# Exactly the groups the sidecar needs (Odoo adds what they imply, e.g. base.group_user).
# Each was found in Odoo 17's own security files and is proven by the live suite run as this user.
REQUIRED_GROUPS = {
    # sale/security/ir_rules.xml: a plain salesman only sees "Personal Orders" (his own or unassigned);
    # "All Orders" lifts that. Implies group_sale_salesman: read/write sale.order(.line), crm.tag,
    # action_confirm / action_cancel, message_post and activities on orders.
    "sales_team.group_sale_salesman_all_leads": "read and confirm or cancel every salesperson's quotations",
    # account/models/partner.py: credit, credit_to_invoice, credit_limit, use_partner_credit_limit carry
    # groups='account.group_account_invoice,account.group_account_readonly'; readonly is the smaller one.
    "account.group_account_readonly": "read the partner's credit, credit to invoice and credit limit",
    # purchase/models/purchase_order.py: button_approve silently skips an order `_approval_allowed`
    # refuses (two_step and amount at or above po_double_validation_amount) unless the caller holds
    # group_purchase_manager; Purchase / User (implied) reads and cancels orders, notes, activities.
    "purchase.group_purchase_manager": "approve purchase orders waiting in 'to approve' (button_approve)",
    # stock/models/stock_quant.py: _apply_inventory raises "Only a stock manager can validate an inventory
    # adjustment." for anyone without group_stock_manager; it implies Inventory / User (quants' counts,
    # action_clear_inventory_quantity, stock moves read) and product write (notes on the quant's product).
    # It also writes product.pricelist.item (access_product_pricelist_item_stock_manager): the price-change
    # flow's items need no group of their own (Sales / Administrator would add sales settings and all orders).
    "stock.group_stock_manager": "apply approved inventory counts (action_apply_inventory)",
    # account/models/account_move.py _post: "You don't have the access rights to post an invoice." unless
    # the caller holds group_account_invoice (Billing); it also grants read/write on account.move(.line).
    "account.group_account_invoice": "post matched vendor bills (account.move action_post)",
}
# What base.group_user (implied) already gives and the sidecar relies on: stock.quant and
# stock.location read (stock/security/ir.model.access.csv), account.tax read (the synced order lines'
# taxes: account/security/ir.model.access.csv access_account_tax_internal_user), product and res.users read, mail
# activities and notes on records it may write, and an *internal* user's body_is_html honoured.


def _group_ids(admin: OdooGateway, xmlids) -> dict[str, int]:
    found = {}
    for xmlid in xmlids:
        module, _dot, name = xmlid.partition(".")
        rows = admin.search_read("ir.model.data", [("module", "=", module), ("name", "=", name),
                                                    ("model", "=", "res.groups")], ["res_id"], limit=1)
        if not rows:
            raise LookupError(f"Odoo has no group {xmlid}: is its module installed?")
        found[xmlid] = rows[0]["res_id"]
    return found


def provision(admin: OdooGateway, login: str, password: str, name: str | None = None,
              email: str | None = None) -> dict:
    """Create or update ``login`` as an internal user with exactly ``REQUIRED_GROUPS`` in every
    company (the sidecar works in each order's company); returns what Odoo then reports.

    The user needs an email address: Odoo's ``message_post`` refuses an author without one
    ("Unable to send message, please configure the sender's email address.")."""
    groups = _group_ids(admin, REQUIRED_GROUPS)
    companies = admin.execute("res.company", "search", [], order="id")
    vals = {
        "name": name or "Sidecar integration",
        "groups_id": [(6, 0, sorted(groups.values()))],
        "company_ids": [(6, 0, companies)],
        "company_id": companies[0],
        "password": password,
        "email": email or f"{login}@example.invalid",
    }
    existing = admin.execute("res.users", "search", [("login", "=", login)],
                             context={"active_test": False})
    if existing:
        user_id = existing[0]
        admin.execute("res.users", "write", [user_id], {**vals, "active": True})
    else:
        user_id = admin.execute("res.users", "create", {**vals, "login": login})
    return describe(admin, user_id, groups)


def describe(admin: OdooGateway, user_id: int, groups: dict[str, int]) -> dict:
    """The user, the groups given and every group Odoo made effective (implied ones included)."""
    user = admin.read("res.users", [user_id], ["login", "email", "groups_id", "company_ids", "share"])[0]
    effective = admin.read("res.groups", user["groups_id"], ["full_name"])
    return {
        "user_id": user_id,
        "login": user["login"],
        "email": user["email"],
        "internal": not user["share"],
        "companies": user["company_ids"],
        "groups": {xmlid: REQUIRED_GROUPS[xmlid] for xmlid in groups},
        "effective_groups": sorted(row["full_name"] for row in effective),
    }
