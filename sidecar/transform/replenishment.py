"""Odoo's answers about a reorder rule -> replenishment-exception facts: the shortfall, where free stock is,
the preferred vendor, the proposal, and the service-risk score that ranks rules below their minimum.

Odoo 17's own arithmetic (stock/models/stock_orderpoint.py, `_compute_qty_to_order`): a rule is below its
minimum when its forecast (`qty_forecast`, at its location, up to its lead days) is below `product_min_qty`
(compared at the unit's rounding); it then orders up to `max(min, max)` minus the forecast, rounded up to
`qty_multiple`. The stored `qty_to_order` may be stale (Odoo recomputes it only when it marks it), so the
quantity is worked out from the live forecast the same way.

Service risk (0 to 100, each factor's points shown; see the README):
- shortfall: SHORTFALL_POINTS x (min - forecast) / min, at most SHORTFALL_POINTS (a minimum of 0 counts
  as fully short);
- cover: COVER_POINTS x (1 - days of cover / COVER_HORIZON_DAYS), none beyond the horizon. Days of cover
  are the units on hand divided by the demand per day: customer deliveries done from the rule's warehouse
  in the last DEMAND_DAYS days, or, with none, the customer deliveries still waiting spread over the horizon
  (what the forecast already takes off). No demand: no points (nothing runs out);
- waiting: WAITING_POINTS_EACH per customer delivery waiting for the product in the warehouse, at most
  WAITING_POINTS.
"""
from __future__ import annotations

from datetime import date

from sidecar.odoo.replenishment import DEMAND_DAYS, PENDING_MOVE_STATES
from sidecar.transform.purchase_order import APPROVED_CLASS, vendor_classes
from sidecar.values import m2o_id

BELOW, NOT_BELOW, SNOOZED = "below minimum", "not below minimum", "snoozed"  # a rule's "state" for the flow
TRANSFER, RFQ, NONE = "transfer", "rfq", "none"
SHORTFALL_POINTS, COVER_POINTS, WAITING_POINTS, WAITING_POINTS_EACH = 40.0, 40.0, 20.0, 5.0
COVER_HORIZON_DAYS = 14.0
EPSILON = 1e-9


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _name(record) -> str | None:
    if isinstance(record, (list, tuple)):
        return record[1] if len(record) > 1 else None
    return (record or {}).get("display_name") or (record or {}).get("name") or None


def _id(record) -> int | None:
    return record.get("id") if isinstance(record, dict) else m2o_id(record)


def compare(value: float, other: float, rounding: float) -> int:
    """Odoo's float_compare at a unit's rounding: -1, 0 or 1."""
    rounding = rounding if rounding and rounding > 0 else 0.01
    difference = round((value - other) / rounding) * rounding
    return 0 if abs(difference) < rounding / 2 else (-1 if difference < 0 else 1)


def quantity_to_order(minimum: float, maximum: float, forecast: float, multiple: float, rounding: float) -> float:
    """What Odoo orders for a rule below its minimum (0 otherwise): up to max(min, max), rounded up to the multiple."""
    if compare(forecast, minimum, rounding) >= 0:
        return 0.0
    quantity = max(minimum, maximum) - forecast
    remainder = quantity % multiple if multiple > 0 else 0.0
    if compare(remainder, 0.0, rounding) > 0 and compare(multiple - remainder, 0.0, rounding) > 0:
        quantity += multiple - remainder
    return round(quantity, 6)


def rule_state(row: dict, today: date | None = None) -> str:
    """`below minimum`, `not below minimum`, or `snoozed` (hidden from Odoo's replenishment report until a date)."""
    snoozed = row.get("snoozed_until")
    if snoozed and str(snoozed)[:10] > (today or date.today()).isoformat():
        return SNOOZED
    rounding = _number(((row.get("product_uom") or {}) if isinstance(row.get("product_uom"), dict) else {})
                       .get("rounding")) or 0.01
    below = compare(_number(row.get("qty_forecast")), _number(row.get("product_min_qty")), rounding) < 0
    return BELOW if below else NOT_BELOW


