"""The release checks: each compares a quotation's facts with its part of the policy and says why."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, NamedTuple

from sidecar.values import utc_moment

EPSILON = 1e-9  # float noise: a value exactly at a threshold must count as at it


class Finding(NamedTuple):
    """One check's reason plus the short phrase the summary line uses."""

    reason: dict
    brief: str


def _finding(check: str, code: str, effect: str, message: str, observed: Any, threshold: Any,
             brief: str) -> Finding:
    reason = {"check": check, "code": code, "passed": effect == "none", "effect": effect,
              "message": message, "observed": observed, "threshold": threshold}
    return Finding(reason, brief)


def _money(value: float, currency: str | None, decimals: int = 2) -> str:
    """An amount shown with its currency's decimal places (Odoo's res.currency.decimal_places)."""
    return f"{value:,.{decimals}f}" + (f" {currency}" if currency else "")


def _order_money(facts: dict) -> Callable[[float], str]:
    order = facts["order"]
    return lambda value: _money(value, order.get("currency"), order.get("currency_decimals", 2))


def _credit_money(facts: dict) -> Callable[[float], str]:
    credit = facts["credit"]
    return lambda value: _money(value, credit.get("currency"), credit.get("currency_decimals", 2))


def _pct(value: float, *thresholds: float | None) -> str:
    """A percentage with one decimal, or as many more as it takes not to look equal to a threshold
    it is not equal to (14.996 % is below 15 %: it must not read "15.0%")."""
    others = [t for t in thresholds if t is not None and abs(value - t) > EPSILON]
    for places in range(1, 7):
        text = f"{value:.{places}f}"
        if all(text != f"{t:.{places}f}" for t in others):
            break
    return f"{text}%"


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def iso_z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def check_margin(facts: dict, cfg: dict, now: datetime) -> Finding:
    """Margin percent (unrounded) against the minimum, the reject floor and the tolerance."""
    percent, minimum = facts["margin"]["percent"], cfg["min_percent"]
    money = _order_money(facts)
    if percent is None:
        untaxed = money(facts["order"]["amount_untaxed"])
        return _finding("margin", "margin_undefined", "approve",
                        f"Margin percent is undefined because the untaxed amount is {untaxed}; "
                        "a person must review the order.", None, minimum,
                        "margin undefined (untaxed amount is 0)")
    floor, tolerance = cfg.get("reject_below_percent"), cfg.get("tolerance_points", 0)
    pct = _pct(percent, minimum, floor, minimum - tolerance)
    shown = f"Margin {pct} ({money(facts['margin']['amount'])})"
    if floor is not None and percent < floor - EPSILON:
        return _finding("margin", "margin_below_reject_threshold", "reject",
                        f"{shown} is below the reject threshold of {_pct(floor)}.", percent, floor,
                        f"margin {pct} is below the reject threshold {_pct(floor)}")
    if percent >= minimum - EPSILON:
        return _finding("margin", "margin_ok", "none", f"{shown} meets the minimum of {_pct(minimum)}.",
                        percent, minimum, f"margin {pct} ok")
    if percent >= minimum - tolerance - EPSILON:
        return _finding("margin", "margin_within_tolerance", "none",
                        f"{shown} is below the minimum of {_pct(minimum)} but within tolerance of "
                        f"{_num(tolerance)} points.", percent, minimum,
                        f"margin {pct} within tolerance of {_pct(minimum)}")
    return _finding("margin", "margin_below_threshold", cfg["on_breach"],
                    f"{shown} is below the minimum of {_pct(minimum)}.", percent, minimum,
                    f"margin {pct} is below {_pct(minimum)}")


def check_credit(facts: dict, cfg: dict, now: datetime) -> Finding:
    """Credit exposure against the customer's limit (Odoo's rule: over when strictly above), with
    tolerance and a reject ceiling; amounts in the company's currency."""
    exposure, limit = facts["credit"]["exposure"], facts["credit"]["limit"]
    money = _credit_money(facts)
    shown = f"Credit exposure {money(exposure)}"
    if limit is None:
        return _finding("credit", "credit_no_limit", "none",
                        f"No credit limit applies to the customer; exposure is {money(exposure)}.",
                        exposure, None, "no credit limit")
    if exposure <= limit + EPSILON:
        return _finding("credit", "credit_ok", "none",
                        f"{shown} is within the limit of {money(limit)}.", exposure, limit,
                        "credit ok")
    over_pct = (exposure - limit) / limit * 100 if limit > 0 else math.inf
    ceiling, tolerance = cfg.get("reject_over_percent"), cfg.get("tolerance_percent", 0)
    over = f"by {money(exposure - limit)}" + (f" ({_pct(over_pct, ceiling, tolerance)})" if limit > 0 else "")
    base = f"{shown} exceeds the limit of {money(limit)} {over}"
    brief = f"credit exposure {money(exposure)} exceeds limit {money(limit)}"
    if ceiling is not None and over_pct > ceiling + EPSILON:
        return _finding("credit", "credit_over_reject_threshold", "reject",
                        f"{base}, more than the {_pct(ceiling)} allowed.", exposure, limit,
                        f"{brief} by more than {_pct(ceiling)}")
    if over_pct <= tolerance + EPSILON:
        return _finding("credit", "credit_within_tolerance", "none",
                        f"{base}, within tolerance of {_pct(tolerance)}.", exposure, limit,
                        f"credit within tolerance of {_pct(tolerance)} over limit")
    return _finding("credit", "credit_limit_exceeded", cfg["on_breach"], f"{base}.", exposure, limit, brief)


