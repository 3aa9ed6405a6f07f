"""The replenishment scan: reorder rules below their minimum, ranked by service risk."""
from __future__ import annotations

from flask import Blueprint

from sidecar.api.common import get_services, json_body, requires
from sidecar.flows import replenishment_scan

bp = Blueprint("replenishment", __name__, url_prefix="/v1")


@bp.post("/replenishment/scan")
@requires("events.write")
def scan_replenishment():
    """Rank the reorder rules below their minimum; each carries the event that decides it."""
    return replenishment_scan.scan(get_services(), json_body(default={}))