def demand(moves: list[dict], product_id: int, warehouse_id: int | None, days: int = DEMAND_DAYS) -> dict:
    """Customer demand of one product from one warehouse: done per day over `days`, and deliveries waiting."""
    done = waiting_qty = 0.0
    waiting = set()
    for move in moves:
        location = move.get("location_id") or {}
        if m2o_id(move.get("product_id")) != product_id or m2o_id(location.get("warehouse_id")) != warehouse_id:
            continue
        quantity = _number(move.get("product_qty"))
        if move.get("state") == "done":
            done += quantity
        elif move.get("state") in PENDING_MOVE_STATES:
            waiting_qty += quantity
            waiting.add(m2o_id(move.get("picking_id")) or f"move:{move.get('id')}")
    return {"done_qty": round(done, 6), "days": days, "waiting_qty": round(waiting_qty, 6),
            "waiting_deliveries": len(waiting)}


def risk(minimum: float, forecast: float, on_hand: float, seen: dict) -> dict:
    """The service-risk score of a rule below its minimum, with each factor's points and why."""
    shortfall = max(minimum - forecast, 0.0)
    ratio = min(shortfall / minimum, 1.0) if minimum > 0 else 1.0
    if seen["done_qty"] > 0:
        per_day, basis = seen["done_qty"] / seen["days"], "deliveries done"
    elif seen["waiting_qty"] > 0:
        per_day, basis = seen["waiting_qty"] / COVER_HORIZON_DAYS, "deliveries waiting"
    else:
        per_day, basis = 0.0, "no customer demand"
    cover = max(on_hand, 0.0) / per_day if per_day > 0 else None
    cover_points = COVER_POINTS * max(0.0, 1.0 - cover / COVER_HORIZON_DAYS) if cover is not None else 0.0
    waiting_points = min(WAITING_POINTS, WAITING_POINTS_EACH * seen["waiting_deliveries"])
    factors = [
        {"factor": "shortfall", "value": round(shortfall, 4), "points": round(SHORTFALL_POINTS * ratio, 2),
         "max_points": SHORTFALL_POINTS,
         "why": f"forecast {forecast:g} is {shortfall:g} below the minimum {minimum:g}"},
        {"factor": "cover", "value": round(cover, 2) if cover is not None else None, "points": round(cover_points, 2),
         "max_points": COVER_POINTS,
         "why": (f"{max(on_hand, 0.0):g} on hand last {cover:.1f} days at {per_day:.2f} a day ({basis})"
                 if cover is not None else "no customer demand: nothing runs out")},
        {"factor": "waiting", "value": seen["waiting_deliveries"], "points": round(waiting_points, 2),
         "max_points": WAITING_POINTS,
         "why": f"{seen['waiting_deliveries']} customer deliveries waiting ({seen['waiting_qty']:g} units)"},
    ]
    return {"score": round(sum(f["points"] for f in factors), 2), "factors": factors,
            "demand_per_day": round(per_day, 4), "demand_basis": basis}


def scan_item(row: dict, moves: list[dict]) -> dict:
    """One reorder rule of a scan: what Odoo shows of it, its quantity to order and its service risk."""
    minimum, forecast = _number(row.get("product_min_qty")), _number(row.get("qty_forecast"))
    on_hand = _number(row.get("qty_on_hand"))
    product, warehouse = m2o_id(row.get("product_id")), m2o_id(row.get("warehouse_id"))
    to_order = quantity_to_order(minimum, _number(row.get("product_max_qty")), forecast,
                                 _number(row.get("qty_multiple")), 0.0)
    return {
        "orderpoint_id": row["id"], "name": row.get("name"), "product_id": product,
        "product": _name(row.get("product_id")),
        "warehouse_id": warehouse, "warehouse": _name(row.get("warehouse_id")),
        "company_id": m2o_id(row.get("company_id")), "write_date": row.get("write_date") or None,
        "minimum": minimum, "maximum": _number(row.get("product_max_qty")), "forecast": forecast, "on_hand": on_hand,
        "to_order": to_order, "risk": risk(minimum, forecast, on_hand, demand(moves, product, warehouse)),
    }