def _label(line: dict) -> str:
    if line.get("default_code"):
        return f"[{line['default_code']}]"
    return line.get("product_name") or f"product {line['product_id']}"


def check_stock(facts: dict, cfg: dict, now: datetime) -> Finding:
    """Each storable product's ordered quantity against its free quantity in the warehouse, both in
    the product's unit of measure (lines sold in another unit are converted as Odoo does)."""
    needs: dict[int, dict] = {}
    for line in facts["lines"]:
        if line["storable"]:
            entry = needs.setdefault(line["product_id"], {
                "label": _label(line), "needed": 0.0, "available": line["available_quantity"] or 0.0,
                "unit": f" {line['product_uom']}" if line.get("product_uom") else ""})
            entry["needed"] += line.get("product_quantity", line["quantity"])
    where = f" in {facts['order']['warehouse_name']}" if facts["order"].get("warehouse_name") else ""
    if not needs:
        return _finding("stock", "stock_no_storable_lines", "none",
                        "The order has no storable products; nothing to check.", 0, 0, "no storable products")
    short = [e for e in needs.values() if e["needed"] > e["available"] + EPSILON]
    if not short:
        return _finding("stock", "stock_ok", "none",
                        f"All {len(needs)} storable product(s) are available{where}.", 0, 0, "stock ok")
    listed = ", ".join(f"{e['label']} (needs {_num(e['needed'])}{e['unit']}, has {_num(e['available'])}{e['unit']})"
                       for e in short)
    return _finding("stock", "stock_short", cfg["on_breach"], f"Stock is short{where} for {listed}.",
                    len(short), 0, f"stock short for {listed}")


def _lead_days(facts: dict) -> list[float]:
    """Lead times Odoo's expected date counts: every product line but shipping-cost lines."""
    return [line["customer_lead_days"] for line in facts["lines"] if not line.get("is_delivery")]


def check_lead_time(facts: dict, cfg: dict, now: datetime) -> Finding:
    """Requested delivery date against Odoo's expected date plus a buffer.

    Odoo 17 (sale `_compute_expected_date`, sale_stock `_select_expected_date`) counts each
    line's customer_lead from now for a quotation (from the order date once confirmed) and
    promises the earliest line under the 'direct' shipping policy, the latest under 'one'.
    """
    requested = facts["order"].get("commitment_date")
    if not requested:
        return _finding("lead_time", "lead_time_no_requested_date", "none",
                        "No requested delivery date; nothing to check.", None, None, "no requested date")
    leads = _lead_days(facts)
    if not leads:
        return _finding("lead_time", "lead_time_no_lead_lines", "none",
                        "No line has a lead time to check the requested date against.", None, None,
                        "no lead time")
    direct = facts["order"].get("picking_policy", "direct") == "direct"
    lead = min(leads) if direct else max(leads)
    start = utc_moment(facts["order"]["date_order"]) if facts["order"]["state"] == "sale" else aware(now)
    buffer = cfg.get("buffer_days", 0)
    earliest = start + timedelta(days=lead + buffer)
    wanted = utc_moment(requested)
    which = "shortest line lead time (ships as soon as possible)" if direct else \
        "longest line lead time (ships when all products are ready)"
    basis = f"({which} {_num(lead)} days + {_num(buffer)} buffer days from {_when(start)})"
    if wanted >= earliest:
        return _finding("lead_time", "lead_time_ok", "none",
                        f"Requested delivery {_when(wanted)} is on or after the earliest possible "
                        f"{_when(earliest)} {basis}.", iso_z(wanted), iso_z(earliest), "lead time ok")
    return _finding("lead_time", "lead_time_too_short", cfg["on_breach"],
                    f"Requested delivery {_when(wanted)} is before the earliest possible "
                    f"{_when(earliest)} {basis}.", iso_z(wanted), iso_z(earliest),
                    f"requested delivery {_when(wanted)} is before earliest {_when(earliest)}")


CHECKS: dict[str, Callable[[dict, dict, datetime], Finding]] = {
    "margin": check_margin, "credit": check_credit, "stock": check_stock, "lead_time": check_lead_time,
}
