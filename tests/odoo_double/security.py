"""Groups, access rights, record rules and field groups, as Odoo 17 applies them to RPC callers.

Modelled on Odoo's own files for what the sidecar reads and writes: ``sale/security/
ir.model.access.csv`` and ``ir_rules.xml`` ("Personal Orders", "All Orders", multi-company),
``account/models/partner.py`` (credit fields limited to the accounting groups),
``stock/security/ir.model.access.csv`` (every internal user reads quants).  A model not listed in
``ACCESS`` is open to internal users.  The superuser (uid 1) passes every check; the admin passes
because ``base.group_system`` implies the manager groups, as Odoo's admin holds them.
"""
from __future__ import annotations

from . import errors
from . import fields as F
from .registry import ModelSpec

USER = "base.group_user"
SYSTEM = "base.group_system"
PORTAL = "base.group_portal"
SALESMAN = "sales_team.group_sale_salesman"
ALL_LEADS = "sales_team.group_sale_salesman_all_leads"
SALE_MANAGER = "sales_team.group_sale_manager"
ACC_READONLY = "account.group_account_readonly"
ACC_INVOICE = "account.group_account_invoice"
ACC_MANAGER = "account.group_account_manager"
STOCK_USER = "stock.group_stock_user"
STOCK_MANAGER = "stock.group_stock_manager"
PURCHASE_USER = "purchase.group_purchase_user"
PURCHASE_MANAGER = "purchase.group_purchase_manager"

GROUPS = [  # xmlid, category, name, implied
    (USER, "User types", "Internal User", []),
    (PORTAL, "User types", "Portal", []),
    (SALESMAN, "Sales", "User: Own Documents Only", [USER]),
    (ALL_LEADS, "Sales", "User: All Documents", [SALESMAN]),
    (SALE_MANAGER, "Sales", "Administrator", [ALL_LEADS]),
    (ACC_READONLY, "Technical", "Show Accounting Features - Readonly", [USER]),
    (ACC_INVOICE, "Invoicing", "Billing", [USER]),
    (ACC_MANAGER, "Invoicing", "Billing Administrator", [ACC_INVOICE, ACC_READONLY]),
    (STOCK_USER, "Inventory", "User", [USER]),
    (STOCK_MANAGER, "Inventory", "Administrator", [STOCK_USER]),
    (PURCHASE_USER, "Purchase", "User", [USER]),
    (PURCHASE_MANAGER, "Purchase", "Administrator", [PURCHASE_USER]),
    (SYSTEM, "Administration", "Settings", [USER, SALE_MANAGER, ACC_MANAGER, STOCK_MANAGER, PURCHASE_MANAGER]),
]

