"""Sales order release: a quotation tagged "Release requested" is released, sent for approval or rejected.

The flow's declaration and the parts only it has; the pipeline (sidecar/flows/pipeline.py) does the rest.
"""
from __future__ import annotations

from sidecar.flows import writebacks
from sidecar.flows.registry import Flow
from sidecar.services import Services
from sidecar.transform.sales_order import build_release_facts, release_request_from_webhook

QUOTATION_STATES = ("draft", "sent")
SUPERUSER_ID = 1  # OdooBot (__system__): writes made by Odoo itself name no person


def release_request(data: dict) -> dict:
    """{id, write_date} of the quotation the webhook names (only these two fields of the body are used)."""
    request = release_request_from_webhook(data)
    return {"id": request["order_id"], "write_date": request["write_date"]}


def identify(services: Services, facts: dict, logins: dict | None = None) -> dict:
    """Requester = Odoo's last writer of the committed submission; unknown when Odoo names no person.

    `logins`: those the bundle read with the order (its writer's and salesperson's), else asked here.
    """
    requester_id, salesperson_id = facts["requested_by"]["user_id"], facts["order"].get("salesperson_id")
    wanted = [uid for uid in (requester_id, salesperson_id) if uid]
    if logins is None or not set(wanted) <= set(logins):
        logins = services.odoo.user_logins(wanted)
    known = requester_id not in (None, SUPERUSER_ID) and requester_id in logins
    facts["requested_by"] = {"user_id": requester_id, "login": logins[requester_id] if known else None}
    facts["order"]["salesperson_login"] = logins.get(salesperson_id)
    return facts


def read_release_facts(services: Services, order_id: int) -> dict:
    """The quotation and its submitter as Odoo committed them; never from the event body (two calls)."""
    bundle = services.odoo.read_release_bundle(order_id, None)
    return identify(services, build_release_facts(bundle), bundle.get("user_logins"))


def release_writebacks(facts: dict, decision: dict, notices: list[dict]) -> list[tuple[str, dict]]:
    """A fresh decision's write-backs: the note, then confirm, cancel, or the approver's activity and notices."""
    return writebacks.for_decision(facts["order"], decision, notices)


def confirm(facts: dict) -> list[tuple[str, dict]]:
    """An approved release confirms the quotation (as the decision saw it)."""
    return [("confirm_order", {"order_id": facts["order"]["id"]})]


def cancel(facts: dict) -> list[tuple[str, dict]]:
    """A rejected release cancels the quotation (as the decision saw it)."""
    return [("cancel_order", {"order_id": facts["order"]["id"]})]


FLOW = Flow(
    name="sales-order-release",
    model="sale.order",
    event_type="sale_order.release_requested",
    contract="sale_order.release_requested.v1",
    policy_file="sales-order-release.json",  # SIDECAR_POLICY_FILE replaces it
    decidable_states=QUOTATION_STATES,
    read_facts=read_release_facts,
    writebacks=release_writebacks,
    on_approved=confirm,
    on_rejected=cancel,
    passing_outcome="release",
    label="release",
    not_found_code="order_not_found",
    undecidable_code="not_a_quotation",
    undecidable_message="{name} is in state '{state}': only quotations can be released",
    request=release_request,
)
