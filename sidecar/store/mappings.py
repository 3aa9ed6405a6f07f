"""Mapping rows (SKU, unit, pack, partner, tax cross-references): read, upsert by natural key, delete."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sidecar.store.records import MAX_PAGE, as_dict, now
from sidecar.store.schema import mapping_generation, mapping_packs, mapping_partners, mapping_skus, mapping_taxes, \
    mapping_units

TABLES = {"skus": mapping_skus, "units": mapping_units, "packs": mapping_packs, "partners": mapping_partners,
          "taxes": mapping_taxes}
# What identifies a row besides its source: an upsert with the same key replaces it.
KEYS = {"skus": ("sku",), "units": ("unit",), "packs": ("unit", "product_id"), "partners": ("external_id",),
        "taxes": ("rate",)}
STAMPS = ("id", "created_at", "updated_at", "updated_by")


def values_of(kind: str, row: dict) -> dict:
    """The columns a caller sets (everything but the id and stamps)."""
    return {name: row.get(name) for name in TABLES[kind].c.keys() if name not in STAMPS}


def get(conn: Connection, kind: str, mapping_id: int) -> dict | None:
    """One row by id, or None."""
    table = TABLES[kind]
    return as_dict(conn.execute(sa.select(table).where(table.c.id == mapping_id)).first())


def list_rows(conn: Connection, kind: str, *, source: str | None = None, after: int = 0,
              limit: int = 50) -> list[dict]:
    """Rows in id order after `after`, optionally of one source."""
    table = TABLES[kind]
    query = sa.select(table).where(table.c.id > after).order_by(table.c.id).limit(min(limit, MAX_PAGE))
    if source is not None:
        query = query.where(table.c.source == source)
    return [dict(row._mapping) for row in conn.execute(query)]


def _key(kind: str, row: dict) -> tuple:
    return tuple(row[name] for name in ("source", *KEYS[kind]))


def existing(conn: Connection, kind: str, rows: list[dict]) -> dict[tuple, dict]:
    """The stored rows sharing a source with `rows`, by natural key: one query."""
    table = TABLES[kind]
    query = sa.select(table).where(table.c.source.in_(sorted({row["source"] for row in rows})))
    return {_key(kind, found): found for found in (dict(r._mapping) for r in conn.execute(query))}


def upsert_many(conn: Connection, kind: str, rows: list[dict],
                actor: str | None) -> list[tuple[str, dict | None, dict]]:
    """Insert or replace each row by natural key; per row (created|updated|unchanged, before, now)."""
    table, stamp, results = TABLES[kind], now(), []
    stored = existing(conn, kind, rows)
    for row in rows:
        values = values_of(kind, row)
        before = stored.get(_key(kind, values))
        if before is None:
            stamps = {"created_at": stamp, "updated_at": stamp, "updated_by": actor}
            new_id = conn.execute(table.insert().values(**values, **stamps)).inserted_primary_key[0]
            after = {"id": new_id, **values, **stamps}
            results.append(("created", None, after))
        elif values_of(kind, before) == values:
            results.append(("unchanged", before, before))
            continue
        else:
            conn.execute(table.update().where(table.c.id == before["id"]).values(**values, updated_at=stamp,
                                                                                 updated_by=actor))
            after = {**before, **values, "updated_at": stamp, "updated_by": actor}
            results.append(("updated", before, after))
        stored[_key(kind, values)] = after
    if any(action != "unchanged" for action, _before, _after in results):
        bump(conn)
    return results


def delete(conn: Connection, kind: str, mapping_id: int) -> dict | None:
    """Remove one row; the row it was, or None when there was none."""
    table = TABLES[kind]
    row = get(conn, kind, mapping_id)
    if row is not None:
        conn.execute(table.delete().where(table.c.id == mapping_id))
        bump(conn)
    return row


def generation(conn: Connection) -> int:
    """The number of the mappings' current state (0 before any change)."""
    return conn.execute(sa.select(mapping_generation.c.generation).where(mapping_generation.c.id == 1)).scalar() or 0


def bump(conn: Connection) -> None:
    """Count one change to the mappings, inside the caller's transaction."""
    query = mapping_generation.update().where(mapping_generation.c.id == 1)
    if conn.execute(query.values(generation=mapping_generation.c.generation + 1)).rowcount == 0:
        try:
            with conn.begin_nested():  # two first changes at once: one inserts, the other updates
                conn.execute(mapping_generation.insert().values(id=1, generation=1))
        except sa.exc.IntegrityError:
            conn.execute(query.values(generation=mapping_generation.c.generation + 1))


LOOKUP_COLUMNS = {  # what a Mapper needs of each kind
    "skus": ("source", "sku", "product_id", "default_code", "uom"),
    "units": ("source", "unit", "uom"),
    "packs": ("source", "unit", "product_id", "quantity"),
    "partners": ("source", "external_id", "partner_id"),
    "taxes": ("source", "rate", "tax_id"),
}


def for_sources(conn: Connection, sources: tuple[str, ...]) -> dict[str, list]:
    """The lookup columns (LOOKUP_COLUMNS order) of every row of these sources, by kind: one query per table."""
    return {kind: conn.execute(sa.select(*(table.c[name] for name in LOOKUP_COLUMNS[kind]))
                               .where(table.c.source.in_(sources))).all()
            for kind, table in TABLES.items()}
