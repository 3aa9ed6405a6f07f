"""Customer credit as Odoo 17's account and sale compute it: invoices, receivables, credit limits.

* ``account.move``: customer invoices and credit notes; ``action_post`` makes them count.
* ``res.partner.credit``: open posted receivables of the partner in the current company's tree
  (account ``_credit_debit_get``); here the residual of each posted invoice (no payments).
* ``res.partner.credit_to_invoice``: confirmed orders of the partner itself in the current
  company with something left to invoice (sale ``_compute_credit_to_invoice``).
* ``credit_limit`` is company dependent; without a value of its own a partner reads the
  company's default (``ir.property``, set through Settings > "Default Credit Limit"), and
  ``use_partner_credit_limit`` means "differs from that default".
* ``sale.order.partner_credit_warning``: Odoo's banner text (account ``_build_credit_warning_message``).
"""
from __future__ import annotations

from .. import errors
from .. import fields as F
from ..security import ACC_INVOICE, has_group
from ..registry import ModelSpec
from .mail_thread import thread_fields, thread_methods
from .sale_line import round_money

MOVE_TYPES = [("entry", "Journal Entry"), ("out_invoice", "Customer Invoice"),
              ("out_refund", "Customer Credit Note"), ("in_invoice", "Vendor Bill"),
              ("in_refund", "Vendor Credit Note"), ("out_receipt", "Sales Receipt"),
              ("in_receipt", "Purchase Receipt")]
RECEIVABLE_SIGN = {"out_invoice": 1, "out_receipt": 1, "out_refund": -1}
LINE_TYPES = [("product", "Product"), ("cogs", "Cost of Goods Sold"), ("tax", "Tax"), ("discount", "Discount"),
              ("rounding", "Rounding"), ("payment_term", "Payment Term"), ("line_section", "Section"),
              ("line_note", "Note"), ("epd", "Early Payment Discount")]
DEFAULT_LIMIT = "_default_credit_limit"   # res.company row key: the company's ir.property default
PER_COMPANY = "_company_values"           # record row key: {field: {company id: value}}


# -- company-dependent fields -----------------------------------------------------------------
def company_value(env, model, rid, fname, default):
    """The value of a company-dependent field in ``env.company()``; ``default(company)`` otherwise."""
    company = env.company()
    own = (env.row(model, rid).get(PER_COMPANY) or {}).get(fname) or {}
    return own[company] if company in own else default(env, company)


def set_company_value(env, model, rid, fname, value):
    row = env.row(model, rid)
    per_company = {key: dict(values) for key, values in (row.get(PER_COMPANY) or {}).items()}
    per_company.setdefault(fname, {})[env.company()] = value
    env.db.update(model, rid, {PER_COMPANY: per_company})


def company_dependent_float(string, fname, default=lambda env, company: 0.0):
    """A company-dependent Float field (``company_dependent=True`` in Odoo)."""
    return F.Float(string, company_dependent=True,
                   compute=lambda env, model, rid: float(company_value(env, model, rid, fname, default)),
                   inverse=lambda env, model, rid, value: set_company_value(env, model, rid, fname, float(value or 0.0)))


def default_credit_limit(env, company) -> float:
    return float(env.row("res.company", company).get(DEFAULT_LIMIT) or 0.0)


def _use_partner_limit(env, model, rid):
    return env.get(model, rid, "credit_limit") != default_credit_limit(env, env.company())


def _set_use_partner_limit(env, model, rid, value):
    if not value:
        set_company_value(env, model, rid, "credit_limit", default_credit_limit(env, env.company()))


def partner_credit_fields() -> dict:
    """The credit fields account and sale add to res.partner."""
    return {
        "credit": F.Monetary("Total Receivable", compute=lambda env, m, rid: receivable(env, rid)),
        "credit_to_invoice": F.Monetary("Credit To Invoice", compute=lambda env, m, rid: to_invoice(env, rid)),
        "credit_limit": company_dependent_float("Credit Limit", "credit_limit", default_credit_limit),
        "use_partner_credit_limit": F.Boolean("Partner Limit", compute=_use_partner_limit,
                                              inverse=_set_use_partner_limit),
    }


