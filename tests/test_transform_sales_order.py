"""build_release_facts and release_request_from_webhook: raw Odoo answers -> canonical models."""
from __future__ import annotations

import copy

import pytest

from sidecar.contracts import problems
from sidecar.errors import InvalidPayload
from sidecar.transform.sales_order import (
    build_release_facts, m2o_id, odoo_datetime, release_request_from_webhook,
)

FACTS = "sale_order.release_facts.v1"

# Shaped like OdooGateway.read_release_bundle's answer, with values as Odoo 17 recorded them.
BUNDLE = {
    "order": {
        "id": 28, "name": "S00028", "state": "sent",
        "partner_id": [14, "Azure Interior"], "user_id": [2, "Mitchell Admin"],
        "write_uid": [2, "Mitchell Admin"], "company_id": [1, "YourCompany"],
        "warehouse_id": [1, "YourCompany"], "date_order": "2026-11-23 19:03:11",
        "commitment_date": False, "amount_untaxed": 2250.0, "amount_total": 2587.5,
        "currency_id": [1, "USD"], "order_line": [53, 54, 55],
    },
    "lines": [
        {"id": 53, "product_id": [37, "[DESK0005] Customizable Desk (Custom, White)"], "product_uom_qty": 3.0,
         "product_uom": [1, "Units"], "price_unit": 750.0, "price_subtotal": 2250.0,
         "name": "[DESK0005] Customizable Desk (Custom, White)"},
        {"id": 54, "product_id": False, "product_uom_qty": 0.0, "product_uom": False, "price_unit": 0.0,
         "price_subtotal": 0.0, "name": "Section: furniture"},
        {"id": 55, "product_id": [41, "Installation"], "product_uom_qty": 2.0, "product_uom": [4, "Hours"],
         "price_unit": 0.0, "price_subtotal": 0.0, "name": "Installation"},
    ],
    "products": [
        {"id": 37, "name": "Customizable Desk", "default_code": "DESK0005", "standard_price": 600.0,
         "detailed_type": "product", "sale_delay": 7},
        {"id": 41, "name": "Installation", "default_code": False, "standard_price": 0.0,
         "detailed_type": "service", "sale_delay": 0},
    ],
    "partner": {"id": 14, "name": "Azure Interior", "commercial_partner_id": [14, "Azure Interior"]},
    "commercial_partner": {"id": 14, "name": "Azure Interior", "credit": 1200.0, "credit_limit": 5000.0,
                           "use_partner_credit_limit": True},
    "company": {"id": 1, "name": "YourCompany", "account_use_credit_limit": True},
    "free_quantities": {"37": 59.0},
    "requested_by": {"user_id": 2, "login": "admin"},
}


def bundle_with(**changes) -> dict:
    """A copy of BUNDLE with dotted paths replaced, e.g. {'order.amount_untaxed': 0.0}."""
    bundle = copy.deepcopy(BUNDLE)
    for dotted, value in changes.items():
        target = bundle
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return bundle


def test_the_recorded_bundle_gives_valid_complete_facts():
    facts = build_release_facts(BUNDLE)
    assert problems(FACTS, facts) == []
    assert facts["order"] == {
        "id": 28, "name": "S00028", "state": "sent", "company_id": 1, "partner_id": 14,
        "partner_name": "Azure Interior", "warehouse_id": 1, "warehouse_name": "YourCompany",
        "salesperson_id": 2, "date_order": "2026-11-23T19:03:11Z", "commitment_date": None,
        "amount_untaxed": 2250.0, "amount_total": 2587.5, "currency": "USD",
        "write_date": None,  # the recorded bundle predates reading write_date
    }
    assert facts["lines"] == [
        {"line_id": 53, "product_id": 37, "product_name": "Customizable Desk", "default_code": "DESK0005",
         "storable": True, "quantity": 3.0, "uom": "Units", "price_subtotal": 2250.0, "unit_cost": 600.0,
         "available_quantity": 59.0, "customer_lead_days": 7.0},
        {"line_id": 55, "product_id": 41, "product_name": "Installation", "default_code": None,
         "storable": False, "quantity": 2.0, "uom": "Hours", "price_subtotal": 0.0, "unit_cost": 0.0,
         "available_quantity": None, "customer_lead_days": 0.0},
    ]
    assert facts["margin"] == {"amount": 450.0, "percent": 20.0}
    assert facts["credit"] == {"receivable": 1200.0, "order_amount": 2587.5, "exposure": 3787.5, "limit": 5000.0}
    assert facts["requested_by"] == {"user_id": 2, "login": "admin"}


