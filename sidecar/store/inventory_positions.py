"""Inventory positions: quantities per lifecycle state (compare-and-set on a version) and their moves."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.records import as_dict, new_id, now
from sidecar.store.schema import INVENTORY_STATES, inventory_moves, inventory_positions


def find(conn: Connection, product_id: int, warehouse: str, lot: str) -> dict | None:
    """The position of one key, or None."""
    query = sa.select(inventory_positions).where(inventory_positions.c.product_id == product_id,
                                                 inventory_positions.c.warehouse == warehouse,
                                                 inventory_positions.c.lot == lot)
    return as_dict(conn.execute(query).first())


def get(conn: Connection, position_id: str) -> dict | None:
    """One position, or None."""
    return as_dict(conn.execute(sa.select(inventory_positions)
                                .where(inventory_positions.c.id == position_id)).first())


def insert(conn: Connection, product_id: int, warehouse: str, lot: str) -> dict:
    """A new position holding nothing yet."""
    stamp = now()
    position_id = new_id("pos")
    conn.execute(inventory_positions.insert().values(
        id=position_id, product_id=product_id, warehouse=warehouse, lot=lot, version=0, created_at=stamp,
        updated_at=stamp, **{state: 0.0 for state in INVENTORY_STATES}))
    return get(conn, position_id)


def listing(conn: Connection, product_id: int | None = None, warehouse: str | None = None,
            limit: int = 50, after: str | None = None) -> list[dict]:
    """Positions by id, optionally of one product and/or warehouse."""
    query = sa.select(inventory_positions).order_by(inventory_positions.c.id).limit(limit)
    if product_id is not None:
        query = query.where(inventory_positions.c.product_id == product_id)
    if warehouse is not None:
        query = query.where(inventory_positions.c.warehouse == warehouse)
    if after is not None:
        query = query.where(inventory_positions.c.id > after)
    return [as_dict(row) for row in conn.execute(query)]


def change(conn: Connection, position: dict, quantities: dict[str, float], *, kind: str, from_state: str | None,
           to_state: str, quantity: float, reason: str | None, reference: str | None, actor: str | None) -> bool:
    """Write new quantities when the position is still at the version read, and record the move; False otherwise."""
    stamp = now()
    updated = conn.execute(inventory_positions.update().where(
        inventory_positions.c.id == position["id"], inventory_positions.c.version == position["version"])
        .values(version=position["version"] + 1, updated_at=stamp, **quantities))
    if updated.rowcount != 1:
        return False
    conn.execute(inventory_moves.insert().values(
        id=new_id("mov"), position_id=position["id"], kind=kind, from_state=from_state, to_state=to_state,
        quantity=quantity, reason=reason, reference=reference, actor=actor, at=stamp))
    return True


def moves(conn: Connection, position_id: str, limit: int = 50) -> list[dict]:
    """The position's latest moves, newest first."""
    query = (sa.select(inventory_moves).where(inventory_moves.c.position_id == position_id)
             .order_by(inventory_moves.c.at.desc(), inventory_moves.c.id.desc()).limit(limit))
    return [as_dict(row) for row in conn.execute(query)]
