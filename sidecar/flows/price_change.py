"""Price change governance: a proposed fixed price for one product on one pricelist is decided by policy,
written to Odoo as a pricelist item only once approved, then published and reconciled.

The document is the product template (product.template: it has a chatter, and Odoo's pricelist items key
on it, or on one of its variants). The event (`price_change.proposed`) carries the ask: pricelist, fixed
price, minimum quantity, window, reason; everything else is read from Odoo. A price change has a
lifecycle of its own (`LIFECYCLE`, stored in the sidecar): draft (proposed and decided) -> approved (the
policy passed it, or an approver did) -> effective (the outbox wrote the item with its window) ->
published (n8n reports its channels) -> reconciled (Odoo read back shows the item and the price as
approved); rejected and withdrawn are final. The pipeline's own steps (decision, approval, write-back)
move it as they happen (`on_decided`, `on_progress`); n8n moves it on through `transition`.
"""
from __future__ import annotations

import logging

from sidecar import contracts
from sidecar.errors import Conflict, DependencyDown, InvalidPayload, NotFound
from sidecar.flows import approvals, messages, registry
from sidecar.flows.registry import APPROVE, REJECT, Flow
from sidecar.flows.writebacks import abandon_release_jobs, approval_requests
from sidecar.lifecycle import Lifecycle
from sidecar.odoo import price_change as odoo_price
from sidecar.odoo.errors import OdooError
from sidecar.store import audit, dead_letters, jobs, price_changes, releases
from sidecar.store.records import iso
from sidecar.transform.price_change import FOR_SALE, build_price_facts

logger = logging.getLogger(__name__)
NAME = "price-change"
MODEL = odoo_price.PRODUCT_TEMPLATE
EVENT_TYPE = "price_change.proposed"
CONTRACT = "price_change.proposed.v1"
TRANSITION_CONTRACT = "price_change_transition.v1"
POLICY_FILE = "price-change.json"
PASSING_OUTCOME = "apply_price"  # the policy's decision.pass_outcome: the price is written as asked
WRITE = "write_price"
WORDS = messages.Wording(title="Price change", document="price change", approved="approved")
TITLES = {APPROVE: "Price change: approval needed", REJECT: "Price change: rejected",
          PASSING_OUTCOME: "Price change: approved"}

DRAFT, APPROVED, EFFECTIVE, PUBLISHED, RECONCILED = "draft", "approved", "effective", "published", "reconciled"
REJECTED, WITHDRAWN = "rejected", "withdrawn"
LIFECYCLE = Lifecycle(
    name="price change",
    states=((DRAFT, "Draft"), (APPROVED, "Approved"), (EFFECTIVE, "Effective"), (PUBLISHED, "Published"),
            (RECONCILED, "Reconciled"), (REJECTED, "Rejected"), (WITHDRAWN, "Withdrawn")),
    transitions={DRAFT: (APPROVED, REJECTED, WITHDRAWN), APPROVED: (EFFECTIVE, WITHDRAWN),
                 EFFECTIVE: (PUBLISHED,), PUBLISHED: (RECONCILED,)},
)


# -- the event and the facts ----------------------------------------------------------------------

def price_request(data: dict) -> dict:
    """The template the event names (no write to wait for: the ask is not Odoo's) and the ask; 400 for a bad window."""
    if data.get("date_end") and data["date_end"] <= data["date_start"]:
        raise InvalidPayload("date_end must be after date_start (Odoo refuses such an item)", code="invalid_window",
                             details=[{"pointer": "/data/date_end", "message": f"not after {data['date_start']}"}])
    return {**data, "id": data["product_tmpl_id"], "write_date": None}


def price_event_data(flow: Flow, release: dict, current: dict) -> dict:
    """The proposal again, as decided (a fresh decision of the same ask)."""
    return dict(release["facts"]["proposal"])


