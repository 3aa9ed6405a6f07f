"""The release facts against Odoo's own answers: what Odoo 17 computes for an order (its credit
warning, its margin, its expected date, its free quantity) is the expected value, never a number
our code recomputes.  Runs on the protocol double and, with ODOO_URL set, on a real Odoo 17."""
from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from sidecar.contracts import problems
from sidecar.policy import DEFAULT_POLICY_PATH, build_policy, evaluate
from sidecar.transform.sales_order import build_release_facts

AMOUNT = re.compile(r"\d[\d,]*\.\d+")
ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


def release_policy():
    """The shipped checks (margin 15 %, credit reject above 50 % over, stock, lead time) with our own approvers."""
    data = json.loads(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data["routing"] = {"default_route": "sales-manager", "default_sla_hours": 24, "unknown_requester_route": "sales-manager",
                       "routes": [{"role": "sales-manager", "approvers": ["approver"], "sla_hours": 24}]}
    data["rules"] = [rule for rule in data["rules"] if rule["effect"] != "route"]  # no amount routing
    return build_policy(data)


def facts_of(gateway, order_id: int) -> dict:
    facts = build_release_facts(gateway.read_release_bundle(order_id, None))
    assert problems("sale_order.release_facts.v1", facts) == []
    return facts


def reason(facts: dict, check: str, now: datetime | None = None) -> dict:
    decision = evaluate(facts, release_policy(), now or datetime.now(timezone.utc))
    return next(r for r in decision["reasons"] if r["check"] == check)


def credit_warning(odoo_seed, order_id: int) -> tuple[str, list[float]]:
    """Odoo's credit banner on a quotation and the amounts in it (the limit, then the total due)."""
    text = odoo_seed.read("sale.order", order_id, ["partner_credit_warning"])[0]["partner_credit_warning"] or ""
    return text, [float(found.replace(",", "")) for found in AMOUNT.findall(text)]


@pytest.fixture
def credit_settings(odoo_seed):
    """The company's credit-limit settings, put back as they were after the test."""
    before = odoo_seed.credit_settings()
    yield odoo_seed
    odoo_seed.set_credit_settings(*before)


# -- credit ------------------------------------------------------------------------------------------


def test_the_live_case_odoo_warns_1150_over_1000_and_the_sidecar_flags_it(gateway, credit_settings):
    """A confirmed, uninvoiced order of 575 and a new quotation of 575 against a limit of 1,000: Odoo's
    banner says 1,150 > 1,000 (credit_to_invoice counts); the sidecar once said "575 within 1,000"."""
    seed = credit_settings
    seed.set_credit_settings(True, 0.0)
    customer = seed.customer(credit_limit=1000.0)
    service = seed.product(cost=100.0, price=500.0, storable=False)
    seed.quotation(customer, [(service, 1, 500.0)], state="sale")
    order_id = seed.quotation(customer, [(service, 1, 500.0)], state="sent")
    total = seed.read("sale.order", order_id, ["amount_total"])[0]["amount_total"]

    text, (odoo_limit, odoo_total) = credit_warning(seed, order_id)
    assert "has reached its credit limit" in text and "including sales orders and this document" in text
    assert (odoo_limit, odoo_total) == (1000.0, 2 * total) == (1000.0, 1150.0)

    facts = facts_of(gateway, order_id)
    assert facts["credit"]["limit"] == odoo_limit
    assert round(facts["credit"]["exposure"], 2) == odoo_total
    got = reason(facts, "credit")
    assert (got["code"], got["passed"]) == ("credit_limit_exceeded", False)


def test_the_company_default_limit_applies_to_a_partner_without_its_own(gateway, credit_settings):
    """The review's case: the company default of 5,000, 9,000 receivable, reported as "no credit limit"."""
    seed = credit_settings
    seed.set_credit_settings(True, 5000.0)
    customer = seed.customer()
    seed.invoice(customer, 9000.0)
    service = seed.product(cost=10.0, price=100.0, storable=False)
    order_id = seed.quotation(customer, [(service, 1, 100.0)], state="sent")

    partner = seed.read("res.partner", customer, ["credit", "credit_limit", "use_partner_credit_limit"])[0]
    assert (partner["credit"], partner["credit_limit"], partner["use_partner_credit_limit"]) == (9000.0, 5000.0, False)
    text, (odoo_limit, odoo_total) = credit_warning(seed, order_id)
    assert text

    facts = facts_of(gateway, order_id)
    assert (facts["credit"]["limit"], facts["credit"]["receivable"]) == (odoo_limit, partner["credit"])
    assert round(facts["credit"]["exposure"], 2) == odoo_total
    assert reason(facts, "credit")["code"] == "credit_over_reject_threshold"  # 82 % over, the policy allows 50 %


@pytest.mark.parametrize("enabled, own_limit, price", [
    (True, 1000.0, 100.0),     # within the limit: Odoo says nothing
    (False, 1000.0, 5000.0),   # the company setting off: no limit at all
    (True, 0.0, 5000.0),       # a limit of 0 is no limit
])
def test_where_odoo_shows_no_warning_the_sidecar_sees_no_breach(gateway, credit_settings, enabled, own_limit, price):
    seed = credit_settings
    seed.set_credit_settings(enabled, 0.0)
    customer = seed.customer()
    seed.call("res.partner", "write", [customer], {"credit_limit": own_limit})
    service = seed.product(cost=1.0, price=price, storable=False)
    order_id = seed.quotation(customer, [(service, 1, price)], state="sent")
    assert credit_warning(seed, order_id) == ("", [])
    assert reason(facts_of(gateway, order_id), "credit")["passed"] is True


def test_an_order_in_another_currency_counts_at_its_rate(gateway, credit_settings):
    """1,150 EUR at 2 EUR per company unit is 575 of the company's currency, as Odoo's banner adds it."""
    seed = credit_settings
    seed.set_credit_settings(True, 0.0)
    customer = seed.customer(credit_limit=500.0)
    service = seed.product(cost=10.0, price=1000.0, storable=False)
    order_id = seed.quotation(customer, [(service, 1, 1000.0)], state="sent", pricelist_id=seed.pricelist("EUR", 2.0))
    odoo = seed.read("sale.order", order_id, ["amount_total", "currency_rate", "currency_id"])[0]
    assert odoo["currency_id"][1] == "EUR" and odoo["currency_rate"] == 2.0

    text, (odoo_limit, odoo_total) = credit_warning(seed, order_id)
    facts = facts_of(gateway, order_id)
    assert (facts["order"]["currency"], facts["credit"]["currency"]) == ("EUR", "USD")
    assert facts["credit"]["order_amount"] == odoo["amount_total"] / odoo["currency_rate"]
    assert (facts["credit"]["limit"], round(facts["credit"]["exposure"], 2)) == (odoo_limit, odoo_total) == (500.0, 575.0)
    assert reason(facts, "credit")["code"] == "credit_limit_exceeded"


# -- margin and units of measure ------------------------------------------------------------------


def test_margin_is_odoos_even_for_a_line_sold_by_the_dozen(gateway, odoo_seed):
    """Cost 60 a unit, two dozen sold at 1,000 a dozen: Odoo's cost is 720 a dozen, its margin 560 (28 %)."""
    desk = odoo_seed.product(cost=60.0, price=100.0, storable=False)
    line = {"product_id": desk, "product_uom_qty": 2.0, "product_uom": odoo_seed.uom_id("Dozens"), "price_unit": 1000.0}
    order_id = odoo_seed.quotation(odoo_seed.customer(), [line], state="sent")
    odoo = odoo_seed.read("sale.order", order_id, ["margin", "margin_percent", "amount_untaxed"])[0]
    assert (odoo["margin"], odoo["amount_untaxed"]) == (560.0, 2000.0)

    bundle = gateway.read_release_bundle(order_id, None)
    facts = build_release_facts(bundle)
    assert facts["margin"]["amount"] == odoo["margin"]
    assert facts["margin"]["percent"] == pytest.approx(odoo["margin_percent"] * 100, abs=1e-9)

    # without sale_margin the sidecar applies the same rule to the product's cost: it must land on Odoo's numbers
    without = copy.deepcopy(bundle)
    for key in ("margin", "margin_percent"):
        without["order"].pop(key, None)
    for row in without["lines"]:
        for key in ("purchase_price", "margin", "margin_percent"):
            row.pop(key, None)
    fallback = build_release_facts(without)
    assert fallback["margin"]["source"] == "standard_price"
    assert fallback["margin"]["amount"] == pytest.approx(odoo["margin"], abs=0.005)
    assert fallback["margin"]["percent"] == pytest.approx(odoo["margin_percent"] * 100, abs=1e-6)


def test_a_cost_changed_after_the_quote_keeps_odoos_margin(gateway, odoo_seed):
    """Odoo keeps the cost the line was quoted with (purchase_price); a later cost change does not move it."""
    product = odoo_seed.product(cost=0.0, price=100.0, storable=False)
    order_id = odoo_seed.quotation(odoo_seed.customer(), [(product, 1, 100.0)], state="sent")
    odoo_seed.call("product.product", "write", [product], {"standard_price": 99.0})
    odoo = odoo_seed.read("sale.order", order_id, ["margin", "margin_percent"])[0]
    facts = facts_of(gateway, order_id)
    assert (facts["margin"]["amount"], facts["margin"]["percent"]) == (odoo["margin"], odoo["margin_percent"] * 100)


def test_a_line_cost_set_by_hand_is_odoos_margin(gateway, odoo_seed):
    """The live case: a cost typed on the line makes Odoo show 0 %; the product's cost said 99 %."""
    product = odoo_seed.product(cost=1.0, price=100.0, storable=False)
    order_id = odoo_seed.quotation(odoo_seed.customer(), [(product, 1, 100.0)], state="sent")
    line_id = odoo_seed.read("sale.order", order_id, ["order_line"])[0]["order_line"][0]
    odoo_seed.call("sale.order.line", "write", [line_id], {"purchase_price": 100.0})
    odoo = odoo_seed.read("sale.order", order_id, ["margin", "margin_percent"])[0]
    assert (odoo["margin"], odoo["margin_percent"]) == (0.0, 0.0)
    facts = facts_of(gateway, order_id)
    assert (facts["margin"]["amount"], facts["margin"]["percent"]) == (0.0, 0.0)
    got = reason(facts, "margin")
    assert (got["code"], got["passed"]) == ("margin_below_threshold", False)


def test_stock_is_compared_in_the_product_unit(gateway, odoo_seed):
    """20 units free, two dozen ordered: Odoo's quotation line shows less free than ordered."""
    desk = odoo_seed.product(cost=10.0, price=100.0, on_hand=20.0, storable=True)
    line = {"product_id": desk, "product_uom_qty": 2.0, "product_uom": odoo_seed.uom_id("Dozens"), "price_unit": 900.0}
    order_id = odoo_seed.quotation(odoo_seed.customer(), [line], state="sent")
    odoo_line = odoo_seed.search_read("sale.order.line", [("order_id", "=", order_id)],
                                      ["product_uom_qty", "free_qty_today"])[0]
    assert odoo_line["free_qty_today"] < odoo_line["product_uom_qty"]

    facts = facts_of(gateway, order_id)
    sold = facts["lines"][0]
    assert (sold["quantity"], sold["product_quantity"], sold["available_quantity"]) == (2.0, 24.0, 20.0)
    assert sold["available_quantity"] / 12 == pytest.approx(odoo_line["free_qty_today"], abs=0.01)
    got = reason(facts, "stock")
    assert got["code"] == "stock_short" and "(needs 24 Units, has 20 Units)" in got["message"]


# -- lead time -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shipping, leads", [("direct", [2, 6]), ("one", [2, 6])])
def test_the_earliest_delivery_is_odoos_expected_date(gateway, odoo_seed, shipping, leads):
    """Odoo's expected date counts each line's customer_lead from now; the sidecar's earliest date is it."""
    products = [odoo_seed.product(cost=1.0, price=10.0, storable=False, customer_lead=lead) for lead in leads]
    commitment = datetime.now(timezone.utc) + timedelta(days=4)
    order_id = odoo_seed.quotation(odoo_seed.customer(), [(p, 1, 10.0) for p in products], state="sent",
                                   commitment_date=commitment.replace(tzinfo=None), picking_policy=shipping)
    facts = facts_of(gateway, order_id)
    now = datetime.now(timezone.utc)
    expected = odoo_seed.read("sale.order", order_id, ["expected_date"])[0]["expected_date"]
    odoo_expected = datetime.strptime(expected, ODOO_DATETIME).replace(tzinfo=timezone.utc)

    assert sorted(line["customer_lead_days"] for line in facts["lines"]) == sorted(leads)
    got = reason(facts, "lead_time", now)
    earliest = datetime.fromisoformat(got["threshold"].replace("Z", "+00:00"))
    assert abs((earliest - odoo_expected).total_seconds()) < 5
    # Odoo warns "The delivery date is sooner than the expected date" exactly when the sidecar breaches
    assert (got["code"] == "lead_time_too_short") is (commitment < odoo_expected)
    assert got["code"] == ("lead_time_ok" if shipping == "direct" else "lead_time_too_short")


def test_a_delivery_date_odoo_calls_too_soon_is_never_released(gateway, odoo_seed):
    """An order dated long ago promising delivery yesterday: counted from the order date it looked fine."""
    product = odoo_seed.product(cost=1.0, price=10.0, storable=False, customer_lead=1)
    yesterday = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=1)
    order_id = odoo_seed.quotation(odoo_seed.customer(), [(product, 1, 10.0)], state="sent",
                                   commitment_date=yesterday,
                                   date_order=(yesterday - timedelta(days=30)).strftime(ODOO_DATETIME))
    facts = facts_of(gateway, order_id)
    expected = odoo_seed.read("sale.order", order_id, ["expected_date"])[0]["expected_date"]
    assert datetime.strptime(expected, ODOO_DATETIME) > yesterday
    assert reason(facts, "lead_time")["code"] == "lead_time_too_short"


