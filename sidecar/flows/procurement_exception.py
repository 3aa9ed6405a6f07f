"""Procurement exception: a draft RFQ sent to the procurement check is compared, line by line, with the
agreement it names (a blanket order) or the vendor's prices for the product, and with the product's
listed vendors; an RFQ within its agreement, or within tolerance for an approved vendor, is confirmed
(button_confirm), others go to a procurement manager or are rejected (button_cancel), with the deviating
lines and the reasons in the chatter. The "Procurement check" activity that submitted it is then closed.
"""
from __future__ import annotations

from sidecar.flows import messages
from sidecar.flows.registry import Flow
from sidecar.flows.writebacks import approval_requests, decided_on
from sidecar.odoo.procurement import read_procurement_bundle
from sidecar.odoo.purchase import PURCHASE_ORDER
from sidecar.transform.procurement import build_procurement_facts

NAME = "procurement-exception"
MODEL = PURCHASE_ORDER
EVENT_TYPE = "purchase_order.procurement_check_requested"
CONTRACT = "purchase_order.procurement_check_requested.v1"
FACTS_CONTRACT = "purchase_order.procurement_facts.v1"
POLICY_FILE = "procurement-exception.json"
DECIDABLE_STATES = ("draft", "sent")
PASSING_OUTCOME = "confirm"  # the policy's decision.pass_outcome: the RFQ keeps to its agreement
WORDS = messages.Wording(title="Procurement exception", document="request for quotation", approved="confirmed")
TITLES = {"approve": "Procurement check: approval needed", "reject": "Procurement check: rejected"}


def read_procurement_facts(services, order_id: int) -> dict:
    """The RFQ's procurement facts, read from Odoo (never from the event body)."""
    return build_procurement_facts(read_procurement_bundle(services.odoo, order_id))


def _num(value: float) -> str:
    return f"{value:g}"


def line_deviation(line: dict, currency: str | None = None) -> str | None:
    """What a line does beyond its agreement (price, quantity, vendor); None when nothing."""
    found = []
    if not line.get("vendor_listed"):
        found.append("the vendor is not among the product's vendors")
    if line.get("off_agreement"):
        found.append(f"no agreed price: {line.get('off_agreement_reason')}")
    if (line.get("price_deviation") or 0) > 1e-9:
        found.append(f"unit price {line['price_unit']:.2f} for {line['agreed_price']:.2f} agreed ({line['agreement']}; "
                     f"+{line['price_deviation_amount']:.2f}{' ' + currency if currency else ''}, "
                     f"{line['price_deviation_percent']:.1f} %)")
    if (line.get("qty_beyond") or 0) > 1e-9:
        found.append(f"{_num(line['quantity'])} ordered, the agreement {line['agreement']} still allows "
                     f"{_num(line['remaining'])} (+{_num(line['qty_beyond'])}, {line['qty_beyond_percent']:.1f} %)")
    return f"{line.get('product')}: " + "; ".join(found) if found else None


def decision_message(decision: dict, facts: dict) -> str:
    """Chatter note: outcome, approver, every rule's result, the lines deviating from their agreement, policy."""
    currency = (facts.get("order") or {}).get("currency")
    deviations = [text for text in (line_deviation(line, currency) for line in facts.get("lines") or []) if text]
    details = ["Lines deviating from their agreement:", *(f"- {text}" for text in deviations)]
    return messages.decision_note(TITLES.get(decision["outcome"], "Procurement check: within agreement, confirmed"),
                                  decision, details if deviations else [])


def _on_order(order: dict, payload: dict) -> dict:
    return {"order_id": order["id"], "model": MODEL, **payload}


def _acting(order: dict) -> dict:
    return _on_order(order, {"decided_on": decided_on(order)})


def _decided(order: dict, what: str) -> tuple[str, dict]:
    """Close the RFQ's "Procurement check" marker once its outcome is in Odoo."""
    return "close_procurement_check", _on_order(order, {"feedback": f"Procurement check: {what}"})


def procurement_writebacks(facts: dict, decision: dict, notices: list[dict] = ()) -> list[tuple[str, dict]]:
    """A fresh decision's write-backs: the note, then confirm or cancel (and close the marker), or the manager's
    activity and links."""
    order = facts["order"]
    note = ("post_message", _on_order(order, {"body": decision_message(decision, facts)}))
    if decision["outcome"] == "reject":
        return [note, ("cancel_rfq", _acting(order)), _decided(order, "rejected")]
    if decision["outcome"] != "approve":
        return [note, ("confirm_rfq", _acting(order)), _decided(order, "within agreement, confirmed")]
    return [note, *approval_requests(_acting(order), decision, notices,
                                     messages.activity_summary(order["name"], WORDS))]


def on_approved(facts: dict) -> list[tuple[str, dict]]:
    """The procurement manager approved the deviation: Odoo confirms the RFQ as the manager saw it."""
    order = facts["order"]
    return [("confirm_rfq", _acting(order)), _decided(order, "deviation approved, confirmed")]


def on_rejected(facts: dict) -> list[tuple[str, dict]]:
    """The procurement manager refused the deviation: Odoo cancels the RFQ (button_cancel)."""
    order = facts["order"]
    return [("cancel_rfq", _acting(order)), _decided(order, "deviation rejected, cancelled")]


FLOW = Flow(
    name=NAME,
    model=MODEL,
    event_type=EVENT_TYPE,
    contract=CONTRACT,
    policy_file=POLICY_FILE,
    decidable_states=DECIDABLE_STATES,
    read_facts=read_procurement_facts,
    writebacks=procurement_writebacks,
    on_approved=on_approved,
    on_rejected=on_rejected,
    passing_outcome=PASSING_OUTCOME,
    words=WORDS,
    label="procurement check",
    acting_operations=("confirm_rfq", "cancel_rfq"),
    undecidable_message="{name} is in state '{state}': the procurement check decides only requests for quotation "
                        "(draft or sent)",
)
