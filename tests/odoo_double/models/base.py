"""Base and accounting essentials: companies, currencies, partners, users, ir.model(.data), terms, taxes."""
from __future__ import annotations

import math
from zoneinfo import available_timezones

from .. import errors, security
from .. import fields as F
from ..registry import ModelSpec, api_model
from . import account
from .mail_thread import thread_fields, thread_methods

LANGS = [("en_US", "English (US)")]
TIMEZONES = [(tz, tz) for tz in sorted(available_timezones()) if "/" in tz or tz == "UTC"]
PARTNER_TYPES = [("contact", "Contact"), ("invoice", "Invoice Address"),
                 ("delivery", "Delivery Address"), ("other", "Other Address")]


def _partner_complete_name(env, model, rid):
    row = env.row(model, rid)
    name = row.get("name") or ""
    parent = row.get("parent_id")
    if parent and not row.get("is_company"):
        if not name and row.get("type") != "contact":
            name = dict(PARTNER_TYPES).get(row.get("type"), "")
        company = env.get(model, env.get(model, rid, "commercial_partner_id"), "name") or \
            env.get(model, parent, "name")
        return f"{company}, {name}"
    return name or False


def _commercial_partner(env, model, rid):
    seen = set()
    while rid not in seen:
        seen.add(rid)
        row = env.row(model, rid)
        if row.get("is_company") or not row.get("parent_id"):
            return rid
        rid = row["parent_id"]
    return rid


def _user_password(env, model, rid):
    return ""


def _set_user_password(env, model, rid, value):
    if value:
        env.db.update(model, rid, {"_password": value})


def _decimal_places(rounding: float) -> int:
    """res.currency.decimal_places: the digits its rounding keeps."""
    return max(0, math.ceil(math.log10(1 / rounding))) if 0 < rounding < 1 else 0


@api_model
def context_get(env, model):
    user = env.uid
    return {"lang": env.get("res.users", user, "lang") or "en_US",
            "tz": env.get("res.users", user, "tz") or False,
            "uid": user}


@api_model
def check_object_reference(env, model, module, xml_id, raise_on_access_error=False):
    found_model, res_id = env.ref(f"{module}.{xml_id}")
    return [found_model, res_id]


def _xmlid_complete(env, model, rid):
    row = env.row(model, rid)
    return f"{row['module']}.{row['name']}"


def _prepare_user(env, vals):
    if not vals.get("partner_id") and not vals.get("name"):
        vals.setdefault("name", vals.get("login"))
    return vals


def _after_user_create(env, rid, vals):
    security.imply_groups(env, [rid])
    _check_login_unique(env, rid, vals)


def _check_login_unique(env, rid, vals):
    login = env.get("res.users", rid, "login")
    if len(env.search("res.users", [("login", "=", login)], active_test=False)) > 1:
        raise errors.validation_error("You can not have two users with the same login!")


