"""Odoo 17's web_read and web_search_read through the gateway: the double answers as the real server
(the same assertions run against both), access rights, field groups and record rules included."""
from __future__ import annotations

import pytest

from sidecar.odoo import OdooError, OdooGateway

SALESMAN = "sales_team.group_sale_salesman"  # Sales / User: Own Documents Only


@pytest.fixture
def order(odoo_seed):
    """A sent quotation of a company customer's contact: a section, two product lines."""
    customer = odoo_seed.customer()
    contact = odoo_seed.call("res.partner", "create", {"name": "Buyer", "parent_id": customer})
    desk = odoo_seed.product(cost=60.0, price=100.0, default_code="DESK-WR")
    chair = odoo_seed.product(cost=20.0, price=40.0)
    order_id = odoo_seed.quotation(contact, lines=[{"display_type": "line_section", "name": "Furniture"},
                                                   (desk, 2.0, 100.0), (chair, 4.0, 40.0)], state="sent")
    lines = odoo_seed.read("sale.order", order_id, ["order_line"])[0]["order_line"]
    return {"id": order_id, "customer": customer, "contact": contact, "desk": desk, "chair": chair, "lines": lines}


@pytest.fixture
def as_user(odoo_target, odoo_seed):
    """A gateway logged in as a new internal user holding exactly the given groups."""
    made = []

    def login(*groups):
        uid, user_login, password = odoo_seed.user(list(groups))
        made.append(OdooGateway(odoo_target.url, odoo_target.db, user_login, password))
        return uid, made[-1]

    yield login
    for gw in made:
        gw.close()


def test_plain_values_many2one_ids_and_x2many_ids(gateway, odoo_seed, order):
    row, = gateway.web_read("sale.order", [order["id"]], {"name": {}, "state": {}, "partner_id": {}, "order_line": {}})
    expected = odoo_seed.read("sale.order", order["id"], ["name"])[0]["name"]
    assert row == {"id": order["id"], "name": expected, "state": "sent", "partner_id": order["contact"],
                   "order_line": order["lines"]}


def test_related_records_are_read_in_the_same_call(gateway, odoo_seed, order):
    spec = {"partner_id": {"fields": {"display_name": {}, "commercial_partner_id": {"fields": {"name": {}}}}},
            "order_line": {"fields": {"display_type": {}, "product_uom_qty": {},
                                      "product_id": {"fields": {"default_code": {}}}, "order_id": {}}}}
    row, = gateway.web_read("sale.order", [order["id"]], spec)
    partner = odoo_seed.read("res.partner", order["contact"], ["display_name"])[0]
    customer = odoo_seed.read("res.partner", order["customer"], ["name"])[0]
    assert row["partner_id"] == {"id": order["contact"], "display_name": partner["display_name"],
                                 "commercial_partner_id": {"id": order["customer"], "name": customer["name"]}}
    section, desk, chair = row["order_line"]
    assert [line["id"] for line in row["order_line"]] == order["lines"]
    assert section == {"id": order["lines"][0], "display_type": "line_section", "product_uom_qty": 0.0,
                       "product_id": False, "order_id": order["id"]}
    assert desk["product_id"] == {"id": order["desk"], "default_code": "DESK-WR"}
    assert (desk["display_type"], desk["product_uom_qty"]) == (False, 2.0)
    assert chair["product_id"]["id"] == order["chair"]


def test_a_related_record_with_no_fields_is_its_id_and_names_come_from_display_name(gateway, odoo_seed, order):
    row, = gateway.web_read("sale.order", [order["id"]], {"partner_id": {"fields": {}},
                                                           "company_id": {"fields": {"display_name": {}}}})
    company = odoo_seed.read("sale.order", order["id"], ["company_id"])[0]["company_id"]  # [id, display name]
    assert row == {"id": order["id"], "partner_id": {"id": order["contact"]},
                   "company_id": {"id": company[0], "display_name": company[1]}}


def test_x2many_order_and_limit(gateway, order):
    spec = {"order_line": {"fields": {"product_uom_qty": {}}, "order": "id desc", "limit": 1}}
    row, = gateway.web_read("sale.order", [order["id"]], spec)
    newest, *rest = sorted(order["lines"], reverse=True)
    assert row["order_line"] == [{"id": newest, "product_uom_qty": 4.0}] + [{"id": line} for line in rest]


def test_context_inside_the_specification(gateway, odoo_seed, order):
    """A relation's context reads it in another company: a company-dependent value changes with it."""
    other = odoo_seed.other_company_id()
    odoo_seed.call("product.product", "write", [order["desk"]], {"standard_price": 75.0}, **odoo_seed.as_company(other))
    cost = {"fields": {"standard_price": {}}}
    spec = {"order_line": {"fields": {"product_id": cost}},
            "partner_id": {"fields": {}}}
    here, = gateway.web_read("sale.order", [order["id"]], spec, company_id=odoo_seed.company_id())
    there, = gateway.web_read("sale.order", [order["id"]], {
        **spec, "order_line": {"fields": {"product_id": {**cost, "context": {"allowed_company_ids": [other]}}}}},
        company_id=odoo_seed.company_id())
    assert here["order_line"][1]["product_id"]["standard_price"] == 60.0
    assert there["order_line"][1]["product_id"]["standard_price"] == 75.0


def test_a_missing_record_is_absent(gateway, order):
    assert gateway.web_read("sale.order", [987654321], {"name": {}}) == []
    assert gateway.web_read("sale.order", [], {"name": {}}) == []


def test_web_search_read_searches_then_reads(gateway, order):
    answer = gateway.execute("sale.order", "web_search_read", [("id", "=", order["id"])],
                             specification={"partner_id": {"fields": {}}}, limit=5)
    assert answer == {"length": 1, "records": [{"id": order["id"], "partner_id": {"id": order["contact"]}}]}
    empty = gateway.execute("sale.order", "web_search_read", [("id", "=", 987654321)], specification={})
    assert empty == {"length": 0, "records": []}


def test_access_rights_of_the_read_model(as_user, order):
    _uid, gw = as_user("base.group_user")  # an internal user without Sales
    with pytest.raises(OdooError) as caught:
        gw.web_read("sale.order", [order["id"]], {"name": {}})
    assert caught.value.category == "access_denied"


def test_field_groups_and_record_rules_of_related_models(as_user, odoo_seed, order):
    uid, gw = as_user(SALESMAN)
    mine = odoo_seed.quotation(order["customer"], lines=[(order["desk"], 1.0, 100.0)], user_id=uid)
    row, = gw.web_read("sale.order", [mine], {"partner_id": {"fields": {"name": {}}}})
    assert row["partner_id"]["id"] == order["customer"]
    with pytest.raises(OdooError) as caught:  # credit is for accounting groups only, even one relation away
        gw.web_read("sale.order", [mine], {"partner_id": {"fields": {"credit": {}}}})
    assert caught.value.category == "access_denied"
    with pytest.raises(OdooError) as caught:  # "Personal Orders": another salesperson's order is hidden
        gw.web_read("sale.order", [order["id"]], {"name": {}})
    assert caught.value.category == "access_denied"
