"""Vendor pricelists (product.supplierinfo) and purchase agreements (purchase_requisition) as Odoo 17 keeps them.

What the double keeps from Odoo's source:

* ``product/models/product_supplierinfo.py``: a vendor price of a product template (or one variant:
  ``product_id``), from ``min_qty`` in the template's purchase unit (``product_uom``, related to
  ``uom_po_id``), valid between ``date_start`` and ``date_end``, in a company (or all: no company) and
  a currency; ``product.template.seller_ids`` lists them all, ``product.product`` shows its template's;
* ``purchase_requisition/models/purchase_requisition.py``: an agreement (``purchase.requisition``) of a
  type (the data's "Blanket Order": ``quantity_copy`` none) with lines (product, quantity, unit price,
  unit); ``action_in_progress`` confirms it (a blanket order with a vendor becomes ``ongoing`` and gets
  one vendor price per line, ``purchase_requisition_line_id`` set; any other agreement ``in_progress``)
  and names it ``BO00001``; a line's ``qty_ordered`` sums the lines of the agreement's purchase orders in
  state purchase or done for its product (in the line's unit), on the first line of each product only;
* ``purchase_requisition/models/purchase.py``: ``purchase.order.requisition_id``.

Not modelled: calls for tenders' alternatives, ``action_done``/``action_cancel`` removing the prices,
an RFQ's line prices recomputed from the agreement (tests give every price).
"""
from __future__ import annotations

from .. import errors
from .. import fields as F
from ..registry import ModelSpec

REQUISITION_STATES = [("draft", "Draft"), ("ongoing", "Ongoing"), ("in_progress", "Confirmed"),
                      ("open", "Bid Selection"), ("done", "Closed"), ("cancel", "Cancelled")]
BLANKET_ORDER_TYPE = 1  # purchase_requisition.type_single, the only type of Odoo 17's data


def _related(model_field, fname):
    """A field read through a many2one of the record (Odoo's ``related=``)."""
    def compute(env, model, rid):
        link = env.row(model, rid).get(model_field)
        return env.get(env.registry.field(model, model_field).relation, link, fname) if link else False
    return compute


def _prepare_supplierinfo(env, vals):
    """``_sanitize_vals``: a variant's price gets the variant's template."""
    if vals.get("product_id") and not vals.get("product_tmpl_id"):
        vals["product_tmpl_id"] = env.get("product.product", vals["product_id"], "product_tmpl_id")
    vals.setdefault("company_id", env.company())
    vals.setdefault("currency_id", env.get("res.company", env.company(), "currency_id"))
    return vals


def supplierinfo_spec() -> ModelSpec:
    return ModelSpec(
        "product.supplierinfo", "Supplier Pricelist", order="sequence, min_qty desc, price, id", rec_name="partner_id",
        prepare_create=_prepare_supplierinfo, fields={
            "partner_id": F.Many2one("res.partner", "Vendor", required=True),
            "product_name": F.Char("Vendor Product Name"),
            "product_code": F.Char("Vendor Product Code"),
            "sequence": F.Integer("Sequence", default=1),
            "product_uom": F.Many2one("uom.uom", "Unit of Measure", compute=_related("product_tmpl_id", "uom_po_id")),
            "min_qty": F.Float("Quantity", required=True, default=0.0),
            "price": F.Float("Price", required=True, default=0.0),
            "discount": F.Float("Discount (%)", default=0.0),
            "price_discounted": F.Float("Discounted Price", compute=lambda env, m, rid: (
                (env.row(m, rid).get("price") or 0.0) * (1 - (env.row(m, rid).get("discount") or 0.0) / 100))),
            "company_id": F.Many2one("res.company", "Company"),
            "currency_id": F.Many2one("res.currency", "Currency", required=True),
            "date_start": F.Date("Start Date"),
            "date_end": F.Date("End Date"),
            "product_id": F.Many2one("product.product", "Product Variant"),
            "product_tmpl_id": F.Many2one("product.template", "Product Template"),
            "delay": F.Integer("Delivery Lead Time", required=True, default=1),
            "purchase_requisition_line_id": F.Many2one("purchase.requisition.line"),
            "purchase_requisition_id": F.Many2one("purchase.requisition", "Agreement", compute=_related(
                "purchase_requisition_line_id", "requisition_id")),
        })


