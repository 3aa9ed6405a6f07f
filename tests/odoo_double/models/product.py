"""uom.uom, product.category, product.template and product.product (a variant ``_inherits`` its template)."""
from __future__ import annotations

import math

from .. import fields as F
from ..registry import ModelSpec
from . import account, inventory
from .mail_thread import thread_fields, thread_methods

PRODUCT_TYPES = [("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")]
TRACKING = [("serial", "By Unique Serial Number"), ("lot", "By Lots"), ("none", "No Tracking")]
PRIORITY = [("0", "Normal"), ("1", "Favorite")]


def _variants(env, tmpl_id) -> list:
    return sorted(rid for rid, row in env.db.table("product.product").items() if row.get("product_tmpl_id") == tmpl_id)


def _first_variant_value(fname, empty):
    def compute(env, model, rid):
        variants = _variants(env, rid)
        return env.get("product.product", variants[0], fname) if len(variants) == 1 else empty
    return compute


def _write_variants(fname):
    def inverse(env, model, rid, value):
        variants = _variants(env, rid)
        if len(variants) == 1:
            env.write("product.product", variants, {fname: value})
    return inverse


def _sum_variants(fname):
    def compute(env, model, rid):
        return float(sum(env.get("product.product", pid, fname) for pid in _variants(env, rid)))
    return compute


def _prepare_template(env, vals):
    if "type" in vals and "detailed_type" not in vals:
        vals["detailed_type"] = vals["type"]
    vals.setdefault("type", vals.get("detailed_type") or "consu")
    if vals.get("uom_id") and not vals.get("uom_po_id"):
        vals["uom_po_id"] = vals["uom_id"]
    return vals


def _template_created(env, rid, vals):
    if env.context.get("_inherits_child") != "product.product":
        own = {key: vals[key] for key in ("default_code", "standard_price", "barcode") if key in vals}
        env.create("product.product", {"product_tmpl_id": rid, **own})


def _template_written(env, ids, vals):
    if "detailed_type" in vals and "type" not in vals:
        for rid in ids:
            env.db.update("product.template", rid, {"type": vals["detailed_type"]})


def _product_display(env, rid):
    name = env.get("product.product", rid, "name") or ""
    code = env.get("product.product", rid, "default_code")
    label = env.row("product.product", rid).get("_variant_label")
    text = f"[{code}] {name}" if code else name
    return f"{text} ({label})" if label else text


def _set_lst_price(env, model, rid, value):
    env.write("product.template", [env.get(model, rid, "product_tmpl_id")], {"list_price": value})


def _category_name(env, model, rid):
    parent = env.get(model, rid, "parent_id")
    name = env.row(model, rid).get("name") or ""
    return f"{env.get(model, parent, 'complete_name')} / {name}" if parent else name


def _uom_round(env, product_id, value: float) -> float:
    """``float_round(value, precision_rounding=product.uom_id.rounding)`` (HALF-UP), as ``_compute_quantities_dict``."""
    rounding = env.get("uom.uom", env.get("product.product", product_id, "uom_id"), "rounding") or 0.01
    steps = value / rounding
    return round(math.copysign(math.floor(abs(steps) + 0.5), steps) * rounding, 10) + 0.0


def _qty(kind):
    def compute(env, model, rid):
        if kind == "qty_available":
            value = inventory.on_hand(env, rid)
        elif kind == "free_qty":
            value = inventory.on_hand(env, rid) - inventory.reserved(env, rid)
        elif kind == "incoming_qty":
            value = inventory.pending(env, rid, incoming=True)
        elif kind == "outgoing_qty":
            value = inventory.pending(env, rid, incoming=False)
        else:
            value = (inventory.on_hand(env, rid) + inventory.pending(env, rid, incoming=True)
                     - inventory.pending(env, rid, incoming=False))
        return _uom_round(env, rid, value)
    return compute


