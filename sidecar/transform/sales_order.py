"""Odoo's answers about a quotation -> canonical release facts (sale_order.release_facts.v1)."""
from __future__ import annotations

from datetime import datetime, timezone

from sidecar.errors import InvalidPayload

ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"
STORABLE = "product"  # product.product.detailed_type of a stock-tracked product


def m2o_id(value) -> int | None:
    """The id of a many2one as Odoo sends it: [id, name], a bare id, or False."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


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
        moment = datetime.strptime(value, ODOO_DATETIME)
    except ValueError:
        moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _free_quantity(bundle: dict, product_id: int) -> float:
    free = bundle.get("free_quantities") or {}
    return _number(free.get(str(product_id), free.get(product_id, 0.0)))


def _order(order: dict, partner: dict, company: dict) -> dict:
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
        "amount_untaxed": _number(order["amount_untaxed"]),
        "amount_total": _number(order["amount_total"]),
        "currency": m2o_name(order.get("currency_id")),
        "write_date": _text(order.get("write_date")),  # Odoo's raw UTC string: write-backs compare it verbatim
    }


def _line(line: dict, product: dict, bundle: dict) -> dict:
    product_id = m2o_id(line["product_id"])
    storable = product.get("detailed_type") == STORABLE
    return {
        "line_id": line["id"],
        "product_id": product_id,
        "product_name": product.get("name") or m2o_name(line["product_id"]) or "",
        "default_code": _text(product.get("default_code")),
        "storable": storable,
        "quantity": _number(line["product_uom_qty"]),
        "uom": m2o_name(line.get("product_uom")),
        "price_subtotal": _number(line["price_subtotal"]),
        "unit_cost": _number(product.get("standard_price")),
        "available_quantity": _free_quantity(bundle, product_id) if storable else None,
        "customer_lead_days": _number(product.get("sale_delay")),
    }


def _margin(lines: list[dict], amount_untaxed: float) -> dict:
    amount = round(sum(line["price_subtotal"] - line["quantity"] * line["unit_cost"] for line in lines), 2)
    percent = round(amount / amount_untaxed * 100, 2) if amount_untaxed else None
    return {"amount": amount, "percent": percent}


def _credit(partner: dict, company: dict, order_amount: float) -> dict:
    receivable = _number(partner.get("credit"))
    credit_limit = _number(partner.get("credit_limit"))
    applies = bool(company.get("account_use_credit_limit")) and bool(partner.get("use_partner_credit_limit"))
    return {
        "receivable": receivable,
        "order_amount": order_amount,
        "exposure": round(receivable + order_amount, 2),
        "limit": credit_limit if applies and credit_limit > 0 else None,
    }


def build_release_facts(bundle: dict) -> dict:
    """The canonical facts (release_facts.v1) from OdooGateway.read_release_bundle's answer."""
    order_raw = bundle["order"]
    company = bundle.get("company") or {}
    partner = bundle.get("commercial_partner") or bundle.get("partner") or {}
    order = _order(order_raw, bundle.get("partner") or {}, company)
    products = {p["id"]: p for p in bundle.get("products", [])}
    lines = [_line(line, products.get(m2o_id(line["product_id"]), {}), bundle)
             for line in bundle.get("lines", []) if m2o_id(line.get("product_id"))]
    requester = bundle.get("requested_by") or {}
    return {
        "order": order,
        "lines": lines,
        "margin": _margin(lines, order["amount_untaxed"]),
        "credit": _credit(partner, company, order["amount_total"]),
        "requested_by": {"user_id": m2o_id(requester.get("user_id")), "login": _text(requester.get("login"))},
    }


def release_request_from_webhook(body: dict) -> dict:
    """{order_id, requested_by} from the body of Odoo's 'Send Webhook Notification' on a sale.order."""
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
    requested_by = None
    for key in ("requested_by", "write_uid", "user_id"):
        requested_by = m2o_id(body.get(key))
        if requested_by is not None:
            break
    return {"order_id": order_id, "requested_by": requested_by}
