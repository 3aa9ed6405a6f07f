"""Demo-like data, with the ids and names Odoo 17's demo database uses where the recorded
samples show them (admin uid 2, To-Do activity type 4, WH/Stock location 8, product 37 ...)."""
from __future__ import annotations

import datetime as dt

from . import security, seed_purchase
from .models import automation, procurement, replenishment, returns, sale
from .values import DATETIME_FMT

TZ = "Europe/Brussels"

XMLIDS = [  # (module, name, model, res_id)
    ("base", "main_partner", "res.partner", 1), ("base", "main_company", "res.company", 1),
    ("base", "partner_root", "res.partner", 2), ("base", "partner_admin", "res.partner", 3),
    ("base", "partner_demo", "res.partner", 7), ("base", "user_root", "res.users", 1),
    ("base", "user_admin", "res.users", 2), ("base", "user_demo", "res.users", 6),
    ("base", "USD", "res.currency", 1), ("base", "EUR", "res.currency", 2),
    ("uom", "product_uom_categ_unit", "uom.category", 1), ("uom", "product_uom_unit", "uom.uom", 1),
    ("uom", "product_uom_dozen", "uom.uom", 2), ("product", "product_category_all", "product.category", 1),
    ("product", "product_category_1", "product.category", 2),
    ("mail", "mt_comment", "mail.message.subtype", 1), ("mail", "mt_note", "mail.message.subtype", 2),
    ("mail", "mt_activities", "mail.message.subtype", 3), ("sale", "mt_order_confirmed", "mail.message.subtype", 12),
    ("sale", "mt_order_sent", "mail.message.subtype", 11),
    ("mail", "mail_activity_data_email", "mail.activity.type", 1),
    ("mail", "mail_activity_data_call", "mail.activity.type", 2),
    ("mail", "mail_activity_data_meeting", "mail.activity.type", 3),
    ("mail", "mail_activity_data_upload_document", "mail.activity.type", 5),
    ("stock", "stock_location_locations", "stock.location", 1),
    ("stock", "stock_location_locations_partner", "stock.location", 2),
    ("stock", "stock_location_locations_virtual", "stock.location", 3),
    ("stock", "stock_location_suppliers", "stock.location", 4),
    ("stock", "stock_location_customers", "stock.location", 5),
    ("stock", "warehouse0", "stock.warehouse", 1), ("stock", "stock_location_stock", "stock.location", 8),
    ("stock", "stock_location_inventory", "stock.location", 14),
    ("sale", "sale_order_cancel_view_form", "ir.ui.view", 1146),
    ("sale", "mail_template_sale_cancellation", "mail.template", 17),
    ("account", "account_payment_term_immediate", "account.payment.term", 1),
    ("account", "account_payment_term_30days", "account.payment.term", 4),
    ("account", "account_payment_term_end_following_month", "account.payment.term", 6),
]
MODEL_IDS = {"sale.order": 559, "res.partner": 85, "product.template": 228, "product.product": 229,
             "stock.picking": 352, "mail.activity": 32, "mail.message": 27, "res.users": 90}
CUSTOMERS = [  # id, name, parent, is_company, customer_rank, payment term, credit
    (8, "Joel Willis", 1, False, 1, False, 0.0), (9, "Wood Corner", False, True, 1, 4, 0.0),
    (10, "Deco Addict", False, True, 1, 4, 0.0), (11, "Gemini Furniture", False, True, 1, False, 0.0),
    (12, "Ready Mat", False, True, 1, False, 0.0), (13, "Lumber Inc", False, True, 1, 1, 1150.0),
    (14, "Azure Interior", False, True, 1, 6, 0.0), (15, "Brandon Freeman", 14, False, 0, False, 0.0),
]
PRODUCTS = [  # product id, template id, name, code, variant label, type, price, cost, on hand, lead days
    (37, 9, "Customizable Desk", "DESK0005", "Custom, White", "product", 750.0, 600.0, 65.0, 0),
    (38, 9, "Customizable Desk", "DESK0006", "Custom, Black", "product", 750.0, 600.0, 70.0, 0),
    (12, 12, "Corner Desk Right Sit", "E-COM06", False, "product", 147.0, 120.0, 45.0, 0),
    (16, 16, "Large Desk", "E-COM09", False, "product", 1799.0, 1299.0, 8.0, 3),
    (25, 25, "Large Cabinet", "E-COM07", False, "product", 320.0, 250.0, 16.0, 0),
    (27, 27, "Office Chair", "FURN_7777", False, "product", 70.0, 55.0, 40.0, 0),
    (31, 31, "Cable Management Box", "FURN_5555", False, "consu", 100.0, 70.0, 0.0, 0),
    (41, 41, "Virtual Home Staging", False, False, "service", 38.25, 25.0, 0.0, 0),
]
ORDERS = [  # partner, lines [(product, qty)], final state, days ago
    (10, [(37, 2)], "draft", 2), (12, [(27, 5), (25, 0.5)], "sent", 1), (11, [(27, 3), (12, 1)], "sale", 20),
    (8, [(16, 1)], "sent", 30), (14, [(31, 4)], "cancel", 12), (13, [(38, 2), (27, 6)], "sale", 5),
]


