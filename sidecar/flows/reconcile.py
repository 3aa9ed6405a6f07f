"""Reconciliation: quotations submitted for release whose webhook was lost get decided now."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sidecar import contracts
from sidecar.errors import DependencyDown, SidecarError
from sidecar.flows.release import submit_release
from sidecar.odoo.errors import OdooError
from sidecar.services import Services
from sidecar.store import releases

logger = logging.getLogger(__name__)
EVENT_TYPE = "sale_order.release_requested"


def _epoch(odoo_datetime: str) -> float:
    return datetime.strptime(odoo_datetime, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()


def missed(quotation: dict, latest: dict | None) -> bool:
    """No release in flight, and none decided since the quotation last changed."""
    if latest is None:
        return True
    return not latest["in_flight"] and latest["updated_at"] < _epoch(quotation["write_date"])


def reconcile(services: Services, body: dict) -> dict:
    """Decide every missed quotation; one failure does not stop the others."""
    contracts.validate("reconcile_request.v1", body)
    minutes = body.get("older_than_minutes", services.settings.reconcile_grace_minutes)
    domain = services.policy.submitted_domain
    try:
        quotations = services.odoo.search_quotations(domain, minutes, body.get("limit", 200))
    except OdooError as err:
        raise DependencyDown(f"Odoo could not be searched: {err.message}", code=err.category) from err
    with services.db.transaction() as conn:
        latest = releases.latest_for_orders(conn, [q["id"] for q in quotations])
    todo = [q for q in quotations if missed(q, latest.get(q["id"]))]
    decided, failed = [], []
    for quotation in [] if body.get("dry_run") else todo:
        event = {
            "id": f"reconcile:sale.order:{quotation['id']}:{quotation['write_date']}",
            "type": EVENT_TYPE, "source": "reconciliation",
            "data": {"_model": "sale.order", "_id": quotation["id"], "name": quotation["name"],
                     "write_uid": quotation.get("write_uid") or False},
        }
        try:
            _, answer, _ = submit_release(services, event)
            decided.append({"order_id": quotation["id"], "order_name": quotation["name"],
                            "release_id": answer["release_id"], "outcome": answer["outcome"]})
        except SidecarError as err:
            logger.warning("reconciliation of %s failed: %s", quotation["name"], err.message)
            failed.append({"order_id": quotation["id"], "order_name": quotation["name"],
                           "code": err.code, "message": err.message})
    return {"checked": len(quotations), "missed": [{"order_id": q["id"], "order_name": q["name"]} for q in todo],
            "decided": decided, "failed": failed}
