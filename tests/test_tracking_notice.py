"""The customer's notice of a delivered parcel or a delivery problem: a message on the sale order to its customer,
posted by the tracking write-back once per parcel and status (the double, or a real Odoo 17 with SIDECAR_LIVE=1
as the integration user). What Odoo holds is read back as admin."""
from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.support.odoo_seed import unique


def shipment(order_name, code, status, events):
    """A canonical.shipment.v1 record as the carrier-tracking adapter writes it."""
    return {"source": {"system": "easypost", "ref": code}, "tracking_code": code, "carrier": "UPS", "status": status,
            "picking": {"name": None, "origin": order_name}, "estimated_delivery": None,
            "events": [{"at": at, "status": st, "message": msg,
                        "location": {"city": "Berlin", "state": None, "country": "DE", "zip": None}}
                       for at, st, msg in events]}


def customer_messages(seed, order_id):
    """The sale order's messages to its customer (not internal notes), oldest first."""
    rows = seed.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", order_id),
                                             ("message_type", "=", "comment"), ("body", "ilike", "Ref: notice:")],
                            ["body", "partner_ids", "subtype_id"], order="id")
    return rows


@pytest.fixture
def sold(odoo_seed):
    """A confirmed sale order with its delivery, and its customer."""
    customer = odoo_seed.customer()
    product = odoo_seed.product(cost=5.0, price=12.0)
    odoo_seed.set_on_hand(product, 10)
    order_id = odoo_seed.quotation(customer, [(product, 1)], state="sale")
    name = odoo_seed.read("sale.order", [order_id], ["name"])[0]["name"]
    return order_id, name, customer


def sync(client, record):
    answer = client.post("/v1/sync/tracking", json={"source": "easypost", "records": [record]}, headers=bearer())
    assert answer.status_code == 200 and answer.json["accepted"] == 1, answer.json
    return answer.json


def test_a_delivered_parcel_is_told_to_the_customer_once(client, worker, odoo_seed, sold):
    order_id, name, customer = sold
    code = unique("1Z").replace(" ", "")
    moving = [("2026-12-07T02:41:00Z", "in_transit", "Departed from facility")]
    sync(client, shipment(name, code, "in_transit", moving))
    worker.drain()
    assert customer_messages(odoo_seed, order_id) == []  # in transit: only the delivery's note

    delivered = moving + [("2026-12-08T10:14:00Z", "delivered", "Delivered, front desk")]
    sync(client, shipment(name, code, "delivered", delivered))
    sync(client, shipment(name, code, "delivered", delivered))  # the carrier sends it again
    # ... and once more with a later scan of the same status: still one notice
    sync(client, shipment(name, code, "delivered", delivered + [("2026-12-08T12:00:00Z", "delivered", "Signed")]))
    worker.drain()
    [message] = customer_messages(odoo_seed, order_id)
    assert message["partner_ids"] == [customer]
    comment = odoo_seed.search_read("mail.message.subtype", [("id", "=", message["subtype_id"][0])], ["internal"])
    assert comment[0]["internal"] is False  # a message the customer is sent, not an internal note
    assert f"Your order {name} was delivered on 2026-12-08 10:14:00 UTC" in message["body"]
    assert code in message["body"] and "Delivered, front desk" in message["body"]


def test_a_delivery_problem_is_told_to_the_customer(client, worker, odoo_seed, sold):
    order_id, name, customer = sold
    code = unique("1Z").replace(" ", "")
    sync(client, shipment(name, code, "exception", [("2026-12-08T09:00:00Z", "exception", "Address not found")]))
    worker.drain()
    [message] = customer_messages(odoo_seed, order_id)
    assert message["partner_ids"] == [customer]
    assert f"problem with the delivery of your order {name}" in message["body"]
    assert "Address not found" in message["body"]
