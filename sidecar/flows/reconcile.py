"""Reconciliation: documents submitted to a flow whose webhook was lost get decided now.

Only documents somebody submitted (the flow's policy intake domain, asked of Odoo), written since
go-live, and not already in flight in that flow are looked at, oldest first, page by page; a dry
run lists what each would get without deciding or recording anything. Each is decided through the
pipeline, as its webhook would have been (an event naming only the document). Any flow whose event
names its document only (Odoo's webhook shape) can be reconciled; one whose event carries what is
asked (`reads_request`) cannot: nothing in Odoo says what was asked; nor one with a scan of its own
(`found_by`), whose intake domain holds documents it would refuse one by one.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sidecar import contracts
from sidecar.errors import Conflict, DependencyDown, NotFound, PolicyInvalid, SidecarError
from sidecar.flows import approval_routing, pipeline, registry
from sidecar.flows.registry import Flow
from sidecar.flows.release import FLOW
from sidecar.odoo.errors import OdooError
from sidecar.policy.loader import parse_moment
from sidecar.services import Services
from sidecar.store import locks, releases
from sidecar.values import ODOO_DATETIME

logger = logging.getLogger(__name__)
DEFAULT_LIMIT, DEFAULT_PAGE_SIZE = 200, 100
LOCK = f"reconcile:{FLOW.name}"  # the release's; every flow has its own (lock_name)
LOCK_SECONDS = 30 * 60  # a run that died frees the lease after this; a live one ends far sooner


def _epoch(odoo_datetime: str) -> float:
    return datetime.strptime(odoo_datetime[:19], ODOO_DATETIME).replace(tzinfo=timezone.utc).timestamp()


def _odoo(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(ODOO_DATETIME + (".%f" if moment.microsecond else ""))


def missed(quotation: dict, latest: dict | None) -> bool:
    """No release in flight, and none decided since the quotation last changed."""
    if latest is None:
        return True
    return not latest["in_flight"] and latest["updated_at"] < _epoch(quotation["write_date"])


def lock_name(flow: Flow) -> str:
    """The lease one (not dry) reconciliation of `flow` holds."""
    return f"reconcile:{flow.name}"


def go_live(services: Services, flow: Flow = FLOW) -> datetime:
    """The later of SIDECAR_GO_LIVE_AT and the policy's intake.not_before; required to reconcile."""
    policy = registry.policy_for(services, flow)
    moments = [m for m in (parse_moment(services.settings.go_live_at), policy.not_before) if m]
    if not moments:
        raise PolicyInvalid("reconciliation needs a go-live moment: set SIDECAR_GO_LIVE_AT or the policy's "
                            "intake.not_before, so that orders from before go-live are never decided",
                            code="go_live_not_configured")
    return max(moments)


def find_missed(services: Services, not_before: datetime, grace_minutes: int, limit: int,
                page_size: int, flow: Flow = FLOW) -> tuple[int, list[dict]]:
    """(documents checked, up to `limit` missed ones), paging through Odoo oldest first."""
    written_before = None
    if grace_minutes:
        written_before = _odoo(datetime.now(timezone.utc) - timedelta(minutes=grace_minutes))
    with services.db.read() as conn:
        in_flight = releases.in_flight_order_ids(conn, flow.name, flow.model)
    domain = pipeline.intake_domain(registry.policy_for(services, flow))
    checked, found, offset = 0, [], 0
    while len(found) < limit:
        try:
            page = services.odoo.search_submitted(
                domain, model=flow.model, not_before=_odoo(not_before), written_before=written_before,
                exclude_ids=in_flight, offset=offset, limit=page_size)
        except OdooError as err:
            raise DependencyDown(f"Odoo could not be searched: {err.message}", code=err.category) from err
        checked, offset = checked + len(page), offset + len(page)
        with services.db.read() as conn:
            latest = releases.latest_for_orders(conn, flow.model, [q["id"] for q in page], flow=flow.name)
        found += [q for q in page if missed(q, latest.get(q["id"]))]
        if len(page) < page_size:
            break
    return checked, found[:limit]