def specs():
    partner = ModelSpec(
        "res.partner", "Contact", order="complete_name ASC, id DESC", rec_name="complete_name",
        parent_field="parent_id", methods=thread_methods(),
        display=lambda env, rid: env.get("res.partner", rid, "complete_name") or "",
        fields={
            "name": F.Char("Name"),
            "complete_name": F.Char("Complete Name", compute=_partner_complete_name, store=True),
            "parent_id": F.Many2one("res.partner", "Related Company"),
            "child_ids": F.One2many("res.partner", "parent_id", "Contact"),
            "is_company": F.Boolean("Is a Company", default=False),
            "type": F.Selection(PARTNER_TYPES, "Address Type", default="contact"),
            "commercial_partner_id": F.Many2one("res.partner", "Commercial Entity",
                                                compute=_commercial_partner, store=True),
            "company_id": F.Many2one("res.company", "Company"),
            "user_id": F.Many2one("res.users", "Salesperson"),
            "user_ids": F.One2many("res.users", "partner_id", "Users"),
            "ref": F.Char("Reference"),
            "email": F.Char("Email"),
            "phone": F.Char("Phone"),
            "mobile": F.Char("Mobile"),
            "street": F.Char("Street"),
            "zip": F.Char("Zip"),
            "city": F.Char("City"),
            "vat": F.Char("Tax ID"),
            "function": F.Char("Job Position"),
            "lang": F.Selection(LANGS, "Language", default="en_US"),
            "property_stock_customer": F.Many2one("stock.location", "Customer Location"),  # stock
            "tz": F.Selection(TIMEZONES, "Timezone"),
            "active": F.Boolean("Active", default=True),
            "customer_rank": F.Integer("Customer Rank", default=0),
            "supplier_rank": F.Integer("Supplier Rank", default=0),
            **account.partner_credit_fields(),
            "property_payment_term_id": F.Many2one("account.payment.term", "Customer Payment Terms", store=False),
            "sale_order_ids": F.One2many("sale.order", "partner_id", "Sales Order"),
            **thread_fields(),
        })
    users = ModelSpec(
        "res.users", "User", order="name, login", inherits={"res.partner": "partner_id"},
        prepare_create=_prepare_user, after_create=_after_user_create,
        after_write=lambda env, ids, vals: security.imply_groups(env, ids),
        methods={"context_get": context_get},
        display=lambda env, rid: env.get("res.users", rid, "name") or "",
        fields={
            "partner_id": F.Many2one("res.partner", "Related Partner", required=True),
            "login": F.Char("Login", required=True),
            "password": F.Char("Password", compute=_user_password, inverse=_set_user_password),
            "company_id": F.Many2one("res.company", "Company", required=True, default=1),
            "company_ids": F.Many2many("res.company", "Companies", default=[1]),
            "active": F.Boolean("Active", default=True),
            **security.user_fields(),
            "signature": F.Html("Email Signature"),
        })
    return [
        partner,
        users,
        security.groups_spec(),
        ModelSpec("res.company", "Companies", order="sequence, name", fields={
            "name": F.Char("Company Name", required=True),
            "partner_id": F.Many2one("res.partner", "Partner", required=True),
            "currency_id": F.Many2one("res.currency", "Currency", required=True, default=1),
            "parent_id": F.Many2one("res.company", "Parent Company"),
            "sequence": F.Integer("Sequence", default=10),
            "email": F.Char("Email"),
            "phone": F.Char("Phone"),
            "account_use_credit_limit": F.Boolean("Sales Credit Limit"),
            "account_sale_tax_id": F.Many2one("account.tax", "Default Sale Tax"),
        }),
        ModelSpec("res.currency", "Currency", order="active desc, name", fields={
            "name": F.Char("Currency", required=True),
            "symbol": F.Char("Symbol", required=True),
            "rounding": F.Float("Rounding Factor", default=0.01),
            "decimal_places": F.Integer("Decimal Places", compute=lambda env, m, rid: _decimal_places(
                env.row(m, rid).get("rounding") or 0.01)),
            "position": F.Selection([("after", "After Amount"), ("before", "Before Amount")],
                                    "Symbol Position", default="after"),
            "active": F.Boolean("Active", default=True),
        }),
        ModelSpec("ir.model", "Models", order="model", fields={
            "model": F.Char("Model", required=True),
            "name": F.Char("Model Description", required=True),
            "state": F.Selection([("manual", "Custom Object"), ("base", "Base Object")], "Type",
                                 readonly=True, default="base"),
            "transient": F.Boolean("Transient Model"),
            "info": F.Text("Information"),
        }),
        ModelSpec("ir.model.data", "Model Data", order="module, model, name",
                  methods={"check_object_reference": check_object_reference},
                  display=lambda env, rid: _xmlid_complete(env, "ir.model.data", rid),
                  fields={
            "name": F.Char("External Identifier", required=True),
            "module": F.Char("Module", required=True, default=""),
            "model": F.Char("Model Name", required=True),
            "res_id": F.Many2oneReference("Record ID"),
            "complete_name": F.Char("Complete ID", compute=_xmlid_complete),
            "noupdate": F.Boolean("Non Updatable", default=False),
        }),
        ModelSpec("account.payment.term", "Payment Terms", order="sequence, id", fields={
            "name": F.Char("Payment Terms", required=True),
            "sequence": F.Integer("Sequence", default=10),
            "active": F.Boolean("Active", default=True),
        }),
        ModelSpec("account.tax", "Tax", order="sequence,id", fields={
            "name": F.Char("Tax Name", required=True),
            "amount": F.Float("Amount", required=True, default=0.0),
            "amount_type": F.Selection([("group", "Group of Taxes"), ("fixed", "Fixed"),
                                        ("percent", "Percentage of Price"),
                                        ("division", "Percentage of Price Tax Included")],
                                       "Tax Computation", required=True, default="percent"),
            "type_tax_use": F.Selection([("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")],
                                        "Tax Type", required=True, default="sale"),
            "price_include": F.Boolean("Included in Price"),
            "sequence": F.Integer("Sequence", default=1),
            "company_id": F.Many2one("res.company", "Company", required=True, default=1),
            "active": F.Boolean("Active", default=True),
        }),
    ]
