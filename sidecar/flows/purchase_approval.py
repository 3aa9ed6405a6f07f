"""Purchase approval: purchase orders Odoo put in `to approve` are approved (button_approve), sent to
approvers by tier, or rejected (button_cancel), with the decision's reasons in the chatter.

Odoo 17 (purchase/models/purchase_order.py) puts an RFQ in `to approve` on button_confirm when its
company's `po_double_validation` is `two_step`, its total reaches `po_double_validation_amount`
and the confirming user is not a purchase manager. Set that amount to 0 and every order a buyer
confirms comes here: this flow's policy (amount tiers per site, vendor class, product category)
replaces Odoo's single company-wide threshold.
"""
from __future__ import annotations

from sidecar.flows import messages
from sidecar.flows.registry import Flow
from sidecar.flows.writebacks import approval_requests, decided_on
from sidecar.odoo.purchase import PURCHASE_ORDER, read_purchase_bundle
from sidecar.transform.purchase_order import build_purchase_facts

NAME = "purchase-approval"
MODEL = PURCHASE_ORDER
EVENT_TYPE = "purchase_order.approval_requested"
CONTRACT = "purchase_order.approval_requested.v1"
FACTS_CONTRACT = "purchase_order.approval_facts.v1"
POLICY_FILE = "purchase-approval.json"
DECIDABLE_STATES = ("to approve",)
PASSING_OUTCOME = "approve_now"  # the policy's decision.pass_outcome: nothing asks for a person
WORDS = messages.Wording(title="Purchase", document="purchase order", approved="approved")  # its approval notes
TITLES = {"approve": "Purchase approval: approval needed", "reject": "Purchase approval: rejected"}


def read_purchase_facts(services, order_id: int) -> dict:
    """The purchase order's approval facts, read from Odoo (never from the event body)."""
    return build_purchase_facts(read_purchase_bundle(services.odoo, order_id))


def decision_message(decision: dict) -> str:
    """Chatter note explaining a purchase-approval decision: outcome, approver, every rule's result, policy."""
    return messages.decision_note(TITLES.get(decision["outcome"], "Purchase approval: approved"), decision)


def _on_order(order: dict, payload: dict) -> dict:
    return {"order_id": order["id"], "model": MODEL, **payload}


def _acting(order: dict) -> dict:
    return _on_order(order, {"decided_on": decided_on(order)})


def purchase_writebacks(facts: dict, decision: dict, notices: list[dict] = ()) -> list[tuple[str, dict]]:
    """The write-backs a fresh decision queues: the note, then approve, cancel, or the approver's activity and links."""
    order = facts["order"]
    note = _on_order(order, {"body": decision_message(decision)})
    if decision["outcome"] == "reject":
        return [("post_message", note), ("cancel_purchase", _acting(order))]
    if decision["outcome"] != "approve":
        return [("post_message", note), ("approve_purchase", _acting(order))]
    return [("post_message", note), *approval_requests(
        _acting(order), decision, notices, messages.activity_summary(order["name"], WORDS))]


def on_approved(facts: dict) -> list[tuple[str, dict]]:
    """Every tier approved: Odoo approves the order as the approvers saw it."""
    order = facts["order"]
    return [("approve_purchase", _acting(order))]


def on_rejected(facts: dict) -> list[tuple[str, dict]]:
    """An approver rejected: Odoo cancels the order (button_cancel)."""
    order = facts["order"]
    return [("cancel_purchase", _acting(order))]


FLOW = Flow(
    name=NAME,
    model=MODEL,
    event_type=EVENT_TYPE,
    contract=CONTRACT,
    policy_file=POLICY_FILE,
    decidable_states=DECIDABLE_STATES,
    read_facts=read_purchase_facts,
    writebacks=purchase_writebacks,
    on_approved=on_approved,
    on_rejected=on_rejected,
    passing_outcome=PASSING_OUTCOME,
    words=WORDS,
    label="approval",
    undecidable_message="{name} is in state '{state}': purchase approval decides only orders waiting 'to approve'",
)
