"""Price changes: their lifecycle state (compare-and-set) and history; the rules of the lifecycle are the flow's."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.records import as_dict, now
from sidecar.store.schema import price_changes


def insert(conn: Connection, *, price_change_id: str, release_id: str, product_tmpl_id: int, product_id: int | None,
           pricelist_id: int, name: str, state: str, proposal: dict, actor: str | None = None) -> dict:
    """Record a new price change in its first state."""
    stamp = now()
    conn.execute(price_changes.insert().values(
        id=price_change_id, release_id=release_id, product_tmpl_id=product_tmpl_id, product_id=product_id,
        pricelist_id=pricelist_id, name=name[:255], state=state, proposal=proposal, item_id=None, channels=None,
        history=[{"from": None, "to": state, "at": stamp, "actor": actor, "detail": {"release_id": release_id}}],
        created_at=stamp, updated_at=stamp))
    return get(conn, price_change_id)


def get(conn: Connection, price_change_id: str) -> dict | None:
    """One price change, or None."""
    return as_dict(conn.execute(sa.select(price_changes).where(price_changes.c.id == price_change_id)).first())


def for_release(conn: Connection, release_id: str) -> dict | None:
    """The price change a decision (release) decides, or None."""
    query = sa.select(price_changes).where(price_changes.c.release_id == release_id)
    return as_dict(conn.execute(query).first())


def move(conn: Connection, price_change_id: str, from_state: str, to_state: str, *, actor: str | None,
         detail: dict, **values) -> bool:
    """Move from `from_state` to `to_state` (with other columns), appending to the history; False when it moved meanwhile."""
    current = get(conn, price_change_id)
    if current is None or current["state"] != from_state:
        return False
    stamp = now()
    history = [*current["history"], {"from": from_state, "to": to_state, "at": stamp, "actor": actor,
                                     "detail": detail}]
    updated = conn.execute(price_changes.update().where(price_changes.c.id == price_change_id,
                                                        price_changes.c.state == from_state)
                           .values(state=to_state, history=history, updated_at=stamp, **values))
    return updated.rowcount == 1
