"""Write-back operations run by the outbox worker; each checks Odoo first so a replay takes no second effect."""
from __future__ import annotations

import html
import re
from datetime import date, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sidecar.odoo.errors import RECORD_MISSING, STATE_CONFLICT, VALIDATION, OdooError
from sidecar.odoo.gateway import ORDER, OdooGateway, company_context
from sidecar.odoo import match_request
from sidecar.odoo import price_change
from sidecar.odoo import returns_writeback
from sidecar.odoo.inventory import STOCK_QUANT
from sidecar.odoo.purchase import PURCHASE_ORDER
from sidecar.odoo import procurement_writeback
from sidecar.odoo import replenishment_writeback
from sidecar.odoo import sync_writeback
from sidecar.odoo.replenishment import ORDERPOINT
from sidecar.odoo.vendor_bill import ACCOUNT_MOVE
from sidecar.odoo.setup import TAG_NAME as SUBMISSION_TAG
from sidecar.values import utc_moment

APPLIED = "applied"
ALREADY_DONE = "already_done"
NOT_NEEDED = "not_needed"  # nothing left to do: e.g. an approval decided before its links were sent
ALREADY_CONFIRMED = "not in a state requiring confirmation"  # Odoo's UserError on a second action_confirm
REF_CHARS = r"[\w./:@+-]"  # characters an idempotency key may hold; a ref ends before any other
DECIDED_FIELDS = ("write_date", "amount_total")  # a confirm or cancel acts only while these are as decided
# Odoo calls each operation makes at most (the worker sizes its lease from them).
RPC_COUNT = {"confirm_order": 3, "cancel_order": 5, "post_message": 2, "schedule_activity": 7,
             "close_activity": 2, "notify_approver": 3, "approve_purchase": 3, "cancel_purchase": 3,
             "apply_inventory": 4, "reset_inventory_count": 3,
             "post_bill": 3, **returns_writeback.RPC_COUNT, **procurement_writeback.RPC_COUNT,
             **price_change.RPC_COUNT, **match_request.RPC_COUNT, **replenishment_writeback.RPC_COUNT,
             **sync_writeback.RPC_COUNT}
# Models without a chatter (no mail.thread): their notes, activities and notices go on the record a
# field names. stock.quant's go on its product (product.product has a chatter).
CHATTER_OF = {STOCK_QUANT: ("product.product", "product_id"), ORDERPOINT: ("product.product", "product_id")}
# Models without a `state` or `amount_total`: what a decision saw of them is only their write_date.
STATELESS = (STOCK_QUANT, price_change.PRODUCT_TEMPLATE, ORDERPOINT)
# Models with a `state` but no `amount_total`: a decision saw their state and write_date.
WITHOUT_AMOUNT = ("stock.picking",)
# Renders an approver's decision links at delivery time: (approval_id, approver, generation, expires_at)
# -> {"approve_url", "reject_url"}, or None when those links would no longer work. Tokens are
# credentials: they are never stored in a job.
LinkRenderer = Callable[..., dict | None]  # (approval_id, login, generation, expires_at, tier)


def _require(payload: dict, *keys: str) -> None:
    missing = [key for key in keys if payload.get(key) in (None, "")]
    if missing:
        raise OdooError(VALIDATION, f"write-back payload lacks {', '.join(missing)}")