# model -> [(group, "rwcu" letters it grants)] (ir.model.access.csv of sale, account, stock, base, mail)
ACCESS = {
    "sale.order": [(SALESMAN, "rwc"), (SALE_MANAGER, "rwcu"), (ACC_READONLY, "r"), (ACC_INVOICE, "rw"),
                   (PORTAL, "r")],
    "sale.order.line": [(SALESMAN, "rwcu"), (ACC_READONLY, "r"), (ACC_INVOICE, "rw"), (PORTAL, "r")],
    "res.partner": [(USER, "r"), (SALESMAN, "rwc"), (SYSTEM, "rwcu")],
    "res.users": [(USER, "r"), (SYSTEM, "rwcu")],
    "res.groups": [(USER, "r"), (SYSTEM, "rwcu")],
    "res.company": [(USER, "r"), (SYSTEM, "rwcu")],
    "ir.model": [(SYSTEM, "rwcu")],  # base: group_user has no right on ir.model(.data)
    "ir.model.data": [(SYSTEM, "rwcu")],
    "ir.model.fields": [(SYSTEM, "rwcu")],  # base: Access Rights (implied by Settings); group_user none
    "ir.model.fields.selection": [(SYSTEM, "rwcu")],
    "ir.actions.server": [(SYSTEM, "rwcu")],
    "base.automation": [(SYSTEM, "rwcu")],  # base_automation/security/ir.model.access.csv
    "mail.activity.type": [(USER, "r"), (SYSTEM, "rwcu")],  # mail/security/ir.model.access.csv
    "crm.tag": [(SALESMAN, "rwc"), (SALE_MANAGER, "rwcu")],  # sales_team/security/ir.model.access.csv
    "product.product": [(USER, "r"), (STOCK_MANAGER, "rwcu"), (SYSTEM, "rwcu")],  # stock: its manager writes products
    "product.template": [(USER, "r"), (STOCK_MANAGER, "rwcu"), (SYSTEM, "rwcu")],
    "stock.quant": [(USER, "r"), (STOCK_USER, "rwc")],
    "stock.location": [(USER, "r"), (STOCK_MANAGER, "rwcu")],
    "stock.warehouse": [(USER, "r"), (STOCK_MANAGER, "rwcu")],
    "mail.tracking.value": [(SYSTEM, "rwcu")],
    # purchase/security/ir.model.access.csv, purchase_stock's stock worker read
    "purchase.order": [(PURCHASE_USER, "rwcu"), (PURCHASE_MANAGER, "rwcu"), (ACC_READONLY, "r"), (ACC_INVOICE, "rw"),
                       (PORTAL, "r"), (STOCK_USER, "r")],
    "purchase.order.line": [(PURCHASE_USER, "rwcu"), (PURCHASE_MANAGER, "rwcu"), (ACC_READONLY, "r"),
                            (ACC_INVOICE, "rw"), (PORTAL, "r"), (STOCK_USER, "r")],
    "res.partner.category": [(USER, "r"), (SYSTEM, "rwcu")],  # base: group_partner_manager writes
    "stock.picking.type": [(USER, "r"), (STOCK_MANAGER, "rwcu")],
    # stock and account ir.model.access.csv: the return wizard for Inventory / User, the reversal for Billing
    "stock.return.picking": [(STOCK_USER, "rwc")],
    "stock.return.picking.line": [(STOCK_USER, "rwcu")],
    "account.move.reversal": [(ACC_INVOICE, "rwc")],
    # product and purchase: vendor prices; purchase_requisition/security/ir.model.access.csv: agreements
    "product.supplierinfo": [(USER, "r"), (PURCHASE_MANAGER, "rwcu"), (SYSTEM, "rwcu")],
    "purchase.requisition.type": [(PURCHASE_USER, "r"), (PURCHASE_MANAGER, "rwcu")],
    "purchase.requisition": [(PURCHASE_USER, "rwcu"), (PURCHASE_MANAGER, "r")],
    "purchase.requisition.line": [(PURCHASE_USER, "rwcu"), (PURCHASE_MANAGER, "r")],
    # product, sale, stock, purchase ir.model.access.csv: everyone reads pricelists and their items; the
    # sales and inventory administrators write both, purchase administrators items only
    "product.pricelist": [(USER, "r"), (SALE_MANAGER, "rwcu"), (STOCK_MANAGER, "rwcu"), (SYSTEM, "rwcu")],
    "product.pricelist.item": [(USER, "r"), (SALE_MANAGER, "rwcu"), (STOCK_MANAGER, "rwcu"),
                               (PURCHASE_MANAGER, "rwcu"), (SYSTEM, "rwcu")],
    # account/security/ir.model.access.csv: every internal user reads taxes, the billing administrator writes them
    "account.tax": [(USER, "r"), (ACC_READONLY, "r"), (ACC_INVOICE, "r"), (ACC_MANAGER, "rwcu")],
    # stock and purchase_stock ir.model.access.csv: reorder rules
    "stock.warehouse.orderpoint": [(STOCK_USER, "r"), (STOCK_MANAGER, "rwcu"), (PURCHASE_USER, "r")],
}
# (model, field) -> groups any one of which may read or write it (a field's ``groups=``)
CREDIT_GROUPS = (ACC_INVOICE, ACC_READONLY)
FIELD_GROUPS = {
    ("res.partner", "credit"): CREDIT_GROUPS,
    ("res.partner", "debit"): CREDIT_GROUPS,
    ("res.partner", "credit_to_invoice"): CREDIT_GROUPS,
    ("res.partner", "credit_limit"): CREDIT_GROUPS,
    ("res.partner", "use_partner_credit_limit"): CREDIT_GROUPS,
    ("res.partner", "show_credit_limit"): CREDIT_GROUPS,
    ("mail.message", "tracking_value_ids"): (SYSTEM,),
    ("ir.actions.server", "code"): (SYSTEM,),  # ir_actions.py: code = fields.Text(groups='base.group_system')
}
# Record rules: (model, name, group or None for a global rule, domain(env) -> Odoo domain)
RULES = [
    ("sale.order", "Sales Order multi-company", None, lambda env: [("company_id", "in", companies(env))]),
    ("sale.order.line", "Sales Order Line multi-company", None,
     lambda env: [("company_id", "in", companies(env))]),
    ("purchase.order", "Purchase Order multi-company", None, lambda env: [("company_id", "in", companies(env))]),
    ("purchase.order.line", "Purchase Order Line multi-company", None,
     lambda env: [("company_id", "in", companies(env))]),
    ("product.supplierinfo", "product supplierinfo company rule", None,
     lambda env: ["|", ("company_id", "=", False), ("company_id", "in", companies(env))]),
    ("purchase.requisition", "Purchase Requisition multi-company", None,
     lambda env: [("company_id", "in", companies(env))]),
    ("purchase.requisition.line", "Purchase requisition Line multi-company", None,
     lambda env: [("company_id", "in", companies(env))]),
    # product_security.xml: a pricelist and its items of another company are hidden (none: shared)
    ("product.pricelist", "product pricelist company rule", None,
     lambda env: ["|", ("company_id", "in", companies(env)), ("company_id", "=", False)]),
    ("product.pricelist.item", "product pricelist item company rule", None,
     lambda env: ["|", ("company_id", "in", companies(env)), ("company_id", "=", False)]),
    # account_security.xml tax_comp_rule: [('company_id', 'parent_of', company_ids)] (no branches here)
    ("account.tax", "Tax multi-company", None, lambda env: [("company_id", "in", companies(env))]),
    ("stock.warehouse.orderpoint", "stock_warehouse.orderpoint multi-company", None,
     lambda env: [("company_id", "in", companies(env))]),
    ("sale.order", "Personal Orders", SALESMAN, lambda env: ["|", ("user_id", "=", env.uid), ("user_id", "=", False)]),
    ("sale.order", "All Orders", ALL_LEADS, lambda env: [(1, "=", 1)]),
    ("sale.order.line", "Personal Order Lines", SALESMAN,
     lambda env: ["|", ("salesman_id", "=", env.uid), ("salesman_id", "=", False)]),
    ("sale.order.line", "All Orders Lines", ALL_LEADS, lambda env: [(1, "=", 1)]),
    # mail.message._search: a user notification is seen by its author and its recipients only
    ("mail.message", "User notifications", None,
     lambda env: ["|", ("message_type", "!=", "user_notification"), "|", ("author_id", "=", env.user_partner()),
                  ("partner_ids", "in", [env.user_partner()])]),
]
READ_METHODS = {"read", "search", "search_read", "search_count", "name_search", "name_get", "fields_get",
                "default_get", "context_get", "check_object_reference", "read_group", "web_read", "web_search_read",
                "get_contextual_price"}
