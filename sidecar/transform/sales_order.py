"""Odoo's answers about a quotation -> canonical release facts (sale_order.release_facts.v1)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from sidecar.errors import InvalidPayload
from sidecar.transform.uom import convert_price, convert_quantity
from sidecar.values import ODOO_DATETIME, m2o_id, utc_moment

# As the event contract says (sale_order.release_requested.v1 /write_date).
ODOO_WRITE_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?$")
STORABLE = "product"  # product.product.detailed_type of a stock-tracked product


def m2o_name(value) -> str | None:
    """The display name of a many2one read as [id, name]; None otherwise."""
    if isinstance(value, (list, tuple)) and len(value) > 1 and isinstance(value[1], str):
        return value[1]
    return None


def odoo_datetime(value) -> str | None:
    """Odoo's UTC 'YYYY-MM-DD HH:MM:SS' as ISO 8601 'YYYY-MM-DDTHH:MM:SSZ'; None for False."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)  # Odoo's own form, read in C; strptime takes looser forms too
    except ValueError as err:
        try:
            moment = datetime.strptime(value, ODOO_DATETIME)
        except ValueError:
            raise err from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _by_id(rows) -> dict:
    return {row["id"]: row for row in rows or []}


def _free_quantity(bundle: dict, product_id: int) -> float:
    free = bundle.get("free_quantities") or {}
    return _number(free.get(str(product_id), free.get(product_id, 0.0)))


def _currency(currencies: dict, value) -> tuple[str | None, int]:
    """Name and decimal places of a currency many2one; 2 places when Odoo did not say."""
    row = currencies.get(m2o_id(value)) or {}
    places = row.get("decimal_places")
    name = row.get("name") or m2o_name(value)
    return name, places if isinstance(places, int) and not isinstance(places, bool) else 2


def _rate(order: dict) -> float:
    """Units of order currency per unit of company currency (Odoo's sale.order.currency_rate)."""
    rate = _number(order.get("currency_rate"))
    return rate if rate > 0 else 1.0


def _order(order: dict, partner: dict, company: dict, currencies: dict) -> dict:
    currency, places = _currency(currencies, order.get("currency_id"))
    return {
        "id": order["id"],
        "name": order["name"],
        "state": order["state"],
        "company_id": m2o_id(order.get("company_id")) or m2o_id(company.get("id")),
        "partner_id": m2o_id(order["partner_id"]),
        "partner_name": m2o_name(order["partner_id"]) or partner.get("name") or "",
        "warehouse_id": m2o_id(order.get("warehouse_id")),
        "warehouse_name": m2o_name(order.get("warehouse_id")),
        "salesperson_id": m2o_id(order.get("user_id")),
        "date_order": odoo_datetime(order["date_order"]),
        "commitment_date": odoo_datetime(order.get("commitment_date")),
        "write_date": _text(order.get("write_date")),
        "amount_untaxed": _number(order["amount_untaxed"]),
        "amount_total": _number(order["amount_total"]),
        "currency": currency,
        "currency_decimals": places,
        "currency_rate": _rate(order),
        "picking_policy": _text(order.get("picking_policy")) or "direct",
    }


def _unit_cost(line: dict, product: dict, uoms: dict, rate: float) -> float:
    """Cost of one line unit in the order's currency: sale_margin's purchase_price when Odoo has it,
    else the product's cost (per product unit, company currency) converted as sale_margin would."""
    if "purchase_price" in line:
        return _number(line["purchase_price"])
    per_line_unit = convert_price(_number(product.get("standard_price")), uoms.get(m2o_id(product.get("uom_id"))),
                                  uoms.get(m2o_id(line.get("product_uom"))))
    return per_line_unit * rate


def _line(line: dict, product: dict, bundle: dict, uoms: dict, rate: float) -> dict:
    product_id = m2o_id(line["product_id"])
    storable = product.get("detailed_type") == STORABLE
    line_uom, product_uom = uoms.get(m2o_id(line.get("product_uom"))), uoms.get(m2o_id(product.get("uom_id")))
    quantity = _number(line["product_uom_qty"])
    unit_cost = _unit_cost(line, product, uoms, rate)
    subtotal = _number(line["price_subtotal"])
    return {
        "line_id": line["id"],
        "product_id": product_id,
        "product_name": product.get("name") or m2o_name(line["product_id"]) or "",
        "default_code": _text(product.get("default_code")),
        "storable": storable,
        "quantity": quantity,
        "uom": m2o_name(line.get("product_uom")) or (line_uom or {}).get("name"),
        "product_quantity": convert_quantity(quantity, line_uom, product_uom),
        "product_uom": m2o_name(product.get("uom_id")) or (product_uom or {}).get("name"),
        "price_subtotal": subtotal,
        "unit_cost": unit_cost,
        "margin": _number(line["margin"]) if "margin" in line else subtotal - unit_cost * quantity,
        "available_quantity": _free_quantity(bundle, product_id) if storable else None,
        "customer_lead_days": _number(line.get("customer_lead")),
        "is_delivery": bool(line.get("is_delivery")),
    }


