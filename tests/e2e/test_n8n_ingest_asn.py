"""End to end in a real n8n for supplier ASNs: an X12 856 notice as JSON, and one as CSV on the second path -> the
Supplier ASN workflow -> POST /v1/ingest/supplier-asn(-csv) (the supplier's SKUs and units through the mappings;
the supplier is the system of record for its receipts) + worker -> Odoo: the expected arrival on the purchase
order's lines and its receipt. The stack is tests/e2e/conftest.py's; dates are read back from Odoo as admin."""
from __future__ import annotations

import json

import pytest

from tests.e2e.ingest_support import ingested, jobs, mappings, post, refused_without_token, settle
from tests.support.odoo_seed import unique

pytestmark = pytest.mark.e2e

SOURCE = "acme-supplies"


def purchase(odoo_seed, vendor, products):
    """A confirmed purchase order (with its receipt) of 5 of each product; its name."""
    po = odoo_seed.call("purchase.order", "create", {"partner_id": vendor, "order_line": [
        (0, 0, {"product_id": product, "product_qty": 5.0, "price_unit": 3.0}) for product in products]})
    odoo_seed.call("purchase.order", "button_confirm", [po])
    return odoo_seed.read("purchase.order", [po], ["name"])[0]["name"]


def planned(odoo_seed, po_name):
    """product id -> the line's date_planned, and the open receipts' scheduled dates."""
    [order] = odoo_seed.search_read("purchase.order", [("name", "=", po_name)], ["order_line"])
    lines = odoo_seed.read("purchase.order.line", order["order_line"], ["product_id", "date_planned"])
    receipts = odoo_seed.search_read("stock.picking", [("origin", "=", po_name),
                                                       ("picking_type_code", "=", "incoming")], ["scheduled_date"])
    return {line["product_id"][0]: line["date_planned"] for line in lines}, [r["scheduled_date"] for r in receipts]


def x12_856(asn_id, po_name, sku, quantity, unit):
    """An X12 856 ship notice as JSON, shaped as suppliers' EDI gateways send it."""
    return {"ISA": {"ISA06": "ACMESUPPLIES", "ISA08": "OURCOMPANY", "ISA13": "000004711"},
            "ST": {"ST01": "856", "ST02": "0001"},
            "BSN": {"BSN01": "00", "BSN02": asn_id, "BSN03": "20261204", "BSN04": "1530", "BSN05": "0001"},
            "HL": [{"HL01": "1", "HL03": "S",
                    "TD5": {"TD501": "B", "TD502": "2", "TD503": "DHLF", "TD504": "M", "TD505": "DHL Freight"},
                    "REF": [{"REF01": "BM", "REF02": "BOL-55102"}],
                    "DTM": [{"DTM01": "011", "DTM02": "20261204", "DTM03": "1530", "DTM04": "UT"},
                            {"DTM01": "017", "DTM02": "20270309", "DTM03": "0800", "DTM04": "UT"}],
                    "N1": [{"N101": "ST", "N102": "Main warehouse", "N103": "92", "N104": "WH"},
                           {"N101": "SU", "N102": "ACME Supplies GmbH", "N103": "92", "N104": "ACME"}]},
                   {"HL01": "2", "HL02": "1", "HL03": "O", "PRF": {"PRF01": po_name, "PRF04": "20261120"}},
                   {"HL01": "3", "HL02": "2", "HL03": "I", "LIN": {"LIN01": "1", "LIN02": "VP", "LIN03": sku},
                    "SN1": {"SN101": "1", "SN102": quantity, "SN103": unit}}]}


@pytest.fixture
def supplier(stack, odoo_seed):
    """The supplier's partner, two products and their SKUs as the supplier writes them, mapped."""
    vendor = odoo_seed.customer("ACME Supplies")
    desk, paper = odoo_seed.product(cost=80.0, price=150.0), odoo_seed.product(cost=2.0, price=4.0)
    desk_sku, paper_sku = unique("AC-DSK").replace(" ", "-"), unique("AC-PAPER").replace(" ", "-")
    mappings(stack, "skus", SOURCE, [{"sku": desk_sku, "product_id": desk}, {"sku": paper_sku, "product_id": paper}])
    mappings(stack, "units", SOURCE, [{"unit": "EA", "uom_id": odoo_seed.uom_id("Units")}])
    mappings(stack, "packs", SOURCE, [{"unit": "CS", "product_id": paper, "quantity": 5}])
    mappings(stack, "partners", SOURCE, [{"external_id": "ACME", "partner_id": vendor},
                                         {"external_id": SOURCE, "partner_id": vendor}])
    return vendor, (desk, desk_sku), (paper, paper_sku)


def test_an_x12_notice_posted_twice_dates_the_order_and_its_receipt_once(stack, odoo_seed, supplier):
    vendor, (desk, desk_sku), (paper, _paper_sku) = supplier
    po_name = purchase(odoo_seed, vendor, [desk, paper])
    before, _ = planned(odoo_seed, po_name)
    notice = json.dumps(x12_856(unique("SHP").replace(" ", "-"), po_name, desk_sku, 6, "EA")).encode()
    letters_before, asked = stack.n8n_letters(), ingested(stack, "supplier-asn")
    refused_without_token(stack, "ingest/supplier-asn", notice, "application/json")

    post(stack, "ingest/supplier-asn", notice, "application/json", source=SOURCE)
    post(stack, "ingest/supplier-asn", notice, "application/json", source=SOURCE)  # the EDI gateway sends it again
    settle(stack, "supplier-asn", asked + 2, "sync_receipts", po_name)
    lines, receipts = planned(odoo_seed, po_name)
    assert lines == {desk: "2027-03-09 08:00:00", paper: before[paper]}
    assert receipts == ["2027-03-09 08:00:00"]
    assert len(jobs(stack, "sync_receipts", po_name)) == 1  # the repeat joined the job of the first
    assert stack.n8n_letters() == letters_before


def test_a_csv_notice_on_the_second_path_dates_its_order(stack, odoo_seed, supplier):
    vendor, (desk, _desk_sku), (paper, paper_sku) = supplier
    po_name = purchase(odoo_seed, vendor, [desk, paper])
    before, _ = planned(odoo_seed, po_name)
    asn_id = unique("SHP").replace(" ", "-")
    csv = ("asn_id,po,sku,quantity,unit,lot,shipped_at,expected_at,carrier\r\n"
           f"{asn_id},{po_name},{paper_sku},2,CS,,2026-12-06T06:00:00Z,2027-03-12T14:30:00Z,DHL Freight\r\n").encode()
    letters_before, asked = stack.n8n_letters(), ingested(stack, "supplier-asn-csv")
    post(stack, "ingest/supplier-asn-csv", csv, "text/csv", source=SOURCE)
    settle(stack, "supplier-asn-csv", asked + 1, "sync_receipts", po_name)
    lines, receipts = planned(odoo_seed, po_name)
    assert lines == {desk: before[desk], paper: "2027-03-12 14:30:00"}
    assert receipts == ["2027-03-12 14:30:00"]
    assert stack.n8n_letters() == letters_before
