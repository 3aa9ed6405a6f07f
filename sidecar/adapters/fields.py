"""Reading another system's values one field at a time: each problem names its place in the input.

Every reader raises `RecordProblem` (a 422 `invalid_record` naming the JSON pointer, or the CSV line
and column) instead of letting a wrong type reach the code that uses it: a hostile record is
rejected with its reason, never a 500, and the other records of the body go on.
"""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from sidecar.errors import SidecarError
from sidecar.mapping.resolver import ANY_SOURCE, Mapper, ProductRef

MAX_MAGNITUDE = 1e12          # far above any real quantity or amount; keeps floats exact enough
MAX_TEXT = 4000               # a field longer than this is not data a canonical model keeps
FIRST_YEAR, LAST_YEAR = 1900, 2999


class RecordProblem(SidecarError):
    """One record cannot be converted: which field, and why."""

    status, code = 422, "invalid_record"

    def __init__(self, pointer: str, message: str, code: str | None = None, details: list | None = None):
        super().__init__(f"{pointer or 'record'}: {message}",
                         details=details or [{"pointer": pointer, "message": message}], code=code)


def at(pointer: str, key) -> str:
    """`pointer` extended by one key or index (RFC 6901 escaping)."""
    return f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"


def obj(value, pointer: str) -> dict:
    if not isinstance(value, dict):
        raise RecordProblem(pointer, f"must be an object, got {_kind(value)}")
    return value


def array(value, pointer: str, required: bool = True) -> list:
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise RecordProblem(pointer, f"must be an array, got {_kind(value)}")
    return value


def text(record: dict, key: str, pointer: str, required: bool = True, max_length: int = 255,
         ids: bool = False) -> str | None:
    """A trimmed string (numbers too when `ids`: systems send ids as 5841032773689 or "5841032773689")."""
    value = record.get(key)
    where = at(pointer, key)
    if ids and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordProblem(where, "is required")
        return None
    if not isinstance(value, str):
        raise RecordProblem(where, f"must be a string, got {_kind(value)}")
    value = value.strip()
    if "\x00" in value:
        raise RecordProblem(where, "holds a NUL character")
    if len(value) > max_length:
        raise RecordProblem(where, f"is longer than {max_length} characters ({len(value)})")
    return value