def specs():
    template = ModelSpec(
        "product.template", "Product", order="priority desc, name", methods=thread_methods(),
        prepare_create=_prepare_template, after_create=_template_created, after_write=_template_written,
        fields={
            "name": F.Char("Name", required=True),
            "sequence": F.Integer("Sequence", default=1),
            "description_sale": F.Text("Sales Description"),
            "detailed_type": F.Selection(PRODUCT_TYPES, "Product Type", required=True, default="consu"),
            "type": F.Selection(PRODUCT_TYPES, "Type", default="consu"),
            "categ_id": F.Many2one("product.category", "Product Category", required=True, default=1),
            "list_price": F.Float("Sales Price", default=1.0),
            "standard_price": F.Float("Cost", compute=_first_variant_value("standard_price", 0.0),
                                      inverse=_write_variants("standard_price")),
            "default_code": F.Char("Internal Reference", compute=_first_variant_value("default_code", False),
                                   inverse=_write_variants("default_code"), store=True),
            "uom_id": F.Many2one("uom.uom", "Unit of Measure", required=True, default=1),
            "uom_po_id": F.Many2one("uom.uom", "Purchase Unit of Measure", required=True, default=1),
            "sale_ok": F.Boolean("Can be Sold", default=True),
            "purchase_ok": F.Boolean("Can be Purchased", default=True),
            "active": F.Boolean("Active", default=True),
            "company_id": F.Many2one("res.company", "Company"),
            "taxes_id": F.Many2many("account.tax", "Customer Taxes",
                                    default=lambda env, vals: [t for t in [env.get("res.company", 1, "account_sale_tax_id")] if t]),
            "sale_delay": F.Integer("Customer Lead Time", default=0),
            "tracking": F.Selection(TRACKING, "Tracking", required=True, default="none"),
            "priority": F.Selection(PRIORITY, "Favorite", default="0"),
            "invoice_policy": F.Selection([("order", "Ordered quantities"), ("delivery", "Delivered quantities")],
                                          "Invoicing Policy", default="order"),
            "product_variant_ids": F.One2many("product.product", "product_tmpl_id", "Products", required=True),
            "product_variant_id": F.Many2one("product.product", "Product", compute=lambda env, m, rid: (
                _variants(env, rid) or [False])[0]),
            "product_variant_count": F.Integer("# Product Variants", compute=lambda env, m, rid: len(_variants(env, rid))),
            "qty_available": F.Float("Quantity On Hand", compute=_sum_variants("qty_available")),
            "virtual_available": F.Float("Forecasted Quantity", compute=_sum_variants("virtual_available")),
            **thread_fields(),
        })
    product = ModelSpec(
        "product.product", "Product Variant", order="priority desc, default_code, name, id",
        inherits={"product.template": "product_tmpl_id"}, methods=thread_methods(), display=_product_display,
        fields={
            "product_tmpl_id": F.Many2one("product.template", "Product Template", required=True),
            "default_code": F.Char("Internal Reference"),
            "barcode": F.Char("Barcode"),
            "active": F.Boolean("Active", default=True),
            "standard_price": account.company_dependent_float("Cost", "standard_price"),
            "cost_currency_id": F.Many2one("res.currency", "Cost Currency", compute=lambda env, m, rid: env.get(
                "res.company", env.company(), "currency_id")),
            "lst_price": F.Float("Sales Price", compute=lambda env, m, rid: env.get(m, rid, "list_price"),
                                 inverse=_set_lst_price),
            "code": F.Char("Reference", compute=lambda env, m, rid: env.get(m, rid, "default_code")),
            "partner_ref": F.Char("Customer Ref", compute=lambda env, m, rid: env.display_name(m, rid)),
            "qty_available": F.Float("Quantity On Hand", compute=_qty("qty_available")),
            "virtual_available": F.Float("Forecasted Quantity", compute=_qty("virtual_available")),
            "free_qty": F.Float("Free To Use Quantity ", compute=_qty("free_qty")),
            "incoming_qty": F.Float("Incoming", compute=_qty("incoming_qty")),
            "outgoing_qty": F.Float("Outgoing", compute=_qty("outgoing_qty")),
            **thread_fields(),
        })
    return [
        ModelSpec("uom.category", "Product UoM Categories", fields={"name": F.Char("Unit of Measure Category", required=True)}),
        ModelSpec("uom.uom", "Product Unit of Measure", order="factor DESC, id", fields={
            "name": F.Char("Unit of Measure", required=True),
            "category_id": F.Many2one("uom.category", "Category", required=True),
            "factor": F.Float("Ratio", required=True, default=1.0),
            "rounding": F.Float("Rounding Precision", required=True, default=0.01),
            "uom_type": F.Selection([("bigger", "Bigger than the reference Unit of Measure"),
                                     ("reference", "Reference Unit of Measure for this category"),
                                     ("smaller", "Smaller than the reference Unit of Measure")],
                                    "Type", required=True, default="reference"),
            "active": F.Boolean("Active", default=True),
        }),
        ModelSpec("product.category", "Product Category", order="complete_name", rec_name="complete_name",
                  parent_field="parent_id", fields={
            "name": F.Char("Name", required=True),
            "complete_name": F.Char("Complete Name", compute=_category_name, store=True),
            "parent_id": F.Many2one("product.category", "Parent Category"),
        }),
        template,
        product,
        ModelSpec("product.pricelist", "Pricelist", order="sequence asc, id asc", fields={
            "name": F.Char("Pricelist Name", required=True),
            "sequence": F.Integer("Sequence", default=16),
            "active": F.Boolean("Active", default=True),
            "currency_id": F.Many2one("res.currency", "Currency", required=True,
                                      default=lambda env, vals: env.get("res.company", env.company(), "currency_id")),
            "company_id": F.Many2one("res.company", "Company"),
        }),
    ]