# -- company ------------------------------------------------------------------------------------


@pytest.fixture
def other_company(odoo_seed):
    """The demo's second company, its credit settings put back after the test."""
    company = odoo_seed.other_company_id()
    before = odoo_seed.credit_settings(company)
    yield company
    odoo_seed.set_credit_settings(*before, company_id=company)


def test_an_order_is_judged_in_its_own_company(gateway, credit_settings, other_company):
    """Credit limit (company dependent) and receivables (per company) as Odoo shows them in the order's
    company; read in the integration user's default company the same order would look over its limit."""
    seed = credit_settings
    seed.set_credit_settings(True, 0.0)
    seed.set_credit_settings(True, 0.0, company_id=other_company)
    customer = seed.customer(credit_limit=1000.0)
    seed.call("res.partner", "write", [customer], {"credit_limit": 3000.0}, **seed.as_company(other_company))
    seed.invoice(customer, 2000.0)  # owed to the default company only
    service = seed.product(cost=10.0, price=2500.0, storable=False)
    order_id = seed.quotation(customer, [(service, 1, 2500.0)], state="sent", company_id=other_company)

    in_its_company = seed.read("sale.order", order_id, ["partner_credit_warning"], company_id=other_company)[0]
    default_first = {"allowed_company_ids": [seed.company_id(), other_company]}  # env.company = the default one
    in_the_default = seed.call("sale.order", "read", [order_id], ["partner_credit_warning"], context=default_first)[0]
    assert in_its_company["partner_credit_warning"] == ""
    assert in_the_default["partner_credit_warning"]  # the test tells the two apart

    partner = seed.read("res.partner", customer, ["credit", "credit_limit"], company_id=other_company)[0]
    facts = facts_of(gateway, order_id)
    assert facts["order"]["company_id"] == other_company
    assert (facts["credit"]["limit"], facts["credit"]["receivable"]) == (partner["credit_limit"], partner["credit"])
    assert (partner["credit_limit"], partner["credit"]) == (3000.0, 0.0)
    assert reason(facts, "credit")["passed"] is True