def rank(items: list[dict]) -> list[dict]:
    """Highest service risk first (then the larger shortfall, then the older rule); each gets its rank."""
    ordered = sorted(items, key=lambda i: (-i["risk"]["score"], -(i["minimum"] - i["forecast"]), i["orderpoint_id"]))
    return [{"rank": index, **item} for index, item in enumerate(ordered, start=1)]


def _valid_seller(line: dict, company_id: int | None, product_id: int | None, today: str) -> bool:
    """A supplier line Odoo would use for this company and variant today (`_select_seller` without quantity)."""
    if line.get("company_id") and _id(line.get("company_id")) != company_id:
        return False
    if line.get("product_id") and _id(line.get("product_id")) != product_id:
        return False
    if line.get("date_start") and str(line["date_start"])[:10] > today:
        return False
    return not (line.get("date_end") and str(line["date_end"])[:10] < today)


def preferred_supplier(sellers: list[dict], company_id: int | None, product_id: int | None,
                       today: str | None = None) -> dict | None:
    """The first supplier line (Odoo's order) valid for the company and the variant, with its vendor's classes."""
    today = today or date.today().isoformat()
    line = next((s for s in sellers if s.get("partner_id") and _valid_seller(s, company_id, product_id, today)), None)
    if line is None:
        return None
    partner = line["partner_id"]
    commercial = partner.get("commercial_partner_id") or partner
    tags = [{"name": t.get("name"), "parent_id": t.get("parent_id") and [t["parent_id"]["id"],
                                                                         _name(t["parent_id"])]}
            for t in commercial.get("category_id") or []]
    classes = vendor_classes(tags)
    currency = line.get("currency_id") or {}
    places = currency.get("decimal_places")
    return {"supplierinfo_id": line["id"], "vendor_id": partner["id"], "vendor": _name(partner),
            "commercial_vendor_id": commercial.get("id"), "classes": classes, "approved": APPROVED_CLASS in classes,
            "price": _number(line.get("price")), "min_qty": _number(line.get("min_qty")),
            "delay": int(_number(line.get("delay"))), "currency": currency.get("name"),
            "currency_decimals": places if isinstance(places, int) and not isinstance(places, bool) else 2}


def free_stock(bundle: dict) -> list[dict]:
    """The other warehouses of the company: free quantity in their stock location, their own minimum, and spare."""
    free: dict[int, float] = {}
    stock_of = {w["id"]: m2o_id(w.get("lot_stock_id")) for w in bundle["warehouses"]}
    for quant in bundle["quants"]:
        warehouse = m2o_id(quant.get("warehouse_id"))
        if warehouse in stock_of:
            free[warehouse] = free.get(warehouse, 0.0) + _number(quant.get("quantity")) - _number(
                quant.get("reserved_quantity"))
    minimum = {}
    for rule in bundle["rules"]:
        warehouse = m2o_id(rule.get("warehouse_id"))
        minimum[warehouse] = minimum.get(warehouse, 0.0) + _number(rule.get("product_min_qty"))
    sources = []
    for warehouse in bundle["warehouses"]:
        available = round(free.get(warehouse["id"], 0.0), 6)
        own_min = minimum.get(warehouse["id"])
        sources.append({"warehouse_id": warehouse["id"], "warehouse": warehouse.get("name"),
                        "location_id": stock_of[warehouse["id"]],
                        "picking_type_id": m2o_id(warehouse.get("int_type_id")),
                        "free_qty": available, "own_minimum": own_min,
                        "spare": round(max(available - (own_min or 0.0), 0.0), 6)})
    return sources


NOTHING = {"kind": NONE, "quantity": 0.0, "covers": False, "from_warehouse_id": None, "from_warehouse": None,
           "from_location_id": None, "from_picking_type_id": None, "unit_cost": 0.0, "value": 0.0,
           "vendor_id": None, "vendor": None}


