"""Write-backs of the procurement-exception flow: confirm or cancel a draft RFQ as decided, and close its
"Procurement check" activity (the submission marker). Each reads Odoo first, so a replay does nothing twice."""
from __future__ import annotations

from typing import Callable

from sidecar.odoo.errors import STATE_CONFLICT, VALIDATION, OdooError
from sidecar.odoo.gateway import OdooGateway, company_context
from sidecar.values import m2o_id
from sidecar.odoo.procurement_setup import ACTIVITY_TYPE_NAME
from sidecar.odoo.purchase import PURCHASE_ORDER

RFQ_STATES = ("draft", "sent")
CONFIRMED = ("to approve", "purchase", "done")  # button_confirm's results: waiting for approval, or approved
TWO_STEP = "two_step"


class _Shared:
    """sidecar.odoo.writeback's checks, looked up when used: that module lists these operations in turn."""

    def __getattr__(self, name):
        from sidecar.odoo import writeback
        return getattr(writeback, name)


wb = _Shared()


def _rfq_now(gateway: OdooGateway, payload: dict) -> tuple[int, dict, dict]:
    order_id = wb._order_id(payload)
    payload = {**payload, "model": PURCHASE_ORDER}
    return order_id, payload, wb._order_now(gateway, order_id, payload)


def _context(payload: dict) -> dict:
    return company_context(wb._company_id(payload)) or {}


def _waits_for_approval(gateway: OdooGateway, order_id: int, company_id: int | None, context: dict) -> bool:
    """Whether Odoo's button_confirm would leave this order 'to approve' for a buyer (`_approval_allowed`,
    purchase/models/purchase_order.py): its company asks for purchase approval (two_step) and its total
    reaches the company's approval amount. An order in another currency than the company's is sent to
    approval (the conversion Odoo makes at the order date is not callable over RPC)."""
    if not company_id:
        return False
    [company] = gateway.search_read("res.company", [("id", "=", company_id)],
                                    ["po_double_validation", "po_double_validation_amount", "currency_id"], limit=1)
    if company.get("po_double_validation") != TWO_STEP:
        return False
    [order] = gateway.search_read(PURCHASE_ORDER, [("id", "=", order_id)], ["amount_total", "currency_id"],
                                  limit=1, context=context)
    if m2o_id(order.get("currency_id")) != m2o_id(company.get("currency_id")):
        return True
    return order["amount_total"] >= (company.get("po_double_validation_amount") or 0.0)


def confirm_rfq(gateway: OdooGateway, payload: dict) -> dict:
    """Confirm an RFQ still as decided; an order already confirmed (waiting for approval or approved) is done.

    The integration user is a purchase manager, for whom Odoo's button_confirm approves at once
    (`_approval_allowed`, purchase/models/purchase_order.py). When the company asks for purchase
    approval (`po_double_validation` two_step) and the order reaches its amount, the RFQ is put in 'to
    approve' instead, as button_confirm does for a buyer: the purchase-approval flow then decides it.
    """
    order_id, payload, current = _rfq_now(gateway, payload)
    state = current["state"]
    if state in CONFIRMED:
        return {"effect": wb.ALREADY_DONE, "order_id": order_id, "state": state}
    if state not in RFQ_STATES:
        raise OdooError(STATE_CONFLICT, f"{PURCHASE_ORDER} {order_id} is '{state}': cannot confirm it", retryable=False)
    wb._check_still_decided(order_id, payload, current)
    context = _context(payload)
    if _waits_for_approval(gateway, order_id, wb._company_id(payload), context):
        gateway.execute(PURCHASE_ORDER, "write", [order_id], {"state": "to approve"}, context=context)
        answer = None
    else:
        answer = gateway.execute(PURCHASE_ORDER, "button_confirm", [order_id], context=context)
    state = wb._order_now(gateway, order_id, payload)["state"]
    if state not in CONFIRMED:
        wizard = answer.get("res_model") if isinstance(answer, dict) else None
        raise OdooError(VALIDATION, f"Odoo did not confirm {PURCHASE_ORDER} {order_id}"
                        + (f": it asks {wizard} (alternative RFQs of a call for tenders wait for a buyer)"
                           if wizard else f" (it is '{state}')"), retryable=False)
    return {"effect": wb.APPLIED, "order_id": order_id, "state": state}


def cancel_rfq(gateway: OdooGateway, payload: dict) -> dict:
    """Cancel an RFQ still as decided (button_cancel); a confirmed order is never cancelled from here."""
    order_id, payload, current = _rfq_now(gateway, payload)
    state = current["state"]
    if state == "cancel":
        return {"effect": wb.ALREADY_DONE, "order_id": order_id, "state": state}
    if state not in RFQ_STATES:
        raise OdooError(STATE_CONFLICT, f"{PURCHASE_ORDER} {order_id} is '{state}': a confirmed order is not "
                        "cancelled by a procurement decision", retryable=False)
    wb._check_still_decided(order_id, payload, current)
    gateway.execute(PURCHASE_ORDER, "button_cancel", [order_id], context=_context(payload))
    state = wb._order_now(gateway, order_id, payload)["state"]
    if state != "cancel":
        raise OdooError(STATE_CONFLICT, f"{PURCHASE_ORDER} {order_id} is '{state}' after button_cancel",
                        retryable=False)
    return {"effect": wb.APPLIED, "order_id": order_id, "state": state}


def close_procurement_check(gateway: OdooGateway, payload: dict) -> dict:
    """Mark the RFQ's open "Procurement check" activities done with the decision as feedback; none is done."""
    order_id = wb._order_id(payload)
    found = gateway.search_read("mail.activity", [("res_model", "=", PURCHASE_ORDER), ("res_id", "=", order_id),
                                                  ("activity_type_id.name", "=", ACTIVITY_TYPE_NAME)],
                                ["id"], order="id asc", context=_context(payload) or None)
    if not found:
        return {"effect": wb.ALREADY_DONE, "order_id": order_id, "activity_ids": []}
    for activity in found:
        gateway.activity_feedback(activity["id"], payload.get("feedback") or "Procurement check decided")
    return {"effect": wb.APPLIED, "order_id": order_id, "activity_ids": [a["id"] for a in found]}


OPERATIONS: dict[str, Callable[..., dict]] = {
    "confirm_rfq": confirm_rfq,
    "cancel_rfq": cancel_rfq,
    "close_procurement_check": close_procurement_check,
}
RPC_COUNT = {"confirm_rfq": 5, "cancel_rfq": 3, "close_procurement_check": 3}
