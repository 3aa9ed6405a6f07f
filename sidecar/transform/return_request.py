"""Odoo's answers about a delivery plus what the customer asks -> return facts (return.request_facts.v1).

Odoo 17 (stock/wizard/stock_picking_return.py) lets a done picking's moves be returned up to what
each move delivered minus what its earlier returns (moves whose `origin_returned_move_id` is it)
took back. Here an earlier return counts with what it moved once done, else with its demand, and
not at all once cancelled: never less than the wizard itself counts, so what the facts allow the
wizard allows. A line naming a product takes its quantity from that product's done moves in order.
Asking more than can be returned is a 422 naming the line: nothing is decided.

Prices are the sale order line's (`price_reduce_taxexcl`: unit price after discount, untaxed), in
the sale order's currency; `value_company` is the value in the company's currency (divided by the
order's `currency_rate`, as Odoo converts). A credit note is possible when the returned lines were
invoiced on exactly one posted customer invoice; its quantity per sale line is at most what that
invoice invoiced minus what credit notes (not cancelled) already credit.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sidecar.errors import PolicyInvalid
from sidecar.transform.purchase_order import _number
from sidecar.transform.sales_order import m2o_name
from sidecar.values import m2o_id

TIER_PARENT = "Customer tier"  # contact tags "Customer tier / Gold", ... (like the purchase flow's "Vendor class")
DONE, CANCEL = "done", "cancel"
REFUND = "refund"
EPSILON = 1e-6


def _returned_before(move: dict) -> float:
    """What earlier returns of this move take back: moved once done, their demand until then, nothing cancelled."""
    total = 0.0
    for ret in move.get("returned") or []:
        if ret.get("state") == CANCEL:
            continue
        total += _number(ret.get("quantity") if ret.get("state") == DONE else ret.get("product_uom_qty"))
    return round(total, 6)


def _unprocessable(index: int, message: str) -> PolicyInvalid:
    return PolicyInvalid(f"return request line {index + 1}: {message}; nothing was decided",
                         code="return_not_possible",
                         details=[{"pointer": f"/data/lines/{index}", "message": message}])


def _allocate(request_lines: list[dict], moves: list[dict]) -> list[dict]:
    """Each asked line spread over the delivery's done moves it names; 422 when more is asked than can be returned."""
    left = {m["id"]: round(_number(m.get("quantity")) - _returned_before(m), 6) for m in moves if m.get("state") == DONE}
    by_id = {m["id"]: m for m in moves}
    taken = []
    for index, asked in enumerate(request_lines):
        if asked.get("move_id") is not None:
            move = by_id.get(asked["move_id"])
            if move is None:
                raise _unprocessable(index, f"stock.move {asked['move_id']} is not a move of this delivery")
            candidates = [move] if move["id"] in left else []
            label = m2o_name(move.get("product_id"))
        else:
            candidates = [m for m in moves if m["id"] in left and m2o_id(m.get("product_id")) == asked["product_id"]]
            named = next((m for m in moves if m2o_id(m.get("product_id")) == asked["product_id"]), None)
            if named is None:
                raise _unprocessable(index, f"product {asked['product_id']} was not delivered with this picking")
            label = m2o_name(named.get("product_id"))
        wanted = _number(asked["quantity"])
        available = round(sum(max(left[m["id"]], 0.0) for m in candidates), 6)
        if wanted > available + EPSILON:
            delivered = sum(_number(m.get("quantity")) for m in candidates)
            returned = sum(_returned_before(m) for m in candidates)
            raise _unprocessable(index, f"asks to return {wanted:g} of {label}; {delivered:g} delivered, "
                                        f"{returned:g} already returned: at most {available:g} can be returned")
        for move in candidates:
            if wanted <= EPSILON:
                break
            share = min(wanted, max(left[move["id"]], 0.0))
            if share <= EPSILON:
                continue
            taken.append({"line": index, "move": move, "quantity": round(share, 6), "returnable": left[move["id"]]})
            left[move["id"]] = round(left[move["id"]] - share, 6)
            wanted = round(wanted - share, 6)
    return taken


def _invoices(sale_line: dict | None) -> tuple[dict, float]:
    """Posted customer invoices of a sale line with the quantity each invoiced, and what credit notes credit."""
    invoiced, credited = {}, 0.0
    for line in (sale_line or {}).get("invoice_lines") or []:
        if line.get("move_type") == "out_invoice" and line.get("state") == "posted":
            key = line["move_id"]
            name, qty = invoiced.get(key, (line.get("move_name"), 0.0))
            invoiced[key] = (name, qty + _number(line.get("quantity")))
        elif line.get("move_type") == "out_refund" and line.get("state") != CANCEL:
            credited += _number(line.get("quantity"))
    return invoiced, credited