def _event(quotation: dict, flow: Flow = FLOW) -> dict:
    data = {"_model": flow.model, "_id": quotation["id"]}
    if flow is FLOW:
        data["name"] = quotation["name"]  # informational, as the release's webhook sends it
    return {"id": f"reconcile:{flow.model}:{quotation['id']}:{quotation['write_date']}", "type": flow.event_type,
            "source": "reconciliation", "data": data}


def reconcilable(flow_name: str) -> Flow:
    """The flow called `flow_name`, when reconciliation can find its submitted documents (404 / 422 otherwise)."""
    try:
        flow = registry.by_name(flow_name)
    except KeyError:
        raise NotFound(f"no flow '{flow_name}'", code="flow_not_found",
                       details=[{"known": [known.name for known in registry.flows()]}]) from None
    if flow.reads_request:
        raise PolicyInvalid(f"flow {flow.name} cannot be reconciled: its events carry what is asked, which Odoo "
                            "does not keep", code="not_reconcilable")
    if flow.found_by:
        raise PolicyInvalid(f"flow {flow.name} cannot be reconciled: {flow.found_by} finds its documents",
                            code="not_reconcilable")
    return flow


def reconcile(services: Services, body: dict, flow: Flow = FLOW) -> dict:
    """Decide (or, dry, preview) every missed submitted document of `flow`; one run per flow at a time (409 otherwise)."""
    contracts.validate("reconcile_request.v1", body)
    if body.get("dry_run"):  # records nothing: any number may run
        return _reconcile(services, body, dry_run=True, flow=flow)
    lock = LOCK if flow is FLOW else lock_name(flow)
    with services.db.transaction() as conn:
        token = locks.acquire(conn, lock, LOCK_SECONDS)
    if token is None:
        raise Conflict("a reconciliation is already running; this one would decide the same documents twice over",
                       code="reconciliation_running")
    try:
        return _reconcile(services, body, dry_run=False, flow=flow)
    finally:
        with services.db.transaction() as conn:
            locks.release(conn, lock, token)


def _reconcile(services: Services, body: dict, dry_run: bool, flow: Flow = FLOW) -> dict:
    """Decide (or preview) every missed submitted document; one failure does not stop the others."""
    not_before = go_live(services, flow)
    checked, todo = find_missed(services, not_before,
                                body.get("older_than_minutes", services.settings.reconcile_grace_minutes),
                                body.get("limit", DEFAULT_LIMIT), body.get("page_size", DEFAULT_PAGE_SIZE), flow)
    decided, planned, failed = [], [], []
    for quotation in todo:
        ref = {"order_id": quotation["id"], "order_name": quotation["name"]}
        try:
            if dry_run:
                planned.append({**ref, **pipeline.preview(services, flow, quotation["id"])})
            else:
                _, answer, _ = pipeline.submit(services, _event(quotation, flow))
                entry = {**ref, "release_id": answer["release_id"], "outcome": answer["outcome"]}
                if answer.get("approval_id"):  # the approvers' links, for n8n to deliver as for a webhook
                    linked = approval_routing.with_decision_links(services, answer)
                    entry.update(approval_id=answer["approval_id"], decision_links=linked["decision_links"])
                decided.append(entry)
        except SidecarError as err:
            logger.warning("reconciliation of %s failed: %s", quotation["name"], err.message)
            failed.append({**ref, "code": err.code, "message": err.message})
    return {"dry_run": dry_run, "not_before": not_before.strftime("%Y-%m-%dT%H:%M:%SZ"), "checked": checked,
            "missed": [{"order_id": q["id"], "order_name": q["name"], "write_date": q["write_date"]} for q in todo],
            "decided": decided, "planned": planned, "failed": failed}
