"""POST /v1/advice/{kind}: advice for a person (category, priority, summary, anomalies, draft); it decides nothing."""
from __future__ import annotations

from flask import Blueprint, g

from sidecar.advisory import service
from sidecar.api.common import get_services, json_body, requires

bp = Blueprint("advice", __name__, url_prefix="/v1")


@bp.post("/advice/<kind>")
@requires("advice.use")
def give_advice(kind):
    """Advice of `kind` on the body, audited; a decision sent along comes back with `advice` beside it."""
    return service.give(get_services(), kind, json_body(), actor=g.client.name)
