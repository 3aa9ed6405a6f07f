"""Returns and claims: a customer's request to return goods of a delivered order, decided by value, refund,
reason code and customer tier; the return receipt (and a draft credit note for a refund) is made only once
the policy passes it or a customer-service manager approves.

The request comes from outside Odoo (a shop, a customer-service form, through n8n): its event names the
delivery (`stock.picking`, outgoing, done) and carries what is asked (lines, reason, resolution, the
customer's message). Everything else is read from Odoo (sidecar/odoo/returns.py); asking to return more
than was delivered and not yet returned is a 422 naming the line, nothing decided. Accepted or approved:
Odoo's return wizard makes the return receipt, and when a refund is asked and the delivery's sale order has
a posted invoice, Odoo's reversal wizard a draft credit note cut to the returned quantities
(sidecar/odoo/returns_writeback.py). Rejected: the note says why; nothing else changes. Notes, the approval's
activity and the approvers' notices go on the delivery's chatter, where its return and sale order link.
"""
from __future__ import annotations

from sidecar import advisory
from sidecar.flows import messages
from sidecar.flows.registry import Flow
from sidecar.flows.writebacks import approval_requests, decided_on
from sidecar.odoo.returns import STOCK_PICKING, read_return_bundle
from sidecar.transform.return_request import build_return_facts

NAME = "return-request"
MODEL = STOCK_PICKING
EVENT_TYPE = "return.requested"
CONTRACT = "return.requested.v1"
FACTS_CONTRACT = "return.request_facts.v1"
POLICY_FILE = "return-request.json"
DECIDABLE_STATES = ("done",)
PASSING_OUTCOME = "accept"  # the policy's decision.pass_outcome: the return is made at once
WORDS = messages.Wording(title="Return", document="return request", approved="accepted")
TITLES = {"approve": "Return request: approval needed", "reject": "Return request: rejected",
          PASSING_OUTCOME: "Return request: accepted"}
REQUEST_KEYS = ("reference", "reason", "resolution", "message")


def return_request(data: dict) -> dict:
    """The delivery the event names (no write moment: the request is not an Odoo change) and what is asked."""
    return {"id": data["picking_id"], "write_date": None, "lines": data["lines"],
            **{key: data.get(key) for key in REQUEST_KEYS}}


def event_data(flow: Flow, release: dict, current: dict) -> dict:
    """The same request again for a delivery that changed after its decision (from the decision's facts)."""
    asked = (release.get("facts") or {}).get("request") or {}
    data = {"picking_id": release["order_id"], "lines": asked.get("lines") or [],
            "reason": asked.get("reason"), "resolution": asked.get("resolution")}
    data.update({key: asked[key] for key in ("reference", "message") if asked.get(key) is not None})
    return data


def same_ask(in_flight: dict, facts: dict) -> bool:
    """Two requests for one delivery are the same when they ask the same lines, for the same reason and resolution
    (a shop sending its request again); another request waits until the one in flight is decided (409)."""
    before, now = in_flight.get("request") or {}, facts["request"]
    return all(before.get(key) == now.get(key) for key in ("lines", "reason", "resolution", "reference"))


def read_return_facts(services, picking_id: int, request: dict) -> dict:
    """The delivery's facts read from Odoo, with what the customer asks (422 when more is asked than can be)."""
    return build_return_facts(read_return_bundle(services.odoo, picking_id), request)


def _num(value: float) -> str:
    return f"{value:g}"


def details(facts: dict, outcome: str) -> list[str]:
    """What the note adds to the rules: the request, each line, what the write-backs make (or why not)."""
    asked, ret, refund = facts["request"], facts["return"], facts["refund"]
    currency = ret.get("currency") or ""
    head = f"Request {asked.get('reference') or ''}".rstrip()
    lines = [f"{head}: reason {asked.get('reason')}, resolution {asked.get('resolution')}"]
    if asked.get("message"):
        lines.append(f"Customer's message: {asked['message']}")
    for line in facts["lines"]:
        price = f" x {line['unit_price']:.2f} = {line['value']:.2f} {currency}" if line["priced"] else " (no sale line)"
        lines.append(f"- {line['product']}: return {_num(line['quantity'])} of {_num(line['delivered'])} delivered"
                     f" ({_num(line['returned_before'])} returned before){price}")
    if outcome == "reject":
        return lines + ["No return is made."]
    verb = "is made" if outcome == PASSING_OUTCOME else "will be made once approved"
    lines.append(f"A return receipt {verb} (Odoo's return wizard).")
    if refund["asked"] and refund["possible"]:
        lines.append(f"A draft credit note of {refund['invoice_name']} {verb} "
                     f"({refund['amount']:.2f} {currency} before tax).")
    elif refund["asked"]:
        lines.append(f"No credit note: {refund['why_not']}.")
    return lines


