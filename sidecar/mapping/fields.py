"""What each kind of mapping takes, and each value parsed from JSON or CSV text, with a clear problem."""
from __future__ import annotations

import math
import re

from sidecar.mapping.resolver import ANY_SOURCE

KINDS = ("skus", "units", "packs", "partners", "taxes")
# Per kind: every field it takes and the ones it requires (the Odoo side of skus and packs is checked
# later: a product by product_id or default_code, a pack's quantity or its product.packaging).
FIELDS = {
    "skus": ("source", "sku", "product_id", "default_code"),
    "units": ("source", "unit", "uom_id", "factor"),
    "packs": ("source", "unit", "product_id", "default_code", "quantity", "packaging_id"),
    "partners": ("source", "external_id", "partner_id"),
    "taxes": ("source", "rate", "tax_id"),
}
REQUIRED = {"skus": ("sku",), "units": ("unit", "uom_id"), "packs": ("unit",), "partners": ("external_id", "partner_id"),
            "taxes": ("rate", "tax_id")}
CODE_FIELDS = {"source": 64, "sku": 128, "unit": 64, "external_id": 128, "default_code": 128}  # max lengths
ID_FIELDS = ("product_id", "uom_id", "packaging_id", "partner_id", "tax_id")
NUMBER_FIELDS = ("quantity", "factor")
MAX_ID = 2**31 - 1        # Odoo ids are PostgreSQL integers
RATE_DIGITS = 4           # account.tax amount is stored with digits=(16, 4) (account/models/account_tax.py)
MAX_QUANTITY = 1e9        # a pack of more than a billion units is a typo, not a pack
SOURCE = re.compile(r"^(\*|[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63})$")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
DECIMAL = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,12})?$")
DIGITS = re.compile(r"^[0-9]{1,10}$")


class FieldProblem(ValueError):
    """One value that cannot be used, with the reason."""


def parse_code(name: str, value) -> str:
    """A code such as a SKU: text, trimmed, not empty, no control characters, bounded."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldProblem(f"{name} must be text")
    text = str(value).strip()
    if not text:
        raise FieldProblem(f"{name} is empty")
    if CONTROL.search(text):
        raise FieldProblem(f"{name} holds a control character")
    if len(text) > CODE_FIELDS[name]:
        raise FieldProblem(f"{name} is longer than {CODE_FIELDS[name]} characters")
    if name == "source" and not SOURCE.match(text):
        raise FieldProblem(f"source must be '{ANY_SOURCE}' or a name of letters, digits and _.:@- "
                           f"starting with a letter or digit")
    return text


def parse_id(name: str, value) -> int:
    """An Odoo record id: a positive integer (CSV: ASCII digits)."""
    if isinstance(value, str) and DIGITS.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise FieldProblem(f"{name} must be an Odoo record id (an integer from 1 to {MAX_ID})")
    return value


def _number(name: str, value, example: str) -> float:
    """A finite number (CSV: plain decimal notation, a point as separator)."""
    if isinstance(value, str):
        text = value.strip()
        if not DECIMAL.match(text):
            raise FieldProblem(f"{name} must be {example} (digits and one '.')")
        value = float(text)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FieldProblem(f"{name} must be a number")
    return float(value)


def parse_quantity(name: str, value) -> float:
    """A positive, finite number, at most MAX_QUANTITY."""
    value = _number(name, value, "a number such as 24 or 0.5")
    if not 0 < value <= MAX_QUANTITY:
        raise FieldProblem(f"{name} must be more than 0 and at most {MAX_QUANTITY:g}")
    return float(value)


def parse_rate(name: str, value) -> float:
    """A tax rate in percent as a canonical order line gives it: 0 to 100, kept to Odoo's 4 decimals."""
    value = _number(name, value, "a percentage such as 20 or 7.7")
    if not 0 <= value <= 100:
        raise FieldProblem(f"{name} is a percentage: from 0 to 100")
    return round(value, RATE_DIGITS)


def parse_field(name: str, value):
    """One field's value, parsed by its type."""
    if name == "rate":
        return parse_rate(name, value)
    if name in ID_FIELDS:
        return parse_id(name, value)
    if name in NUMBER_FIELDS:
        return parse_quantity(name, value)
    return parse_code(name, value)


def parse_entry(kind: str, entry: dict, default_source: str | None) -> tuple[dict, list[tuple[str, str]]]:
    """(the parsed values, [(field, problem)]); empty values count as absent."""
    values: dict = {}
    problems: list[tuple[str, str]] = []
    for name, raw in entry.items():
        if name not in FIELDS[kind]:
            problems.append((name, f"{kind} take no field '{name[:64]}' (fields: {', '.join(FIELDS[kind])})"))
        elif raw is not None and not (isinstance(raw, str) and not raw.strip()):
            try:
                values[name] = parse_field(name, raw)
            except FieldProblem as problem:
                problems.append((name, str(problem)))
    if "source" not in values and not any(field == "source" for field, _ in problems):
        if default_source is None:
            problems.append(("source", "no source: give one in the row or as the request's source"))
        else:
            values["source"] = default_source
    for name in REQUIRED[kind]:
        if name not in values and not any(field == name for field, _ in problems):
            problems.append((name, f"{name} is required"))
    given = values.keys() | {field for field, _ in problems}  # a bad value is named once, as bad
    if kind in ("skus", "packs") and not {"product_id", "default_code"} & given \
            and not (kind == "packs" and "packaging_id" in given):
        problems.append(("product_id", "give the product as product_id or default_code"))
    if kind == "packs" and not {"quantity", "packaging_id"} & given:
        problems.append(("quantity", "give the pack's quantity (in the product's unit) or its packaging_id"))
    return values, problems
