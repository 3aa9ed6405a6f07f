"""Units of measure as Odoo 17's uom module converts them: quantities (rounded up) and prices."""
from __future__ import annotations

import math


def _factor(uom: dict) -> float:
    return float(uom["factor"])


def _category(uom: dict):
    value = uom.get("category_id")
    return value[0] if isinstance(value, (list, tuple)) and value else value


def _convertible(from_uom: dict | None, to_uom: dict | None) -> bool:
    """Both known, different, and of one category (Odoo leaves the value as it is otherwise)."""
    return bool(from_uom and to_uom and from_uom.get("id") != to_uom.get("id")
                and _category(from_uom) == _category(to_uom))


def round_up(value: float, rounding: float) -> float:
    """`value` rounded away from zero to a multiple of `rounding`, as Odoo rounds a converted
    quantity (float_round with rounding_method UP)."""
    if not rounding or rounding <= 0:
        return value
    steps = round(abs(value) / rounding, 9)  # float noise: an exact 12.000000001 steps stays 12, not 13
    return math.copysign(math.ceil(steps) * rounding, value)


def convert_quantity(qty: float, from_uom: dict | None, to_uom: dict | None) -> float:
    """A quantity in `from_uom` expressed in `to_uom`, as uom._compute_quantity does (rounded up to `to_uom`)."""
    if not qty or not _convertible(from_uom, to_uom):
        return qty
    return round_up(qty / _factor(from_uom) * _factor(to_uom), float(to_uom.get("rounding") or 0.0))


def convert_price(price: float, from_uom: dict | None, to_uom: dict | None) -> float:
    """A price per `from_uom` expressed per `to_uom`, as uom._compute_price does (not rounded)."""
    if not price or not _convertible(from_uom, to_uom):
        return price
    return price * _factor(from_uom) / _factor(to_uom)
