"""Bulk import of one kind of mapping from CSV: a header row naming the columns, read under the one CSV
policy of `sidecar.csv_table` (UTF-8 with or without BOM, UTF-16 by its BOM, or the charset the request
declares; other bytes refused naming the first bad one, never guessed).

Rows are numbered as a spreadsheet shows them (the header is row 1). One import is all or nothing: a ragged
row refuses the file; `dry_run` checks everything (Odoo included) and says what would change.
"""
from __future__ import annotations

from sidecar import csv_table
from sidecar.errors import InvalidPayload
from sidecar.mapping import service
from sidecar.mapping.fields import FIELDS, REQUIRED

# The Odoo side of skus and packs: a product by product_id or default_code (or a packaging's product),
# a pack's size by quantity or its product.packaging.
ONE_OF = {"skus": (("product_id", "default_code"),),
          "packs": (("product_id", "default_code", "packaging_id"), ("quantity", "packaging_id"))}


def read_rows(kind: str, raw: bytes, content_type: str | None = None,
              declare: str | None = csv_table.DECLARE) -> tuple[list[dict], list[int]]:
    """(one dict per data row, keyed by column, with its row number); 4xx for a file that cannot be read."""
    required = REQUIRED[kind] + ONE_OF.get(kind, ())
    table = csv_table.read(raw, content_type, required, FIELDS[kind], declare=declare)
    ragged = [r for r in table["rows"] if r["problem"]]
    if ragged:
        first = ragged[0]
        raise csv_table.CsvMalformed(f"row {first['line']} has {first['problem']}",
                                     details=[csv_table.at_line(r["line"], r["problem"]) for r in ragged[:100]])
    if not table["rows"]:
        raise csv_table.CsvEmpty("the CSV has a header but no rows")
    if len(table["rows"]) > service.MAX_ROWS:
        raise InvalidPayload(f"at most {service.MAX_ROWS} rows in one import", code="csv_too_many_rows")
    return [r["values"] for r in table["rows"]], [r["line"] for r in table["rows"]]


def import_csv(services, kind: str, raw: bytes, *, source: str | None, actor: str | None,
               dry_run: bool = False, via: str = "csv", content_type: str | None = None,
               declare: str | None = csv_table.DECLARE) -> dict:
    """Check every row (shape, duplicates, Odoo) and store them all, or none with a 4xx naming each bad row."""
    service.check_kind(kind)
    source = service.check_source(source)
    entries, numbers = read_rows(kind, raw, content_type, declare)

    def place(index: int, field: str | None) -> dict:
        return {"row": numbers[index], **({"column": field} if field else {})}

    rows = service.prepare(services, kind, entries, source, place=place)
    answer = service.apply(services, kind, rows, actor, dry_run=dry_run, via=via)
    for item, number in zip(answer["items"], numbers):
        item["row"] = number
    return answer
