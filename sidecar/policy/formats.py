"""Formatters of message templates: money in its currency, percent, number, moment."""
from __future__ import annotations

from datetime import datetime, timezone

from sidecar.values import utc_moment

EPSILON = 1e-9  # float noise: a value exactly at a threshold must count as at it


def money(value: float, currency: str | None, decimals: int = 2) -> str:
    """An amount shown with its currency's decimal places (Odoo's res.currency.decimal_places)."""
    return f"{value:,.{decimals}f}" + (f" {currency}" if currency else "")


def pct(value: float, *references: float | None) -> str:
    """A percentage with one decimal, or as many more as it takes not to look equal to a reference
    it is not equal to (14.996 % is below 15 %: it must not read "15.0%")."""
    others = [r for r in references if isinstance(r, (int, float)) and abs(value - r) > EPSILON]
    text = f"{value:.1f}"
    for places in range(1, 7):
        text = f"{value:.{places}f}"
        if all(text != f"{r:.{places}f}" for r in others):
            break
    return f"{text}%"


def num(value: float) -> str:
    """A number without trailing zeros, at most three decimals."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def iso_z(moment: datetime) -> str:
    """A moment as ISO 8601 UTC with a Z, to the second (how facts carry moments)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def aware(moment: datetime) -> datetime:
    """A UTC-aware moment; a naive one is taken as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def when(value) -> str:
    """A moment as people read it in the chatter: 'YYYY-MM-DD HH:MM UTC'."""
    moment = value if isinstance(value, datetime) else utc_moment(value)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
