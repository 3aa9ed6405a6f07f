"""Inventory positions and their lifecycle: quantities of one product, warehouse and lot in each state.

received -> quality_hold -> available -> reserved -> allocated -> shipped. A move takes a quantity from one
state to a state the lifecycle allows after it (reserved may go back to available, allocated back to
reserved); more than the state holds is a 409 naming what it holds. An adjustment adds to or takes from one
state, with its reason. Every change is recorded (the position's moves) and audited in the same transaction.
Receipts, moves and adjustments honour an Idempotency-Key: a repeat answers as the first time, once.
"""
from __future__ import annotations

from sidecar import contracts
from sidecar.errors import Conflict, DependencyDown, NotFound
from sidecar.flows.pipeline import request_hash
from sidecar.lifecycle import Lifecycle
from sidecar.odoo import availability as odoo_stock
from sidecar.odoo.errors import OdooError
from sidecar.store import audit, idempotency
from sidecar.store import inventory_positions as positions
from sidecar.store.records import iso
from sidecar.store.schema import INVENTORY_STATES

RECEIVED, QUALITY_HOLD, AVAILABLE, RESERVED, ALLOCATED, SHIPPED = INVENTORY_STATES
LIFECYCLE = Lifecycle(
    name="inventory position",
    states=((RECEIVED, "Received"), (QUALITY_HOLD, "Quality hold"), (AVAILABLE, "Available"),
            (RESERVED, "Reserved"), (ALLOCATED, "Allocated"), (SHIPPED, "Shipped")),
    transitions={RECEIVED: (QUALITY_HOLD, AVAILABLE), QUALITY_HOLD: (AVAILABLE,), AVAILABLE: (RESERVED,),
                 RESERVED: (ALLOCATED, AVAILABLE), ALLOCATED: (SHIPPED, RESERVED)},
)
ON_HAND = (RECEIVED, QUALITY_HOLD, AVAILABLE, RESERVED, ALLOCATED)  # still in the warehouse
RECEIPT, MOVE, ADJUSTMENT = "receipt", "move", "adjustment"
PRECISION = 6  # decimals kept: repeated float sums must not leave 1e-15 crumbs in a state
HISTORY = 50   # moves shown with a position


def _amount(value: float) -> float:
    return round(float(value), PRECISION)


def describe(conn, position: dict) -> dict:
    """The API view: quantities by state, on hand, the transitions each state allows, the latest moves."""
    quantities = {state: position[state] for state in INVENTORY_STATES}
    return {
        "id": position["id"], "product_id": position["product_id"], "warehouse": position["warehouse"],
        "lot": position["lot"] or None, "quantities": quantities,
        "on_hand": _amount(sum(quantities[state] for state in ON_HAND)),
        "allowed_transitions": {state: list(LIFECYCLE.allowed(state)) for state in INVENTORY_STATES},
        "version": position["version"],
        "moves": [{"id": m["id"], "kind": m["kind"], "from": m["from_state"], "to": m["to_state"],
                   "quantity": m["quantity"], "reason": m["reason"], "reference": m["reference"],
                   "actor": m["actor"], "at": iso(m["at"])} for m in positions.moves(conn, position["id"], HISTORY)],
        "created_at": iso(position["created_at"]), "updated_at": iso(position["updated_at"]),
    }


def _load(conn, position_id: str) -> dict:
    position = positions.get(conn, position_id)
    if position is None:
        raise NotFound(f"no inventory position {position_id}", code="position_not_found")
    return position


def _once(services, key: str | None, operation: str, request: dict, apply) -> tuple[int, dict, bool]:
    """Run `apply(conn) -> (status, answer)` once per Idempotency-Key; a repeat answers as the first time."""
    digest = request_hash({"operation": operation, "request": request})
    with services.db.transaction() as conn:
        existing = idempotency.find(conn, key) if key else None
        if existing:
            if existing["operation"] != operation or existing["request_hash"] != digest:
                raise Conflict("this idempotency key was used with a different request", code="idempotency_key_reused")
            return existing["status_code"], existing["response"], True
        status, answer = apply(conn)
        if key:
            idempotency.save(conn, key, operation, digest, status, answer)
    return status, answer, False


def _change(conn, position: dict, quantities: dict, actor: str | None, **move) -> dict:
    """Write the new quantities (compare-and-set) with the move, audited; 409 when it changed meanwhile."""
    if not positions.change(conn, position, quantities, actor=actor, **move):
        raise Conflict(f"inventory position {position['id']} changed meanwhile; read it and try again",
                       code="changed_meanwhile")
    audit.append(conn, f"inventory.{move['kind']}", position["id"],
                 {"from": move["from_state"], "to": move["to_state"], "quantity": move["quantity"],
                  "reason": move["reason"], "reference": move["reference"], "product_id": position["product_id"],
                  "warehouse": position["warehouse"], "lot": position["lot"] or None}, actor=actor)
    return describe(conn, positions.get(conn, position["id"]))


