"""Reconciliation: quotations submitted for release whose webhook was lost get decided now.

Only documents somebody submitted (the policy's intake domain, asked of Odoo), written since go-live,
and not already in flight are looked at, oldest first, page by page; a dry run lists what each
would get without deciding or recording anything. Each is decided through the pipeline, as its
webhook would have been. Reconciliation serves the release flow only (its search is sale.order's).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sidecar import contracts
from sidecar.errors import Conflict, DependencyDown, PolicyInvalid, SidecarError
from sidecar.flows import approval_routing, pipeline, registry
from sidecar.flows.release import FLOW
from sidecar.odoo.errors import OdooError
from sidecar.policy.loader import parse_moment
from sidecar.services import Services
from sidecar.store import locks, releases
from sidecar.values import ODOO_DATETIME

logger = logging.getLogger(__name__)
DEFAULT_LIMIT, DEFAULT_PAGE_SIZE = 200, 100
LOCK = f"reconcile:{FLOW.name}"
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


def go_live(services: Services) -> datetime:
    """The later of SIDECAR_GO_LIVE_AT and the policy's intake.not_before; required to reconcile."""
    policy = registry.policy_for(services, FLOW)
    moments = [m for m in (parse_moment(services.settings.go_live_at), policy.not_before) if m]
    if not moments:
        raise PolicyInvalid("reconciliation needs a go-live moment: set SIDECAR_GO_LIVE_AT or the policy's "
                            "intake.not_before, so that orders from before go-live are never decided",
                            code="go_live_not_configured")
    return max(moments)


def find_missed(services: Services, not_before: datetime, grace_minutes: int, limit: int,
                page_size: int) -> tuple[int, list[dict]]:
    """(orders checked, up to `limit` missed ones), paging through Odoo oldest first."""
    written_before = None
    if grace_minutes:
        written_before = _odoo(datetime.now(timezone.utc) - timedelta(minutes=grace_minutes))
    with services.db.transaction() as conn:
        in_flight = releases.in_flight_order_ids(conn, FLOW.name, FLOW.model)
    domain = pipeline.intake_domain(registry.policy_for(services, FLOW))
    checked, found, offset = 0, [], 0
    while len(found) < limit:
        try:
            page = services.odoo.search_submitted(
                domain, not_before=_odoo(not_before), written_before=written_before,
                exclude_ids=in_flight, offset=offset, limit=page_size)
        except OdooError as err:
            raise DependencyDown(f"Odoo could not be searched: {err.message}", code=err.category) from err
        checked, offset = checked + len(page), offset + len(page)
        with services.db.transaction() as conn:
            latest = releases.latest_for_orders(conn, FLOW.model, [q["id"] for q in page])
        found += [q for q in page if missed(q, latest.get(q["id"]))]
        if len(page) < page_size:
            break
    return checked, found[:limit]


def _event(quotation: dict) -> dict:
    return {"id": f"reconcile:{FLOW.model}:{quotation['id']}:{quotation['write_date']}", "type": FLOW.event_type,
            "source": "reconciliation",
            "data": {"_model": FLOW.model, "_id": quotation["id"], "name": quotation["name"]}}


def reconcile(services: Services, body: dict) -> dict:
    """Decide (or, dry, preview) every missed submitted quotation; one run at a time (409 otherwise)."""
    contracts.validate("reconcile_request.v1", body)
    if body.get("dry_run"):  # records nothing: any number may run
        return _reconcile(services, body, dry_run=True)
    with services.db.transaction() as conn:
        token = locks.acquire(conn, LOCK, LOCK_SECONDS)
    if token is None:
        raise Conflict("a reconciliation is already running; this one would decide the same orders twice over",
                       code="reconciliation_running")
    try:
        return _reconcile(services, body, dry_run=False)
    finally:
        with services.db.transaction() as conn:
            locks.release(conn, LOCK, token)


def _reconcile(services: Services, body: dict, dry_run: bool) -> dict:
    """Decide (or preview) every missed submitted quotation; one failure does not stop the others."""
    not_before = go_live(services)
    checked, todo = find_missed(services, not_before,
                                body.get("older_than_minutes", services.settings.reconcile_grace_minutes),
                                body.get("limit", DEFAULT_LIMIT), body.get("page_size", DEFAULT_PAGE_SIZE))
    decided, planned, failed = [], [], []
    for quotation in todo:
        ref = {"order_id": quotation["id"], "order_name": quotation["name"]}
        try:
            if dry_run:
                planned.append({**ref, **pipeline.preview(services, FLOW, quotation["id"])})
            else:
                _, answer, _ = pipeline.submit(services, _event(quotation))
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
