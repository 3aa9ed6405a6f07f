"""Odoo's access rules as the sidecar meets them, on the double and on a real Odoo 17: the
integration user sees every order and the credit fields; a plain salesman does not."""
from __future__ import annotations

import pytest

from sidecar.odoo import OdooError, OdooGateway
from sidecar.odoo.integration_user import REQUIRED_GROUPS

SALESMAN = "sales_team.group_sale_salesman"
CREDIT = ["credit", "credit_limit", "use_partner_credit_limit"]


@pytest.fixture
def salesman(odoo_target, odoo_seed):
    """A gateway logged in as a salesman who only sees his own orders ("Personal Orders")."""
    uid, login, password = odoo_seed.user([SALESMAN])
    gw = OdooGateway(odoo_target.url, odoo_target.db, login, password, timeout=10.0)
    gw.uid = uid
    yield gw
    gw.close()


@pytest.fixture
def admins_quotation(odoo_seed):
    """A quotation whose salesperson is the administrator, not the salesman above."""
    customer = odoo_seed.customer()
    product = odoo_seed.product(cost=10.0, price=20.0, on_hand=5.0)
    order = odoo_seed.quotation(customer, [(product, 1)], user_id=odoo_seed.uid)
    return {"order_id": order, "customer_id": customer, "product_id": product}


def test_the_integration_user_holds_only_the_documented_groups(gateway, odoo_seed, least_privilege):
    uid = odoo_seed.user_id(least_privilege.login)
    user = odoo_seed.read("res.users", [uid], ["groups_id", "share"])[0]
    assert user["share"] is False  # an internal user: Odoo honours body_is_html only for those
    granted = set()
    for xmlid in REQUIRED_GROUPS:
        module, _dot, name = xmlid.partition(".")
        granted |= {row["res_id"] for row in odoo_seed.search_read(
            "ir.model.data", [("module", "=", module), ("name", "=", name)], ["res_id"])}
    assert granted <= set(user["groups_id"])
    system = odoo_seed.search_read("ir.model.data", [("module", "=", "base"), ("name", "=", "group_system")],
                                   ["res_id"])[0]["res_id"]
    assert system not in user["groups_id"]


def test_a_plain_salesman_does_not_see_other_salespersons_orders(salesman, admins_quotation):
    order = admins_quotation["order_id"]
    assert salesman.execute("sale.order", "search", [("id", "=", order)]) == []
    with pytest.raises(OdooError) as caught:
        salesman.read("sale.order", [order], ["name"])
    assert (caught.value.category, caught.value.odoo_name) == ("access_denied", "odoo.exceptions.AccessError")
    assert "top-secret records" in caught.value.message


def test_the_integration_user_sees_and_reads_every_salespersons_order(gateway, admins_quotation):
    order = admins_quotation["order_id"]
    assert gateway.execute("sale.order", "search", [("id", "=", order)]) == [order]
    assert gateway.read("sale.order", [order], ["state"])[0]["state"] == "sent"


def test_credit_fields_need_an_accounting_group(salesman, gateway, admins_quotation):
    customer = admins_quotation["customer_id"]
    with pytest.raises(OdooError) as caught:
        salesman.read("res.partner", [customer], CREDIT)
    assert (caught.value.category, caught.value.odoo_name) == ("access_denied", "odoo.exceptions.AccessError")
    assert "credit" in caught.value.message
    assert salesman.read("res.partner", [customer], ["name"])  # the rest of the partner stays readable
    row = gateway.read("res.partner", [customer], CREDIT)[0]
    assert set(row) == {"id", *CREDIT}


def test_the_integration_user_reads_stock_quants(gateway, admins_quotation):
    quants = gateway.search_read("stock.quant", [("product_id", "=", admins_quotation["product_id"]),
                                                 ("location_id.usage", "=", "internal")],
                                 ["available_quantity"])
    assert sum(q["available_quantity"] for q in quants) == 5.0


def test_a_company_outside_the_users_companies_is_refused(salesman):
    with pytest.raises(OdooError) as caught:
        salesman.execute("sale.order", "search", [], context={"allowed_company_ids": [999999]})
    assert caught.value.category == "access_denied"
    assert caught.value.message == "Access to unauthorized or invalid companies."


def test_an_author_without_an_email_address_cannot_post_a_note(salesman, odoo_seed):
    """Why the integration user is given an email address."""
    order = odoo_seed.quotation(odoo_seed.customer(), [(odoo_seed.product(cost=1.0, price=2.0), 1)],
                                user_id=salesman.uid)
    with pytest.raises(OdooError) as caught:
        salesman.execute("sale.order", "message_post", [order], body="hello")
    assert (caught.value.category, caught.value.odoo_name) == ("validation_error", "odoo.exceptions.UserError")
    assert caught.value.message == "Unable to send message, please configure the sender's email address."


def test_the_integration_user_reads_the_sales_taxes_of_its_company(gateway, odoo_seed, least_privilege):
    """Synced order lines get their taxes matched in account.tax: base.group_user reads it
    (account/security/ir.model.access.csv), no group is added for it."""
    domain = [("type_tax_use", "=", "sale"), ("company_id", "=", gateway.default_company_id())]
    seen = gateway.search_read("account.tax", domain, ["amount"], order="id")
    assert seen and seen == odoo_seed.search_read("account.tax", domain, ["amount"], order="id")