def read_price_facts(services, tmpl_id: int, request: dict) -> dict:
    """The price change's facts, read from Odoo; 404 for a missing pricelist, 400 for a variant not named right."""
    bundle = odoo_price.read_price_bundle(services.odoo, tmpl_id, request)
    if bundle["pricelist"] is None:
        raise NotFound(f"product.pricelist {request['pricelist_id']} does not exist in Odoo", code="pricelist_not_found",
                       details=[{"pointer": "/data/pricelist_id", "message": "no such pricelist"}])
    variants = [v["id"] for v in bundle["template"].get("product_variant_ids") or []]
    if request.get("product_id") and request["product_id"] not in variants:
        raise InvalidPayload(f"product.product {request['product_id']} is not a variant of product.template {tmpl_id}",
                             code="not_a_variant", details=[{"pointer": "/data/product_id",
                                                             "message": f"expected one of {variants}"}])
    if not request.get("product_id") and len(variants) != 1:
        raise InvalidPayload(f"product.template {tmpl_id} has {len(variants)} variants: name the one to price",
                             code="variant_required", details=[{"pointer": "/data/product_id",
                                                                "message": f"expected one of {variants}"}])
    return build_price_facts(bundle, request)


ASKED = ("pricelist_id", "product_id", "fixed_price", "min_quantity", "date_start", "date_end")


def same_ask(in_flight: dict, facts: dict) -> bool:
    """Two proposals for one product are the same when they ask the same price on the same pricelist and window."""
    before, now = in_flight.get("proposal") or {}, facts["proposal"]
    return all((before.get(key) or None) == (now.get(key) or None) for key in ASKED)


# -- write-backs -----------------------------------------------------------------------------------

def decision_message(decision: dict, facts: dict) -> str:
    """Chatter note on the product: outcome, approvers, every rule's result, the asked price and why, policy."""
    change = facts["price_change"]
    window = change["date_start"] + (f" to {change['date_end']}" if change.get("date_end") else " on")
    details = [f"{change['pricelist']}: {change['current_price']:.2f} -> {change['fixed_price']:.2f} "
               f"{change['currency'] or ''} from {change['min_quantity']:g} units, {window} (UTC).",
               f"Reason: {change['reason']}" + (f" ({change['source']})" if change.get("source") else "")]
    return messages.decision_note(TITLES.get(decision["outcome"], TITLES[PASSING_OUTCOME]), decision, details)


def _on_product(facts: dict, payload: dict) -> dict:
    return {"order_id": facts["product"]["id"], "model": MODEL, **payload}


def _write(facts: dict) -> tuple[str, dict]:
    change, product = facts["price_change"], facts["product"]
    return WRITE, _on_product(facts, {
        "pricelist_id": change["pricelist_id"], "product_id": facts["proposal"].get("product_id"),
        "fixed_price": change["fixed_price"], "min_quantity": change["min_quantity"],
        "date_start": change["date_start"], "date_end": change.get("date_end"),
        "currency_decimals": change["currency_decimals"], "company_id": product["company_id"],
        # the cost the margin was decided on: a price is not written over another cost
        "decided_on": {"company_id": product["company_id"], "cost": change["cost"]}})


def price_writebacks(facts: dict, decision: dict, notices: list[dict] = ()) -> list[tuple[str, dict]]:
    """A fresh decision: the note on the product, then the item written, or the approvers asked; nothing more when rejected."""
    note = ("post_message", _on_product(facts, {"body": decision_message(decision, facts)}))
    if decision["outcome"] == REJECT:
        return [note]
    if decision["outcome"] != APPROVE:
        return [note, _write(facts)]
    target = _on_product(facts, {"decided_on": {"company_id": facts["product"]["company_id"]}})
    summary = messages.activity_summary(facts["product"]["name"], WORDS)
    return [note, *approval_requests(target, decision, notices, summary)]


def on_approved(facts: dict) -> list[tuple[str, dict]]:
    """Every tier approved: the price is written to Odoo as the approvers saw it."""
    return [_write(facts)]