def _insufficient(position: dict, state: str, requested: float) -> Conflict:
    return Conflict(f"inventory position {position['id']} holds {position[state]:g} {state}: "
                    f"{requested:g} cannot be taken from it", code="insufficient_quantity",
                    details=[{"state": state, "holds": position[state], "requested": requested}])


def _check_in_odoo(services, product_id: int, warehouse: str) -> None:
    """404 when Odoo has no such (active) product or no warehouse with this code."""
    try:
        found_products = odoo_stock.products(services.odoo, [product_id])
        found_warehouses = odoo_stock.warehouses(services.odoo, [warehouse])
    except OdooError as err:
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category) from err
    if not found_products:
        raise NotFound(f"Odoo has no active product.product {product_id}", code="product_not_found",
                       details=[{"pointer": "/product_id", "message": "no such product"}])
    if not found_warehouses:
        raise NotFound(f"Odoo has no warehouse with code {warehouse}", code="warehouse_not_found",
                       details=[{"pointer": "/warehouse", "message": "no such warehouse code"}])


def receive(services, body: dict, key: str | None, actor: str | None) -> tuple[int, dict, bool]:
    """Goods received: the position (made on first receipt, once Odoo knows the product and warehouse) gains them."""
    contracts.validate("inventory_receipt.v1", body)
    product_id, warehouse, lot = body["product_id"], body["warehouse"], body.get("lot") or ""
    with services.db.read() as conn:
        known = positions.find(conn, product_id, warehouse, lot)
    if known is None:
        _check_in_odoo(services, product_id, warehouse)

    def apply(conn):
        position = positions.find(conn, product_id, warehouse, lot)
        status = 200 if position else 201
        position = position or positions.insert(conn, product_id, warehouse, lot)
        quantity = _amount(body["quantity"])
        answer = _change(conn, position, {RECEIVED: _amount(position[RECEIVED] + quantity)}, actor, kind=RECEIPT,
                         from_state=None, to_state=RECEIVED, quantity=quantity, reason="received",
                         reference=body.get("reference"))
        return status, answer
    return _once(services, key, "inventory.receive", body, apply)


def move(services, position_id: str, body: dict, key: str | None, actor: str | None) -> tuple[int, dict, bool]:
    """Move a quantity along an allowed transition; 409 invalid_transition or insufficient_quantity otherwise."""
    contracts.validate("inventory_transition.v1", body)
    source, target, quantity = body["from"], body["to"], _amount(body["quantity"])

    def apply(conn):
        position = _load(conn, position_id)
        LIFECYCLE.check(source, target, position_id)
        if position[source] < quantity:
            raise _insufficient(position, source, quantity)
        return 200, _change(conn, position, {source: _amount(position[source] - quantity),
                                             target: _amount(position[target] + quantity)}, actor,
                            kind=MOVE, from_state=source, to_state=target, quantity=quantity,
                            reason=body.get("reason"), reference=body.get("reference"))
    return _once(services, key, "inventory.move", {"position_id": position_id, **body}, apply)


def adjust(services, position_id: str, body: dict, key: str | None, actor: str | None) -> tuple[int, dict, bool]:
    """Add to or take from one state with a reason; taking more than it holds is a 409 insufficient_quantity."""
    contracts.validate("inventory_adjustment_request.v1", body)
    state, quantity = body["state"], _amount(body["quantity"])

    def apply(conn):
        position = _load(conn, position_id)
        if position[state] + quantity < 0:
            raise _insufficient(position, state, -quantity)
        return 200, _change(conn, position, {state: _amount(position[state] + quantity)}, actor, kind=ADJUSTMENT,
                            from_state=None, to_state=state, quantity=quantity, reason=body["reason"],
                            reference=body.get("reference"))
    return _once(services, key, "inventory.adjust", {"position_id": position_id, **body}, apply)


def get_position(services, position_id: str) -> dict:
    """One position with its quantities and latest moves."""
    with services.db.read() as conn:
        return describe(conn, _load(conn, position_id))


def list_positions(services, product_id: int | None, warehouse: str | None, limit: int, after: str | None) -> dict:
    """Positions by id, optionally of one product and/or warehouse; `next` pages on."""
    with services.db.read() as conn:
        rows = positions.listing(conn, product_id, warehouse, limit, after)
        items = [describe(conn, row) for row in rows]
    return {"items": items, "next": rows[-1]["id"] if len(rows) == limit else None}