def _order_id(payload: dict) -> int:
    _require(payload, "order_id")
    value = payload["order_id"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise OdooError(VALIDATION, f"order_id must be an integer, not {value!r}")
    return value


def text_to_html(text: str) -> str:
    """Plain text as safe HTML: escaped, newlines as <br/>."""
    lines = str(text).replace("\r\n", "\n").split("\n")
    return "<p>" + "<br/>".join(html.escape(line, quote=False) for line in lines) + "</p>"


def with_ref(text: str, ref: str) -> str:
    """The text followed by its visible reference line."""
    text = (text or "").rstrip()
    return f"{text}\n\nRef: {ref}" if text else f"Ref: {ref}"


def ref_needle(ref: str) -> str:
    """What an `ilike` search looks for: the reference line as stored in HTML."""
    return f"Ref: {html.escape(ref, quote=False)}"


def carries_ref(stored_html: str | bool, ref: str) -> bool:
    """True when stored HTML holds exactly this reference (not a longer one starting with it)."""
    pattern = re.escape(ref_needle(ref)) + f"(?!{REF_CHARS})"
    return bool(stored_html) and re.search(pattern, stored_html) is not None


def _model(payload: dict) -> str:
    """The document an operation writes on: `payload["model"]` (the job's, set when queued), a sales order by default."""
    model = payload.get("model") or ORDER
    if not isinstance(model, str) or not model.replace(".", "").replace("_", "").isalnum():
        raise OdooError(VALIDATION, f"write-back payload names no model: {model!r}")
    return model


def _thread(gateway: OdooGateway, payload: dict) -> tuple[str, int]:
    """The record whose chatter an operation on the payload's document writes: the document, or the one CHATTER_OF names."""
    model, doc_id = _model(payload), _order_id(payload)
    if model not in CHATTER_OF:
        return model, doc_id
    target, field = CHATTER_OF[model]
    rows = gateway.search_read(model, [("id", "=", doc_id)], [field], limit=1,
                               context=company_context(_company_id(payload)))
    if not rows or not rows[0].get(field):
        raise OdooError(RECORD_MISSING, f"{model} {doc_id} does not exist (its notes go on its {field})")
    value = rows[0][field]
    return target, value[0] if isinstance(value, (list, tuple)) else value


def _state_conflict(order_id: int, state: str, action: str) -> OdooError:
    return OdooError(STATE_CONFLICT, f"sale.order {order_id} is '{state}': cannot {action}", retryable=False)


class Superseded(Exception):
    """The order changed after the decision: acting now would act on facts nobody decided on."""

    def __init__(self, order_id: int, decided: dict, current: dict, model: str = ORDER):
        changed = ", ".join(f"{key} {decided[key]!r} -> {current.get(key)!r}" for key in decided
                            if _differs(decided[key], current.get(key)))
        super().__init__(f"{model} {order_id} changed since the decision ({changed})")
        self.order_id, self.decided, self.current = order_id, decided, current


def _differs(decided, current) -> bool:
    if isinstance(decided, (int, float)) and isinstance(current, (int, float)):
        return abs(float(decided) - float(current)) > 1e-9
    return decided != current


def _decided_on(payload: dict) -> dict:
    """What the decision saw (`write_date`, `amount_total`), as the job carries it."""
    expect = payload.get("decided_on") or {}
    return {key: expect[key] for key in DECIDED_FIELDS if expect.get(key) is not None}


def _company_id(payload: dict) -> int | None:
    """The company the decision saw the order in: every write on it runs there."""
    return (payload.get("decided_on") or {}).get("company_id")


def _order_now(gateway: OdooGateway, order_id: int, payload: dict) -> dict:
    """The order's state, plus what the decision saw when the job carries it (read in the order's company)."""
    decided, model = _decided_on(payload), _model(payload)
    if not decided and model == ORDER:
        return {"state": gateway.order_state(order_id)}
    fields = (["write_date"] if model in STATELESS else ["state", "write_date"] if model in WITHOUT_AMOUNT
              else ["state", *DECIDED_FIELDS])
    rows = gateway.search_read(model, [("id", "=", order_id)], fields, limit=1,
                               context=company_context(_company_id(payload)))
    if not rows:
        raise OdooError(RECORD_MISSING, f"{model} {order_id} does not exist")
    return rows[0]


def _check_still_decided(order_id: int, payload: dict, current: dict) -> None:
    decided = _decided_on(payload)
    if any(_differs(value, current.get(key)) for key, value in decided.items()):
        raise Superseded(order_id, decided, {key: current.get(key) for key in decided}, _model(payload))


def confirm_order(gateway: OdooGateway, payload: dict) -> dict:
    """Confirm a quotation still as decided; already confirmed counts as done, cancelled is a conflict."""
    order_id = _order_id(payload)
    current = _order_now(gateway, order_id, payload)
    state = current["state"]
    if state == "sale":
        return {"effect": ALREADY_DONE, "order_id": order_id, "state": state}
    if state == "cancel":
        raise _state_conflict(order_id, state, "confirm it")
    _check_still_decided(order_id, payload, current)
    try:
        gateway.confirm_order(order_id, company_id=_company_id(payload))
    except OdooError as err:
        if err.category != VALIDATION or ALREADY_CONFIRMED not in err.message:
            raise
        state = gateway.order_state(order_id)
        if state != "sale":
            raise _state_conflict(order_id, state, "confirm it") from err
        return {"effect": ALREADY_DONE, "order_id": order_id, "state": state}
    return {"effect": APPLIED, "order_id": order_id, "state": "sale"}


def cancel_order(gateway: OdooGateway, payload: dict) -> dict:
    """Cancel a quotation still as decided; a confirmed order is never cancelled from here.

    The submission tag comes off too: a cancelled order set back to quotation is not submitted
    until someone asks again, so reconciliation never decides it a second time on its own.
    """
    order_id = _order_id(payload)
    current = _order_now(gateway, order_id, payload)
    state = current["state"]
    if state == "cancel":
        gateway.withdraw_submission(order_id, SUBMISSION_TAG)
        return {"effect": ALREADY_DONE, "order_id": order_id, "state": state}
    if state == "sale":
        raise _state_conflict(order_id, state, "cancel a confirmed order")
    _check_still_decided(order_id, payload, current)
    # A sent quotation needs the wizard's own flag; the state check above keeps confirmed orders out.
    result = gateway.cancel_order(order_id, skip_warning=state == "sent", company_id=_company_id(payload))
    if result is not True:  # a wizard action: Odoo did not cancel
        state = gateway.order_state(order_id)
        if state != "cancel":
            raise _state_conflict(order_id, state, "cancel it")
    gateway.withdraw_submission(order_id, SUBMISSION_TAG)
    return {"effect": APPLIED, "order_id": order_id, "state": "cancel"}


def approve_purchase(gateway: OdooGateway, payload: dict) -> dict:
    """Approve a purchase order still waiting and as decided (button_approve, in its company).

    Odoo's button_approve checks no state (it would approve a cancelled order) and silently skips
    an order its caller may not approve (`_approval_allowed`: below the company's double-validation
    amount, or a purchase manager), answering {} either way: so the state is checked before, and
    again after, where "still to approve" means the integration user lacks Purchase / Administrator.
    """
    order_id = _order_id(payload)
    payload = {**payload, "model": PURCHASE_ORDER}
    current = _order_now(gateway, order_id, payload)
    state = current["state"]
    if state in ("purchase", "done"):
        return {"effect": ALREADY_DONE, "order_id": order_id, "state": state}
    if state != "to approve":
        raise OdooError(STATE_CONFLICT, f"{PURCHASE_ORDER} {order_id} is '{state}': cannot approve it", retryable=False)
    _check_still_decided(order_id, payload, current)
    gateway.execute(PURCHASE_ORDER, "button_approve", [order_id], context=company_context(_company_id(payload)) or {})
    state = _order_now(gateway, order_id, payload)["state"]
    if state == "to approve":
        raise OdooError(VALIDATION, f"Odoo did not approve {PURCHASE_ORDER} {order_id}: button_approve skips orders "
                        "its caller may not approve (the integration user needs Purchase / Administrator)",
                        retryable=False)
    return {"effect": APPLIED, "order_id": order_id, "state": state}


def cancel_purchase(gateway: OdooGateway, payload: dict) -> dict:
    """Cancel a purchase order not yet approved and as decided (button_cancel, in its company).

    Odoo's button_cancel also cancels an approved order and its receipts: an order already
    `purchase` or `done` is a conflict here, never cancelled by a decision.
    """
    order_id = _order_id(payload)
    payload = {**payload, "model": PURCHASE_ORDER}
    current = _order_now(gateway, order_id, payload)
    state = current["state"]
    if state == "cancel":
        return {"effect": ALREADY_DONE, "order_id": order_id, "state": state}
    if state in ("purchase", "done"):
        raise OdooError(STATE_CONFLICT, f"{PURCHASE_ORDER} {order_id} is '{state}': an approved order is not "
                        "cancelled by a decision", retryable=False)
    _check_still_decided(order_id, payload, current)
    gateway.execute(PURCHASE_ORDER, "button_cancel", [order_id], context=company_context(_company_id(payload)) or {})
    state = _order_now(gateway, order_id, payload)["state"]
    if state != "cancel":
        raise OdooError(STATE_CONFLICT, f"{PURCHASE_ORDER} {order_id} is '{state}' after button_cancel",
                        retryable=False)
    return {"effect": APPLIED, "order_id": order_id, "state": state}


def _quant_now(gateway: OdooGateway, quant_id: int, payload: dict) -> dict:
    """The quant's count as Odoo has it now (in the company the decision saw it in)."""
    rows = gateway.search_read(STOCK_QUANT, [("id", "=", quant_id)],
                               ["inventory_quantity_set", "inventory_quantity", "write_date", "product_id"], limit=1,
                               context=company_context(_company_id(payload)))
    if not rows:
        raise OdooError(RECORD_MISSING, f"{STOCK_QUANT} {quant_id} does not exist")
    return rows[0]


def _check_count_as_decided(quant_id: int, payload: dict, current: dict) -> None:
    """The count must be the one decided: same write_date and same counted quantity."""
    decided = {**_decided_on(payload), **({"inventory_quantity": payload["counted"]}
                                           if payload.get("counted") is not None else {})}
    if any(_differs(value, current.get(key)) for key, value in decided.items()):
        raise Superseded(quant_id, decided, {key: current.get(key) for key in decided}, STOCK_QUANT)


def inventory_move_name(ref: str) -> str:
    """The name Odoo gives the adjustment's stock move (context `inventory_name`): it carries the ref."""
    return f"Inventory adjustment (Ref: {ref})"


def apply_inventory(gateway: OdooGateway, payload: dict) -> dict:
    """Apply a count still as decided (action_apply_inventory, in its company); a move carrying the ref is done already.

    Odoo clears the count when it applies it (`inventory_quantity_set` False) and names the move
    after the context's `inventory_name`: a count no longer set is done when our move exists,
    else someone cleared or applied it in Odoo (a conflict, nothing applied). Odoo answers a wizard
    instead of applying when the quant changed since the count (`is_outdated`) or a tracked product
    lacks a lot: then nothing is applied and the job fails for a person to look at.
    """
    quant_id = _order_id(payload)
    _require(payload, "ref")
    name = inventory_move_name(payload["ref"])
    current = _quant_now(gateway, quant_id, payload)
    if not current["inventory_quantity_set"]:
        product = current["product_id"][0] if isinstance(current["product_id"], (list, tuple)) else current["product_id"]
        # Odoo appends the counter's name when the quant has one (_get_inventory_move_values): ours starts it.
        moves = gateway.search_read("stock.move", [("product_id", "=", product), ("is_inventory", "=", True),
                                                   ("name", "=like", f"{name}%")], ["id"], limit=1,
                                    context=company_context(_company_id(payload)))
        if moves:
            return {"effect": ALREADY_DONE, "order_id": quant_id, "move_id": moves[0]["id"]}
        raise OdooError(STATE_CONFLICT, f"{STOCK_QUANT} {quant_id} has no count set any more (cleared or applied "
                        "in Odoo): nothing to apply", retryable=False)
    _check_count_as_decided(quant_id, payload, current)
    context = {**(company_context(_company_id(payload)) or {}), "inventory_name": name}
    answer = gateway.execute(STOCK_QUANT, "action_apply_inventory", [quant_id], context=context)
    if _quant_now(gateway, quant_id, payload)["inventory_quantity_set"]:
        wizard = answer.get("res_model") if isinstance(answer, dict) else None
        raise OdooError(VALIDATION, f"Odoo did not apply the count of {STOCK_QUANT} {quant_id}"
                        + (f": it asks {wizard} (the quant changed since the count, or a tracked product lacks "
                           "a lot)" if wizard else ""), retryable=False)
    return {"effect": APPLIED, "order_id": quant_id, "move_name": name}


def reset_inventory_count(gateway: OdooGateway, payload: dict) -> dict:
    """Clear a count still as decided (action_clear_inventory_quantity): no stock moves; no count set is done already."""
    quant_id = _order_id(payload)
    current = _quant_now(gateway, quant_id, payload)
    if not current["inventory_quantity_set"]:
        return {"effect": ALREADY_DONE, "order_id": quant_id}
    _check_count_as_decided(quant_id, payload, current)
    gateway.execute(STOCK_QUANT, "action_clear_inventory_quantity", [quant_id],
                    context=company_context(_company_id(payload)) or {})
    return {"effect": APPLIED, "order_id": quant_id}


def post_bill(gateway: OdooGateway, payload: dict) -> dict:
    """Post a draft vendor bill still as decided (account.move action_post, in its company).

    Idempotent: a bill already posted counts as done; a cancelled one is a conflict. Odoo's
    `_post` refuses a caller without Billing (account.group_account_invoice) with an AccessError
    and a bill it cannot validate (no vendor, no bill date on a locked period, ...) with a UserError.
    """
    order_id = _order_id(payload)
    payload = {**payload, "model": ACCOUNT_MOVE}
    current = _order_now(gateway, order_id, payload)
    state = current["state"]
    if state == "posted":
        return {"effect": ALREADY_DONE, "order_id": order_id, "state": state}
    if state != "draft":
        raise OdooError(STATE_CONFLICT, f"{ACCOUNT_MOVE} {order_id} is '{state}': cannot post it", retryable=False)
    _check_still_decided(order_id, payload, current)
    gateway.execute(ACCOUNT_MOVE, "action_post", [order_id], context=company_context(_company_id(payload)) or {})
    state = _order_now(gateway, order_id, payload)["state"]
    if state != "posted":
        raise OdooError(STATE_CONFLICT, f"{ACCOUNT_MOVE} {order_id} is '{state}' after action_post", retryable=False)
    return {"effect": APPLIED, "order_id": order_id, "state": state}


def _find_message(gateway: OdooGateway, order_id: int, ref: str, model: str = ORDER) -> dict | None:
    found = gateway.find_messages(model, order_id, ref_needle(ref))
    return next((m for m in found if carries_ref(m.get("body"), ref)), None)


def post_message(gateway: OdooGateway, payload: dict) -> dict:
    """Post an internal note ending with 'Ref: <ref>'; a note already carrying the ref is the same note."""
    order_id = _order_id(payload)
    _require(payload, "body", "ref")
    ref = payload["ref"]
    model, res_id = _thread(gateway, payload)
    existing = _find_message(gateway, res_id, ref, model)
    if existing:
        return {"effect": ALREADY_DONE, "order_id": order_id, "message_id": existing["id"]}
    body = payload["body"]
    if payload.get("correlation_id"):  # from the worker: the note names the event it belongs to, for tracing
        body = f"{(body or '').rstrip()}\n\nCorrelation id: {payload['correlation_id']}"
    message_id = gateway.post_note(model, res_id, text_to_html(with_ref(body, ref)))
    return {"effect": APPLIED, "order_id": order_id, "message_id": message_id}


def _find_activity(gateway: OdooGateway, order_id: int, ref: str, include_done: bool,
                   model: str = ORDER) -> dict | None:
    found = gateway.find_activities(model, order_id, ref_needle(ref), include_done=include_done)
    return next((a for a in found if carries_ref(a.get("note"), ref)), None)


def _deadline(value) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise OdooError(VALIDATION, f"deadline '{value}' is not a YYYY-MM-DD date") from None


def local_date(instant: str, tz: str | None) -> str:
    """The date an ISO 8601 instant falls on in time zone `tz` (UTC when unset or unknown)."""
    try:
        moment = utc_moment(instant)
    except ValueError:
        raise OdooError(VALIDATION, f"due_at '{instant}' is not an ISO 8601 instant") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        zone = ZoneInfo(tz) if tz else timezone.utc
    except (ValueError, LookupError):
        zone = timezone.utc
    return moment.astimezone(zone).date().isoformat()


def schedule_activity(gateway: OdooGateway, payload: dict) -> dict:
    """Schedule a To-Do for a user, once: an activity (open or done) carrying the ref is the same one."""
    order_id = _order_id(payload)
    _require(payload, "assignee_login", "summary", "deadline", "ref")
    ref, deadline = payload["ref"], _deadline(payload["deadline"])
    user_id = gateway.user_id_for_login(payload["assignee_login"])
    if user_id is None:
        raise OdooError(VALIDATION, f"no Odoo user has the login '{payload['assignee_login']}'")
    if payload.get("due_at"):  # Odoo reads date_deadline in the assignee's time zone, not in UTC
        deadline = local_date(payload["due_at"], gateway.user_timezone(user_id))
    model, res_id = _thread(gateway, payload)
    existing = _find_activity(gateway, res_id, ref, include_done=True, model=model)
    if existing:
        return {"effect": ALREADY_DONE, "order_id": order_id, "activity_id": existing["id"]}
    if _find_message(gateway, res_id, ref, model):  # done and deleted: its "done" message keeps the note
        return {"effect": ALREADY_DONE, "order_id": order_id, "activity_id": None}
    note = text_to_html(with_ref(payload.get("note") or "", ref))
    # Odoo subscribes the assignee, which writes the order: its write_date moves because of us, not a person.
    before = _order_now(gateway, order_id, payload).get("write_date") if _decided_on(payload) else None
    activity_id = gateway.schedule_activity(model, res_id, user_id=user_id, summary=payload["summary"],
                                            note_html=note, deadline=deadline)
    if activity_id is None:
        created = _find_activity(gateway, res_id, ref, include_done=False, model=model)
        activity_id = created["id"] if created else None
    result = {"effect": APPLIED, "order_id": order_id, "activity_id": activity_id, "user_id": user_id}
    if before is not None:
        result["order_write_date"] = {"before": before, "after": _order_now(gateway, order_id, payload)["write_date"]}
    return result


def close_activity(gateway: OdooGateway, payload: dict) -> dict:
    """Mark the open activity carrying the ref as done, with feedback; none open means done already."""
    order_id = _order_id(payload)
    _require(payload, "ref")
    model, res_id = _thread(gateway, payload)
    activity = _find_activity(gateway, res_id, payload["ref"], include_done=False, model=model)
    if activity is None:
        return {"effect": ALREADY_DONE, "order_id": order_id, "activity_id": None}
    try:
        message_id = gateway.activity_feedback(activity["id"], payload.get("feedback") or "")
    except OdooError as err:
        if err.category != RECORD_MISSING:
            raise
        return {"effect": ALREADY_DONE, "order_id": order_id, "activity_id": activity["id"]}
    return {"effect": APPLIED, "order_id": order_id, "activity_id": activity["id"], "message_id": message_id}


def notice_text(payload: dict, links: dict) -> str:
    """The approver's private notice: the flow's text, then their approve and reject links."""
    lines = [(payload.get("body") or "").rstrip(), "",
             f"Approve: {links['approve_url']}", f"Reject: {links['reject_url']}"]
    if links.get("page_url"):
        lines.append(f"Decide with a comment: {links['page_url']}")
    if payload.get("expires_at_iso"):
        lines.append(f"These links are yours alone; they work until {payload['expires_at_iso']}.")
    return "\n".join(lines).lstrip("\n")


def notify_approver(gateway: OdooGateway, payload: dict, links: LinkRenderer | None = None) -> dict:
    """Send one approver their decision links privately (Odoo's message_notify), once per ref.

    The notification sits on the order but only its author (the integration user) and the
    approver can read it; Odoo emails it or puts it in their inbox, as they chose. A
    notification of ours already carrying the ref is the same one.
    """
    order_id = _order_id(payload)
    _require(payload, "approval_id", "approver_login", "expires_at", "ref")
    if links is None:
        raise OdooError(VALIDATION, "notify_approver needs a link renderer (the worker passes one)")
    ref, login = payload["ref"], payload["approver_login"]
    found = gateway.user_partner_for_login(login)
    if found is None or not found[1]:
        raise OdooError(VALIDATION, f"no Odoo user has the login '{login}'")
    user_id, partner_id = found
    model, res_id = _thread(gateway, payload)
    existing = next((m for m in gateway.find_own_notifications(model, res_id, ref_needle(ref))
                     if carries_ref(m.get("body"), ref)), None)
    if existing:
        return {"effect": ALREADY_DONE, "order_id": order_id, "message_id": existing["id"]}
    rendered = links(payload["approval_id"], login, int(payload.get("generation") or 0), float(payload["expires_at"]),
                     payload.get("tier"))
    if rendered is None:  # decided, cancelled or re-routed before delivery: these links would not work
        return {"effect": NOT_NEEDED, "order_id": order_id, "approver": login}
    company_id = payload.get("company_id")
    message_id = gateway.notify_partners(model, res_id, [partner_id], with_ref(notice_text(payload, rendered), ref),
                                         payload.get("subject") or "Approval requested",
                                         context={"allowed_company_ids": [company_id]} if company_id else None)
    return {"effect": APPLIED, "order_id": order_id, "message_id": message_id, "user_id": user_id}


OPERATIONS: dict[str, Callable[..., dict]] = {
    "confirm_order": confirm_order,
    "cancel_order": cancel_order,
    "post_message": post_message,
    "schedule_activity": schedule_activity,
    "close_activity": close_activity,
    "notify_approver": notify_approver,
    "approve_purchase": approve_purchase,
    "cancel_purchase": cancel_purchase,
    "apply_inventory": apply_inventory,
    "reset_inventory_count": reset_inventory_count,
    "post_bill": post_bill,
    **returns_writeback.OPERATIONS,
    **match_request.OPERATIONS,
    **procurement_writeback.OPERATIONS,
    **price_change.OPERATIONS,
    **replenishment_writeback.OPERATIONS,
    **sync_writeback.OPERATIONS,
}
NEEDS_LINKS = ("notify_approver",)
NEEDS_MAPPER = ("sync_orders",)  # a synced order's tax rates may be mapped to Odoo taxes


class UnknownOperation(ValueError):
    """No write-back has this name: a bug or a job from a newer version, never Odoo's fault."""


def run(gateway: OdooGateway, operation: str, payload: dict, links: LinkRenderer | None = None,
        mapper: Callable | None = None) -> dict:
    """Run the write-back `operation`; UnknownOperation when no such operation exists.

    `links` renders decision links for the operations that deliver them (NEEDS_LINKS); `mapper(source)`
    gives the mappings of a source, as they are when the job runs, to those that use them (NEEDS_MAPPER).
    """
    try:
        op = OPERATIONS[operation]
    except KeyError:
        raise UnknownOperation(f"unknown write-back operation '{operation}'") from None
    if operation in NEEDS_LINKS:
        return op(gateway, payload, links)
    if operation in NEEDS_MAPPER:
        return op(gateway, payload, mapper)
    return op(gateway, payload)