MODES = {"create": "create", "write": "write", "unlink": "unlink", "action_archive": "write",
         "action_unarchive": "write"}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}


# -- groups -----------------------------------------------------------------------------------
def _full_name(env, model, rid):
    row = env.row(model, rid)
    return f"{row['category']} / {row['name']}" if row.get("category") else row["name"]


def groups_spec() -> ModelSpec:
    return ModelSpec("res.groups", "Access Groups", order="name", rec_name="full_name",
                     display=lambda env, rid: _full_name(env, "res.groups", rid), fields={
        "name": F.Char("Name", required=True),
        "category": F.Char("Application"),
        "full_name": F.Char("Group Name", compute=_full_name),
        "implied_ids": F.Many2many("res.groups", "Inherits"),
        "share": F.Boolean("Share Group", default=False),
    })


def user_fields() -> dict:
    """``groups_id`` and ``share`` (not an internal user) of res.users."""
    return {
        "groups_id": F.Many2many("res.groups", "Groups"),
        "share": F.Boolean("Share User", compute=lambda env, model, rid: not has_group(env, USER, rid),
                           store=True),
    }


def imply_groups(env, ids, vals=None) -> None:
    """Odoo stores a user's implied groups in ``groups_id`` too."""
    for uid in ids if isinstance(ids, list) else [ids]:
        current = env.row("res.users", uid).get("groups_id") or []
        closed = _closure(env, current)
        if set(closed) != set(current):
            env.db.update("res.users", uid, {"groups_id": sorted(closed)})


def seed_groups(env) -> dict:
    """Create the groups with their external ids; returns xmlid -> id."""
    ids = {}
    for xmlid, category, name, implied in GROUPS:
        ids[xmlid] = env.create("res.groups", {"name": name, "category": category, "share": xmlid == PORTAL,
                                               "implied_ids": [ids[x] for x in implied]})
        module, _dot, short = xmlid.partition(".")
        env.create("ir.model.data", {"module": module, "name": short, "model": "res.groups", "res_id": ids[xmlid]})
    return ids


def _closure(env, group_ids) -> list:
    seen, todo = set(), list(group_ids)
    while todo:
        gid = todo.pop()
        if gid in seen or env.db.row("res.groups", gid) is None:
            continue
        seen.add(gid)
        todo.extend(env.db.row("res.groups", gid).get("implied_ids") or [])
    return sorted(seen)


def has_group(env, xmlid: str, uid: int | None = None) -> bool:
    uid = env.uid if uid is None else uid
    if uid == 1:
        return True
    gid = env.ref_id(xmlid, False)
    row = env.db.row("res.users", uid)
    return bool(gid and row and gid in _closure(env, row.get("groups_id") or []))


