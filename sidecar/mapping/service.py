"""Managing mappings: upsert (checked against Odoo), list, get, delete, each change audited; load a Mapper."""
from __future__ import annotations

import weakref

from sidecar.errors import InvalidPayload, NotFound, SidecarError
from sidecar.mapping import odoo_check
from sidecar.mapping.fields import KINDS, MAX_ID, FieldProblem, parse_code, parse_entry
from sidecar.mapping.resolver import ANY_SOURCE, Mapper, ProductRef
from sidecar.store import audit
from sidecar.store import mappings as store
from sidecar.store.records import MAX_PAGE, iso

MAX_ROWS = 10_000  # one request or file: beyond that, split it (each row is an audited change)


class MappingRejected(SidecarError):
    """A mapping names something Odoo does not have (or not as given): nothing of the request is stored."""

    status, code = 422, "mapping_rejected"


def check_kind(kind: str) -> str:
    """`kind` when it is one of KINDS, else 404."""
    if kind not in KINDS:
        raise NotFound(f"no mapping kind '{kind[:40]}'; kinds: {', '.join(KINDS)}")
    return kind


def check_source(source: str | None, pointer: str = "?source") -> str | None:
    """A source name given apart from the rows (query parameter, CLI option), or None."""
    if source is None:
        return None
    try:
        return parse_code("source", source)
    except FieldProblem as problem:
        raise InvalidPayload(str(problem), details=[{"pointer": pointer, "message": str(problem)}]) from None


def key_of(kind: str, row: dict) -> str:
    """The natural key of a row as text, e.g. `shop-eu:ABC-1` or `*:CS@42` (audit subject)."""
    parts = [str(row[name]) for name in store.KEYS[kind]]
    return f"{row['source']}:{'@'.join(parts)}"


def describe(kind: str, row: dict | None) -> dict | None:
    """A stored row as the API shows it."""
    if row is None:
        return None
    shown = {"id": row.get("id"), "kind": kind, **store.values_of(kind, row)}
    if "created_at" in row:
        shown.update(created_at=iso(row["created_at"]), updated_at=iso(row["updated_at"]),
                     updated_by=row["updated_by"])
    return shown


def _refuse(status_error, message: str, problems, place) -> None:
    details = [{**place(index, field), "message": text} for index, field, text in problems]
    raise status_error(message, details=details[:MAX_PAGE])


def json_place(index: int, field: str | None) -> dict:
    """Where a problem is in a JSON upsert: the entry's index and the field's pointer."""
    return {"index": index, "pointer": f"/mappings/{index}" + (f"/{field}" if field else "")}


def prepare(services, kind: str, entries: list[dict], default_source: str | None, place=json_place) -> list[dict]:
    """Parse, refuse duplicates, check against Odoo: the rows to store (400/422 naming every bad entry)."""
    if len(entries) > MAX_ROWS:
        raise InvalidPayload(f"at most {MAX_ROWS} mappings at once; got {len(entries)}")
    parsed, problems = [], []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append((index, None, "a mapping is an object of fields"))
            parsed.append({})
            continue
        values, found = parse_entry(kind, entry, default_source)
        problems += [(index, field, text) for field, text in found]
        parsed.append(values)
    if problems:
        _refuse(InvalidPayload, f"{len({p[0] for p in problems})} of {len(entries)} {kind} mappings are invalid; "
                                "nothing was stored", problems, place)
    _refuse_duplicates(kind, parsed, place, lambda values: _given_key(kind, values))
    rows, problems = odoo_check.complete(services.odoo, kind, parsed)
    if problems:
        _refuse(MappingRejected, f"{len({p[0] for p in problems})} of {len(entries)} {kind} mappings name what "
                                 "Odoo does not have; nothing was stored", problems, place)
    # packs named once by product_id and once by default_code are the same product now
    _refuse_duplicates(kind, rows, place, lambda row: tuple(row[name] for name in ("source", *store.KEYS[kind])))
    return rows


def _given_key(kind: str, values: dict) -> tuple:
    """The natural key as the entry gives it (a pack's product by id, code or packaging)."""
    if kind != "packs":
        return tuple(values[name] for name in ("source", *store.KEYS[kind]))
    product = next((name, values[name]) for name in ("product_id", "default_code", "packaging_id") if name in values)
    return values["source"], values["unit"], product


def _refuse_duplicates(kind: str, items: list[dict], place, key) -> None:
    first: dict = {}
    problems = []
    for index, item in enumerate(items):
        seen = first.setdefault(key(item), index)
        if seen != index:
            where = place(seen, None)
            label = f"row {where['row']}" if "row" in where else f"entry {seen}"
            problems.append((index, None, f"the same {kind[:-1]} mapping as {label} ({key_of(kind, item)})"
                             if kind != "packs" else f"the same pack as {label}"))
    if problems:
        _refuse(InvalidPayload, f"{len(problems)} duplicate {kind} mappings; nothing was stored",
                problems, place)


