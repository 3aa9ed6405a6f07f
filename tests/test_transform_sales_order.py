"""build_release_facts and release_request_from_webhook: raw Odoo answers -> canonical models."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sidecar.contracts import problems
from sidecar.errors import InvalidPayload
from sidecar.transform.sales_order import (
    build_release_facts, m2o_id, odoo_datetime, release_request_from_webhook,
)

FACTS = "sale_order.release_facts.v1"

# Shaped like OdooGateway.read_release_bundle's answer, with values as Odoo 17 recorded them; the
# server has no sale_margin here (the margin comes from standard_price).
BUNDLE = {
    "order": {
        "id": 28, "name": "S00028", "state": "sent",
        "partner_id": [14, "Azure Interior"], "user_id": [2, "Mitchell Admin"],
        "write_uid": [2, "Mitchell Admin"], "write_date": "2026-11-23 19:03:12", "company_id": [1, "YourCompany"],
        "warehouse_id": [1, "YourCompany"], "date_order": "2026-11-23 19:03:11",
        "commitment_date": False, "amount_untaxed": 2250.0, "amount_total": 2587.5,
        "currency_id": [1, "USD"], "currency_rate": 1.0, "picking_policy": "direct", "order_line": [53, 54, 55],
    },
    "lines": [
        {"id": 53, "product_id": [37, "[DESK0005] Customizable Desk (Custom, White)"], "product_uom_qty": 3.0,
         "product_uom": [1, "Units"], "price_unit": 750.0, "price_subtotal": 2250.0,
         "name": "[DESK0005] Customizable Desk (Custom, White)", "customer_lead": 7.0, "display_type": False},
        {"id": 54, "product_id": False, "product_uom_qty": 0.0, "product_uom": False, "price_unit": 0.0,
         "price_subtotal": 0.0, "name": "Section: furniture", "customer_lead": 0.0, "display_type": "line_section"},
        {"id": 55, "product_id": [41, "Installation"], "product_uom_qty": 2.0, "product_uom": [4, "Hours"],
         "price_unit": 0.0, "price_subtotal": 0.0, "name": "Installation", "customer_lead": 0.0,
         "display_type": False},
    ],
    "products": [
        {"id": 37, "name": "Customizable Desk", "default_code": "DESK0005", "standard_price": 600.0,
         "detailed_type": "product", "sale_delay": 7, "uom_id": [1, "Units"]},
        {"id": 41, "name": "Installation", "default_code": False, "standard_price": 0.0,
         "detailed_type": "service", "sale_delay": 0, "uom_id": [4, "Hours"]},
    ],
    "partner": {"id": 14, "name": "Azure Interior", "commercial_partner_id": [14, "Azure Interior"]},
    "commercial_partner": {"id": 14, "name": "Azure Interior", "credit": 1200.0, "credit_to_invoice": 0.0,
                           "credit_limit": 5000.0, "use_partner_credit_limit": True},
    "company": {"id": 1, "name": "YourCompany", "account_use_credit_limit": True, "currency_id": [1, "USD"]},
    "currencies": [{"id": 1, "name": "USD", "decimal_places": 2, "rounding": 0.01}],
    "uoms": [{"id": 1, "name": "Units", "factor": 1.0, "rounding": 0.01, "category_id": [1, "Unit"]},
             {"id": 2, "name": "Dozens", "factor": 0.08333333333333333, "rounding": 0.01, "category_id": [1, "Unit"]},
             {"id": 4, "name": "Hours", "factor": 8.0, "rounding": 0.01, "category_id": [3, "Working Time"]}],
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


def with_sale_margin(bundle: dict, order_margin: float, line_costs: dict) -> dict:
    """The bundle as a server with sale_margin answers it: Odoo's purchase_price and margins."""
    bundle = copy.deepcopy(bundle)
    bundle["order"].update(margin=order_margin, margin_percent=order_margin / bundle["order"]["amount_untaxed"])
    for line in bundle["lines"]:
        cost = line_costs.get(line["id"], 0.0)
        line.update(purchase_price=cost, margin=line["price_subtotal"] - cost * line["product_uom_qty"])
    return bundle