def number(record: dict, key: str, pointer: str, required: bool = True, minimum: float | None = None,
           maximum: float = MAX_MAGNITUDE, positive: bool = False, nonzero: bool = False) -> float | int | None:
    """A finite number, given as a JSON number or a decimal string ("199.00", as shops send prices)."""
    value = record.get(key)
    where = at(pointer, key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordProblem(where, "is required")
        return None
    result = to_number(value, where)
    if abs(result) > maximum:
        raise RecordProblem(where, f"is out of range (at most {maximum:g} in magnitude)")
    if positive and not result > 0:
        raise RecordProblem(where, f"must be greater than 0, got {result:g}", code="invalid_quantity")
    if nonzero and result == 0:
        raise RecordProblem(where, "must not be 0", code="invalid_quantity")
    if minimum is not None and result < minimum:
        raise RecordProblem(where, f"must be at least {minimum:g}, got {result:g}")
    return result


def to_number(value, where: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RecordProblem(where, f"must be a number, got {_kind(value)}")
    if isinstance(value, int):
        if abs(value) > MAX_MAGNITUDE:  # before float(): a 400-digit integer would overflow it
            raise RecordProblem(where, f"is out of range (at most {MAX_MAGNITUDE:g} in magnitude)")
        return value
    if isinstance(value, str):
        literal = value.strip()
        if len(literal) > 40:
            raise RecordProblem(where, "is not a number (too long)")
        try:
            parsed = Decimal(literal)
        except InvalidOperation:
            raise RecordProblem(where, f"is not a number: '{literal[:40]}'") from None
        if not parsed.is_finite():
            raise RecordProblem(where, f"is not a finite number: '{literal[:40]}'")
        if abs(parsed) > Decimal(str(MAX_MAGNITUDE)):
            raise RecordProblem(where, f"is out of range (at most {MAX_MAGNITUDE:g} in magnitude)")
        value = float(parsed)
        return int(value) if value.is_integer() and "." not in literal and "e" not in literal.lower() else value
    if not math.isfinite(value):
        raise RecordProblem(where, "is not a finite number")
    return value


def moment(value, where: str, required: bool = True) -> str | None:
    """A moment in UTC as `YYYY-MM-DDTHH:MM:SSZ`; an offset is converted, a bare time is UTC, a bare date is midnight."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordProblem(where, "is required")
        return None
    if not isinstance(value, str):
        raise RecordProblem(where, f"must be an ISO 8601 date-time string, got {_kind(value)}")
    literal = value.strip()
    try:
        if len(literal) > 40:
            raise ValueError
        parsed = datetime.fromisoformat(literal.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise RecordProblem(where, f"is not an ISO 8601 date-time: '{literal[:40]}'") from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise RecordProblem(where, f"year {parsed.year} is out of range")
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(timezone.utc)
        except OverflowError:
            raise RecordProblem(where, "is out of range") from None
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def day(value, where: str, required: bool = True) -> str | None:
    """A calendar date `YYYY-MM-DD` (a date-time gives its own calendar day, as written)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordProblem(where, "is required")
        return None
    if not isinstance(value, str):
        raise RecordProblem(where, f"must be an ISO 8601 date string, got {_kind(value)}")
    literal = value.strip()
    try:
        if len(literal) > 40:
            raise ValueError
        parsed = (date.fromisoformat(literal) if len(literal) <= 10
                  else datetime.fromisoformat(literal.replace("Z", "+00:00")).date())
    except ValueError:
        raise RecordProblem(where, f"is not an ISO 8601 date: '{literal[:40]}'") from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise RecordProblem(where, f"year {parsed.year} is out of range")
    return parsed.isoformat()


def utc_at(day_value: date, hour: int = 0, minute: int = 0, second: int = 0, offset_hours: float = 0) -> str:
    moment_value = datetime(day_value.year, day_value.month, day_value.day, hour, minute, second,
                            tzinfo=timezone(timedelta(hours=offset_hours)))
    return moment_value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def currency(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordProblem(where, "is required: an ISO 4217 currency code" if value in (None, "")
                            else f"must be an ISO 4217 code, got {_kind(value)}")
    code = value.strip().upper()
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise RecordProblem(where, f"is not an ISO 4217 currency code: '{value[:20]}'")
    return code


# --- Odoo records through the mapper: never a guessed id -----------------------------------------

def product_ref(product: ProductRef, sku: str) -> dict:
    return {"sku": sku, "product_id": product.product_id, "default_code": product.default_code or None}


def uom_of(product: ProductRef) -> dict:
    return {"id": product.uom["id"], "name": product.uom["name"]}


def resolve(mapper: Mapper, source: str, sku: str, unit: str | None, qty, pointer: str,
            sku_pointer: str | None = None, unit_pointer: str | None = None) -> tuple[ProductRef, float]:
    """The Odoo product of `sku` and `qty` of `unit` in its own unit (no unit: already in it)."""
    product = mapper.product(source, sku, sku_pointer or at(pointer, "sku"))
    if unit is None:
        return product, qty
    converted = mapper.quantity(source, unit, qty, product, unit_pointer or at(pointer, "unit"))
    if qty and not converted:
        raise RecordProblem(unit_pointer or at(pointer, "unit"), f"{qty:g} {unit} is nothing in {product.uom.get('name')}",
                            code="invalid_quantity")
    return product, converted


def per_unit(mapper: Mapper, source: str, unit: str | None, price: float, product: ProductRef) -> float:
    """A price per `unit` as a price per the product's own unit: per pack size, or as Odoo's uom._compute_price
    (unrounded). Call after `resolve` has accepted the unit."""
    if unit is None:
        return price
    key = str(unit).strip()
    pack = mapper.packs.get((source, key, product.product_id), mapper.packs.get((ANY_SOURCE, key, product.product_id)))
    if pack is not None:
        return price / pack
    uom = mapper.units.get((source, key), mapper.units.get((ANY_SOURCE, key)))
    if uom is None or uom.get("id") == product.uom.get("id"):
        return price
    return price * float(uom["factor"]) / float(product.uom["factor"])


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
            dict: "an object"}.get(type(value), type(value).__name__)
