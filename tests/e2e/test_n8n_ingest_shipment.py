"""End to end in a real n8n for shipment tracking: the carrier's tracker webhook (an EasyPost Event) -> the
Shipment tracking workflow -> POST /v1/ingest/carrier-tracking + worker -> Odoo: the delivery's tracking
reference, a chatter note per status and, once delivered, the customer's message on the sale order. The stack
is tests/e2e/conftest.py's; what Odoo holds is read back as admin."""
from __future__ import annotations

import copy
import json

import pytest

from tests.e2e.conftest import ROOT, wait_for
from tests.e2e.ingest_support import ingested, post, refused_without_token, settle
from tests.support.odoo_seed import unique

pytestmark = pytest.mark.e2e

PATH = "ingest/carrier-tracking"
TRACKER = json.loads((ROOT / "tests" / "samples" / "adapters" / "carrier-tracking" / "delivered.json").read_text())


def tracker_event(code: str, delivery: str, order: str, status: str) -> bytes:
    """EasyPost's webhook: a `tracker.updated` Event carrying the Tracker (the realistic sample, for our parcel)."""
    tracker = copy.deepcopy(TRACKER)
    tracker.update(tracking_code=code, reference=delivery, order_reference=order, status=status)
    if status != "delivered":
        tracker["tracking_details"] = [d for d in tracker["tracking_details"] if d["status"] != "delivered"]
    event = {"object": "Event", "id": f"evt_{code.lower()}_{status}", "mode": "production",
             "description": "tracker.updated", "created_at": "2026-12-08T10:15:05Z", "result": tracker}
    return json.dumps(event).encode()


@pytest.fixture
def shipped(odoo_seed):
    """A confirmed sale order, its delivery and its customer."""
    customer = odoo_seed.customer()
    product = odoo_seed.product(cost=5.0, price=12.0)
    odoo_seed.set_on_hand(product, 10)
    order_id = odoo_seed.quotation(customer, [(product, 2)], state="sale")
    order = odoo_seed.read("sale.order", [order_id], ["name"])[0]["name"]
    [delivery] = odoo_seed.search_read("stock.picking", [("origin", "=", order)], ["name"])
    return order_id, order, delivery, customer


def notes(odoo_seed, picking_id, code):
    return [m["body"] for m in odoo_seed.search_read("mail.message", [
        ("model", "=", "stock.picking"), ("res_id", "=", picking_id), ("body", "ilike", code)], ["body"], order="id")]


def customer_messages(odoo_seed, order_id):
    return odoo_seed.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", order_id),
                                                  ("message_type", "=", "comment"), ("body", "ilike", "Ref: notice:")],
                                 ["body", "partner_ids"], order="id")


def test_a_tracker_update_reaches_the_delivery_and_the_customer_once(stack, odoo_seed, shipped):
    order_id, order, delivery, customer = shipped
    code = unique("1ZE2E").replace(" ", "").upper()
    letters_before, asked = stack.n8n_letters(), ingested(stack, "carrier-tracking")
    refused_without_token(stack, PATH, tracker_event(code, delivery["name"], order, "in_transit"), "application/json")

    post(stack, PATH, tracker_event(code, delivery["name"], order, "in_transit"), "application/json")
    settle(stack, "carrier-tracking", asked + 1, "sync_tracking", code)
    picking = odoo_seed.read("stock.picking", [delivery["id"]], ["carrier_tracking_ref"])[0]
    assert picking["carrier_tracking_ref"] == code
    assert len(notes(odoo_seed, delivery["id"], code)) == 1
    assert customer_messages(odoo_seed, order_id) == []  # in transit: nothing to tell the customer yet

    delivered = tracker_event(code, delivery["name"], order, "delivered")
    post(stack, PATH, delivered, "application/json")
    post(stack, PATH, delivered, "application/json")  # the carrier delivers its webhook twice
    settle(stack, "carrier-tracking", asked + 3, "sync_tracking", code)
    [message] = wait_for(lambda: customer_messages(odoo_seed, order_id), "the customer's message", logs=stack.logs)
    assert message["partner_ids"] == [customer]
    assert f"Your order {order} was delivered" in message["body"] and "Delivered, front desk" in message["body"]
    found = notes(odoo_seed, delivery["id"], code)
    assert len(found) == 2 and "delivered" in found[1]
    assert len(customer_messages(odoo_seed, order_id)) == 1
    assert stack.n8n_letters() == letters_before  # every execution ended well


def test_a_tracker_the_sidecar_refuses_is_reported_by_the_error_handler(stack, odoo_seed, shipped):
    """A status no carrier mapping knows: the record is refused (nothing written) and the execution stops for the
    Error handler, which records it where ops look for failures."""
    _order_id, order, delivery, _customer = shipped
    code = unique("1ZBAD").replace(" ", "").upper()
    letters_before, asked = stack.n8n_letters(), ingested(stack, "carrier-tracking")
    post(stack, PATH, tracker_event(code, delivery["name"], order, "teleported"), "application/json")
    wait_for(lambda: ingested(stack, "carrier-tracking") > asked, "the ingest", logs=stack.logs)
    new = wait_for(lambda: {k: v for k, v in stack.n8n_letters().items() if k not in letters_before},
                   "the error handler's dead letter", logs=stack.logs)
    [summary] = new.values()
    assert "refused by the sidecar" in summary and "unknown_status" in summary, summary
    picking = odoo_seed.read("stock.picking", [delivery["id"]], ["carrier_tracking_ref"])[0]
    assert picking["carrier_tracking_ref"] != code
