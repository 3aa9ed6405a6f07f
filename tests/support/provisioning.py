"""Live tests' Odoo side: one flow's records made by `sidecar odoo provision`'s engine, posting to a local receiver."""
from __future__ import annotations

from sidecar.odoo import desired_state, provision

WEBHOOK_AUTH = "odoo:webhook-pw-123"  # what the receiver sees as HTTP Basic auth


def webhooks_for(flow: str, url: str) -> provision.Webhooks:
    """Webhooks whose URL for `flow` is the receiver's `url` (…/webhook/odoo/<flow>)."""
    path = "/" + desired_state.webhook_path(flow)
    assert url.endswith(path), (url, path)
    return provision.Webhooks(url[: -len(path)], WEBHOOK_AUTH)


def provision_flow(admin, flow: str, url: str) -> dict[str, int]:
    """Apply the flow's records twice (the second run changes nothing); their ids by key ("<flow>/rule", ...)."""
    records, webhooks = desired_state.records([flow]), webhooks_for(flow, url)
    first = provision.apply(admin, records, webhooks)
    again = provision.apply(admin, records, webhooks)
    assert again.in_sync and again.ids() == first.ids(), again.render()
    return first.ids()