def propose(to_order: float, sources: list[dict], supplier: dict | None, unit_cost: float, places: int) -> dict:
    """A transfer from the warehouse with the most spare stock (up to what is needed), else an RFQ to the
    preferred vendor (at least its minimum quantity), else nothing."""
    if to_order <= EPSILON:
        return dict(NOTHING)
    best = max((s for s in sources if s["spare"] > EPSILON), key=lambda s: (s["spare"], -s["warehouse_id"]),
               default=None)
    if best is not None:
        quantity = min(to_order, best["spare"])
        return {**NOTHING, "kind": TRANSFER, "quantity": quantity, "covers": quantity >= to_order - EPSILON,
                "from_warehouse_id": best["warehouse_id"], "from_warehouse": best["warehouse"],
                "from_location_id": best["location_id"], "from_picking_type_id": best["picking_type_id"],
                "unit_cost": unit_cost, "value": round(quantity * unit_cost, places)}
    if supplier is not None:
        quantity = max(to_order, supplier["min_qty"])
        return {**NOTHING, "kind": RFQ, "quantity": quantity, "covers": True, "unit_cost": supplier["price"],
                "vendor_id": supplier["vendor_id"], "vendor": supplier["vendor"],
                "value": round(quantity * supplier["price"], supplier["currency_decimals"])}
    return dict(NOTHING)


def build_replenishment_facts(bundle: dict, today: date | None = None) -> dict:
    """The facts the replenishment-exception policy decides on, from `read_orderpoint_bundle`'s answer."""
    row = bundle["orderpoint"]
    product, warehouse = row.get("product_id") or {}, row.get("warehouse_id") or {}
    company = row.get("company_id") or {}
    currency = company.get("currency_id") or {}
    places = currency.get("decimal_places") if isinstance(currency.get("decimal_places"), int) else 2
    unit = row.get("product_uom") or {}
    rounding = _number(unit.get("rounding")) or 0.01
    minimum, maximum = _number(row.get("product_min_qty")), _number(row.get("product_max_qty"))
    forecast, on_hand = _number(row.get("qty_forecast")), _number(row.get("qty_on_hand"))
    to_order = quantity_to_order(minimum, maximum, forecast, _number(row.get("qty_multiple")), rounding)
    supplier = preferred_supplier(product.get("seller_ids") or [], company.get("id"), product.get("id"),
                                  (today or date.today()).isoformat())
    sources = free_stock(bundle)
    unit_cost = _number(product.get("standard_price"))
    proposal = propose(to_order, sources, supplier, unit_cost, places)
    seen = demand(bundle["moves"], product.get("id"), warehouse.get("id"))
    login = bundle.get("integration_login")
    return {
        "orderpoint": {
            "id": row["id"],
            "name": f"{row.get('name')}: {_name(product) or 'product'} @ {_name(row.get('location_id'))}",
            "reference": row.get("name"), "state": rule_state(row, today), "trigger": row.get("trigger"),
            "company_id": company.get("id"), "company": _name(company), "write_date": row.get("write_date") or None,
            "product_id": product.get("id"), "product": _name(product), "warehouse_id": warehouse.get("id"),
            "warehouse": _name(warehouse), "location_id": _id(row.get("location_id")),
            "location": _name(row.get("location_id")), "receipt_type_id": m2o_id(warehouse.get("in_type_id")),
            "unit": _name(unit), "unit_id": unit.get("id"), "currency": currency.get("name"),
            "currency_decimals": places,
        },
        "shortfall": {
            "minimum": minimum, "maximum": maximum, "forecast": forecast, "on_hand": on_hand,
            "quantity": round(max(minimum - forecast, 0.0), 6), "to_order": to_order,
            "odoo_qty_to_order": _number(row.get("qty_to_order")),  # Odoo's stored value, as it shows (may be stale)
        },
        "sources": sources,
        "supplier": supplier,
        "proposal": proposal,
        "demand": seen,
        "risk": risk(minimum, forecast, on_hand, seen),
        "site": {"company_id": company.get("id"), "warehouse_id": warehouse.get("id")},
        # Nobody in Odoo asked: the scan did, as the integration user (who never approves).
        "requested_by": {"user_id": None, "login": login},
    }