def _margin(order_raw: dict, lines: list[dict], amount_untaxed: float) -> dict:
    """Odoo's own order margin with sale_margin installed; the same sum over the lines without it."""
    if "margin" in order_raw:
        amount, source = _number(order_raw["margin"]), "sale_margin"
    else:
        amount, source = sum(line["margin"] for line in lines), "standard_price"
    percent = amount / amount_untaxed * 100 if amount_untaxed else None
    return {"amount": amount, "percent": percent, "source": source}


def _credit(partner: dict, company: dict, order: dict, currencies: dict) -> dict:
    """Odoo 17's credit warning: receivable + to invoice + this order in company currency, against the
    partner's credit_limit (which holds the company default unless the partner has its own)."""
    receivable = _number(partner.get("credit"))
    to_invoice = _number(partner.get("credit_to_invoice"))
    order_amount = order["amount_total"] / order["currency_rate"]
    credit_limit = _number(partner.get("credit_limit"))
    applies = bool(company.get("account_use_credit_limit")) and bool(credit_limit)
    currency, places = _currency(currencies, company.get("currency_id"))
    return {
        "receivable": receivable,
        "to_invoice": to_invoice,
        "order_amount": order_amount,
        "exposure": receivable + to_invoice + order_amount,
        "limit": credit_limit if applies else None,
        "currency": currency or order["currency"],
        "currency_decimals": places if currency else order["currency_decimals"],
    }


def _iso_z(moment: datetime) -> str:
    # strftime's "%Y-%m-%dT%H:%M:%SZ" (year unpadded, as glibc writes it) without its tzset() on every call
    m = moment.astimezone(timezone.utc)
    return f"{m.year}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _label(line: dict) -> str:
    if line.get("default_code"):
        return f"[{line['default_code']}]"
    return line.get("product_name") or f"product {line['product_id']}"


def _over(credit: dict) -> dict:
    """How far exposure is above the limit, in money and in percent of the limit (None: no limit, or 0)."""
    limit, exposure = credit.get("limit"), credit["exposure"]
    if limit is None:
        return {"over_amount": None, "over_percent": None}
    return {"over_amount": exposure - limit, "over_percent": (exposure - limit) / limit * 100 if limit > 0 else None}


def _stock(facts: dict) -> dict:
    """Each storable product's ordered quantity (in its own unit, lines added up) against its free
    quantity in the warehouse; the short ones listed as the chatter shows them."""
    needs: dict[int, dict] = {}
    for line in facts["lines"]:
        if line["storable"]:
            entry = needs.setdefault(line["product_id"], {
                "product_id": line["product_id"], "label": _label(line), "needed": 0.0,
                "available": line["available_quantity"] or 0.0, "unit": line.get("product_uom")})
            entry["needed"] += line.get("product_quantity", line["quantity"])
    short = [e for e in needs.values() if e["needed"] > e["available"] + 1e-9]  # float noise is not short

    def unit(entry):
        return f" {entry['unit']}" if entry["unit"] else ""
    listing = ", ".join(f"{e['label']} (needs {_num(e['needed'])}{unit(e)}, has {_num(e['available'])}{unit(e)})"
                        for e in short)
    warehouse = facts["order"].get("warehouse_name")
    return {"storable_count": len(needs), "short_count": len(short), "products": list(needs.values()),
            "short_listing": listing or None, "where": f" in {warehouse}" if warehouse else ""}


