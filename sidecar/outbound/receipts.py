"""canonical.asn -> the expected arrival on its purchase order's lines and incoming receipts."""
from __future__ import annotations

from sidecar.outbound import fields as f

MAX_LINES = 1000


def scope(record: dict, source: str) -> str:
    """Authority scope of receipts: the supplier's system."""
    return str(f.get(record, "/source/system") or source)


def convert(record: dict, source: str) -> dict:
    """The purchase order (by name), the products shipped and when they are expected."""
    lines = f.get(record, "/lines")
    if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
        raise f.bad("/lines", f"must hold 1 to {MAX_LINES} lines")
    products = sorted({f.product_id(record, f"/lines/{i}/product", source) for i in range(len(lines))})
    system = f.get(record, "/source/system") or source
    if f.get(record, "/expected_at") is None:
        raise f.Unsupported("the notice gives no expected arrival: nothing to write in Odoo",
                            details=[{"pointer": "/expected_at", "message": "null"}])
    return {"ref": f"{system}:{f.text(record, '/asn_id')}", "purchase_order": f.text(record, "/purchase_order"),
            "expected_at": f.moment(record, "/expected_at"), "product_ids": products}
