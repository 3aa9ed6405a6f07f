"""Vendor-bill match: a draft vendor bill is matched three ways, line by line, with the purchase order
lines it bills and what was received; a matching bill is posted (action_post), any other is held in
draft for finance with the failing lines in the chatter and an activity.

"Held" is the shared `approve` outcome routed to finance: finance approving posts the bill as it
was decided; finance rejecting leaves it in draft (the note says why). A rejection does not cancel
the bill: Odoo's `button_cancel` would drop the vendor's document from the purchase order's billed
quantities, while a held bill usually waits for a corrected quantity, price or credit note.

Submission is explicit (sidecar/odoo/match_request.py): the "Request match" action marks the bill
with a "Match requested" activity, which the policy's intake domain asks Odoo for. Whatever the
outcome, the decision removes that marker (`clear_match_request`): it means "waiting for a match".
"""
from __future__ import annotations

from sidecar.flows import messages
from sidecar.flows.registry import Flow
from sidecar.flows.writebacks import approval_requests, decided_on
from sidecar.odoo.vendor_bill import ACCOUNT_MOVE, read_bill_bundle
from sidecar.transform.vendor_bill import build_bill_facts

NAME = "vendor-bill-match"
MODEL = ACCOUNT_MOVE
EVENT_TYPE = "vendor_bill.match_requested"
CONTRACT = "vendor_bill.match_requested.v1"
FACTS_CONTRACT = "vendor_bill.match_facts.v1"
POLICY_FILE = "vendor-bill-match.json"
DECIDABLE_STATES = ("draft",)
PASSING_OUTCOME = "post"  # the policy's decision.pass_outcome: the bill matches, Odoo posts it
WORDS = messages.Wording(title="Bill", document="vendor bill", approved="posted")
TITLES = {"approve": "Vendor bill match: held for finance", "reject": "Vendor bill match: rejected"}


def read_bill_facts(services, bill_id: int) -> dict:
    """The vendor bill's match facts, read from Odoo (never from the event body)."""
    return build_bill_facts(read_bill_bundle(services.odoo, bill_id))


def _num(value: float) -> str:
    return f"{value:g}"


def line_discrepancy(line: dict) -> str | None:
    """What a bill line bills beyond its purchase order line and receipt; None when nothing."""
    if not line.get("matched"):
        return f"{line['label']}: bills no purchase order line ({_num(line['quantity'])} x {line['price_unit']:.2f})"
    found = []
    if line.get("qty_deviation", 0) > 1e-9:
        found.append(f"billed {_num(line['quantity'])}, received and not yet billed {_num(line['billable'])} "
                     f"(+{_num(line['qty_deviation'])}, {line['qty_deviation_amount']:.2f}, "
                     f"{line['qty_deviation_percent']:.1f} %)")
    if line.get("price_deviation", 0) > 1e-9:
        found.append(f"unit price {line['price_unit']:.2f} for {line['po_price_unit']:.2f} ordered "
                     f"(+{line['price_deviation_amount']:.2f}, {line['price_deviation_percent']:.1f} %)")
    return f"{line['label']} ({line['order']}): " + "; ".join(found) if found else None


def decision_message(decision: dict, facts: dict) -> str:
    """Chatter note: outcome, finance approver, every rule's result, the lines billing beyond PO and receipt, policy."""
    deviations = [text for text in map(line_discrepancy, facts.get("lines") or []) if text]
    details = ["Lines billing beyond the purchase order and receipt:", *(f"- {text}" for text in deviations)]
    return messages.decision_note(TITLES.get(decision["outcome"], "Vendor bill match: matched, posted"), decision,
                                  details if deviations else [])


def _on_bill(bill: dict, payload: dict) -> dict:
    return {"order_id": bill["id"], "model": MODEL, **payload}


def _acting(bill: dict) -> dict:
    return _on_bill(bill, {"decided_on": decided_on(bill)})


def bill_writebacks(facts: dict, decision: dict, notices: list[dict] = ()) -> list[tuple[str, dict]]:
    """A fresh decision's write-backs: the note, the request marker removed, then post the bill, or finance's
    activity and links."""
    bill = facts["bill"]
    operations = [("post_message", _on_bill(bill, {"body": decision_message(decision, facts)})),
                  ("clear_match_request", _on_bill(bill, {"decided_write_date": bill.get("write_date")}))]
    if decision["outcome"] == "reject":
        return operations  # the bill stays in draft: the note says why
    if decision["outcome"] != "approve":
        return operations + [("post_bill", _acting(bill))]
    return operations + approval_requests(
        _acting(bill), decision, notices, f"Review held vendor bill {bill.get('name') or bill['id']}")


def on_approved(facts: dict) -> list[tuple[str, dict]]:
    """Finance accepted the held bill: Odoo posts it as finance saw it."""
    return [("post_bill", _acting(facts["bill"]))]


def on_rejected(facts: dict) -> list[tuple[str, dict]]:
    """Finance refused the held bill: it stays in draft (the shared note says so); nothing else is done."""
    return []


FLOW = Flow(
    name=NAME,
    model=MODEL,
    event_type=EVENT_TYPE,
    contract=CONTRACT,
    policy_file=POLICY_FILE,
    decidable_states=DECIDABLE_STATES,
    read_facts=read_bill_facts,
    writebacks=bill_writebacks,
    on_approved=on_approved,
    on_rejected=on_rejected,
    passing_outcome=PASSING_OUTCOME,
    words=WORDS,
    label="match",
    document_key="bill",
    acting_operations=("post_bill",),
    undecidable_message="{name} is in state '{state}': vendor-bill match decides only draft vendor bills",
)
