"""The replenishment scan: reorder rules below their minimum, ranked by service risk, each with the event that
decides it through the pipeline (n8n posts each to POST /v1/events).

Two Odoo calls: the candidate rules (the policy's intake domain, with their live forecast), then the customer
moves of their products (demand). A rule is below its minimum when Odoo's forecast is below its minimum (see
sidecar/transform/replenishment.py). The scan decides nothing and records nothing: it reads. A rule with a
decision of this flow in flight gets no event (`in_flight`). Otherwise its event's id names the rule and the
shortfall it shows (forecast, minimum, maximum): the same shortfall is the same event, which the pipeline
answers again without deciding twice (a rejected proposal is not proposed again until the shortfall moves),
while a changed shortfall is a new event.
"""
from __future__ import annotations

from sidecar import contracts
from sidecar.errors import DependencyDown
from sidecar.flows import pipeline, registry
from sidecar.flows.replenishment_exception import EVENT_TYPE, FLOW
from sidecar.odoo.errors import OdooError
from sidecar.odoo.replenishment import customer_moves, search_orderpoints, since
from sidecar.services import Services
from sidecar.store import releases
from sidecar.transform.replenishment import BELOW, rank, rule_state, scan_item

DEFAULT_LIMIT = 200
SOURCE = "replenishment-scan"


def event_for(item: dict) -> dict:
    """The event that decides one ranked rule; its id changes only when the rule's shortfall does."""
    shortfall = f"{item['forecast']:g}:{item['minimum']:g}:{item['maximum']:g}"
    data = {"_model": FLOW.model, "_id": item["orderpoint_id"], "name": item["name"],
            "qty_forecast": item["forecast"], "product_min_qty": item["minimum"]}
    if item.get("write_date"):
        data["write_date"] = item["write_date"]
    return {"id": f"replenishment:{item['orderpoint_id']}:{shortfall}", "type": EVENT_TYPE, "source": SOURCE,
            "data": data}


def scan(services: Services, body: dict) -> dict:
    """Rank the reorder rules below their minimum (highest service risk first), each with its event."""
    contracts.validate("replenishment_scan_request.v1", body)
    domain = list(pipeline.intake_domain(registry.policy_for(services, FLOW)))
    for key in ("company_id", "warehouse_id"):
        if body.get(key):
            domain.append((key, "=", body[key]))
    try:
        rows = search_orderpoints(services.odoo, domain, body.get("limit", DEFAULT_LIMIT))
        below = [row for row in rows if rule_state(row) == BELOW]
        moves = customer_moves(services.odoo, [item["product_id"][0] for item in below if item.get("product_id")],
                               since())
    except OdooError as err:
        raise DependencyDown(f"Odoo could not be searched: {err.message}", code=err.category) from err
    with services.db.read() as conn:
        in_flight = set(releases.in_flight_order_ids(conn, FLOW.name, FLOW.model))
    items = []
    for item in rank([scan_item(row, moves) for row in below]):
        busy = item["orderpoint_id"] in in_flight
        items.append({**item, "in_flight": busy, "event": None if busy else event_for(item)})
    return {"checked": len(rows), "below_minimum": len(items), "items": items}
