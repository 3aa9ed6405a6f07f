"""canonical.shipment -> the delivery's tracking reference and a chatter note with its latest status."""
from __future__ import annotations

from sidecar.outbound import fields as f

STATUSES = ("pre_transit", "in_transit", "out_for_delivery", "delivered", "exception", "returned", "unknown")


def scope(record: dict, source: str) -> str:
    """Authority scope of tracking: the carrier."""
    return str(f.get(record, "/carrier") or source)


def convert(record: dict, source: str) -> dict:
    """The delivery (by name, its sale order as origin, else the delivery already carrying the tracking code),
    the tracking code and the latest event."""
    picking = f.text(record, "/picking/name", required=False)
    origin = None if picking else f.text(record, "/picking/origin", required=False)  # neither: by its tracking code
    code = f.text(record, "/tracking_code", limit=128)
    status = f.choice(record, "/status", STATUSES)
    events = f.get(record, "/events") or []
    if not isinstance(events, list):
        raise f.bad("/events", "must be a list")
    latest = events[-1] if events and isinstance(events[-1], dict) else {}
    at = f.moment({"at": latest.get("at")}, "/at", required=False) if latest else None
    carrier = f.text(record, "/carrier", required=False, limit=64) or source
    message = latest.get("message") if isinstance(latest.get("message"), str) else None
    eta = f.moment(record, "/estimated_delivery", required=False)
    stamp = at.replace(" ", "T") if at else ""
    return {"ref": f"tracking:{carrier}:{code}:{status}:{stamp}", "picking": picking, "origin": origin,
            "tracking_code": code, "carrier": carrier, "status": status, "at": at,
            "message": (message or "")[:500], "location": _place(latest.get("location")),
            "estimated_delivery": eta}


def _place(location) -> str | None:
    """A tracking event's location as one line ('Lyon, FR')."""
    if isinstance(location, dict):
        parts = [location.get(key) for key in ("city", "state", "zip", "country")]
        return ", ".join(str(part) for part in parts if part)[:200] or None
    return str(location)[:200] if location else None
