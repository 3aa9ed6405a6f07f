"""Inventory positions (states, moves, adjustments), the channels' availability and drift against Odoo."""
from __future__ import annotations

from flask import Blueprint, url_for

from sidecar.api.common import actor, get_services, json_body, page_limit, query_value, requires
from sidecar.api.events import idempotency_key
from sidecar.errors import InvalidPayload
from sidecar.flows import availability, drift, inventory_states

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


def _text(name: str, longest: int) -> str | None:
    """A query parameter of at most `longest` characters, as the spec says."""
    value = query_value(name)
    if value is not None and len(value) > longest:
        raise InvalidPayload(f"{name} must be at most {longest} characters",
                             details=[{"pointer": f"?{name}", "message": f"got {len(value)} characters"}])
    return value


@bp.post("/inventory/positions")
@requires("events.write", keyed=True)
def receive():
    """Goods received into a position (made on its first receipt); answers the position."""
    return _answer(inventory_states.receive(get_services(), json_body(), idempotency_key(), actor()))


@bp.get("/inventory/positions")
@requires("releases.read")
def list_positions():
    """Positions, optionally of one product and/or warehouse, paged by id."""
    return inventory_states.list_positions(get_services(), _product_id(), _text("warehouse", 64), page_limit(),
                                           _text("after", 40))


@bp.get("/inventory/positions/<position_id>")
@requires("releases.read")
def get_position(position_id):
    """One position: quantities by state, the transitions allowed, its latest moves."""
    return inventory_states.get_position(get_services(), position_id)


@bp.post("/inventory/positions/<position_id>/transitions")
@requires("events.write", keyed=True)
def move(position_id):
    """Move a quantity from one state to an allowed next one."""
    return _answer(inventory_states.move(get_services(), position_id, json_body(), idempotency_key(), actor()))


@bp.post("/inventory/positions/<position_id>/adjustments")
@requires("events.write", keyed=True)
def adjust(position_id):
    """Add to or take from one state, with a reason."""
    return _answer(inventory_states.adjust(get_services(), position_id, json_body(), idempotency_key(), actor()))


def _id_list(name: str) -> list[int] | None:
    raw = query_value(name)
    if raw is None:
        return None
    parts = raw.split(",")
    if not all(p.isascii() and p.isdecimal() and len(p) <= 10 and 1 <= int(p) <= 2147483647 for p in parts) \
            or len(parts) > 1000:
        raise InvalidPayload(f"{name} must be up to 1000 positive integers separated by commas",
                             details=[{"pointer": f"?{name}", "message": f"got '{raw[:100]}'"}])
    return list(dict.fromkeys(int(p) for p in parts))


@bp.get("/availability")
@requires("events.write")
def get_availability():
    """Available-to-promise of one channel (or every one) for some products, or the storable ones."""
    body = {}
    if _text("channel", 64) is not None:
        body["channels"] = [query_value("channel")]
    if _id_list("product_ids") is not None:
        body["product_ids"] = _id_list("product_ids")
    if query_value("limit") is not None:
        body["limit"] = page_limit(maximum=1000)
    return availability.availability(get_services(), body)


@bp.post("/availability")
@requires("events.write")
def post_availability():
    """Available-to-promise of the channels and products the body lists."""
    return availability.availability(get_services(), json_body(default={}))


@bp.post("/drift/stock")
@requires("events.write")
def check_stock_drift():
    """Compare inventory positions (a canonical snapshot, or the sidecar's own) with Odoo's quants; reads only."""
    return drift.drift(get_services(), "stock", json_body(default={}))


@bp.post("/drift/prices")
@requires("events.write")
def check_price_drift():
    """Compare canonical prices with Odoo's list prices, pricelist items and vendor prices; reads only."""
    return drift.drift(get_services(), "prices", json_body(default={}))
