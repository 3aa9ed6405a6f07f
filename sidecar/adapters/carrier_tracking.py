"""carrier-tracking: an EasyPost-style Tracker -> canonical.shipment.

The body is one Tracker, an array of them, {"trackers": [...]}, or the webhook Event that carries
one in `result`. The carrier's statuses become the canonical ones (its own word is kept in
`carrier_status`), the tracking details become the events, oldest first (a detail sent twice is
one event), and the delivery it belongs to comes from the tracker's `reference` (the picking's
name, as set when the label was bought) and `order_reference` (its sale order) when it has them.
"""
from __future__ import annotations

from sidecar.adapters import Adapter, register
from sidecar.adapters.fields import RecordProblem, array, at, moment, obj, text
from sidecar.adapters.tables import items, json_document
from sidecar.mapping.resolver import Mapper

# EasyPost's tracker statuses -> the canonical ones.
STATUSES = {
    "unknown": "unknown",
    "pre_transit": "pre_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "available_for_pickup": "out_for_delivery",   # waiting for the customer at a pickup point: the last leg
    "delivered": "delivered",
    "return_to_sender": "returned",
    "failure": "exception",
    "error": "exception",
    "cancelled": "exception",                      # the label was voided: nothing will arrive
}


def split(body: bytes, media_type: str) -> list:
    document = json_document(body, media_type)
    if isinstance(document, dict) and document.get("object") == "Event" and "result" in document:
        return [{"value": document["result"], "pointer": "/result"}]
    return items(document, "trackers")


def ref(raw) -> str | None:
    tracker = raw["value"]
    value = tracker.get("id") if isinstance(tracker, dict) else None
    return value if isinstance(value, str) else None


def _status(value, where: str, required: bool = True) -> str:
    if value is None and not required:
        return "unknown"
    if not isinstance(value, str) or value.strip().lower() not in STATUSES:
        shown = value[:40] if isinstance(value, str) else value if value is None else type(value).__name__
        raise RecordProblem(where, f"unknown carrier status {shown!r}; expected one of {', '.join(STATUSES)}",
                            code="unknown_status")
    return STATUSES[value.strip().lower()]


def convert(raw, mapper: Mapper, source: str) -> dict:
    tracker, pointer = raw["value"], raw["pointer"]
    tracker = obj(tracker, pointer)
    carrier_status = text(tracker, "status", pointer, max_length=64)
    events, seen = [], set()
    details = array(tracker.get("tracking_details"), at(pointer, "tracking_details"), required=False)
    if len(details) > 500:
        raise RecordProblem(at(pointer, "tracking_details"), f"has {len(details)} events; at most 500 are read")
    for index, detail in enumerate(details):
        where = at(at(pointer, "tracking_details"), index)
        detail = obj(detail, where)
        event = {"at": moment(detail.get("datetime"), at(where, "datetime")),
                 "status": _status(detail.get("status"), at(where, "status"), required=False),
                 "message": text(detail, "message", where, required=False, max_length=1000),
                 "location": _location(detail.get("tracking_location"), at(where, "tracking_location"))}
        key = (event["at"], event["status"], event["message"])
        if key not in seen:
            seen.add(key)
            events.append(event)
    events.sort(key=lambda e: e["at"])  # stable: events of one moment keep the carrier's order
    delivered = [e["at"] for e in events if e["status"] == "delivered"]
    return {
        "source": {"system": source, "ref": ref(raw)},
        "tracking_code": text(tracker, "tracking_code", pointer, max_length=128, ids=True),
        "carrier": text(tracker, "carrier", pointer, max_length=64),
        "status": _status(carrier_status, at(pointer, "status")),
        "carrier_status": carrier_status,
        "picking": {"name": text(tracker, "reference", pointer, required=False, max_length=128),
                    "origin": text(tracker, "order_reference", pointer, required=False, max_length=128)},
        "estimated_delivery": moment(tracker.get("est_delivery_date"), at(pointer, "est_delivery_date"), required=False),
        "delivered_at": delivered[-1] if delivered else None,
        "events": events,
    }


def _location(value, where: str) -> dict | None:
    if value is None:
        return None
    location = obj(value, where)
    found = {"city": text(location, "city", where, required=False, max_length=128),
             "state": text(location, "state", where, required=False, max_length=64),
             "country": text(location, "country", where, required=False, max_length=64),
             "zip": text(location, "zip", where, required=False, max_length=32, ids=True)}
    return found if any(found.values()) else None


ADAPTER = register(Adapter(
    name="carrier-tracking", canonical="canonical.shipment.v1",
    description="An EasyPost-style Tracker (or its webhook Event) as a canonical shipment: the carrier's status "
                "mapped to the canonical ones, the tracking events oldest first, the Odoo delivery it carries",
    media_types=("application/json",), split=split, convert=convert, ref=ref,
))
