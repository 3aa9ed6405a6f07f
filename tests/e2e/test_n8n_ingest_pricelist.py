"""End to end in a real n8n for a supplier's price list: the CSV upload -> the Price list import workflow ->
POST /v1/ingest/supplier-pricelist (the supplier's SKUs, units and cases through the mappings; the supplier is
the system of record for its own prices) + worker -> Odoo's vendor prices (product.supplierinfo). The stack is
tests/e2e/conftest.py's; vendor prices are read back from Odoo as admin."""
from __future__ import annotations

import pytest

from tests.e2e.ingest_support import ingested, mappings, post, refused_without_token, settle
from tests.support.odoo_seed import unique

pytestmark = pytest.mark.e2e

PATH = "ingest/supplier-pricelist"
SOURCE = "acme-supplies"
HEADER = "sku,unit,price,currency,min_quantity,date_start,date_end,product_code,delay\r\n"


def vendor_prices(odoo_seed, vendor):
    rows = odoo_seed.search_read("product.supplierinfo", [("partner_id", "=", vendor)],
                                 ["product_id", "min_qty", "price", "currency_id", "date_start", "date_end"])
    return sorted((r["product_id"][0], r["min_qty"], r["price"], r["currency_id"][1], r["date_start"], r["date_end"])
                  for r in rows)


def test_a_price_list_uploaded_twice_gives_one_vendor_price_per_break_and_a_new_list_updates_them(stack, odoo_seed):
    vendor = odoo_seed.customer("ACME Supplies")
    desk, paper = odoo_seed.product(cost=80.0, price=150.0), odoo_seed.product(cost=2.0, price=4.0)
    desk_sku, paper_sku = unique("AC-DSK").replace(" ", "-"), unique("AC-PAP").replace(" ", "-")
    mappings(stack, "skus", SOURCE, [{"sku": desk_sku, "product_id": desk}, {"sku": paper_sku, "product_id": paper}])
    mappings(stack, "units", SOURCE, [{"unit": "EA", "uom_id": odoo_seed.uom_id("Units")}])
    mappings(stack, "packs", SOURCE, [{"unit": "CS", "product_id": paper, "quantity": 5}])
    mappings(stack, "partners", SOURCE, [{"external_id": SOURCE, "partner_id": vendor}])
    price_list = (HEADER + f"{desk_sku},EA,212.50,EUR,1,2027-01-01,2027-06-30,AC-DSK-160,12\r\n"
                  f"{desk_sku},EA,205.00,EUR,10,2027-01-01,2027-06-30,AC-DSK-160,12\r\n"
                  f"{paper_sku},CS,14.75,EUR,0,,,AC-PAP-5,3\r\n").encode()
    letters_before, asked = stack.n8n_letters(), ingested(stack, "supplier-pricelist")
    refused_without_token(stack, PATH, price_list, "text/csv")

    post(stack, PATH, price_list, "text/csv", source=SOURCE)
    post(stack, PATH, price_list, "text/csv", source=SOURCE)  # uploaded again: nothing twice
    settle(stack, "supplier-pricelist", asked + 2, "sync_prices", f'"partner_id": {vendor}, ')
    assert vendor_prices(odoo_seed, vendor) == sorted([
        (desk, 1.0, 212.5, "EUR", "2027-01-01", "2027-06-30"), (desk, 10.0, 205.0, "EUR", "2027-01-01", "2027-06-30"),
        (paper, 0.0, 2.95, "EUR", False, False)])  # a case of 5 at 14.75: 2.95 a unit

    revised = (HEADER + f"{desk_sku},EA,209.00,EUR,1,2027-01-01,2027-06-30,AC-DSK-160,12\r\n").encode()
    post(stack, PATH, revised, "text/csv", source=SOURCE)
    settle(stack, "supplier-pricelist", asked + 3, "sync_prices", f'"partner_id": {vendor}, ')
    assert vendor_prices(odoo_seed, vendor) == sorted([
        (desk, 1.0, 209.0, "EUR", "2027-01-01", "2027-06-30"), (desk, 10.0, 205.0, "EUR", "2027-01-01", "2027-06-30"),
        (paper, 0.0, 2.95, "EUR", False, False)])
    assert stack.n8n_letters() == letters_before
