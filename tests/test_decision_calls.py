"""How many Odoo calls one release decision makes, counted by the gateway's transport (so the same
test holds on the double and on a real Odoo 17), and that reading in fewer calls changed no fact."""
from __future__ import annotations

import pytest

from sidecar.flows import pipeline
from sidecar.flows.release import FLOW as RELEASE
from sidecar.odoo.gateway import company_context
from sidecar.transform.sales_order import build_release_facts
from sidecar.values import m2o_id
from tests.conftest import bearer
from tests.test_release_flow import event_for

# The calls of one decision once the sidecar is logged in: the intake's one search_count
# (committed and submitted), the order's web_read, the free stock of its products.
DECISION_CALLS = 3


def requests_made(gateway) -> int:
    """HTTP requests the gateway has sent to Odoo so far (each JSON-RPC call is one)."""
    return gateway.pool.stats()["requests"]


def test_one_release_decision_makes_three_odoo_calls(client, services, odoo_seed, healthy_quotation, odoo_target):
    warm = odoo_seed.request_release(odoo_seed.quotation(odoo_seed.customer(), lines=[
        (odoo_seed.product(cost=1.0, price=2.0, on_hand=5.0), 1, 2.0)], state="sent"))
    assert client.post("/v1/events", json=event_for(warm), headers=bearer()).status_code == 201  # logs in first
    start = requests_made(services.odoo)
    answer = client.post("/v1/events", json=event_for(odoo_seed.webhook_body(healthy_quotation)), headers=bearer())
    assert answer.status_code == 201 and answer.json["outcome"] == "release"
    assert requests_made(services.odoo) - start == DECISION_CALLS
    if odoo_target.is_double:
        calls = [c[:2] for c in odoo_target.double.calls[-DECISION_CALLS:]]
        assert calls == [("sale.order", "search_count"), ("sale.order", "web_read"), ("stock.quant", "search_read")]


def test_a_preview_reads_the_facts_in_two_calls(services, healthy_quotation):
    first = pipeline.preview(services, RELEASE, healthy_quotation)  # logs in first
    start = requests_made(services.odoo)
    assert pipeline.preview(services, RELEASE, healthy_quotation) == first
    assert requests_made(services.odoo) - start == DECISION_CALLS - 1


# -- the same facts as the model-by-model read ------------------------------------------------------


def bundle_model_by_model(gateway, order_id: int) -> dict:
    """The release bundle read as the gateway did before web_read: one call per model, in the order's company."""
    order = gateway.read("sale.order", [order_id], [
        "name", "state", "partner_id", "user_id", "write_uid", "write_date", "company_id", "warehouse_id",
        "date_order", "commitment_date", "amount_untaxed", "amount_total", "currency_id", "currency_rate",
        "picking_policy", "order_line", *gateway._optional("sale.order", ["margin", "margin_percent"])],
        context=gateway._across_companies())[0]
    ctx = company_context(m2o_id(order["company_id"]))
    lines = gateway.read("sale.order.line", order["order_line"], [
        "product_id", "product_uom_qty", "product_uom", "price_unit", "price_subtotal", "name", "customer_lead",
        "display_type", *gateway._optional("sale.order.line", ["purchase_price", "margin", "margin_percent"]),
        *gateway._optional("sale.order.line", ["is_delivery"])], context=ctx)
    product_ids = sorted({m2o_id(line["product_id"]) for line in lines} - {None})
    products = gateway.read("product.product", product_ids, [
        "name", "default_code", "standard_price", "detailed_type", "sale_delay", "uom_id"], context=ctx)
    partner = gateway.read("res.partner", [m2o_id(order["partner_id"])], ["name", "commercial_partner_id"],
                           context=ctx)[0]
    credit = gateway.read("res.partner", [m2o_id(partner["commercial_partner_id"])], [
        "name", "credit", "credit_to_invoice", "credit_limit", "use_partner_credit_limit"], context=ctx)[0]
    company = gateway.read("res.company", [m2o_id(order["company_id"])],
                           ["name", "account_use_credit_limit", "currency_id"], context=ctx)[0]
    currencies = gateway.read("res.currency", sorted({m2o_id(order["currency_id"]), m2o_id(company["currency_id"])}),
                              ["name", "decimal_places", "rounding"], context=ctx)
    uom_ids = sorted(({m2o_id(line["product_uom"]) for line in lines} | {m2o_id(p["uom_id"]) for p in products})
                     - {None})
    uoms = gateway.read("uom.uom", uom_ids, ["name", "factor", "rounding", "category_id"], context=ctx)
    return {"order": order, "lines": lines, "products": products, "partner": partner, "commercial_partner": credit,
            "company": company, "currencies": currencies, "uoms": uoms}


@pytest.fixture
def mixed_order(odoo_seed):
    """Storable, consumable and service lines, a line in dozens, a section, a customer contact and a limit."""
    company = odoo_seed.customer(credit_limit=5000.0)
    contact = odoo_seed.call("res.partner", "create", {"name": "Buyer", "parent_id": company})
    odoo_seed.invoice(company, 120.0)
    desk = odoo_seed.product(cost=60.0, price=100.0, on_hand=7.0, customer_lead=3)
    bolts = odoo_seed.product(cost=0.5, price=1.0, on_hand=30.0)
    paper = odoo_seed.product(cost=2.0, price=3.0, storable=False)
    service = odoo_seed.product(cost=10.0, price=25.0, storable=False)
    return odoo_seed.quotation(contact, lines=[
        {"display_type": "line_section", "name": "Furniture"},
        (desk, 2.0, 100.0),
        {"product_id": bolts, "product_uom_qty": 2.0, "product_uom": odoo_seed.uom_id("Dozens"), "price_unit": 12.0},
        (paper, 5.0, 3.0),
        (service, 1.0, 25.0),
        (desk, 1.0, 95.0),
    ], state="sent", commitment_date="2031-03-01 08:00:00")


def test_the_one_call_bundle_is_the_model_by_model_bundle(gateway, mixed_order):
    bundle = gateway.read_release_bundle(mixed_order, None)
    before = bundle_model_by_model(gateway, mixed_order)
    for key, value in before.items():
        assert bundle[key] == value, key
    assert build_release_facts(bundle) == build_release_facts({**before, **{
        key: bundle[key] for key in ("free_quantities", "requested_by")}})
    free = bundle["free_quantities"]
    assert sorted(free.values()) == [7.0, 30.0]


def test_an_order_of_another_company_is_read_again_in_it(gateway, odoo_seed, odoo_target):
    other = odoo_seed.other_company_id()
    service = odoo_seed.product(cost=10.0, price=25.0, storable=False)
    order_id = odoo_seed.quotation(odoo_seed.customer(), [(service, 1, 25.0)], state="sent", company_id=other)
    gateway.read_release_bundle(order_id, None)
    start = requests_made(gateway)
    bundle = gateway.read_release_bundle(order_id, None)
    assert requests_made(gateway) - start == 2  # the web_read again in the order's company; nothing storable
    assert m2o_id(bundle["order"]["company_id"]) == other
    assert bundle == {**bundle_model_by_model(gateway, order_id), **{
        key: bundle[key] for key in ("free_quantities", "requested_by", "user_logins")}}
    if odoo_target.is_double:
        last = odoo_target.double.calls_to("sale.order", "web_read")[-1]
        assert last[3]["context"] == {"allowed_company_ids": [other]}
