"""canonical.order -> sale.order values, lines included, found again by `client_order_ref`."""
from __future__ import annotations

from sidecar.mapping.resolver import MappingMissing
from sidecar.outbound import fields as f

MAX_LINES = 1000


def scope(record: dict, source: str) -> str:
    """Authority scope of an order: its channel."""
    return str(f.get(record, "/channel") or source)


def convert(record: dict, source: str) -> dict:
    """The order's values: partner, customer reference `<system>:<external id>`, dates, note and lines."""
    system = f.get(record, "/source/system") or source
    ref = f"{system}:{f.text(record, '/external_id')}"
    partner = f.get(record, "/partner/partner_id")
    if partner is None:
        raise MappingMissing("partner", source, f.get(record, "/partner/external_id"), "/partner")
    lines = f.get(record, "/lines")
    if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
        raise f.bad("/lines", f"must hold 1 to {MAX_LINES} lines")
    values = {"partner_id": f.integer(record, "/partner/partner_id"), "client_order_ref": ref,
              "origin": system,
              "order_line": [[0, 0, _line(record, index, source)] for index in range(len(lines))]}
    taxes = [_taxes(record, index) for index in range(len(lines))]
    for field, pointer in (("date_order", "/date_order"), ("commitment_date", "/requested_date")):
        value = f.moment(record, pointer, required=False)
        if value:
            values[field] = value
    note = f.get(record, "/note")
    if isinstance(note, str) and note.strip():
        values["note"] = note[:10000]
    # Each line's tax rates, matched to Odoo taxes when the job runs (None: the product's own taxes).
    return {"ref": ref, "values": values, **({"taxes": taxes} if any(t is not None for t in taxes) else {})}


def _taxes(record: dict, index: int) -> list[float] | None:
    """The percent rates a line was charged ([]: none), or None when the record does not say."""
    at = f"/lines/{index}/taxes"
    taxes = f.get(record, at)
    if taxes is None:
        return None
    if not isinstance(taxes, list):
        raise f.bad(at, "must be a list of taxes")
    rates = [f.number(record, f"{at}/{n}/rate") for n in range(len(taxes))]
    for n, rate in enumerate(rates):
        if rate > 100:
            raise f.bad(f"{at}/{n}/rate", "is a percentage: at most 100")
    return rates


def _line(record: dict, index: int, source: str) -> dict:
    at = f"/lines/{index}"
    line = {"product_id": f.product_id(record, f"{at}/product", source),
            "product_uom_qty": f.number(record, f"{at}/quantity"),
            "price_unit": f.number(record, f"{at}/price_unit", minimum=None),
            "discount": f.number(record, f"{at}/discount", default=0.0)}
    if line["discount"] > 100:
        raise f.bad(f"{at}/discount", "is a percentage: at most 100")
    uom = f.integer(record, f"{at}/uom/id", required=False)
    if uom:
        line["product_uom"] = uom
    return line