def test_the_recorded_bundle_gives_valid_complete_facts():
    facts = build_release_facts(BUNDLE, now=datetime(2026, 11, 23, 19, 5, tzinfo=timezone.utc))
    assert problems(FACTS, facts) == []
    assert facts["order"] == {
        "id": 28, "name": "S00028", "state": "sent", "company_id": 1, "partner_id": 14,
        "partner_name": "Azure Interior", "warehouse_id": 1, "warehouse_name": "YourCompany",
        "salesperson_id": 2, "date_order": "2026-11-23T19:03:11Z", "commitment_date": None,
        "write_date": "2026-11-23 19:03:12", "amount_untaxed": 2250.0, "amount_total": 2587.5,
        "currency": "USD", "currency_decimals": 2, "currency_rate": 1.0, "picking_policy": "direct",
    }
    assert facts["lines"] == [
        {"line_id": 53, "product_id": 37, "product_name": "Customizable Desk", "default_code": "DESK0005",
         "storable": True, "quantity": 3.0, "uom": "Units", "product_quantity": 3.0, "product_uom": "Units",
         "price_subtotal": 2250.0, "unit_cost": 600.0, "margin": 450.0,
         "available_quantity": 59.0, "customer_lead_days": 7.0, "is_delivery": False},
        {"line_id": 55, "product_id": 41, "product_name": "Installation", "default_code": None,
         "storable": False, "quantity": 2.0, "uom": "Hours", "product_quantity": 2.0, "product_uom": "Hours",
         "price_subtotal": 0.0, "unit_cost": 0.0, "margin": 0.0,
         "available_quantity": None, "customer_lead_days": 0.0, "is_delivery": False},
    ]
    assert facts["margin"] == {"amount": 450.0, "percent": 20.0, "source": "standard_price"}
    assert facts["credit"] == {"receivable": 1200.0, "to_invoice": 0.0, "order_amount": 2587.5,
                               "exposure": 3787.5, "limit": 5000.0, "currency": "USD", "currency_decimals": 2,
                               "over_amount": -1212.5, "over_percent": -24.25}
    assert facts["requested_by"] == {"user_id": 2, "login": "admin"}
    # derived for the rules: where, what is short, and the earliest delivery counted from the read moment
    assert facts["site"] == {"company_id": 1, "warehouse_id": 1}
    assert facts["stock"] == {"storable_count": 1, "short_count": 0, "short_listing": None, "where": " in YourCompany",
                              "products": [{"product_id": 37, "label": "[DESK0005]", "needed": 3.0,
                                            "available": 59.0, "unit": "Units"}]}
    assert facts["lead_time"] == {"requested": None, "days": 0.0, "from": "2026-11-23T19:05:00Z",
                                  "earliest": "2026-11-23T19:05:00Z",
                                  "basis": "shortest line lead time (ships as soon as possible)"}


def test_write_date_is_kept_as_odoo_sent_it():
    facts = build_release_facts(bundle_with(order__write_date="2026-11-25 02:10:11.123456"))
    assert facts["order"]["write_date"] == "2026-11-25 02:10:11.123456"
    assert problems(FACTS, facts) == []


# Without sale_margin, Odoo's rule (sale_margin `_compute_purchase_price`, `_compute_margin`) is applied
# to the product's cost: cost per product unit -> per line unit -> order currency, margin = subtotal -
# cost * quantity, percent = margin / untaxed; nothing is rounded before the policy compares it.
@pytest.mark.parametrize("changes, amount, percent", [
    ({}, 450.0, 20.0),
    ({"products__0__standard_price": 750.0}, 0.0, 0.0),
    ({"products__0__standard_price": 800.0}, -150.0, -150 / 2250 * 100),
    ({"products__0__standard_price": 0.0}, 2250.0, 100.0),
    ({"order__amount_untaxed": 0.0, "lines__0__price_subtotal": 0.0}, -1800.0, None),
    ({"lines__0__product_uom_qty": 1.0, "lines__0__price_subtotal": 750.0, "order__amount_untaxed": 750.0},
     150.0, 20.0),
    ({"products__0__standard_price": 0.1, "lines__0__product_uom_qty": 3.0}, 2250 - 0.30000000000000004,
     (2250 - 0.30000000000000004) / 2250 * 100),
    # three dozen at 9,000 a dozen, the desk costing 600 a unit: 7,200 a dozen
    ({"lines__0__product_uom": [2, "Dozens"], "lines__0__price_subtotal": 27000.0,
      "order__amount_untaxed": 27000.0}, 27000.0 - 3 * 600.0 / 0.08333333333333333, 20.0),
    # an order in a currency worth half the company's (currency_rate 2): the cost is 1,200 a unit there
    ({"order__currency_rate": 2.0, "lines__0__price_subtotal": 4500.0, "order__amount_untaxed": 4500.0},
     900.0, 20.0),
])
def test_margin_without_sale_margin(changes, amount, percent):
    facts = build_release_facts(bundle_with(**changes))
    assert facts["margin"]["amount"] == pytest.approx(amount, abs=1e-9)
    assert facts["margin"]["percent"] == (None if percent is None else pytest.approx(percent, abs=1e-9))
    assert facts["margin"]["source"] == "standard_price"
    assert problems(FACTS, facts) == []


