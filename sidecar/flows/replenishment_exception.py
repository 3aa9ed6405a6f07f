"""Replenishment exception: a reorder rule (stock.warehouse.orderpoint) whose forecast is below its minimum gets a
proposal, decided by the policy and created in Odoo only once the policy allows it.

The proposal is an internal transfer from another warehouse of the same company with spare free stock
(free quantity in its stock location above its own minimum), else a draft RFQ to the preferred vendor (the
product's first supplier line valid for the company), else nothing: a planner then decides. A transfer is
created with the source warehouse's internal picking type and confirmed; an RFQ stays a draft for the buyer.
A rule has no chatter: the decision's notes, activities and approvers' notices go on its product
(CHATTER_OF in sidecar/odoo/writeback.py). The requester is the scan (the integration user), so every
person in the routes may approve. A rejected proposal leaves only the note.
"""
from __future__ import annotations

from sidecar.flows import messages
from sidecar.flows.registry import Flow
from sidecar.flows.writebacks import approval_requests, decided_on
from sidecar.odoo.replenishment import ORDERPOINT, read_orderpoint_bundle
from sidecar.transform.replenishment import BELOW, NONE, RFQ, TRANSFER, build_replenishment_facts

NAME = "replenishment-exception"
MODEL = ORDERPOINT
EVENT_TYPE = "replenishment.exception"
CONTRACT = "replenishment.exception.v1"
POLICY_FILE = "replenishment-exception.json"
DECIDABLE_STATES = (BELOW,)
PASSING_OUTCOME = "replenish"  # the policy's decision.pass_outcome: the proposal is created at once
WORDS = messages.Wording(title="Replenishment", document="replenishment proposal", approved="created")
TITLES = {"approve": "Replenishment exception: approval needed", "reject": "Replenishment exception: rejected",
          PASSING_OUTCOME: "Replenishment exception: proposal created"}
OPERATION = {TRANSFER: "create_transfer", RFQ: "create_rfq"}


def read_replenishment_facts(services, orderpoint_id: int) -> dict:
    """The reorder rule's facts, read from Odoo (never from the event body)."""
    return build_replenishment_facts(read_orderpoint_bundle(services.odoo, orderpoint_id))


def proposal_text(facts: dict) -> str:
    """The proposal in one line: what, how many, from where or whom, worth what."""
    proposal, rule = facts["proposal"], facts["orderpoint"]
    unit = rule.get("unit") or "units"
    if proposal["kind"] == TRANSFER:
        return (f"Proposal: transfer {proposal['quantity']:g} {unit} from {proposal['from_warehouse']} to "
                f"{rule['location']} (worth {proposal['value']:.2f} {rule.get('currency') or ''} at cost)")
    if proposal["kind"] == RFQ:
        supplier = facts["supplier"]
        return (f"Proposal: RFQ to {proposal['vendor']} for {proposal['quantity']:g} {unit} at "
                f"{proposal['unit_cost']:.2f} ({proposal['value']:.2f} {supplier.get('currency') or ''})")
    return "Proposal: none (no other warehouse of the company has spare stock and no vendor is valid for it)"


def decision_message(decision: dict, facts: dict) -> str:
    """Note on the product: outcome, approvers, every rule's result, the shortfall, the proposal, risk, policy."""
    short, risk = facts["shortfall"], facts["risk"]
    details = [f"Reorder rule {facts['orderpoint']['reference']}: forecast {short['forecast']:g}, minimum "
               f"{short['minimum']:g}, maximum {short['maximum']:g}, to order {short['to_order']:g}",
               proposal_text(facts),
               f"Service risk {risk['score']:g}/100: "
               + "; ".join(f"{f['factor']} {f['points']:g} ({f['why']})" for f in risk["factors"])]
    return messages.decision_note(TITLES.get(decision["outcome"], TITLES[PASSING_OUTCOME]), decision, details)


def _on_rule(rule: dict, payload: dict) -> dict:
    return {"order_id": rule["id"], "model": MODEL, **payload}


def acting(facts: dict) -> list[tuple[str, dict]]:
    """The write-back that carries out the decided proposal (none when nothing was proposed)."""
    proposal, rule = facts["proposal"], facts["orderpoint"]
    if proposal["kind"] == NONE:
        return []
    short = facts["shortfall"]
    payload = {"decided_on": decided_on(rule),
               "shortfall": {"forecast": short["forecast"], "minimum": short["minimum"], "maximum": short["maximum"]},
               "orderpoint": {"reference": rule["reference"], "product_id": rule["product_id"],
                              "unit_id": rule["unit_id"], "location_id": rule["location_id"],
                              "receipt_type_id": rule["receipt_type_id"]},
               "proposal": {key: proposal[key] for key in ("kind", "quantity", "from_warehouse_id", "from_location_id",
                                                           "from_picking_type_id", "vendor_id", "unit_cost")}}
    if proposal["kind"] == RFQ:
        payload["proposal"]["currency"] = (facts["supplier"] or {}).get("currency")
    return [(OPERATION[proposal["kind"]], _on_rule(rule, payload))]


def replenishment_writebacks(facts: dict, decision: dict, notices: list[dict] = ()) -> list[tuple[str, dict]]:
    """A fresh decision's write-backs: the note, then the proposal created, or the approver's activity and links."""
    rule = facts["orderpoint"]
    operations = [("post_message", _on_rule(rule, {"body": decision_message(decision, facts)}))]
    if decision["outcome"] == "reject":
        return operations
    if decision["outcome"] != "approve":
        return operations + acting(facts)
    target = _on_rule(rule, {"decided_on": decided_on(rule)})
    summary = messages.activity_summary(rule["reference"] or rule["name"], WORDS)
    return operations + approval_requests(target, decision, notices, summary)


def on_approved(facts: dict) -> list[tuple[str, dict]]:
    """Approved: the proposal the approvers saw is created (nothing when none was proposed: the planner acts)."""
    return acting(facts)


def on_rejected(facts: dict) -> list[tuple[str, dict]]:
    """Rejected: nothing is created; the shared note says who rejected and why."""
    return []


FLOW = Flow(
    name=NAME,
    model=MODEL,
    event_type=EVENT_TYPE,
    contract=CONTRACT,
    policy_file=POLICY_FILE,
    decidable_states=DECIDABLE_STATES,
    read_facts=read_replenishment_facts,
    writebacks=replenishment_writebacks,
    on_approved=on_approved,
    on_rejected=on_rejected,
    passing_outcome=PASSING_OUTCOME,
    words=WORDS,
    label="replenishment",
    document_key="orderpoint",
    acting_operations=tuple(OPERATION.values()),
    decidable_domain=(("trigger", "=", "manual"),),
    found_by="POST /v1/replenishment/scan",  # only rules below their minimum; the intake domain holds them all
    undecidable_message="{name} is '{state}': replenishment exception decides only reorder rules below their minimum",
)