def type_spec() -> ModelSpec:
    return ModelSpec("purchase.requisition.type", "Purchase Requisition Type", order="sequence", fields={
        "name": F.Char("Agreement Type", required=True),
        "sequence": F.Integer("Sequence", default=1),
        "exclusive": F.Selection([("exclusive", "Select only one RFQ (exclusive)"),
                                  ("multiple", "Select multiple RFQ (non-exclusive)")],
                                 "Agreement Selection Type", required=True, default="multiple"),
        "quantity_copy": F.Selection([("copy", "Use quantities of agreement"), ("none", "Set quantities manually")],
                                     "Quantities", required=True, default="none"),
        "line_copy": F.Selection([("copy", "Use lines of agreement"), ("none", "Do not create RfQ lines automatically")],
                                 "Lines", required=True, default="copy"),
        "active": F.Boolean("Active", default=True),
    })


def _default_type(env, vals):
    found = env.search("purchase.requisition.type", [], limit=1)
    return found[0] if found else False


def _create_supplier_info(env, line_id) -> None:
    """``create_supplier_info``: a blanket order's line is a price of its vendor (made as superuser)."""
    line = env.row("purchase.requisition.line", line_id)
    requisition = env.row("purchase.requisition", line["requisition_id"])
    kind = env.get("purchase.requisition.type", requisition["type_id"], "quantity_copy")
    if kind == "none" and requisition.get("vendor_id"):
        env.create("product.supplierinfo", {
            "partner_id": requisition["vendor_id"], "product_id": line["product_id"],
            "price": line.get("price_unit") or 0.0, "currency_id": requisition["currency_id"],
            "company_id": env.company(), "purchase_requisition_line_id": line_id})


def action_in_progress(env, model, ids):
    """Confirm an agreement: a blanket order with a vendor needs a price and quantity on every line."""
    for rid in ids:
        row = env.row(model, rid)
        lines = env.get(model, rid, "line_ids")
        if not lines:
            raise errors.user_error(f"You cannot confirm agreement '{row['name']}' because there is no product line.")
        kind = env.get("purchase.requisition.type", row["type_id"], "quantity_copy")
        if kind == "none" and row.get("vendor_id"):
            for line in lines:
                values = env.row("purchase.requisition.line", line)
                if (values.get("price_unit") or 0.0) <= 0.0:
                    raise errors.user_error("You cannot confirm the blanket order without price.")
                if (values.get("product_qty") or 0.0) <= 0.0:
                    raise errors.user_error("You cannot confirm the blanket order without quantity.")
                _create_supplier_info(env, line)
            env.write(model, [rid], {"state": "ongoing"})
        else:
            env.write(model, [rid], {"state": "in_progress"})
        if row["name"] == "New":
            env.write(model, [rid], {"name": f"BO{env.next_number('purchase.requisition.blanket.order'):05d}"})
    return None


def _uom_qty(env, qty, from_uom, to_uom) -> float:
    if not from_uom or not to_uom or from_uom == to_uom:
        return qty
    return qty / env.get("uom.uom", from_uom, "factor") * env.get("uom.uom", to_uom, "factor")


def _qty_ordered(env, model, rid) -> float:
    """What confirmed orders of the agreement bought of the line's product (the first line per product)."""
    line = env.row(model, rid)
    requisition, product = line["requisition_id"], line.get("product_id")
    first = env.search(model, [("requisition_id", "=", requisition), ("product_id", "=", product)], order="id", limit=1)
    if first and first[0] != rid:
        return 0.0
    total = 0.0
    orders = env.search("purchase.order", [("requisition_id", "=", requisition), ("state", "in", ["purchase", "done"])])
    for po_line in env.search("purchase.order.line", [("order_id", "in", orders), ("product_id", "=", product)]):
        values = env.row("purchase.order.line", po_line)
        total += _uom_qty(env, values.get("product_qty") or 0.0, values.get("product_uom"), line.get("product_uom_id"))
    return total


