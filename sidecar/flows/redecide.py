"""Ask for a fresh decision when an order changed after its release was decided."""
from __future__ import annotations

import logging

from sidecar.errors import SidecarError
from sidecar.services import Services
from sidecar.store import audit

logger = logging.getLogger(__name__)
EVENT_TYPE = "sale_order.release_requested"


def redecide_event(release: dict, current: dict) -> dict:
    """The event a superseded release turns into; its id names the release and the order's new write_date."""
    write_date = current.get("write_date") or "unknown"
    data = {"_model": "sale.order", "_id": release["order_id"]}
    if current.get("write_date"):
        data["write_date"] = current["write_date"]
    return {"id": f"redecide:{release['id']}:{write_date}", "type": EVENT_TYPE, "source": "sidecar", "data": data}


def request(services: Services, release: dict, current: dict) -> dict | None:
    """Run the release flow again for the order; the new release's answer, or None when it could not decide.

    The event id makes this safe to repeat. When Odoo is down the release flow parks the
    event as a dead letter itself; a refusal (the order is no longer a quotation) is audited.
    """
    from sidecar.flows.release import submit_release  # the release flow imports the worker's neighbours

    event = redecide_event(release, current)
    try:
        status, answer, _ = submit_release(services, event)
    except Exception as err:  # the release is already out of flight: reconciliation can still pick the order up
        code, message = (err.code, err.message) if isinstance(err, SidecarError) else ("internal_error", repr(err))
        logger.warning("no new decision for %s after release %s was superseded: %s %s",
                       release["order_name"], release["id"], code, message,
                       exc_info=not isinstance(err, SidecarError))
        with services.db.transaction() as conn:
            audit.append(conn, "release.redecide_failed", release["id"],
                         {"event_id": event["id"], "code": code, "message": message}, actor="worker")
        return None
    with services.db.transaction() as conn:
        audit.append(conn, "release.redecided", release["id"],
                     {"event_id": event["id"], "status": status, "release_id": answer.get("release_id"),
                      "outcome": answer.get("outcome")}, actor="worker")
    return answer