def apply(services, kind: str, rows: list[dict], actor: str | None, *, dry_run: bool = False,
          via: str = "api") -> dict:
    """Store the rows (one transaction, one audit entry per change), or only say what would change."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    items = []
    if dry_run:
        with services.db.read() as conn:
            stored = store.existing(conn, kind, rows) if rows else {}
            for index, row in enumerate(rows):
                before = stored.get(tuple(row[name] for name in ("source", *store.KEYS[kind])))
                action = "created" if before is None else \
                    "unchanged" if store.values_of(kind, before) == store.values_of(kind, row) else "updated"
                counts[action] += 1
                items.append({"index": index, "action": action, "mapping": describe(kind, {**(before or {}), **row})})
    else:
        with services.db.transaction() as conn:
            for index, (action, before, after) in enumerate(store.upsert_many(conn, kind, rows, actor)):
                counts[action] += 1
                items.append({"index": index, "action": action, "mapping": describe(kind, after)})
                if action != "unchanged":
                    audit.append(conn, f"mapping.{action}", f"mapping:{kind}:{key_of(kind, after)}"[:255],
                                 {"kind": kind, "id": after["id"], "via": via,
                                  "before": describe(kind, before), "after": describe(kind, after)}, actor)
    return {"kind": kind, "dry_run": dry_run, **counts, "items": items}


def upsert(services, kind: str, body: dict, actor: str | None, *, dry_run: bool = False) -> dict:
    """`{"source"?, "mappings": [...]}` or one mapping (a body already checked against its contract), all or nothing."""
    check_kind(kind)
    if "mappings" not in body:  # one mapping: its problems are pointed at as the body's own fields
        rows = prepare(services, kind, [body], None, place=lambda _index, field: {
            "index": 0, "pointer": f"/{field}" if field else ""})
        return apply(services, kind, rows, actor, dry_run=dry_run)
    source = check_source(body.get("source"), "/source")
    rows = prepare(services, kind, body["mappings"], source)
    return apply(services, kind, rows, actor, dry_run=dry_run)


def list_mappings(services, kind: str, *, source: str | None = None, after: int = 0, limit: int = 50) -> dict:
    """A page of mappings in id order; `next_after` continues it (None on the last page)."""
    check_kind(kind)
    with services.db.read() as conn:
        rows = store.list_rows(conn, kind, source=check_source(source), after=after, limit=limit)
    full = len(rows) == min(limit, MAX_PAGE)
    return {"items": [describe(kind, row) for row in rows], "next_after": rows[-1]["id"] if full and rows else None}


def get_mapping(services, kind: str, mapping_id: int) -> dict:
    """One mapping, or 404."""
    check_kind(kind)
    with services.db.read() as conn:
        row = store.get(conn, kind, mapping_id) if 1 <= mapping_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"no {kind} mapping {mapping_id}")
    return describe(kind, row)


def delete_mapping(services, kind: str, mapping_id: int, actor: str | None) -> dict:
    """Remove one mapping (audited); the mapping it was, or 404."""
    check_kind(kind)
    with services.db.transaction() as conn:
        row = store.delete(conn, kind, mapping_id) if 1 <= mapping_id <= MAX_ID else None
        if row is None:
            raise NotFound(f"no {kind} mapping {mapping_id}")
        audit.append(conn, "mapping.deleted", f"mapping:{kind}:{key_of(kind, row)}"[:255],
                     {"kind": kind, "id": mapping_id, "before": describe(kind, row)}, actor)
    return describe(kind, row)


# Loaded Mappers by store and source, with the mapping generation they were loaded at: a transform asks per
# request, and re-reading thousands of rows each time would cost more than the transform itself.
_LOADED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
MAX_CACHED_SOURCES = 64


def load_mapper(services, source: str) -> Mapper:
    """A Mapper holding every mapping of `source` and of any source ('*'); read it, do not change it.

    One small query when nothing changed since the last load in this process, else one query per table.
    """
    loaded = _LOADED.setdefault(services.db, {})
    with services.db.read() as conn:
        current = store.generation(conn)
        cached = loaded.get(source)
        if cached is not None and cached[0] == current:
            return cached[1]
        found = store.for_sources(conn, (source, ANY_SOURCE))
    mapper = Mapper(
        skus={(src, sku): ProductRef(pid, code, uom) for src, sku, pid, code, uom in found["skus"]},
        units={(src, unit): uom for src, unit, uom in found["units"]},
        packs={(src, unit, pid): qty for src, unit, pid, qty in found["packs"]},
        partners={(src, ext): pid for src, ext, pid in found["partners"]},
        taxes={(src, rate): tid for src, rate, tid in found["taxes"]},
    )
    if len(loaded) >= MAX_CACHED_SOURCES and source not in loaded:
        loaded.clear()
    loaded[source] = (current, mapper)
    return mapper