def on_rejected(facts: dict) -> list[tuple[str, dict]]:
    """An approver refused: nothing reaches the pricelist (the shared note says so)."""
    return []


# -- the lifecycle ---------------------------------------------------------------------------------

def _move(conn, change: dict, target: str, actor: str | None, detail: dict, **values) -> dict:
    """One audited transition (409 listing the allowed ones when the lifecycle has none to `target`)."""
    LIFECYCLE.check(change["state"], target, change["id"])
    if not price_changes.move(conn, change["id"], change["state"], target, actor=actor, detail=detail, **values):
        raise Conflict(f"price change {change['id']} changed meanwhile; read it and try again", code="changed_meanwhile")
    audit.append(conn, f"price_change.{target}", change["id"],
                 {"from": change["state"], "to": target, "release_id": change["release_id"], **detail}, actor=actor)
    return price_changes.get(conn, change["id"])


def _write_job(conn, release_id: str) -> dict | None:
    return next((job for job in jobs.for_release(conn, release_id) if job["operation"] == WRITE), None)


def _pipeline_step(conn, change: dict) -> tuple[str, str | None, dict, dict] | None:
    """The next transition the pipeline has made happen (decision, approval, write-back), if any."""
    release = releases.get_release(conn, change["release_id"])
    approval = releases.approval_for_release(conn, release["id"]) or {}
    if change["state"] == DRAFT:
        if release["outcome"] == REJECT:
            return REJECTED, "policy", {"reasons": _failed(release)}, {}
        if approval.get("status") == releases.REJECTED_BY_APPROVER:
            return REJECTED, approval.get("decided_by"), {"comment": approval.get("comment")}, {}
        if release["status"] == releases.ABANDONED or approval.get("status") == releases.CANCELLED:
            return WITHDRAWN, approval.get("decided_by"), {"reason": approval.get("comment")}, {}
        if release["outcome"] == PASSING_OUTCOME:
            return APPROVED, "policy", {"policy": release["decision"]["policy"].get("version")}, {}
        if approval.get("status") == releases.APPROVED:
            return APPROVED, approval.get("decided_by"), {"comment": approval.get("comment")}, {}
    elif change["state"] == APPROVED:
        job = _write_job(conn, release["id"])
        if job and job["state"] == jobs.DONE:
            item_id = (job.get("result") or {}).get("item_id")
            return EFFECTIVE, "worker", {"item_id": item_id, "job_id": job["id"]}, {"item_id": item_id}
        if release["status"] == releases.ABANDONED:
            return WITHDRAWN, None, {"reason": "its write-back was abandoned"}, {}
    return None


def _failed(release: dict) -> list[str]:
    return [r["code"] for r in release["decision"].get("reasons", []) if not r.get("passed")]


def follow(conn, change: dict) -> dict:
    """Take every transition the pipeline has made happen since the price change was last moved (each audited)."""
    while True:
        step = _pipeline_step(conn, change)
        if step is None:
            return change
        target, actor, detail, values = step
        change = _move(conn, change, target, actor, detail, **values)


def on_decided(conn, release_id: str, facts: dict, decision: dict) -> None:
    """A fresh decision: the price change starts as a draft, approved or rejected at once when the policy says so."""
    change, product = facts["price_change"], facts["product"]
    name = f"{product['variant'] or product['name']} on {change['pricelist']}: {change['fixed_price']:.2f}"
    created = price_changes.insert(conn, price_change_id=release_id, release_id=release_id,
                                   product_tmpl_id=product["id"], product_id=product.get("product_id"),
                                   pricelist_id=change["pricelist_id"], name=name, state=DRAFT,
                                   proposal=facts["proposal"], actor=facts["requested_by"]["login"])
    audit.append(conn, "price_change.draft", release_id, {"to": DRAFT, "release_id": release_id,
                                                          "outcome": decision["outcome"]},
                 actor=facts["requested_by"]["login"])
    follow(conn, created)


