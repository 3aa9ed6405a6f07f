"""Inventory positions (states, moves, adjustments), the channels' availability and drift against Odoo."""
from __future__ import annotations

from flask import Blueprint, url_for

from sidecar.api.common import actor, get_services, json_body, page_limit, query_value, requires
from sidecar.api.events import idempotency_key
from sidecar.errors import InvalidPayload
from sidecar.flows import inventory_states

bp = Blueprint("inventory", __name__, url_prefix="/v1")


def _answer(result):
    status, answer, replayed = result
    headers = {"Location": url_for("inventory.get_position", position_id=answer["id"])}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return answer, status, headers


def _product_id() -> int | None:
    raw = query_value("product_id")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 10 and 1 <= int(raw) <= 2147483647):
        raise InvalidPayload("product_id must be a positive integer",
                             details=[{"pointer": "?product_id", "message": f"got '{raw[:100]}'"}])
    return int(raw)


@bp.post("/inventory/positions")
@requires("events.write")
def receive():
    """Goods received into a position (made on its first receipt); answers the position."""
    return _answer(inventory_states.receive(get_services(), json_body(), idempotency_key(), actor()))


@bp.get("/inventory/positions")
@requires("releases.read")
def list_positions():
    """Positions, optionally of one product and/or warehouse, paged by id."""
    return inventory_states.list_positions(get_services(), _product_id(), query_value("warehouse"), page_limit(),
                                           query_value("after"))


@bp.get("/inventory/positions/<position_id>")
@requires("releases.read")
def get_position(position_id):
    """One position: quantities by state, the transitions allowed, its latest moves."""
    return inventory_states.get_position(get_services(), position_id)


@bp.post("/inventory/positions/<position_id>/transitions")
@requires("events.write")
def move(position_id):
    """Move a quantity from one state to an allowed next one."""
    return _answer(inventory_states.move(get_services(), position_id, json_body(), idempotency_key(), actor()))


@bp.post("/inventory/positions/<position_id>/adjustments")
@requires("events.write")
def adjust(position_id):
    """Add to or take from one state, with a reason."""
    return _answer(inventory_states.adjust(get_services(), position_id, json_body(), idempotency_key(), actor()))