def companies(env) -> list:
    """``env.companies``: the context's allowed companies, else every company of the user."""
    return env.context.get("allowed_company_ids") or env.get("res.users", env.uid, "company_ids") or [1]


# -- checks -------------------------------------------------------------------------------------
def check_call(env, model: str, method: str, ids, vals) -> None:
    """What Odoo checks before a public method runs for ``env.uid`` (not the superuser)."""
    if env.uid == 1 or method == "check_object_reference":
        # Odoo resolves an external id for any user (no ACL on ir.model.data): only the record it
        # names is then searched with the user's rights.
        return
    _check_companies(env)
    mode = "read" if method in READ_METHODS else MODES.get(method, "write")
    check_access(env, model, mode)
    if method in ("write", "create") and isinstance(vals, (dict, list)):
        for one in vals if isinstance(vals, list) else [vals]:
            if isinstance(one, dict):
                check_fields(env, model, list(one), "write")
    if ids and method not in ("create", "search", "search_read", "search_count", "name_search"):
        check_rules(env, model, ids, "read" if mode == "read" else "write")


def _check_companies(env) -> None:
    allowed = env.context.get("allowed_company_ids")
    if allowed and set(allowed) - set(env.get("res.users", env.uid, "company_ids") or []):
        raise errors.access_error("Access to unauthorized or invalid companies.")


def check_access(env, model: str, mode: str) -> None:
    """Access rights (ir.model.access): AccessError with Odoo's text when no group grants ``mode``."""
    grants = ACCESS.get(model)
    if grants is None:
        if has_group(env, USER):
            return
        grants = []
    letter = mode[0] if mode != "unlink" else "u"
    allowed = [group for group, letters in grants if letter in letters]
    if any(has_group(env, group) for group in allowed):
        return
    kind = env.registry[model].description if model in env.registry else model
    verb = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}[mode]
    names = "\n".join(f"\t- {_group_label(env, group)}" for group in allowed)
    info = (f"This operation is allowed for the following groups:\n{names}" if names
            else "No group currently allows this operation.")
    raise errors.access_error(f"You are not allowed to {verb} '{kind}' ({model}) records.\n\n{info}\n\n"
                              "Contact your administrator to request access if necessary.")


def _group_label(env, xmlid: str) -> str:
    gid = env.ref_id(xmlid, False)
    return _full_name(env, "res.groups", gid) if gid else xmlid


def readable(env, model: str, fname: str) -> bool:
    groups = FIELD_GROUPS.get((model, fname))
    return not groups or env.uid == 1 or any(has_group(env, group) for group in groups)


def check_fields(env, model: str, fnames, operation: str) -> None:
    """A field's ``groups``: AccessError naming the fields, as ``check_field_access_rights``."""
    invalid = [fname for fname in fnames if not readable(env, model, fname)]
    if invalid:
        kind = env.registry[model].description
        raise errors.access_error(
            f'You do not have enough rights to access the fields "{",".join(invalid)}" on {kind} ({model}). '
            f"Please contact your system administrator.\n\n(Operation: {operation})")


def rule_domain(env, model: str) -> list:
    """Global rules AND-ed, the rules of the user's groups OR-ed (Odoo's ``ir.rule._compute_domain``)."""
    if env.uid == 1:
        return []
    global_rules, group_rules = [], []
    for rule_model, _name, group, domain in RULES:
        if rule_model != model:
            continue
        if group is None:
            global_rules.append(domain(env))
        elif has_group(env, group):
            group_rules.append(domain(env))
    parts = list(global_rules)
    if group_rules:
        parts.append(["|"] * (len(group_rules) - 1) + [leaf for rule in group_rules for leaf in rule])
    return ["&"] * (len(parts) - 1) + [leaf for part in parts for leaf in part] if parts else []


def check_rules(env, model: str, ids, operation: str) -> None:
    """Records hidden by a record rule: Odoo's "top-secret records" AccessError."""
    domain = rule_domain(env, model)
    if not domain:
        return
    existing = env.exists(model, ids)
    visible = set(env.search(model, [("id", "in", existing)], active_test=False))
    hidden = [rid for rid in existing if rid not in visible]
    if hidden:
        kind = env.registry[model].description
        name = env.get("res.users", env.uid, "name")
        raise errors.access_error(
            "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
            f"Sorry, {name} (id={env.uid}) doesn't have '{operation}' access to:\n- {kind} ({model})\n\n"
            "If you really, really need access, perhaps you can win over your friendly administrator "
            "with a batch of freshly baked cookies.")