def on_progress(conn, release: dict) -> None:
    """A write-back of the decision settled: the price change follows (approved, effective, ...)."""
    change = price_changes.for_release(conn, release["id"])
    if change is None:
        return
    try:
        follow(conn, change)
    except Conflict as err:  # moved meanwhile by another transaction: the next read follows again
        logger.info("price change %s not followed now: %s", change["id"], err.message)


# -- the API ---------------------------------------------------------------------------------------

def describe(conn, change: dict) -> dict:
    """The API view of a price change: state, what may follow, the ask, Odoo's item, its decision and history."""
    release = releases.get_release(conn, change["release_id"])
    approval = releases.approval_for_release(conn, change["release_id"])
    return {
        "id": change["id"], "name": change["name"], "state": change["state"],
        "allowed_transitions": list(LIFECYCLE.allowed(change["state"])),
        "product_tmpl_id": change["product_tmpl_id"], "product_id": change["product_id"],
        "pricelist_id": change["pricelist_id"], "proposal": change["proposal"], "item_id": change["item_id"],
        "channels": change["channels"], "release_id": change["release_id"],
        "outcome": release["outcome"], "summary": release["decision"].get("summary"),
        "approval_id": approval["id"] if approval else None,
        "history": [{**entry, "at": iso(entry["at"])} for entry in change["history"]],
        "created_at": iso(change["created_at"]), "updated_at": iso(change["updated_at"]),
    }


def _load(conn, price_change_id: str) -> dict:
    change = price_changes.get(conn, price_change_id)
    if change is None:
        raise NotFound(f"no price change {price_change_id}", code="price_change_not_found")
    return change


def get_price_change(services, price_change_id: str) -> dict:
    """One price change, brought up to date with its decision's progress."""
    with services.db.read() as conn:  # the pipeline moves it as it goes: a catch-up write is rare
        change = _load(conn, price_change_id)
        if _pipeline_step(conn, change) is None:
            return describe(conn, change)
    with services.db.transaction() as conn:
        return describe(conn, follow(conn, _load(conn, price_change_id)))


def transition(services, price_change_id: str, body: dict, actor: str | None) -> dict:
    """Move a price change as n8n asks: published (channels), reconciled (Odoo read back) or withdrawn (reason)."""
    contracts.validate(TRANSITION_CONTRACT, body)
    with services.db.transaction() as conn:
        change = follow(conn, _load(conn, price_change_id))
        LIFECYCLE.check(change["state"], body["to"], change["id"])
        if body["to"] == PUBLISHED:
            return describe(conn, _move(conn, change, PUBLISHED, actor, {"channels": body["channels"]},
                                        channels=body["channels"]))
    if body["to"] == WITHDRAWN:
        return _withdraw(services, change, body["reason"], actor)
    return _reconcile(services, change, actor)


def _withdraw(services, change: dict, reason: str, actor: str | None) -> dict:
    """Withdraw before the price reaches Odoo: its open approval is cancelled, or its pending write-back abandoned."""
    with services.db.read() as conn:
        approval = releases.approval_for_release(conn, change["release_id"])
    if change["state"] == DRAFT and approval and approval["status"] in releases.OPEN_APPROVAL:
        approvals.cancel(services, approval["id"], {"reason": f"Price change withdrawn: {reason}"}, actor)
    with services.db.transaction() as conn:
        change = _load(conn, change["id"])
        if change["state"] == APPROVED:
            job = _write_job(conn, change["release_id"])
            if job and job["state"] == jobs.STARTED:
                raise Conflict(f"price change {change['id']} is being written to Odoo right now; read it again",
                               code="being_written", details=[{"state": change["state"], "job_id": job["id"]}])
            if job and job["state"] == jobs.DONE:
                change = follow(conn, change)  # written meanwhile: effective, no longer withdrawable
                LIFECYCLE.check(change["state"], WITHDRAWN, change["id"])
            why = f"price change withdrawn: {reason}"
            for job_id in abandon_release_jobs(conn, change["release_id"], why, actor=actor):
                letter = dead_letters.open_for_ref(conn, job_id)  # a write that failed needs no one any more
                if letter and dead_letters.close(conn, letter["id"], dead_letters.ABANDONED, why, by=actor):
                    audit.append(conn, "deadletter.abandoned", letter["id"], {"reason": why, "ref": job_id},
                                 actor=actor)
        change = _load(conn, change["id"])
        if change["state"] != WITHDRAWN:
            change = _move(conn, change, WITHDRAWN, actor, {"reason": reason})
        return describe(conn, change)


