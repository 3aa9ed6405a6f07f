"""Stock arithmetic shared by products, quants, deliveries: on hand, reserved, forecast."""
from __future__ import annotations

PENDING_MOVE_STATES = ("waiting", "confirmed", "partially_available", "assigned")


def _descendants(env, location_id) -> set:
    found, todo = set(), [location_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(rid for rid, row in env.db.table("stock.location").items() if row.get("location_id") == current)
    return found


def internal_locations(env) -> set:
    """Internal locations, narrowed by the ``warehouse`` or ``location`` context keys."""
    internal = {rid for rid, row in env.db.table("stock.location").items() if row.get("usage") == "internal"}
    scope = None
    if isinstance(env.context.get("location"), int):
        scope = _descendants(env, env.context["location"])
    elif isinstance(env.context.get("warehouse"), int) and env.db.row("stock.warehouse", env.context["warehouse"]):
        scope = _descendants(env, env.db.row("stock.warehouse", env.context["warehouse"])["view_location_id"])
    return internal if scope is None else internal & scope


def quants(env, product_id, locations) -> list:
    return [row for row in env.db.table("stock.quant").values()
            if row.get("product_id") == product_id and row.get("location_id") in locations]


def on_hand(env, product_id) -> float:
    return float(sum(row.get("quantity") or 0.0 for row in quants(env, product_id, internal_locations(env))))


def reserved(env, product_id) -> float:
    return float(sum(row.get("reserved_quantity") or 0.0 for row in quants(env, product_id, internal_locations(env))))


def pending(env, product_id, incoming: bool) -> float:
    internal = internal_locations(env)
    total = 0.0
    for row in env.db.table("stock.move").values():
        if row.get("product_id") != product_id or row.get("state") not in PENDING_MOVE_STATES:
            continue
        source_in, dest_in = row.get("location_id") in internal, row.get("location_dest_id") in internal
        if (dest_in and not source_in) if incoming else (source_in and not dest_in):
            total += row.get("product_uom_qty") or 0.0
    return total


def reserve(env, product_id, quantity, location_id) -> float:
    """Reserve up to ``quantity`` from quants under ``location_id``; returns what was reserved."""
    todo = quantity
    for row in sorted(quants(env, product_id, _descendants(env, location_id)), key=lambda r: r["id"]):
        free = (row.get("quantity") or 0.0) - (row.get("reserved_quantity") or 0.0)
        take = min(free, todo)
        if take > 0:
            env.db.update("stock.quant", row["id"], {"reserved_quantity": (row.get("reserved_quantity") or 0.0) + take})
            todo -= take
        if todo <= 0:
            break
    return quantity - max(todo, 0.0)


def unreserve(env, product_id, quantity, location_id) -> None:
    todo = quantity
    for row in sorted(quants(env, product_id, _descendants(env, location_id)), key=lambda r: -r["id"]):
        give = min(row.get("reserved_quantity") or 0.0, todo)
        if give > 0:
            env.db.update("stock.quant", row["id"], {"reserved_quantity": row["reserved_quantity"] - give})
            todo -= give
        if todo <= 0:
            break


def add_quantity(env, product_id, location_id, delta) -> int:
    """Change the on-hand quantity at a location (creating the quant when needed)."""
    for row in quants(env, product_id, {location_id}):
        if not row.get("lot_id"):
            env.db.update("stock.quant", row["id"], {"quantity": (row.get("quantity") or 0.0) + delta})
            return row["id"]
    return env.create("stock.quant", {"product_id": product_id, "location_id": location_id, "quantity": delta})