# -- credit --------------------------------------------------------------------------------------
def _company_tree(env, company) -> set:
    root = company
    while env.get("res.company", root, "parent_id"):
        root = env.get("res.company", root, "parent_id")
    tree, frontier = {root}, [root]
    while frontier:
        children = env.search("res.company", [("parent_id", "in", frontier)])
        frontier = [child for child in children if child not in tree]
        tree.update(frontier)
    return tree


def receivable(env, partner) -> float:
    """Open posted receivables whose accounting partner is ``partner``, in the company's currency."""
    companies = _company_tree(env, env.company())
    total = 0.0
    for move in env.search("account.move", [("state", "=", "posted"), ("commercial_partner_id", "=", partner)]):
        row = env.row("account.move", move)
        if row.get("company_id") in companies and row.get("move_type") in RECEIVABLE_SIGN:
            total += RECEIVABLE_SIGN[row["move_type"]] * _move_total(env, move) / _move_rate(env, move)
    return round_money(total)


def to_invoice(env, partner) -> float:
    """Confirmed orders of ``partner`` (not its contacts) in the current company not yet invoiced,
    summed per currency and converted to the company's currency at today's rate."""
    company = env.company()
    company_currency = env.get("res.company", company, "currency_id")
    per_currency: dict = {}
    for order in env.search("sale.order", [("state", "=", "sale"), ("partner_id", "=", partner),
                                           ("company_id", "=", company)]):
        amount = env.get("sale.order", order, "amount_to_invoice")
        if amount > 0:
            currency = env.get("sale.order", order, "currency_id")
            per_currency[currency] = per_currency.get(currency, 0.0) + amount
    return sum(round_money(amount * currency_rate(env, currency, company_currency, company, env.user_today()))
               for currency, amount in per_currency.items())


def format_amount(env, amount: float, currency: int) -> str:
    """Odoo's formatLang with a currency: grouped, the currency's decimals, symbol before or after."""
    row = env.row("res.currency", currency)
    text = f"{amount:,.{int(row.get('decimal_places', 2))}f}"
    symbol = row.get("symbol") or ""
    return f"{symbol}\N{NO-BREAK SPACE}{text}" if row.get("position") == "before" else f"{text}\N{NO-BREAK SPACE}{symbol}"


def credit_warning(env, model, rid) -> str:
    """sale.order.partner_credit_warning, as Odoo 17 builds it for a quotation."""
    order = env.row(model, rid)
    if order.get("state") not in ("draft", "sent") or not env.get("res.company", order["company_id"],
                                                                   "account_use_credit_limit"):
        return ""
    partner = env.get("res.partner", order["partner_id"], "commercial_partner_id")
    limit = env.get("res.partner", partner, "credit_limit")
    credit_to_invoice = env.get("res.partner", partner, "credit_to_invoice")
    current = env.get(model, rid, "amount_total") / (env.get(model, rid, "currency_rate") or 1.0)
    total = env.get("res.partner", partner, "credit") + credit_to_invoice + current
    if not limit or total <= limit:
        return ""
    currency = env.get("res.company", order["company_id"], "currency_id")
    message = (f"{env.get('res.partner', partner, 'name')} has reached its credit limit of: "
               f"{format_amount(env, limit, currency)}")
    shown = format_amount(env, total, currency)
    if credit_to_invoice > 0 and current > 0:
        return f"{message}\nTotal amount due (including sales orders and this document): {shown}"
    if credit_to_invoice > 0:
        return f"{message}\nTotal amount due (including sales orders): {shown}"
    if current > 0:
        return f"{message}\nTotal amount due (including this document): {shown}"
    return message


# -- account.move ------------------------------------------------------------------------------
def _line_subtotal(env, model, rid) -> float:
    row = env.row(model, rid)
    return round_money((row.get("price_unit") or 0.0) * (row.get("quantity") or 0.0))


def _line_tax(env, line) -> float:
    row = env.row("account.move.line", line)
    base = _line_subtotal(env, "account.move.line", line)
    return sum(base * env.get("account.tax", tax, "amount") / 100.0 for tax in row.get("tax_ids") or [])


def _move_total(env, move) -> float:
    lines = env.get("account.move", move, "invoice_line_ids")
    return round_money(sum(_line_subtotal(env, "account.move.line", line) + _line_tax(env, line) for line in lines))


