"""Write-backs of the replenishment-exception flow: the decided internal transfer or draft RFQ, created once.

Each carries the job's ref in the document's `origin` ("OP/00012 (Ref: <ref>)"), so a replayed job finds
what it made and does nothing more. Before creating, each reads the reorder rule again and refuses (the
decision is superseded and decided again) when its forecast, minimum or maximum moved since the decision.
"""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, VALIDATION, OdooError
from sidecar.odoo.gateway import OdooGateway, company_context
from sidecar.odoo.replenishment import ORDERPOINT

PICKING, PURCHASE = "stock.picking", "purchase.order"
APPLIED, ALREADY_DONE = "applied", "already_done"  # as sidecar/odoo/writeback.py says them
SHORTFALL_FIELDS = {"forecast": "qty_forecast", "minimum": "product_min_qty", "maximum": "product_max_qty"}
RPC_COUNT = {"create_transfer": 5, "create_rfq": 4}


def origin(reference: str | None, ref: str) -> str:
    """The Source Document of what a job creates: the reorder rule's name and the job's ref."""
    return f"{reference or 'Reorder rule'} (Ref: {ref})"


def _require(payload: dict) -> tuple[int, str, dict, dict, int | None]:
    missing = [key for key in ("order_id", "ref", "orderpoint", "proposal", "shortfall") if not payload.get(key)]
    if missing:
        raise OdooError(VALIDATION, f"write-back payload lacks {', '.join(missing)}")
    company = (payload.get("decided_on") or {}).get("company_id")
    return payload["order_id"], payload["ref"], payload["orderpoint"], payload["proposal"], company


def _found(gateway: OdooGateway, model: str, source: str, company: int | None) -> dict | None:
    rows = gateway.search_read(model, [("origin", "=", source)], ["name", "state"], limit=1,
                               context=company_context(company))
    return rows[0] if rows else None


def check_shortfall(gateway: OdooGateway, orderpoint_id: int, payload: dict, company: int | None) -> None:
    """Refuse (Superseded) when the rule's forecast, minimum or maximum is no longer what the decision saw."""
    from sidecar.odoo.writeback import Superseded, _differs  # writeback imports this module for its OPERATIONS

    rows = gateway.search_read(ORDERPOINT, [("id", "=", orderpoint_id)], [*SHORTFALL_FIELDS.values(), "write_date"],
                               limit=1, context=company_context(company))
    if not rows:
        raise OdooError(RECORD_MISSING, f"{ORDERPOINT} {orderpoint_id} does not exist (archived or deleted)")
    decided = {odoo: payload["shortfall"][key] for key, odoo in SHORTFALL_FIELDS.items() if key in payload["shortfall"]}
    if any(_differs(value, rows[0].get(field)) for field, value in decided.items()):
        raise Superseded(orderpoint_id, decided, {field: rows[0].get(field) for field in [*decided, "write_date"]},
                         ORDERPOINT)


def create_transfer(gateway: OdooGateway, payload: dict) -> dict:
    """Create and confirm the internal transfer decided: the source warehouse's internal picking type, from its
    stock location to the rule's location (Odoo 17 moves stock between two warehouses of a company this way,
    without a transit location). A picking carrying the ref is the same one (confirmed if left in draft)."""
    orderpoint_id, ref, rule, proposal, company = _require(payload)
    context = company_context(company) or {}
    source = origin(rule.get("reference"), ref)
    existing = _found(gateway, PICKING, source, company)
    if existing:
        if existing["state"] == "draft":  # created, then the confirm did not happen: finish it
            gateway.execute(PICKING, "action_confirm", [existing["id"]], context=context)
            return {"effect": APPLIED, "order_id": orderpoint_id, "picking_id": existing["id"],
                    "name": existing["name"]}
        return {"effect": ALREADY_DONE, "order_id": orderpoint_id, "picking_id": existing["id"],
                "name": existing["name"], "state": existing["state"]}
    check_shortfall(gateway, orderpoint_id, payload, company)
    move = {"name": source, "product_id": rule["product_id"], "product_uom_qty": float(proposal["quantity"]),
            "product_uom": rule["unit_id"], "location_id": proposal["from_location_id"],
            "location_dest_id": rule["location_id"]}
    picking_id = gateway.execute(PICKING, "create", {
        "picking_type_id": proposal["from_picking_type_id"], "location_id": proposal["from_location_id"],
        "location_dest_id": rule["location_id"], "origin": source, "move_ids": [(0, 0, move)]}, context=context)
    gateway.execute(PICKING, "action_confirm", [picking_id], context=context)
    created = _found(gateway, PICKING, source, company) or {}
    return {"effect": APPLIED, "order_id": orderpoint_id, "picking_id": picking_id, "name": created.get("name"),
            "state": created.get("state")}


def create_rfq(gateway: OdooGateway, payload: dict) -> dict:
    """Create the draft RFQ decided, to the preferred vendor, received at the rule's warehouse, its line linked to
    the rule (`orderpoint_id`, as Odoo's own replenishment links it: the draft then counts in the rule's forecast).
    Left as an RFQ for the buyer. An order carrying the ref is the same one."""
    orderpoint_id, ref, rule, proposal, company = _require(payload)
    source = origin(rule.get("reference"), ref)
    existing = _found(gateway, PURCHASE, source, company)
    if existing:
        return {"effect": ALREADY_DONE, "order_id": orderpoint_id, "purchase_order_id": existing["id"],
                "name": existing["name"], "state": existing["state"]}
    check_shortfall(gateway, orderpoint_id, payload, company)
    line = {"product_id": rule["product_id"], "product_qty": float(proposal["quantity"]),
            "product_uom": rule["unit_id"], "price_unit": float(proposal["unit_cost"]), "orderpoint_id": orderpoint_id}
    vals = {"partner_id": proposal["vendor_id"], "origin": source, "order_line": [(0, 0, line)]}
    if company:
        vals["company_id"] = company
    if rule.get("receipt_type_id"):
        vals["picking_type_id"] = rule["receipt_type_id"]
    order_id = gateway.execute(PURCHASE, "create", vals, context=company_context(company) or {})
    created = _found(gateway, PURCHASE, source, company) or {}
    return {"effect": APPLIED, "order_id": orderpoint_id, "purchase_order_id": order_id, "name": created.get("name"),
            "state": created.get("state")}


OPERATIONS = {"create_transfer": create_transfer, "create_rfq": create_rfq}
