"""Price changes: read one with its history, and move it on (published, reconciled, withdrawn)."""
from __future__ import annotations

from flask import Blueprint

from sidecar.api.common import actor, get_services, json_body, requires
from sidecar.flows import price_change

bp = Blueprint("price_changes", __name__, url_prefix="/v1/price-changes")


@bp.get("/<price_change_id>")
@requires("releases.read")
def get_price_change(price_change_id):
    """One price change: its state, the transitions allowed next, its decision and history."""
    return price_change.get_price_change(get_services(), price_change_id)


@bp.post("/<price_change_id>/transitions")
@requires("events.write")
def transition_price_change(price_change_id):
    """Move a price change: published (with channels), reconciled (Odoo read back) or withdrawn (with a reason)."""
    return price_change.transition(get_services(), price_change_id, json_body(), actor())
