"""Reading canonical records for Odoo: each value checked where it is used, a 400 naming its pointer."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sidecar.errors import InvalidPayload, SidecarError
from sidecar.mapping.resolver import MappingMissing
from sidecar.values import ODOO_DATETIME

MAX_QUANTITY = 1e12  # beyond any stock or order line; larger is a unit or parsing mistake upstream


class Unsupported(SidecarError):
    """A valid canonical record this sync cannot write into Odoo (a supplier price, a lot)."""

    status, code = 422, "unsupported_record"


def bad(pointer: str, message: str) -> InvalidPayload:
    """A 400 naming the record's field."""
    return InvalidPayload(f"{pointer}: {message}", details=[{"pointer": pointer, "message": message}])


def get(record: dict, pointer: str):
    """The value at a JSON pointer of the record (missing: None)."""
    value = record
    for part in pointer.strip("/").split("/"):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def text(record: dict, pointer: str, required: bool = True, limit: int = 255) -> str | None:
    """A non-empty string of at most `limit` characters."""
    value = get(record, pointer)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise bad(pointer, f"must be a non-empty string of at most {limit} characters")
    return value.strip()


def integer(record: dict, pointer: str, required: bool = True) -> int | None:
    """A positive integer id."""
    value = get(record, pointer)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2 ** 31:
        raise bad(pointer, "must be a positive integer id")
    return value


def number(record: dict, pointer: str, minimum: float | None = 0.0, default=None) -> float:
    """A finite number within MAX_QUANTITY (and at least `minimum`)."""
    value = get(record, pointer)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > MAX_QUANTITY:
        raise bad(pointer, f"must be a number of at most {MAX_QUANTITY:g}")
    if minimum is not None and value < minimum:
        raise bad(pointer, f"must be at least {minimum:g}")
    return float(value)


def choice(record: dict, pointer: str, choices) -> str:
    """One of `choices`."""
    value = get(record, pointer)
    if value not in choices:
        raise bad(pointer, f"must be one of {', '.join(choices)}")
    return value


def moment(record: dict, pointer: str, required: bool = True) -> str | None:
    """An ISO 8601 date or date-time as Odoo's UTC datetime ('YYYY-MM-DD HH:MM:SS'); a date is its midnight UTC."""
    value = get(record, pointer)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise bad(pointer, "must be an ISO 8601 date or date-time")
    try:
        parsed = (datetime.combine(date.fromisoformat(value), datetime.min.time()) if len(value) == 10
                  else datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise bad(pointer, "must be an ISO 8601 date or date-time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.strftime(ODOO_DATETIME)


def product_id(record: dict, pointer: str, source: str) -> int:
    """The mapped Odoo product of a product reference; a reference without one is a missing SKU mapping."""
    ref = get(record, pointer)
    if not isinstance(ref, dict):
        raise bad(pointer, "must be a product reference {sku, product_id, default_code}")
    if ref.get("product_id") is None:
        raise MappingMissing("sku", source, ref.get("sku"), pointer)
    return integer(record, f"{pointer}/product_id")


def source_ref(record: dict, source: str, pointer: str = "/source/ref") -> str:
    """The record's id in its system, prefixed by the system: what Odoo keeps to find it again."""
    system = get(record, "/source/system") or source
    return f"{system}:{text(record, pointer)}"