def _lead_time(facts: dict, now: datetime) -> dict:
    """Odoo 17's expected date (sale `_compute_expected_date`, sale_stock `_select_expected_date`): each
    line's customer_lead counted from now for a quotation (from the order date once confirmed), the
    earliest line under the 'direct' shipping policy, the latest under 'one'; shipping-cost lines ignored."""
    order = facts["order"]
    requested = order.get("commitment_date")
    leads = [line["customer_lead_days"] for line in facts["lines"] if not line.get("is_delivery")]
    direct = order.get("picking_policy", "direct") == "direct"
    start = utc_moment(order["date_order"]) if order["state"] == "sale" else now
    lead = (min(leads) if direct else max(leads)) if leads else None
    return {
        "requested": _iso_z(utc_moment(requested)) if requested else None,
        "days": lead,
        "basis": "shortest line lead time (ships as soon as possible)" if direct else
                 "longest line lead time (ships when all products are ready)",
        "from": _iso_z(start),
        "earliest": _iso_z(start + timedelta(days=lead)) if lead is not None else None,
    }


def derive_release_facts(facts: dict, now: datetime | None = None) -> dict:
    """The facts with what the release rules compare derived from them: site, credit over the limit,
    stock shortfalls, the earliest delivery Odoo would promise `now` (default: this moment)."""
    now = now or datetime.now(timezone.utc)
    now = now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)
    order = facts["order"]
    return {**facts,
            "site": {"company_id": order.get("company_id"), "warehouse_id": order.get("warehouse_id")},
            "credit": {**facts["credit"], **_over(facts["credit"])},
            "stock": _stock(facts),
            "lead_time": _lead_time(facts, now)}


def build_release_facts(bundle: dict, now: datetime | None = None) -> dict:
    """The canonical facts (release_facts.v1) from OdooGateway.read_release_bundle's answer, with the
    derived facts the policy's rules compare (lead time counted from `now`, default this moment)."""
    order_raw = bundle["order"]
    company = bundle.get("company") or {}
    partner = bundle.get("commercial_partner") or bundle.get("partner") or {}
    currencies, uoms = _by_id(bundle.get("currencies")), _by_id(bundle.get("uoms"))
    order = _order(order_raw, bundle.get("partner") or {}, company, currencies)
    products = _by_id(bundle.get("products"))
    lines = [_line(line, products.get(m2o_id(line["product_id"]), {}), bundle, uoms, order["currency_rate"])
             for line in bundle.get("lines", []) if m2o_id(line.get("product_id"))]
    requester = bundle.get("requested_by") or {}
    return derive_release_facts({
        "order": order,
        "lines": lines,
        "margin": _margin(order_raw, lines, order["amount_untaxed"]),
        "credit": _credit(partner, company, order, currencies),
        "requested_by": {"user_id": m2o_id(requester.get("user_id")), "login": _text(requester.get("login"))},
    }, now)


def release_request_from_webhook(body: dict) -> dict:
    """{order_id, write_date} from the body of Odoo's 'Send Webhook Notification' on a sale.order.

    Only the order's id and the moment Odoo says it wrote it are used: every other field of the body
    (state, tags, users) is untrusted, since anyone who reaches the webhook can write it; the sidecar
    asks Odoo instead. `write_date` is kept as Odoo sent it (UTC, microseconds kept) or None.
    """
    if not isinstance(body, dict):
        raise InvalidPayload("webhook body must be a JSON object")
    model = body.get("_model", "sale.order")
    if model != "sale.order":
        raise InvalidPayload(f"expected a sale.order webhook, got '{model}'",
                             details=[{"pointer": "/_model", "message": "must be 'sale.order'"}])
    order_id = m2o_id(body.get("_id", body.get("id")))
    if order_id is None or order_id < 1:
        raise InvalidPayload("webhook body has no order id",
                             details=[{"pointer": "/_id", "message": "a positive integer is required"}])
    return {"order_id": order_id, "write_date": _write_date(body.get("write_date"))}


def _write_date(value) -> str | None:
    """Odoo's 'YYYY-MM-DD HH:MM:SS[.ffffff]' as sent, checked; None when the body has none.

    The contract's pattern admits a few days no calendar has (30 February): such a value cannot be
    a moment Odoo wrote, so it is dropped and the order is judged on Odoo's committed state alone.
    """
    if value in (None, False):
        return None
    if not isinstance(value, str) or not ODOO_WRITE_DATE.match(value):
        raise InvalidPayload("webhook write_date is not Odoo's UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]'",
                             details=[{"pointer": "/write_date", "message": "not an Odoo datetime"}])
    try:
        if value.isascii() and not value.endswith("\n"):  # the pattern checked all but the day of the month
            date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
        else:  # strptime refuses what the pattern lets through: other digits, a final newline
            datetime.strptime(value, ODOO_DATETIME + (".%f" if len(value) > 19 else ""))
    except ValueError:
        return None
    return value