@pytest.mark.parametrize("changes, amount, percent", [
    ({}, 450.0, 20.0),
    ({"products__0__standard_price": 750.0}, 0.0, 0.0),
    ({"products__0__standard_price": 800.0}, -150.0, -6.67),
    ({"products__0__standard_price": 0.0}, 2250.0, 100.0),
    ({"order__amount_untaxed": 0.0, "lines__0__price_subtotal": 0.0}, -1800.0, None),
    ({"lines__0__product_uom_qty": 1.0, "lines__0__price_subtotal": 750.0, "order__amount_untaxed": 750.0},
     150.0, 20.0),
    ({"products__0__standard_price": 0.1, "lines__0__product_uom_qty": 3.0}, 2249.7, 99.99),
])
def test_margin(changes, amount, percent):
    facts = build_release_facts(bundle_with(**changes))
    assert facts["margin"] == {"amount": amount, "percent": percent}
    assert problems(FACTS, facts) == []


@pytest.mark.parametrize("company_enabled, partner_enabled, credit_limit, expected", [
    (True, True, 5000.0, 5000.0),
    (False, True, 5000.0, None),
    (True, False, 5000.0, None),
    (True, True, 0.0, None),
    (False, False, 0.0, None),
])
def test_credit_limit_applies_only_when_company_and_partner_enable_it(
        company_enabled, partner_enabled, credit_limit, expected):
    facts = build_release_facts(bundle_with(
        company__account_use_credit_limit=company_enabled,
        commercial_partner__use_partner_credit_limit=partner_enabled,
        commercial_partner__credit_limit=credit_limit,
    ))
    assert facts["credit"]["limit"] == expected
    assert problems(FACTS, facts) == []


@pytest.mark.parametrize("receivable, total, exposure", [
    (0.0, 2587.5, 2587.5),
    (1200.0, 2587.5, 3787.5),
    (-50.0, 100.0, 50.0),
    (0.1, 0.2, 0.3),
])
def test_exposure_is_receivable_plus_order(receivable, total, exposure):
    facts = build_release_facts(bundle_with(commercial_partner__credit=receivable, order__amount_total=total))
    assert facts["credit"]["receivable"] == receivable
    assert facts["credit"]["order_amount"] == total
    assert facts["credit"]["exposure"] == exposure


def test_credit_comes_from_the_commercial_partner():
    bundle = bundle_with(partner={"id": 30, "name": "Azure Interior, Brandon Freeman",
                                  "commercial_partner_id": [14, "Azure Interior"]},
                         order__partner_id=[30, "Azure Interior, Brandon Freeman"])
    facts = build_release_facts(bundle)
    assert facts["order"]["partner_id"] == 30
    assert facts["order"]["partner_name"] == "Azure Interior, Brandon Freeman"
    assert facts["credit"]["receivable"] == 1200.0


@pytest.mark.parametrize("changes, available", [
    ({}, 59.0),
    ({"free_quantities": {}}, 0.0),
    ({"free_quantities": {37: 12.5}}, 12.5),
    ({"products__0__detailed_type": "consu"}, None),
])
def test_available_quantity(changes, available):
    facts = build_release_facts(bundle_with(**changes))
    assert facts["lines"][0]["available_quantity"] == available
    assert facts["lines"][0]["storable"] is (available is not None)