def test_margin_with_sale_margin_is_odoos_own():
    """Odoo's stored purchase_price (0 on a line) wins over the product's current cost."""
    bundle = with_sale_margin(BUNDLE, order_margin=2250.0, line_costs={53: 0.0})
    facts = build_release_facts(bundle)
    assert facts["margin"] == {"amount": 2250.0, "percent": 100.0, "source": "sale_margin"}
    assert (facts["lines"][0]["unit_cost"], facts["lines"][0]["margin"]) == (0.0, 2250.0)
    assert problems(FACTS, facts) == []


# Odoo 17 (account `_build_credit_warning_message`, sale `_compute_partner_credit_warning`): the limit is
# the partner's credit_limit, which holds the company default when the partner has none of its own
# (use_partner_credit_limit only says it differs); it applies when the company's setting is on and the
# limit is not 0.
@pytest.mark.parametrize("company_enabled, partner_own, credit_limit, expected", [
    (True, True, 5000.0, 5000.0),
    (True, False, 5000.0, 5000.0),   # the company default: the review's "reported as no credit limit"
    (False, True, 5000.0, None),
    (False, False, 5000.0, None),
    (True, True, 0.0, None),
    (True, False, 0.0, None),
    (True, True, -10.0, -10.0),
])
def test_credit_limit_is_odoos_rule(company_enabled, partner_own, credit_limit, expected):
    facts = build_release_facts(bundle_with(
        company__account_use_credit_limit=company_enabled,
        commercial_partner__use_partner_credit_limit=partner_own,
        commercial_partner__credit_limit=credit_limit,
    ))
    assert facts["credit"]["limit"] == expected
    assert problems(FACTS, facts) == []


@pytest.mark.parametrize("receivable, to_invoice, total, rate, exposure", [
    (0.0, 0.0, 2587.5, 1.0, 2587.5),
    (1200.0, 0.0, 2587.5, 1.0, 3787.5),
    (0.0, 575.0, 575.0, 1.0, 1150.0),       # the live case: Odoo warned 1,150 > 1,000
    (-50.0, 0.0, 100.0, 1.0, 50.0),
    (100.0, 200.0, 500.0, 0.5, 1300.0),     # 500 in a currency at rate 0.5 is 1,000 of the company's
])
def test_exposure_is_odoos_total_credit(receivable, to_invoice, total, rate, exposure):
    facts = build_release_facts(bundle_with(commercial_partner__credit=receivable,
                                            commercial_partner__credit_to_invoice=to_invoice,
                                            order__amount_total=total, order__currency_rate=rate))
    assert (facts["credit"]["receivable"], facts["credit"]["to_invoice"]) == (receivable, to_invoice)
    assert facts["credit"]["order_amount"] == total / rate
    assert facts["credit"]["exposure"] == exposure


def test_credit_amounts_are_in_the_company_currency():
    bundle = bundle_with(order__currency_id=[2, "EUR"], order__currency_rate=0.5,
                         currencies=[{"id": 1, "name": "USD", "decimal_places": 2},
                                     {"id": 2, "name": "EUR", "decimal_places": 2}])
    facts = build_release_facts(bundle)
    assert (facts["order"]["currency"], facts["credit"]["currency"]) == ("EUR", "USD")
    assert facts["credit"]["order_amount"] == 2587.5 / 0.5


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


# uom `_compute_quantity`: qty / from.factor * to.factor, rounded UP to the target unit's rounding.
@pytest.mark.parametrize("qty, line_uom, product_quantity", [
    (3.0, [1, "Units"], 3.0),
    (3.0, [2, "Dozens"], 36.0),
    (0.5, [2, "Dozens"], 6.0),
    (0.1, [2, "Dozens"], 1.2),
    (0.001, [2, "Dozens"], 0.02),   # 0.012 units, rounded up to the unit's 0.01
])
def test_quantities_are_converted_to_the_product_unit(qty, line_uom, product_quantity):
    facts = build_release_facts(bundle_with(lines__0__product_uom_qty=qty, lines__0__product_uom=line_uom))
    line = facts["lines"][0]
    assert (line["quantity"], line["uom"], line["product_uom"]) == (qty, line_uom[1], "Units")
    assert line["product_quantity"] == pytest.approx(product_quantity, abs=1e-9)


