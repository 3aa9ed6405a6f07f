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


def _companies(env) -> list:
    """Odoo's ``env.companies``: ``allowed_company_ids``, else every company of the user."""
    return env.context.get("allowed_company_ids") or env.get("res.users", env.uid, "company_ids")


def _named(env, model, values, field) -> set:
    """``_search_ids`` of ``_get_domain_locations``: ids as they are, names by ``ilike`` on the record name."""
    values = values if isinstance(values, list) else [values]
    ids = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
    for text in (v for v in values if isinstance(v, str)):
        ids |= {rid for rid, row in env.db.table(model).items()
                if text.lower() in str(env.get(model, rid, field) or "").lower()}
    return ids


def internal_locations(env) -> set:
    """The locations Odoo 17 counts stock in (stock/models/product.py ``_get_domain_locations``).

    ``warehouse`` (id, name or a list): every location under the warehouses' view locations; with ``location``
    as well, those of its locations inside them (none: nothing counts); ``location`` alone: it and its children;
    neither: under the view locations of the warehouses of ``env.companies``. Usage is not filtered; quants of
    companies outside ``env.companies`` are hidden by the ``stock_quant multi-company`` rule.
    """
    location, warehouse = env.context.get("location"), env.context.get("warehouse")
    if warehouse:
        views = {env.db.row("stock.warehouse", wid)["view_location_id"]
                 for wid in _named(env, "stock.warehouse", warehouse, "name") if env.db.row("stock.warehouse", wid)}
        if location:
            inside = set().union(*(_descendants(env, view) for view in views)) if views else set()
            roots = _named(env, "stock.location", location, "complete_name") & inside
        else:
            roots = views
    elif location:
        roots = _named(env, "stock.location", location, "complete_name")
    else:
        companies = set(_companies(env))
        roots = {row["view_location_id"] for row in env.db.table("stock.warehouse").values()
                 if row.get("company_id") in companies and row.get("active", True)}
    scope = set().union(*(_descendants(env, root) for root in roots)) if roots else set()
    visible = set(_companies(env))
    return {rid for rid in scope if env.db.row("stock.location", rid) is not None
            and env.db.row("stock.location", rid).get("company_id") in visible | {False, None}}


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