def customer_message(facts: dict) -> str | None:
    """The customer's own words: what advice classifies for the person handling the return."""
    return facts["request"].get("message")


def advice_line(advice: dict) -> str:
    """One line for people: what the message reads as, and that it decides nothing."""
    found = advice["result"]
    said = ("its category is unclear: read it" if found["needs_person"]
            else f"it reads as {found['category'].replace('_', ' ')} ({found['confidence']:.0%})")
    return f"Advice on the customer's message ({advice['backend']}, decides nothing): {said}."


def decision_message(decision: dict, facts: dict) -> str:
    """Chatter note: outcome, approver, every rule's result, the request and its lines, what is made, policy."""
    title = TITLES.get(decision["outcome"], TITLES[PASSING_OUTCOME])
    lines = details(facts, decision["outcome"])
    classified = advisory.piece(decision, "classify")  # an approval's summary may sit beside it
    if classified:
        lines.append(advice_line(classified))
    return messages.decision_note(title, decision, lines)


def _on_picking(picking: dict, payload: dict) -> dict:
    return {"order_id": picking["id"], "model": MODEL, **payload}


def making(facts: dict) -> list[tuple[str, dict]]:
    """The return receipt of the decided lines, then the credit note when a refund is asked and possible."""
    picking, refund = facts["picking"], facts["refund"]
    lines = [{"move_id": line["move_id"], "quantity": line["quantity"]} for line in facts["lines"]]
    operations = [("create_return", _on_picking(picking, {"decided_on": decided_on(picking), "lines": lines}))]
    if refund["asked"] and refund["possible"]:
        reference = facts["request"].get("reference")
        reason = f"Return {reference} of {picking['name']}" if reference else f"Return of {picking['name']}"
        operations.append(("create_credit_note", _on_picking(picking, {
            "decided_on": {"company_id": picking.get("company_id")}, "invoice_id": refund["invoice_id"],
            "lines": refund["lines"], "reason": reason})))
    return operations


def return_writebacks(facts: dict, decision: dict, notices: list[dict] = ()) -> list[tuple[str, dict]]:
    """A fresh decision's write-backs: the note, then the return (and credit note), or the manager's activity."""
    picking = facts["picking"]
    operations = [("post_message", _on_picking(picking, {"body": decision_message(decision, facts)}))]
    if decision["outcome"] == "reject":
        return operations
    if decision["outcome"] != "approve":
        return operations + making(facts)
    target = _on_picking(picking, {"decided_on": decided_on(picking)})
    return operations + approval_requests(target, decision, notices, messages.activity_summary(picking["name"], WORDS))


def on_approved(facts: dict) -> list[tuple[str, dict]]:
    """The manager accepted: the return (and credit note) as the manager saw it."""
    return making(facts)


def on_rejected(facts: dict) -> list[tuple[str, dict]]:
    """The manager refused: nothing is made (the shared note says so)."""
    return []


FLOW = Flow(
    name=NAME,
    model=MODEL,
    event_type=EVENT_TYPE,
    contract=CONTRACT,
    policy_file=POLICY_FILE,
    decidable_states=DECIDABLE_STATES,
    read_facts=read_return_facts,
    writebacks=return_writebacks,
    on_approved=on_approved,
    on_rejected=on_rejected,
    passing_outcome=PASSING_OUTCOME,
    words=WORDS,
    label="return",
    document_key="picking",
    request=return_request,
    reads_request=True,
    event_data=event_data,
    same_ask=same_ask,
    acting_operations=("create_return",),
    undecidable_message="{name} is in state '{state}': return requests are decided only for done deliveries",
    advice_text=customer_message,
)
