"""Ask for a fresh decision when a document changed after it was decided."""
from __future__ import annotations

import logging

from sidecar.errors import SidecarError
from sidecar.services import Services
from sidecar.store import audit

logger = logging.getLogger(__name__)


def redecide_event(flow, release: dict, current: dict) -> dict:
    """The event a superseded decision turns into; its id names the decision and the document's new write_date.

    Its data is the flow's (`flow.event_data`): Odoo's webhook shape (`_model`, `_id`, optional
    `write_date`) unless the flow's event also carries what was asked.
    """
    write_date = current.get("write_date") or "unknown"
    return {"id": f"redecide:{release['id']}:{write_date}", "type": flow.event_type, "source": "sidecar",
            "data": flow.event_data(flow, release, current)}


def request(services: Services, release: dict, current: dict) -> dict | None:
    """Run the decision's flow again for the document; the new answer, or None when it could not decide.

    The event id makes this safe to repeat. When Odoo is down the pipeline parks the event as a
    dead letter itself; a refusal (the document is no longer in a decidable state) is audited.
    """
    from sidecar.flows import pipeline, registry  # the flows import the worker's neighbours

    event = redecide_event(registry.flow_of(release), release, current)
    try:
        status, answer, _ = pipeline.submit(services, event)
    except Exception as err:  # the decision is already out of flight: reconciliation can still pick it up
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