def seed(backend) -> None:
    env = backend.env(2, {"tz": TZ})
    with backend.db.transaction():
        _base(env)
        _configuration(env, backend.registry)
        _groups(env)
        _stock(env)
        returns.seed_delivery_types(env)
        replenishment.seed(env)
        _products(env)
        _orders(env)
        seed_purchase.seed(env)
        returns.seed(env)


def _base(env) -> None:
    env.create("res.currency", {"name": "USD", "symbol": "$", "position": "before"}, forced_id=1)
    env.create("res.currency", {"name": "EUR", "symbol": "€", "position": "after", "active": False}, forced_id=2)
    env.create("res.partner", {"name": "YourCompany", "is_company": True, "email": "info@yourcompany.com"},
               forced_id=1)
    env.create("res.company", {"name": "YourCompany", "partner_id": 1, "currency_id": 1,
                               "email": "info@yourcompany.com", "sequence": 0}, forced_id=1)
    env.write("res.partner", [1], {"company_id": 1})
    returns.seed_journals(env)  # before any invoice: account.move.journal_id is required
    env.create("account.tax", {"name": "15%", "amount": 15.0, "type_tax_use": "sale"}, forced_id=1)
    env.create("account.tax", {"name": "15%", "amount": 15.0, "type_tax_use": "purchase"}, forced_id=2)
    env.write("res.company", [1], {"account_sale_tax_id": 1})
    for rid, name in [(1, "Immediate Payment"), (2, "15 Days"), (3, "21 Days"), (4, "30 Days"),
                      (5, "45 Days"), (6, "End of Following Month"), (7, "10 Days after End of Next Month")]:
        env.create("account.payment.term", {"name": name, "sequence": rid}, forced_id=rid)
    env.create("res.partner", {"name": "OdooBot", "active": False, "tz": TZ}, forced_id=2)
    env.create("res.partner", {"name": "Mitchell Admin", "parent_id": 1, "tz": TZ, "company_id": 1,
                               "email": "admin@yourcompany.example.com"}, forced_id=3)
    env.create("res.partner", {"name": "Marc Demo", "parent_id": 1, "tz": TZ, "company_id": 1,
                               "email": "mark.brown23@example.com"}, forced_id=7)
    env.create("res.users", {"login": "__system__", "partner_id": 2, "active": False}, forced_id=1)
    env.create("res.partner", {"name": "My Company (Chicago)", "is_company": True}, forced_id=41)
    env.create("res.company", {"name": "My Company (Chicago)", "partner_id": 41, "currency_id": 1}, forced_id=2)
    env.write("res.partner", [41], {"company_id": 2})
    env.create("res.users", {"login": "admin", "partner_id": 3, "password": "admin", "company_ids": [2, 1]},
               forced_id=2)
    env.create("res.users", {"login": "demo", "partner_id": 7, "password": "demo", "company_ids": [2, 1]},
               forced_id=6)
    for rid, name, parent, is_company, rank, term, credit in CUSTOMERS:
        env.create("res.partner", {"name": name, "parent_id": parent, "is_company": is_company,
                                   "customer_rank": rank, "property_payment_term_id": term, "tz": TZ,
                                   "email": f"{name.lower().replace(' ', '.')}@example.com"}, forced_id=rid)
        if credit:  # an open customer invoice, as the demo's receivables come from posted invoices
            move = env.create("account.move", {"move_type": "out_invoice", "partner_id": rid,
                                               "invoice_line_ids": [(0, 0, {"name": "Opening balance",
                                                                            "price_unit": credit})]})
            env.db.update("account.move", move, {"state": "posted"})