def _move_rate(env, move) -> float:
    row = env.row("account.move", move)
    company_currency = env.get("res.company", row["company_id"], "currency_id")
    return currency_rate(env, company_currency, row.get("currency_id") or company_currency, row["company_id"],
                         row.get("invoice_date") or env.today())


def currency_rate(env, from_currency, to_currency, company, date) -> float:
    """Units of ``to_currency`` per unit of ``from_currency`` on ``date`` (res.currency._get_conversion_rate)."""
    if from_currency == to_currency:
        return 1.0
    return _rate(env, to_currency, company, date) / _rate(env, from_currency, company, date)


def _rate(env, currency, company, date) -> float:
    rows = [env.row("res.currency.rate", rid) for rid in env.search(
        "res.currency.rate", [("currency_id", "=", currency), ("name", "<=", str(date)[:10])])]
    rows = [row for row in rows if row.get("company_id") in (False, None, company)]
    if not rows:
        return 1.0
    best = max(rows, key=lambda row: (bool(row.get("company_id")), row["name"]))  # the company's own first
    return float(best.get("rate") or 1.0)


SALE_DOCUMENTS = ("out_invoice", "out_refund", "out_receipt")
PURCHASE_DOCUMENTS = ("in_invoice", "in_refund", "in_receipt")


def action_post(env, model, ids):
    """account.move._post(soft=False): Billing only; a bill needs its vendor and bill date; only drafts post."""
    if env.uid != 1 and not has_group(env, ACC_INVOICE):
        raise errors.access_error("You don't have the access rights to post an invoice.")
    for rid in ids:
        row = env.row(model, rid)
        if row.get("move_type") in SALE_DOCUMENTS + PURCHASE_DOCUMENTS:
            if not row.get("partner_id"):
                if row["move_type"] in SALE_DOCUMENTS:
                    raise errors.user_error("The field 'Customer' is required, please complete it to validate the "
                                            "Customer Invoice.")
                raise errors.user_error("The field 'Vendor' is required, please complete it to validate the "
                                        "Vendor Bill.")
            if not row.get("invoice_date"):
                if row["move_type"] in PURCHASE_DOCUMENTS:
                    raise errors.user_error("The Bill/Refund date is required to validate this document.")
                env.write(model, [rid], {"invoice_date": env.user_today()})
    for rid in ids:
        row = env.row(model, rid)
        if row.get("state") in ("posted", "cancel"):
            raise errors.user_error(f"The entry {row.get('name')} (id {rid}) must be in draft.")
        if not env.get(model, rid, "invoice_line_ids"):
            raise errors.user_error("You need to add a line before posting.")
    env.write(model, ids, {"state": "posted"})
    return False


def button_cancel(env, model, ids):
    """account.move.button_cancel: a posted entry is reset to draft first, then every entry is cancelled."""
    for rid in ids:
        if env.get(model, rid, "state") not in ("draft", "posted"):
            raise errors.user_error("Only draft journal entries can be cancelled.")
    env.write(model, ids, {"state": "cancel"})
    return None


def _prepare_move(env, vals):
    company = vals.get("company_id") or env.company()
    vals["company_id"] = company
    vals.setdefault("currency_id", env.get("res.company", company, "currency_id"))
    return vals


def _commercial(env, model, rid):
    partner = env.row(model, rid).get("partner_id")
    return env.get("res.partner", partner, "commercial_partner_id") if partner else False


def _signed(env, model, rid):
    """An amount in the company's currency, negative for a credit note (nothing is ever paid here)."""
    sign = RECEIVABLE_SIGN.get(env.row(model, rid).get("move_type"), 1)
    return round_money(sign * _move_total(env, rid) / _move_rate(env, rid))


