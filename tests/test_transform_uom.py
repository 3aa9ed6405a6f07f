"""Unit-of-measure conversions as Odoo 17's uom._compute_quantity / _compute_price do them."""
from __future__ import annotations

import pytest

from sidecar.transform.uom import convert_price, convert_quantity, round_up

# uom.uom rows as Odoo 17 answers them (demo data): factor = units of it per reference unit
UNITS = {"id": 1, "name": "Units", "factor": 1.0, "rounding": 0.01, "category_id": [1, "Unit"]}
DOZENS = {"id": 2, "name": "Dozens", "factor": 0.08333333333333333, "rounding": 0.01, "category_id": [1, "Unit"]}
HOURS = {"id": 4, "name": "Hours", "factor": 8.0, "rounding": 0.01, "category_id": [3, "Working Time"]}
WHOLE = dict(UNITS, id=9, rounding=1.0)


@pytest.mark.parametrize("qty, from_uom, to_uom, expected", [
    (2.0, DOZENS, UNITS, 24.0),
    (0.5, DOZENS, UNITS, 6.0),
    (24.0, UNITS, DOZENS, 2.0),
    (7.0, UNITS, DOZENS, 0.59),      # 0.5833... rounded UP to 0.01
    (0.1, DOZENS, WHOLE, 2.0),       # 1.2 units rounded UP to whole units
    (3.0, UNITS, UNITS, 3.0),
    (3.0, UNITS, HOURS, 3.0),        # another category: left as it is
    (3.0, None, UNITS, 3.0),
    (0.0, DOZENS, UNITS, 0.0),
])
def test_convert_quantity(qty, from_uom, to_uom, expected):
    assert convert_quantity(qty, from_uom, to_uom) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("price, from_uom, to_uom, expected", [
    (60.0, UNITS, DOZENS, 720.0),
    (720.0, DOZENS, UNITS, 60.0),
    (0.1, UNITS, DOZENS, 1.2),       # never rounded
    (60.0, UNITS, HOURS, 60.0),
    (60.0, UNITS, None, 60.0),
])
def test_convert_price(price, from_uom, to_uom, expected):
    assert convert_price(price, from_uom, to_uom) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("value, rounding, expected", [
    (12.000000000001, 0.01, 12.0), (12.001, 0.01, 12.01), (1.2, 1.0, 2.0), (5.0, 0.0, 5.0), (-1.5, 1.0, -2.0),
])
def test_round_up(value, rounding, expected):
    assert round_up(value, rounding) == pytest.approx(expected)
