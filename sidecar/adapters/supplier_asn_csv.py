"""supplier-asn-csv: advance ship notices as CSV rows (or the rows as JSON) -> canonical.asn, one per notice.

Columns: asn_id, po, sku, quantity, unit, lot, shipped_at, expected_at, and optionally supplier,
carrier and tracking_code. The rows of one asn_id make one notice (in the order the file first
names them); they must agree on its header values (po, dates, supplier, carrier, tracking code),
and a row repeated exactly is a mistake, not a second pallet: the notice is rejected naming both.
A notice with one bad row is rejected whole, never shortened.
"""
from __future__ import annotations

from sidecar.adapters import Adapter, register
from sidecar.adapters.fields import RecordProblem, at, moment, number, text
from sidecar.adapters.supplier_asn import asn_record
from sidecar.adapters.tables import cell, rows
from sidecar.mapping.resolver import Mapper

REQUIRED = ("asn_id", "po", "sku", "quantity", "unit", "lot", "shipped_at", "expected_at")
OPTIONAL = ("supplier", "carrier", "tracking_code")
HEADER = ("po", "shipped_at", "expected_at", "supplier", "carrier", "tracking_code")


def split(body: bytes, media_type: str) -> list:
    """Rows grouped by asn_id; a row that cannot be read, or has no asn_id, is a notice of its own (rejected)."""
    groups: dict = {}
    for row in rows(body, media_type, REQUIRED, OPTIONAL, numeric=("quantity",)):
        asn_id = cell(row, "asn_id")
        key = str(asn_id).strip() if isinstance(asn_id, (str, int)) and not isinstance(asn_id, bool) else None
        groups.setdefault(key if key and not row["problem"] else ("row", row["pointer"]), []).append(row)
    return [{"rows": group} for group in groups.values()]  # plain JSON: a dead letter keeps it and replays it


def ref(raw: dict) -> str | None:
    value = cell(raw["rows"][0], "asn_id")
    return str(value)[:255] if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def convert(raw: dict, mapper: Mapper, source: str) -> dict:
    group = raw["rows"]
    first = group[0]
    for row in group:
        if row["problem"]:
            raise RecordProblem(row["pointer"], row["problem"])
    asn_id = text(first["values"], "asn_id", first["pointer"], max_length=128, ids=True)
    for row in group[1:]:
        for column in HEADER:
            if cell(row, column) != cell(first, column):
                raise RecordProblem(at(row["pointer"], column), f"notice {asn_id} has {column} "
                                    f"'{str(cell(first, column))[:64]}' at {first['pointer']}; this row says "
                                    f"'{str(cell(row, column))[:64]}'", code="inconsistent_rows")
    seen: dict = {}
    for row in group:
        key = tuple(sorted((k, str(v)) for k, v in row["values"].items()))
        if key in seen:
            raise RecordProblem(row["pointer"], f"repeats {seen[key]} exactly", code="duplicate_line")
        seen[key] = row["pointer"]
    lines = [{"sku": text(row["values"], "sku", row["pointer"], max_length=128, ids=True),
              "quantity": number(row["values"], "quantity", row["pointer"], positive=True, maximum=1e9),
              "unit": text(row["values"], "unit", row["pointer"], max_length=64),
              "lot": text(row["values"], "lot", row["pointer"], required=False, max_length=128, ids=True),
              "pointer": row["pointer"]} for row in group]
    values, where = first["values"], first["pointer"]
    return asn_record(
        mapper, source, asn_id, asn_id,
        text(values, "supplier", where, required=False, max_length=128, ids=True) or source, at(where, "supplier"),
        text(values, "po", where, max_length=64, ids=True),
        moment(values.get("shipped_at"), at(where, "shipped_at"), required=False),
        moment(values.get("expected_at"), at(where, "expected_at"), required=False),
        text(values, "carrier", where, required=False, max_length=128),
        text(values, "tracking_code", where, required=False, max_length=128, ids=True),
        lines, where)


ADAPTER = register(Adapter(
    name="supplier-asn-csv", canonical="canonical.asn.v1",
    description="Advance ship notices as CSV rows (asn_id, po, sku, quantity, unit, lot, shipped_at, expected_at; "
                "or the rows as JSON) as one canonical ASN per asn_id: items mapped to Odoo products, units converted",
    media_types=("text/csv", "application/json"), split=split, convert=convert, ref=ref,
))
