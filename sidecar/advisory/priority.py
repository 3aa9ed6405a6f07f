"""A transparent priority score: a sum of named factors, each showing the points it adds (0-100)."""
from __future__ import annotations

import math
import statistics

# Points a category starts with: empty shelves lose sales today, an invoice question waits a day.
CATEGORY_POINTS = {"urgent_replenishment": 30, "shortage": 22, "delivery_issue": 20, "pricing_dispute": 12,
                   "returns": 10, "invoice_query": 8, "other": 0}
TIER_POINTS = {"strategic": 10, "key": 6, "standard": 0}
MAX_VALUE_POINTS = 20
VALUE_SCALE = 100_000.0     # an amount this large earns all the value points (log scale below it)
MAX_SLA_POINTS = 25
SLA_HORIZON_HOURS = 48.0    # due further out than this adds nothing
MAX_COVER_POINTS = 15
COVER_HORIZON_DAYS = 7.0    # stock lasting a week or more adds nothing
# Failures that wait for a person (rights, data Odoo refuses) before a replay can work rank above those
# that clear by themselves once Odoo answers again.
FAILURE_POINTS = {"access_denied": 10, "validation_error": 10, "internal_error": 10, "state_conflict": 8,
                  "mapping_missing": 8, "record_missing": 6, "odoo_error": 6, "n8n_failure": 6,
                  "odoo_unreachable": 4}
POINTS_PER_ATTEMPT = 2.0    # each try beyond the first: work that keeps failing
MAX_ATTEMPT_POINTS = 10


def _value_points(amount: float) -> float:
    return MAX_VALUE_POINTS * min(1.0, math.log10(1 + max(amount, 0)) / math.log10(1 + VALUE_SCALE))


def _sla_points(hours_left: float) -> float:
    return MAX_SLA_POINTS * min(1.0, max(0.0, 1 - hours_left / SLA_HORIZON_HOURS))


def _cover_points(days: float) -> float:
    return MAX_COVER_POINTS * min(1.0, max(0.0, 1 - days / COVER_HORIZON_DAYS))


def score(case: dict) -> dict:
    """The score of one case and each factor's contribution; factors the case lacks add 0 and say so."""
    factors = []

    def add(name: str, value, points: float, rule: str) -> None:
        factors.append({"factor": name, "value": value, "points": round(points, 2), "rule": rule})

    category = case.get("category") or "other"
    add("category", category, CATEGORY_POINTS.get(category, 0), "points per category")
    if case.get("amount") is not None:
        add("amount", case["amount"], _value_points(float(case["amount"])),
            f"log scale, {MAX_VALUE_POINTS} at {VALUE_SCALE:,.0f} or more")
    if case.get("hours_to_sla") is not None:
        add("hours_to_sla", case["hours_to_sla"], _sla_points(float(case["hours_to_sla"])),
            f"{MAX_SLA_POINTS} when due or overdue, 0 at {SLA_HORIZON_HOURS:g} h or more")
    if case.get("days_of_cover") is not None:
        add("days_of_cover", case["days_of_cover"], _cover_points(float(case["days_of_cover"])),
            f"{MAX_COVER_POINTS} at no stock, 0 at {COVER_HORIZON_DAYS:g} days or more")
    tier = case.get("customer_tier")
    if tier is not None:
        add("customer_tier", tier, TIER_POINTS.get(str(tier).casefold(), 0), "points per contracted service tier")
    if case.get("failure") is not None:
        add("failure", case["failure"], FAILURE_POINTS.get(case["failure"], 0),
            "points per failure category: more when a person must act before a replay can work")
    if case.get("attempts") is not None:
        beyond_first = max(0, int(case["attempts"]) - 1)
        add("attempts", case["attempts"], min(MAX_ATTEMPT_POINTS, POINTS_PER_ATTEMPT * beyond_first),
            f"{POINTS_PER_ATTEMPT:g} per try beyond the first, at most {MAX_ATTEMPT_POINTS}")
    total = min(100.0, sum(f["points"] for f in factors))
    return {"score": round(total, 2), "band": "high" if total >= 60 else "medium" if total >= 30 else "low",
            "factors": factors}


def by_segment(cases: list[dict], segment_key: str = "segment") -> dict:
    """Count, mean, median, min and max score per customer segment, so a bias in the factors is visible."""
    groups: dict[str, list[float]] = {}
    for case in cases:
        groups.setdefault(str(case.get(segment_key, "unknown")), []).append(score(case)["score"])
    return {name: segment_figures(scores) for name, scores in sorted(groups.items())}


def segment_figures(scores: list[float]) -> dict:
    """What one segment's scores look like: count, mean, median, min and max."""
    return {"cases": len(scores), "mean": round(statistics.fmean(scores), 2),
            "median": round(statistics.median(scores), 2), "min": min(scores), "max": max(scores)}