def _configuration(env, registry) -> None:
    next_id = 100
    for name in sorted(registry.models):
        forced = MODEL_IDS.get(name)
        if forced is None:
            while next_id in MODEL_IDS.values():
                next_id += 1
            forced, next_id = next_id, next_id + 1
        env.create("ir.model", {"model": name, "name": registry[name].description}, forced_id=forced)
    automation.seed(env, registry)
    for rid, name, internal, model in [(1, "Discussions", False, False), (2, "Note", True, False),
                                       (3, "Activities", True, False),
                                       (11, "Quotation sent", False, "sale.order"),
                                       (12, "Sales Order Confirmed", False, "sale.order")]:
        env.create("mail.message.subtype", {"name": name, "internal": internal, "res_model": model,
                                            "default": not internal}, forced_id=rid)
    for rid, name, icon, category, sequence, delay in [
            (1, "Email", "fa-envelope", "default", 5, 0), (2, "Call", "fa-phone", "phonecall", 10, 2),
            (3, "Meeting", "fa-users", "default", 3, 0), (4, "To-Do", "fa-tasks", "default", 12, 5),
            (5, "Upload Document", "fa-upload", "upload_file", 25, 5)]:
        env.create("mail.activity.type", {"name": name, "icon": icon, "category": category,
                                          "sequence": sequence, "delay_count": delay}, forced_id=rid)
    env.create("ir.model.data", {"module": "mail", "name": "mail_activity_data_todo",
                                 "model": "mail.activity.type", "res_id": 4, "noupdate": True}, forced_id=8741)
    env.db.next_ids["ir.model.data"] = 8700
    for module, name, model, res_id in XMLIDS:
        env.create("ir.model.data", {"module": module, "name": name, "model": model, "res_id": res_id})
    env.create("uom.category", {"name": "Unit"}, forced_id=1)
    env.create("uom.uom", {"name": "Units", "category_id": 1, "factor": 1.0, "uom_type": "reference"}, forced_id=1)
    env.create("uom.uom", {"name": "Dozens", "category_id": 1, "factor": 1 / 12, "uom_type": "bigger"},
               forced_id=2)
    env.create("product.category", {"name": "All"}, forced_id=1)
    env.create("product.category", {"name": "Saleable", "parent_id": 1}, forced_id=2)
    procurement.seed(env)


def _groups(env) -> None:
    """Odoo's groups; admin holds the manager groups, Marc Demo is a salesman of his own orders."""
    ids = security.seed_groups(env)
    env.write("res.users", [2], {"groups_id": [(6, 0, [ids[security.SYSTEM]])]})
    env.write("res.users", [6], {"groups_id": [(6, 0, [ids[security.SALESMAN], ids[security.STOCK_USER]])]})


def _stock(env) -> None:
    for rid, name, parent, usage in [(1, "Physical Locations", False, "view"), (2, "Partners", False, "view"),
                                     (3, "Virtual Locations", False, "view"), (4, "Vendors", 2, "supplier"),
                                     (5, "Customers", 2, "customer"), (7, "WH", 1, "view"),
                                     (8, "Stock", 7, "internal"), (14, "Inventory adjustment", 3, "inventory")]:
        env.create("stock.location", {"name": name, "location_id": parent, "usage": usage}, forced_id=rid)
    env.create("stock.warehouse", {"name": "YourCompany", "code": "WH", "view_location_id": 7,
                                   "lot_stock_id": 8, "partner_id": 1}, forced_id=1)
    # the demo's second company has its own warehouse (Chicago 1, CHIC1/Stock = location 28)
    env.create("stock.location", {"name": "CHIC1", "location_id": 1, "usage": "view", "company_id": 2}, forced_id=27)
    env.create("stock.location", {"name": "Stock", "location_id": 27, "usage": "internal", "company_id": 2},
               forced_id=28)
    env.create("stock.warehouse", {"name": "Chicago 1", "code": "CHIC1", "view_location_id": 27, "lot_stock_id": 28,
                                   "partner_id": 41, "company_id": 2}, forced_id=2)


def _products(env) -> None:
    for pid, tmpl, name, code, label, kind, price, cost, on_hand, lead in PRODUCTS:
        if env.db.row("product.template", tmpl) is None:
            env.with_context(_inherits_child="product.product").create("product.template", {
                "name": name, "detailed_type": kind, "list_price": price, "sale_delay": lead,
                "categ_id": 2}, forced_id=tmpl)
        env.create("product.product", {"product_tmpl_id": tmpl, "default_code": code, "standard_price": cost},
                   forced_id=pid)
        if label:
            env.db.update("product.product", pid, {"_variant_label": label})
        if on_hand:
            env.create("stock.quant", {"product_id": pid, "location_id": 8, "quantity": on_hand})
            env.create("stock.quant", {"product_id": pid, "location_id": 14, "quantity": -on_hand})


def _orders(env) -> None:
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    for partner, lines, state, days in ORDERS:
        order = env.create("sale.order", {
            "partner_id": partner, "date_order": (now - dt.timedelta(days=days)).strftime(DATETIME_FMT),
            "order_line": [(0, 0, {"product_id": product, "product_uom_qty": qty}) for product, qty in lines]})
        if state == "sent":
            env.write("sale.order", [order], {"state": "sent"})
        elif state == "sale":
            sale.action_confirm(env, "sale.order", [order])
            env.write("sale.order", [order], {"date_order": (now - dt.timedelta(days=days)).strftime(DATETIME_FMT)})
        elif state == "cancel":
            sale.action_cancel(env, "sale.order", [order])