def differences(change: dict, found: dict) -> list[dict]:
    """What Odoo shows that is not the approved price change: each field with the approved value and Odoo's."""
    ask, item = change["proposal"], found["item"]
    if item is None:
        return [{"field": "item", "approved": change["item_id"], "odoo": None}]
    product_field = ("product_id", ask.get("product_id")) if ask.get("product_id") else \
        ("product_tmpl_id", ask["product_tmpl_id"])
    expected = {"pricelist_id": ask["pricelist_id"], product_field[0]: product_field[1], "compute_price": "fixed",
                "fixed_price": float(ask["fixed_price"]), "min_quantity": float(ask.get("min_quantity") or 0),
                "date_start": ask["date_start"], "date_end": ask.get("date_end") or False}
    found_values = {key: (item.get(key)[0] if isinstance(item.get(key), list) else item.get(key)) for key in expected}
    found_values["price_applied"] = found["price_at_start"]
    expected["price_applied"] = float(ask["fixed_price"])
    return [{"field": key, "approved": value, "odoo": found_values[key]} for key, value in expected.items()
            if not _same(value, found_values[key])]


def _same(approved, odoo) -> bool:
    if isinstance(approved, float) and isinstance(odoo, (int, float)) and not isinstance(odoo, bool):
        return abs(approved - odoo) < 0.005
    return approved == odoo


def _reconcile(services, change: dict, actor: str | None) -> dict:
    """Read the item and the price Odoo applies at the window's start; as approved: reconciled, else 409 naming what differs."""
    company_id = (_decided_facts(services, change).get("product") or {}).get("company_id")
    try:
        found = odoo_price.read_back(services.odoo, change["item_id"], change["proposal"], company_id)
    except OdooError as err:
        raise DependencyDown(f"Odoo could not be read: {err.message}", code=err.category) from err
    wrong = differences(change, found)
    with services.db.transaction() as conn:
        change = _load(conn, change["id"])
        if wrong:
            audit.append(conn, "price_change.reconcile_mismatch", change["id"], {"differences": wrong}, actor=actor)
        else:
            return describe(conn, _move(conn, change, RECONCILED, actor, {"item_id": change["item_id"]}))
    raise Conflict(f"Odoo does not show price change {change['id']} as approved: "
                   + ", ".join(d["field"] for d in wrong), code="reconcile_mismatch", details=wrong)


def _decided_facts(services, change: dict) -> dict:
    """The facts the price change was decided on."""
    with services.db.read() as conn:
        return releases.get_release(conn, change["release_id"])["facts"]


FLOW = Flow(
    name=NAME,
    model=MODEL,
    event_type=EVENT_TYPE,
    contract=CONTRACT,
    policy_file=POLICY_FILE,
    decidable_states=(FOR_SALE,),
    read_facts=read_price_facts,
    writebacks=price_writebacks,
    on_approved=on_approved,
    on_rejected=on_rejected,
    passing_outcome=PASSING_OUTCOME,
    words=WORDS,
    label="a price change",
    document_key="product",
    acting_operations=(WRITE,),
    request=price_request,
    reads_request=True,
    event_data=price_event_data,
    decidable_domain=(("sale_ok", "=", True),),
    undecidable_message="{name} is '{state}': price change decides only products that can be sold",
    on_decided=on_decided,
    on_progress=on_progress,
    same_ask=same_ask,
)