def specs():
    move = ModelSpec(
        "account.move", "Journal Entry", order="date desc, name desc, id desc", prepare_create=_prepare_move,
        methods={**thread_methods(), "action_post": action_post, "button_cancel": button_cancel},
        fields={
            **thread_fields(),  # account.move inherits mail.thread and mail.activity.mixin
            "name": F.Char("Number", default="/"),
            "move_type": F.Selection(MOVE_TYPES, "Type", required=True, default="entry"),
            "state": F.Selection([("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")], "Status",
                                 required=True, default="draft"),
            "date": F.Date("Date", required=True, default=lambda env, vals: env.today()),
            "invoice_date": F.Date("Invoice/Bill Date"),
            "partner_id": F.Many2one("res.partner", "Partner"),
            "commercial_partner_id": F.Many2one("res.partner", "Commercial Entity", compute=_commercial, store=True),
            "company_id": F.Many2one("res.company", "Company"),
            "currency_id": F.Many2one("res.currency", "Currency", required=True),
            "invoice_line_ids": F.One2many("account.move.line", "move_id", "Invoice lines"),
            "amount_total": F.Monetary("Total", store=True, compute=lambda env, m, rid: _move_total(env, rid)),
            "amount_residual": F.Monetary("Amount Due", store=True, compute=lambda env, m, rid: _move_total(env, rid)),
            "amount_total_signed": F.Monetary("Total Signed", store=True, compute=_signed),
            "amount_residual_signed": F.Monetary("Amount Due Signed", store=True, compute=_signed),
            "partner_credit_warning": F.Text("Partner Credit Warning", compute=lambda env, m, rid: ""),
            "ref": F.Char("Bill Reference"),
            "amount_untaxed": F.Monetary("Untaxed Amount", store=True, compute=lambda env, m, rid: round_money(sum(
                _line_subtotal(env, "account.move.line", line) for line in env.get(m, rid, "invoice_line_ids")))),
        })
    line = ModelSpec(
        "account.move.line", "Journal Item", order="id",
        fields={
            "move_id": F.Many2one("account.move", "Journal Entry", required=True),
            "name": F.Char("Label"),
            "display_type": F.Selection(LINE_TYPES, "Display Type", required=True, default="product"),
            "product_id": F.Many2one("product.product", "Product"),
            "quantity": F.Float("Quantity", default=1.0),
            "price_unit": F.Float("Unit Price", default=0.0),
            "tax_ids": F.Many2many("account.tax", "Taxes"),
            "price_subtotal": F.Monetary("Subtotal", store=True, compute=_line_subtotal),
            "partner_id": F.Many2one("res.partner", "Partner", compute=lambda env, m, rid: env.get(
                "account.move", env.row(m, rid)["move_id"], "partner_id"), store=True),
            "company_id": F.Many2one("res.company", "Company", compute=lambda env, m, rid: env.get(
                "account.move", env.row(m, rid)["move_id"], "company_id"), store=True),
            "currency_id": F.Many2one("res.currency", "Currency", required=True, compute=lambda env, m, rid: env.get(
                "account.move", env.row(m, rid)["move_id"], "currency_id"), store=True),
        })
    rate = ModelSpec(
        "res.currency.rate", "Currency Rate", order="name desc", fields={
            "name": F.Date("Date", required=True, default=lambda env, vals: env.today()),
            "rate": F.Float("Technical Rate", default=1.0),
            "currency_id": F.Many2one("res.currency", "Currency", required=True),
            "company_id": F.Many2one("res.company", "Company", default=lambda env, vals: env.company()),
        })
    settings = ModelSpec(
        "res.config.settings", "Config Settings", methods={"execute": execute_settings},
        prepare_create=_prepare_settings,
        fields={
            "company_id": F.Many2one("res.company", "Company", required=True,
                                     default=lambda env, vals: env.company()),
            "account_use_credit_limit": F.Boolean("Sales Credit Limit"),
            "account_default_credit_limit": F.Monetary("Default Credit Limit"),
        })
    return [move, line, rate, settings]


def _prepare_settings(env, vals):
    """A new settings record starts from the company's current values, as Odoo's computes do."""
    company = vals.get("company_id") or env.company()
    vals.setdefault("account_use_credit_limit", env.get("res.company", company, "account_use_credit_limit"))
    vals.setdefault("account_default_credit_limit", default_credit_limit(env, company))
    return vals


def execute_settings(env, model, ids):
    """Save: the credit-limit switch on the company and the default limit as its ir.property."""
    for rid in ids:
        row = env.row(model, rid)
        company = row["company_id"]
        env.write("res.company", [company], {"account_use_credit_limit": bool(row.get("account_use_credit_limit"))})
        env.db.update("res.company", company, {DEFAULT_LIMIT: float(row.get("account_default_credit_limit") or 0.0)})
    return True