def _refund(asked: bool, lines: list[dict], moves_sale_lines: dict, value: float, currency: dict) -> dict:
    """Whether a credit note can be made, on which invoice, with which quantity per sale line."""
    refund = {"asked": asked, "amount": round(value, 2) if asked else 0.0, "possible": False, "invoice_id": None,
              "invoice_name": None, "why_not": None, "lines": [], **currency}
    if not asked:
        refund["why_not"] = "no refund was asked"
        return refund
    per_sale_line: dict = {}
    for line in lines:
        if line["sale_line_id"]:
            per_sale_line[line["sale_line_id"]] = per_sale_line.get(line["sale_line_id"], 0.0) + line["quantity"]
    if not per_sale_line or any(not line["sale_line_id"] for line in lines):
        refund["why_not"] = "a returned product has no sale order line: nothing invoiced to credit"
        return refund
    invoices: dict = {}
    for sale_line_id in per_sale_line:
        for move_id, (name, qty) in _invoices(moves_sale_lines[sale_line_id])[0].items():
            invoices.setdefault(move_id, name)
    if not invoices:
        refund["why_not"] = ("the sale order has no posted customer invoice for the returned products: nothing to "
                             "credit (its invoicing counts the returned quantities once the return is received)")
        return refund
    if len(invoices) > 1:
        names = ", ".join(str(name) for name in invoices.values())
        refund["why_not"] = f"the returned products are invoiced on several invoices ({names}): credit them by hand"
        return refund
    [(invoice_id, invoice_name)] = invoices.items()
    credit_lines = []
    for sale_line_id, quantity in per_sale_line.items():
        invoiced, credited = _invoices(moves_sale_lines[sale_line_id])
        creditable = round(invoiced.get(invoice_id, (None, 0.0))[1] - credited, 6)
        credit_lines.append({"sale_line_id": sale_line_id, "quantity": round(min(quantity, max(creditable, 0.0)), 6)})
    if all(line["quantity"] <= EPSILON for line in credit_lines):
        refund["why_not"] = f"{invoice_name} is already credited for the returned products"
        return refund
    refund.update(possible=True, invoice_id=invoice_id, invoice_name=invoice_name,
                  lines=[line for line in credit_lines if line["quantity"] > EPSILON])
    return refund


def _days_since(done: str | None, now: datetime) -> float | None:
    if not done:
        return None
    moment = datetime.strptime(done[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return round((now - moment).total_seconds() / 86400.0, 2)


def build_return_facts(bundle: dict, request: dict, now: datetime | None = None) -> dict:
    """The facts the return policy decides on, from `read_return_bundle`'s answer and the customer's request."""
    now = now or datetime.now(timezone.utc)
    picking, sale = bundle["picking"], bundle.get("sale_order") or {}
    currency = sale.get("currency") or bundle.get("company_currency") or {}
    company_currency = bundle.get("company_currency") or {}
    rate = _number(sale.get("currency_rate")) or 1.0
    money = {"currency": currency.get("name"), "currency_decimals": currency.get("decimal_places", 2)}
    sale_lines = {}
    lines = []
    # A delivery not done is refused by its state (409), before what is asked is weighed.
    allocated = _allocate(request["lines"], bundle.get("moves") or []) if picking.get("state") == DONE else []
    for taken in allocated:
        move, sale_line = taken["move"], taken["move"].get("sale_line")
        price = _number(sale_line.get("price_reduce_taxexcl")) if sale_line else 0.0
        if sale_line:
            sale_lines[sale_line["id"]] = sale_line
        lines.append({
            "line": taken["line"], "move_id": move["id"], "product_id": m2o_id(move.get("product_id")),
            "product": m2o_name(move.get("product_id")), "delivered": _number(move.get("quantity")),
            "returned_before": _returned_before(move), "returnable": taken["returnable"],
            "quantity": taken["quantity"], "priced": bool(sale_line), "unit_price": price,
            "value": round(price * taken["quantity"], 2), "sale_line_id": sale_line["id"] if sale_line else None,
        })
    value = round(sum(line["value"] for line in lines), 2)
    tags = bundle.get("tags") or []
    tiers = sorted(tag["name"] for tag in tags if m2o_name(tag.get("parent_id")) == TIER_PARENT)
    commercial = bundle.get("commercial_partner") or {}
    asked = {key: request.get(key) for key in ("reference", "reason", "resolution", "message")}
    asked["lines"] = [{key: line[key] for key in ("product_id", "move_id", "quantity") if key in line}
                      for line in request["lines"]]
    return {
        "picking": {
            "id": picking["id"], "name": picking.get("name"), "state": picking.get("state"),
            "picking_type_code": picking.get("picking_type_code"), "company_id": picking.get("company_id"),
            "write_date": picking.get("write_date") or None, "date_done": picking.get("date_done") or None,
            "partner_id": m2o_id(picking.get("partner_id")), "partner_name": m2o_name(picking.get("partner_id")),
            "sale_order_id": sale.get("id"), "sale_order": sale.get("name"),
        },
        "request": asked,
        "lines": lines,
        "return": {"value": value, "value_company": round(value / rate, 2), "quantity": round(sum(
            line["quantity"] for line in lines), 6), "line_count": len(lines),
            "unpriced_count": sum(1 for line in lines if not line["priced"]),
            "days_since_delivery": _days_since(picking.get("date_done"), now), **money,
            "company_currency": company_currency.get("name")},
        "refund": _refund(request.get("resolution") == REFUND, lines, sale_lines, value, money),
        # A customer may carry several tiers: the policy asks whether any is trusted (tier_tags), `tier` is for notes.
        "customer": {"id": commercial.get("id"), "name": commercial.get("name"), "tiers": tiers,
                     "tier": tiers[0] if tiers else None, "tier_tags": [{"name": name} for name in tiers]},
        "site": {"company_id": picking.get("company_id"), "warehouse_id": picking.get("warehouse_id")},
        # The request comes from outside Odoo (a shop, a form): Odoo names no requester.
        "requested_by": {"user_id": None, "login": None},
    }