def _prepare_line(env, vals):
    if vals.get("product_id") and not vals.get("product_uom_id"):
        vals["product_uom_id"] = env.get("product.product", vals["product_id"], "uom_id")
    return vals


def _line_created(env, rid, vals) -> None:
    requisition = env.row("purchase.requisition", env.row("purchase.requisition.line", rid)["requisition_id"])
    if requisition["state"] not in ("draft", "cancel", "done"):
        _create_supplier_info(env, rid)


def requisition_spec() -> ModelSpec:
    return ModelSpec("purchase.requisition", "Purchase Requisition", order="id desc",
                     methods={"action_in_progress": action_in_progress}, fields={
        "name": F.Char("Reference", required=True, default="New"),
        "origin": F.Char("Source Document"),
        "vendor_id": F.Many2one("res.partner", "Vendor"),
        "type_id": F.Many2one("purchase.requisition.type", "Agreement Type", required=True, default=_default_type),
        "ordering_date": F.Date("Ordering Date"),
        "date_end": F.Datetime("Agreement Deadline"),
        "schedule_date": F.Date("Delivery Date"),
        "user_id": F.Many2one("res.users", "Purchase Representative", default=lambda env, vals: env.uid),
        "company_id": F.Many2one("res.company", "Company", required=True, default=lambda env, vals: env.company()),
        "purchase_ids": F.One2many("purchase.order", "requisition_id", "Purchase Orders"),
        "line_ids": F.One2many("purchase.requisition.line", "requisition_id", "Products to Purchase"),
        "state": F.Selection(REQUISITION_STATES, "Status", required=True, default="draft"),
        "currency_id": F.Many2one("res.currency", "Currency", required=True, default=lambda env, vals: env.get(
            "res.company", env.company(), "currency_id")),
    })


def requisition_line_spec() -> ModelSpec:
    return ModelSpec("purchase.requisition.line", "Purchase Requisition Line", rec_name="product_id",
                     prepare_create=_prepare_line, after_create=_line_created, fields={
        "product_id": F.Many2one("product.product", "Product", required=True),
        "product_uom_id": F.Many2one("uom.uom", "Product Unit of Measure"),
        "product_qty": F.Float("Quantity"),
        "price_unit": F.Float("Unit Price"),
        "qty_ordered": F.Float("Ordered Quantities", compute=_qty_ordered),
        "requisition_id": F.Many2one("purchase.requisition", "Purchase Agreement", required=True),
        "company_id": F.Many2one("res.company", "Company", store=True, compute=_related("requisition_id", "company_id")),
        "schedule_date": F.Date("Scheduled Date"),
        "supplier_info_ids": F.One2many("product.supplierinfo", "purchase_requisition_line_id"),
    })


def specs() -> list:
    return [supplierinfo_spec(), type_spec(), requisition_spec(), requisition_line_spec()]


def extend(by_name: dict) -> None:
    """Fields these modules add to product and purchase models (Odoo's ``_inherit``)."""
    for model, fname, fdef in (
            ("product.template", "seller_ids", F.One2many("product.supplierinfo", "product_tmpl_id", "Vendors")),
            ("purchase.order", "requisition_id", F.Many2one("purchase.requisition", "Blanket Order"))):
        fdef.name, fdef.model_name = fname, model
        by_name[model].fields[fname] = fdef


def seed(env) -> None:
    """The agreement type of Odoo 17's data (``purchase_requisition.type_single``)."""
    env.create("purchase.requisition.type", {"name": "Blanket Order", "sequence": 3, "quantity_copy": "none"},
               forced_id=BLANKET_ORDER_TYPE)
