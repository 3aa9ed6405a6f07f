"""Inventory adjustment: a counted stock.quant is applied in Odoo (action_apply_inventory) when the policy
passes or once approved, sent to approvers by variance tier, or its count reset when rejected.

The document is one `stock.quant` whose count is set: Odoo 17 (stock/models/stock_quant.py) sets
`inventory_quantity_set` when `inventory_quantity` is written and computes `inventory_diff_quantity`
(counted minus on hand); `action_apply_inventory` moves the difference to or from the product's
inventory-loss location (only a stock manager may: `_apply_inventory`) and clears the count;
`action_clear_inventory_quantity` clears it without a move. An event names the quant by `_id`; the
intake domain `inventory_quantity_set = True` says "counted and waiting", and the facts call that
state "counted". stock.quant has no chatter: the decision's notes, activities and approver notices
go on the quant's product (product.product, which has one), see sidecar/odoo/writeback.py.
Segregation of duties: the requester is who set the count (the quant's committed write_uid); the
approval tiers never let a requester approve (write-offs included).
"""
from __future__ import annotations

from sidecar.advisory import advise, advisor_for, piece
from sidecar.flows import messages
from sidecar.flows.registry import Flow
from sidecar.flows.writebacks import approval_requests, decided_on
from sidecar.odoo.inventory import STOCK_QUANT, read_adjustment_history, read_quant_bundle
from sidecar.transform.stock_quant import COUNTED, build_inventory_facts

NAME = "inventory-adjustment"
MODEL = STOCK_QUANT
EVENT_TYPE = "stock_quant.count_submitted"
CONTRACT = "stock_quant.count_submitted.v1"
POLICY_FILE = "inventory-adjustment.json"
DECIDABLE_STATES = (COUNTED,)
PASSING_OUTCOME = "apply_now"  # the policy's decision.pass_outcome: nothing asks for a person
WORDS = messages.Wording(title="Inventory adjustment", document="count", approved="applied")
TITLES = {"approve": "Inventory adjustment: approval needed", "reject": "Inventory adjustment: rejected",
          PASSING_OUTCOME: "Inventory adjustment: applied"}
HISTORY = 30  # the latest applied adjustments of the product at the location a count is compared with


def read_inventory_facts(services, quant_id: int) -> dict:
    """The counted quant's facts, read from Odoo (never from the event body)."""
    return build_inventory_facts(read_quant_bundle(services.odoo, quant_id))


def unusual_count(services, facts: dict) -> dict | None:
    """Advice when this count's variance is unusual against the product's latest adjustments at the location
    (robust z-score, read from Odoo's inventory moves in one call); None when it is usual or too few came before."""
    quant, variance = facts["quant"], facts["count"]["variance"]
    history = read_adjustment_history(services.odoo, quant["product_id"], quant["location_id"], quant["company_id"],
                                      HISTORY)
    values = [move["quantity"] for move in history] + [variance]
    labels = [f"move {move['move_id']} ({move['date']})" for move in history] + ["this count"]
    advice = advise(advisor_for(services.settings.advisory), "anomalies", {"values": values, "labels": labels})
    found = next((point for point in advice["result"]["anomalies"] if point["index"] == len(history)), None)
    if found is None:
        return None
    advice["check"] = {"subject": "this count's variance", "unusual": True, "value": variance, "z": found["z"],
                       "direction": found["direction"], "median": advice["result"]["median"],
                       "threshold": advice["result"]["threshold"], "unit": quant.get("unit"),
                       "compared_with": history}
    return advice


def advice_line(advice: dict) -> str:
    """One line for people: how unusual the count is against what came before, and that it decides nothing."""
    check = advice["check"]
    unit = f" {check['unit']}" if check.get("unit") else ""
    return (f"Advice ({advice['backend']}, decides nothing): this count is unusual for this product here: a variance "
            f"of {check['value']:g}{unit} against a median of {check['median']:g}{unit} over its last "
            f"{len(check['compared_with'])} adjustments (robust z {check['z']:g}, threshold {check['threshold']:g}).")


def decision_message(decision: dict) -> str:
    """Note explaining an inventory-adjustment decision: outcome, approvers, every rule's result, policy, advice."""
    check = piece(decision, "anomalies")
    lines = [advice_line(check)] if check and check.get("check") else []
    return messages.decision_note(TITLES.get(decision["outcome"], TITLES[PASSING_OUTCOME]), decision, lines)


def _on_quant(quant: dict, payload: dict) -> dict:
    return {"order_id": quant["id"], "model": MODEL, **payload}


def _acting(quant: dict) -> dict:
    return _on_quant(quant, {"decided_on": decided_on(quant), "counted": quant.get("counted")})


def inventory_writebacks(facts: dict, decision: dict, notices: list[dict] = ()) -> list[tuple[str, dict]]:
    """The write-backs a fresh decision queues: the note, then apply, reset, or the approver's activity and links."""
    quant = {**facts["quant"], "counted": facts["count"]["counted"]}
    note = _on_quant(quant, {"body": decision_message(decision)})
    if decision["outcome"] == "reject":
        return [("post_message", note), ("reset_inventory_count", _acting(quant))]
    if decision["outcome"] != "approve":
        return [("post_message", note), ("apply_inventory", _acting(quant))]
    target = _on_quant(quant, {"decided_on": decided_on(quant)})
    summary = messages.activity_summary(quant["name"], WORDS)
    return [("post_message", note), *approval_requests(target, decision, notices, summary)]


def on_approved(facts: dict) -> list[tuple[str, dict]]:
    """Every tier approved: Odoo applies the count the approvers saw."""
    return [("apply_inventory", _acting({**facts["quant"], "counted": facts["count"]["counted"]}))]


def on_rejected(facts: dict) -> list[tuple[str, dict]]:
    """An approver rejected: Odoo clears the count (action_clear_inventory_quantity), stock unchanged."""
    return [("reset_inventory_count", _acting({**facts["quant"], "counted": facts["count"]["counted"]}))]


FLOW = Flow(
    name=NAME,
    model=MODEL,
    event_type=EVENT_TYPE,
    contract=CONTRACT,
    policy_file=POLICY_FILE,
    decidable_states=DECIDABLE_STATES,
    read_facts=read_inventory_facts,
    writebacks=inventory_writebacks,
    on_approved=on_approved,
    on_rejected=on_rejected,
    passing_outcome=PASSING_OUTCOME,
    words=WORDS,
    label="inventory adjustment",
    document_key="quant",
    acting_operations=("apply_inventory", "reset_inventory_count"),
    decidable_domain=(("inventory_quantity_set", "=", True),),
    advice_check=unusual_count,
    undecidable_message="{name} is '{state}': inventory adjustment decides only quants whose count is set",
)