@pytest.mark.parametrize("raw, iso", [
    ("2026-11-23 19:03:11", "2026-11-23T19:03:11Z"),
    ("2026-01-02 00:00:00", "2026-01-02T00:00:00Z"),
    ("2026-01-02T03:04:05+02:00", "2026-01-02T01:04:05Z"),
    (False, None),
    (None, None),
])
def test_odoo_datetimes_are_utc_iso(raw, iso):
    assert odoo_datetime(raw) == iso


def test_optional_order_values_may_be_false():
    facts = build_release_facts(bundle_with(
        order__warehouse_id=False, order__user_id=False, order__currency_id=False,
        order__commitment_date="2026-12-01 08:00:00", company={},
        requested_by={"user_id": None, "login": None},
    ))
    order = facts["order"]
    assert (order["warehouse_id"], order["warehouse_name"], order["salesperson_id"], order["currency"]) == (
        None, None, None, None)
    assert order["commitment_date"] == "2026-12-01T08:00:00Z"
    assert order["company_id"] == 1
    assert facts["credit"]["limit"] is None
    assert facts["requested_by"] == {"user_id": None, "login": None}
    assert problems(FACTS, facts) == []


def test_an_order_without_lines():
    facts = build_release_facts(bundle_with(lines=[], products=[], order__amount_untaxed=0.0,
                                            order__amount_total=0.0))
    assert facts["lines"] == []
    assert facts["margin"] == {"amount": 0.0, "percent": None}
    assert problems(FACTS, facts) == []


def test_build_is_pure():
    bundle = copy.deepcopy(BUNDLE)
    assert build_release_facts(bundle) == build_release_facts(bundle)
    assert bundle == BUNDLE


@pytest.mark.parametrize("value, expected", [
    ([3, "S00003"], 3), (3, 3), (False, None), (None, None), ([], None), (True, None), ("3", None),
])
def test_m2o_id(value, expected):
    assert m2o_id(value) == expected


WEBHOOK = {"_action": "Notify n8n: quotation submitted(#439)", "_id": 3, "_model": "sale.order",
           "amount_total": 434.13, "client_order_ref": False, "id": 3, "name": "S00003",
           "order_line": [6, 7], "partner_id": 12, "state": "sent", "user_id": 2, "warehouse_id": 1}


@pytest.mark.parametrize("extra, expected", [
    ({}, {"order_id": 3, "requested_by": 2}),
    ({"write_uid": 7}, {"order_id": 3, "requested_by": 7}),
    ({"write_uid": [7, "Marc Demo"]}, {"order_id": 3, "requested_by": 7}),
    ({"requested_by": 9, "write_uid": 7}, {"order_id": 3, "requested_by": 9}),
    ({"requested_by": [9, "Jane"], "write_uid": 7}, {"order_id": 3, "requested_by": 9}),
    ({"requested_by": False, "write_uid": False}, {"order_id": 3, "requested_by": 2}),
    ({"user_id": False}, {"order_id": 3, "requested_by": None}),
    ({"user_id": [2, "Mitchell Admin"]}, {"order_id": 3, "requested_by": 2}),
])
def test_release_request_from_webhook(extra, expected):
    assert release_request_from_webhook({**WEBHOOK, **extra}) == expected


def test_webhook_without_optional_fields():
    assert release_request_from_webhook({"_model": "sale.order", "_id": 5}) == {"order_id": 5, "requested_by": None}


@pytest.mark.parametrize("body, pointer", [
    ({"_model": "res.partner", "_id": 3}, "/_model"),
    ({"_model": "sale.order"}, "/_id"),
    ({"_model": "sale.order", "_id": "3"}, "/_id"),
    ({"_model": "sale.order", "_id": 0}, "/_id"),
])
def test_bad_webhook_bodies_are_invalid_payloads(body, pointer):
    with pytest.raises(InvalidPayload) as caught:
        release_request_from_webhook(body)
    assert caught.value.details[0]["pointer"] == pointer
