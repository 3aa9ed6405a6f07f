"""Value conversion: what callers send -> raw stored value, raw value -> what ``read`` answers."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import re

from . import errors

DATE_FMT = "%Y-%m-%d"
DATETIME_FMT = "%Y-%m-%d %H:%M:%S"
VOID_SELF_CLOSING = re.compile(r"<(br|hr|img|input|wbr|col|area|source|track|embed)(\s[^<>]*?)?\s*/>", re.I)
BLOCK_TAGS = ("<p", "<div", "<ul", "<ol", "<table", "<h1", "<h2", "<h3", "<h4", "<h5", "<h6",
              "<blockquote", "<pre", "<section", "<header", "<footer")


def to_date(value):
    if value in (None, False, ""):
        return False
    if isinstance(value, dt.datetime):
        return value.strftime(DATE_FMT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FMT)
    text = str(value)[:10]
    try:
        dt.datetime.strptime(text, DATE_FMT)
    except ValueError:
        raise errors.value_error(f"time data {str(value)!r} does not match format '%Y-%m-%d'") from None
    return text


def to_datetime(value):
    if value in (None, False, ""):
        return False
    if isinstance(value, dt.datetime):
        return value.strftime(DATETIME_FMT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FMT) + " 00:00:00"
    text = str(value)
    if len(text) == 10:
        to_date(text)
        return text + " 00:00:00"
    try:
        parsed = dt.datetime.strptime(text[:19], DATETIME_FMT)
    except ValueError:
        raise errors.value_error(f"time data {text!r} does not match format '%Y-%m-%d %H:%M:%S'") from None
    return parsed.strftime(DATETIME_FMT)


def sanitize_html(value, escape: bool = False):
    """Odoo's html fields wrap bare text in a paragraph; ``escape`` treats it as plain text."""
    if value is None or value is False:
        return False
    text = str(value)
    if escape:
        text = html_lib.escape(text, quote=False)
    if not text.strip():
        return text
    text = VOID_SELF_CLOSING.sub(r"<\1\2>", text)  # lxml's HTML serialiser: <br/> -> <br>
    if text.lstrip().lower().startswith(BLOCK_TAGS):
        return text
    return f"<p>{text}</p>"


def scalar_to_raw(fdef, value):
    """Convert a non-relational value sent by a caller for field ``fdef``."""
    kind = fdef.type
    if kind in ("char", "text"):
        return False if value is None or value is False else str(value)
    if kind == "html":
        return sanitize_html(value)
    if kind == "integer":
        return int(value or 0)
    if kind in ("float", "monetary"):
        try:
            return float(value or 0.0)
        except (TypeError, ValueError):
            raise errors.value_error(f"could not convert string to float: {value!r}") from None
    if kind == "boolean":
        return bool(value)
    if kind == "date":
        return to_date(value)
    if kind == "datetime":
        return to_datetime(value)
    if kind == "selection":
        if value in (None, False, ""):
            return False
        keys = [key for key, _label in fdef.selection or []]
        if fdef.selection is not None and value not in keys:
            raise errors.value_error(f"Wrong value for {fdef.model_name}.{fdef.name}: {value!r}")
        return value
    if kind == "many2one_reference":
        return int(value) if value else False
    return value


def to_read(env, fdef, value, load: str = "_classic_read"):
    """Format a raw value the way ``read`` answers it."""
    kind = fdef.type
    if kind == "many2one":
        if not value:
            return False
        if load != "_classic_read":
            return value
        if fdef.relation not in env.registry or not env.db.row(fdef.relation, value):
            return False
        return [value, env.display_name(fdef.relation, value)]
    if kind in ("one2many", "many2many"):
        return list(value or [])
    if kind == "integer":
        return int(value or 0)
    if kind in ("float", "monetary"):
        return float(value or 0.0)
    if kind == "boolean":
        return bool(value)
    if kind == "many2one_reference":
        return value or 0
    if kind == "datetime" and value:
        return value[:19]  # Odoo answers whole seconds (fields.Datetime.to_string) whatever it stores
    if value is None:
        return False
    if kind == "datetime" and value:
        return value[:19]  # Odoo's JSON answers format datetimes without microseconds
    return value
