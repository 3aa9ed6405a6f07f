"""Small conversions several layers share: Odoo's wire values, UTC moments, JSON pointers."""
from __future__ import annotations

from datetime import datetime, timezone

ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"  # Odoo's UTC datetimes on the wire (its reads drop microseconds)


def m2o_id(value) -> int | None:
    """The id of a many2one as Odoo sends it: [id, name], a bare id, or False (None)."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def utc_moment(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 ('...Z' included) or Odoo's form; a naive value is UTC."""
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def json_pointer(path) -> str:
    """JSON pointer (RFC 6901) of a path of keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