def test_lead_time_is_the_lines_customer_lead():
    facts = build_release_facts(bundle_with(lines__0__customer_lead=2.5, products__0__sale_delay=7))
    assert facts["lines"][0]["customer_lead_days"] == 2.5
    delivery = build_release_facts(bundle_with(lines__2__is_delivery=True))
    assert [line["is_delivery"] for line in delivery["lines"]] == [False, True]


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
    assert (order["currency_decimals"], facts["credit"]["currency_decimals"]) == (2, 2)
    assert facts["requested_by"] == {"user_id": None, "login": None}
    assert problems(FACTS, facts) == []


def test_an_order_without_lines():
    facts = build_release_facts(bundle_with(lines=[], products=[], order__amount_untaxed=0.0,
                                            order__amount_total=0.0))
    assert facts["lines"] == []
    assert facts["margin"] == {"amount": 0.0, "percent": None, "source": "standard_price"}
    assert problems(FACTS, facts) == []


def test_build_is_pure():
    bundle = copy.deepcopy(BUNDLE)
    now = datetime(2026, 11, 23, 19, 5, tzinfo=timezone.utc)
    assert build_release_facts(bundle, now) == build_release_facts(bundle, now)
    assert bundle == BUNDLE


@pytest.mark.parametrize("value, expected", [
    ([3, "S00003"], 3), (3, 3), (False, None), (None, None), ([], None), (True, None), ("3", None),
])
def test_m2o_id(value, expected):
    assert m2o_id(value) == expected


RECORDED = json.loads((Path(__file__).parent / "data" / "odoo17-release-requested-webhook.json").read_text())
WEBHOOK = RECORDED["body"]  # what Odoo 17 really posted (tests/data, recorded by the odoo-setup rule)


def test_the_recorded_webhook_names_only_the_order_and_its_write_moment():
    assert release_request_from_webhook(WEBHOOK) == {"order_id": 19, "write_date": "2026-11-25 02:17:01.140520"}
    assert json.loads(RECORDED["raw_body"]) == WEBHOOK
    assert RECORDED["committed_when_received"] == 0  # Odoo posted before its transaction committed


@pytest.mark.parametrize("extra", [
    {"write_uid": 7}, {"write_uid": [7, "Marc Demo"]}, {"requested_by": 9}, {"requested_by": [9, "Jane"]},
    {"user_id": 2}, {"state": "sale"}, {"tag_ids": []}, {"name": "S99999"}, {"write_uid": False},
])
def test_body_identities_and_states_are_ignored(extra):
    assert release_request_from_webhook({**WEBHOOK, **extra}) == release_request_from_webhook(WEBHOOK)


@pytest.mark.parametrize("write_date", ["2026-11-25 02:17:01", "2026-11-25 02:17:01.1", None, False])
def test_the_webhooks_write_date_is_kept_as_odoo_sent_it(write_date):
    body = {**WEBHOOK, "write_date": write_date}
    assert release_request_from_webhook(body)["write_date"] == (write_date or None)


@pytest.mark.parametrize("write_date, kept", [
    ("2024-02-29 10:00:00", True), ("2026-02-29 10:00:00", False), ("2026-04-31 10:00:00.5", False),
    ("2026-11-25 02:17:01\n", False), ("2026-11-25 02:17:01.\u0661\u0662", False),
])
def test_a_write_date_the_pattern_admits_but_no_clock_shows_is_dropped(write_date, kept):
    assert release_request_from_webhook({**WEBHOOK, "write_date": write_date})["write_date"] == (write_date if kept else None)


@pytest.mark.parametrize("write_date", ["2026-11-25T02:17:01Z", "yesterday", 20261125, "2026-13-25 02:17:01",
                                        "2026-11-25 02:17:01.x"])
def test_malformed_write_date_is_an_invalid_payload(write_date):
    with pytest.raises(InvalidPayload) as caught:
        release_request_from_webhook({**WEBHOOK, "write_date": write_date})
    assert caught.value.details[0]["pointer"] == "/write_date"


def test_webhook_without_optional_fields():
    assert release_request_from_webhook({"_model": "sale.order", "_id": 5}) == {"order_id": 5, "write_date": None}


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
