"""Test data created through JSON-RPC only, so the same test runs against the double or a real Odoo 17.

Every record name gets a random suffix: tests sharing a real database do not collide.
"""
from __future__ import annotations

import datetime as dt
import itertools
import uuid

import requests

MESSAGE_FIELDS = ["body", "message_type", "subtype_id", "author_id", "date", "mail_activity_type_id"]
ACTIVITY_FIELDS = ["res_model", "res_model_id", "res_id", "activity_type_id", "user_id", "date_deadline",
                   "summary", "note", "state", "active", "date_done"]
ORDER_STATES = ("draft", "sent", "sale", "cancel")
RELEASE_TAG = "Release requested"  # sidecar.odoo.setup.TAG_NAME
WEBHOOK_FIELDS = ["write_date", "write_uid", "name", "state", "tag_ids"]  # sidecar.odoo.setup.WEBHOOK_FIELDS


class OdooRPCError(RuntimeError):
    """An Odoo JSON-RPC error answer: ``name`` (e.g. ``odoo.exceptions.UserError``) and ``message``."""

    def __init__(self, error: dict):
        data = error.get("data") or {}
        self.error = error
        self.name = data.get("name")
        self.message = data.get("message") or error.get("message")
        super().__init__(f"{self.name}: {self.message}")


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def _datetime(value) -> str | bool:
    if value is None or value is False:
        return False
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d") + " 00:00:00"
    return str(value)


class OdooSeed:
    def __init__(self, url: str, db: str, login: str, password: str, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.db = db
        self.login = login
        self.password = password
        self.timeout = timeout
        self._http = requests.Session()
        self._ids = itertools.count(1)
        self._uid: int | None = None
        self._company_id: int | None = None
        self._stock_location_id: int | None = None
        self._restore: list = []  # (model, id, values) company settings changed by this seed

    def close(self) -> None:
        """Put back the company settings this seed changed, so tests do not leak into each other."""
        try:
            for model, rid, vals in reversed(self._restore):
                self.call(model, "write", [rid], vals)
        finally:
            self._restore.clear()
            self._http.close()

    # -- JSON-RPC ----------------------------------------------------------------
    def rpc(self, service: str, method: str, *args):
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                   "params": {"service": service, "method": method, "args": list(args)}}
        answer = self._http.post(f"{self.url}/jsonrpc", json=payload, timeout=self.timeout)
        answer.raise_for_status()
        body = answer.json()
        if body.get("error"):
            raise OdooRPCError(body["error"])
        return body.get("result")

    @property
    def uid(self) -> int:
        if self._uid is None:
            uid = self.rpc("common", "login", self.db, self.login, self.password)
            if not uid:
                raise OdooRPCError({"message": f"login refused for {self.login!r} on {self.db!r}"})
            self._uid = uid
        return self._uid

    def call(self, model: str, method: str, *args, **kwargs):
        """``execute_kw``: ``kwargs`` may include ``context``."""
        return self.rpc("object", "execute_kw", self.db, self.uid, self.password, model, method,
                        list(args), kwargs)

    # -- reading -------------------------------------------------------------------
    def read(self, model: str, ids, fields, company_id: int | None = None) -> list:
        """``read``; with ``company_id`` as that company (company-dependent and computed values)."""
        ids = [ids] if isinstance(ids, int) else list(ids)
        kwargs = {"context": {"allowed_company_ids": [company_id]}} if company_id else {}
        return self.call(model, "read", ids, list(fields), **kwargs)

    def search_read(self, model: str, domain, fields, **kwargs) -> list:
        return self.call(model, "search_read", list(domain), list(fields), **kwargs)

    def user_id(self, login: str) -> int:
        found = self.call("res.users", "search", [("login", "=", login)], limit=1)
        if not found:
            raise LookupError(f"no Odoo user with login {login!r}")
        return found[0]

    def order_state(self, order_id: int) -> str:
        return self.read("sale.order", [order_id], ["state"])[0]["state"]

    def messages(self, order_id: int, fields=None) -> list:
        """The chatter of a sales order, newest first."""
        return self.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", order_id)],
                                fields or MESSAGE_FIELDS, order="id desc")

    def activities(self, order_id: int, fields=None) -> list:
        """Activities on a sales order, archived ones included.  Odoo 17 deletes an activity marked
        done unless its type keeps done activities (``keep_done``, off for To-Do), in which case it
        is archived with ``state`` 'done'; the chatter keeps a note either way."""
        return self.search_read("mail.activity", [("res_model", "=", "sale.order"), ("res_id", "=", order_id)],
                                fields or ACTIVITY_FIELDS, context={"active_test": False})

    # -- company and warehouse -------------------------------------------------------
    def company_id(self) -> int:
        if self._company_id is None:
            self._company_id = self.read("res.users", [self.uid], ["company_id"])[0]["company_id"][0]
        return self._company_id

    def stock_location_id(self) -> int:
        """The stock location (``lot_stock_id``) of the user's company's first warehouse."""
        if self._stock_location_id is None:
            found = self.search_read("stock.warehouse", [("company_id", "=", self.company_id())],
                                     ["lot_stock_id"], limit=1)
            self._stock_location_id = found[0]["lot_stock_id"][0]
        return self._stock_location_id

    def other_company_id(self) -> int:
        """A company of the user other than its default one (the demo has two)."""
        companies = self.read("res.users", [self.uid], ["company_ids"])[0]["company_ids"]
        others = [company for company in companies if company != self.company_id()]
        if not others:
            raise LookupError("the user belongs to one company only")
        return others[0]

    def as_company(self, company_id: int | None) -> dict:
        """The context that makes Odoo work in ``company_id`` (the user's default company too)."""
        if not company_id:
            return {}
        return {"context": {"allowed_company_ids": list(dict.fromkeys([company_id, self.company_id()]))}}

    def credit_settings(self, company_id: int | None = None) -> tuple[bool, float]:
        """Settings > Invoicing: (Sales Credit Limit on?, Default Credit Limit) of a company."""
        wizard = self.call("res.config.settings", "create", {}, **self.as_company(company_id))
        row = self.call("res.config.settings", "read", [wizard], ["account_use_credit_limit", "account_default_credit_limit"],
                        **self.as_company(company_id))[0]
        return row["account_use_credit_limit"], row["account_default_credit_limit"]

    def set_credit_settings(self, enabled: bool, default_limit: float = 0.0, company_id: int | None = None) -> None:
        """Save the Sales Credit Limit switch and the Default Credit Limit as the Settings page does."""
        wizard = self.call("res.config.settings", "create", {
            "account_use_credit_limit": bool(enabled), "account_default_credit_limit": float(default_limit)},
            **self.as_company(company_id))
        self.call("res.config.settings", "execute", [wizard], **self.as_company(company_id))

    def enable_credit_limits(self) -> None:
        """Turn on the company setting that makes partner credit limits count (Sales Credit Limit)."""
        company = self.company_id()
        if not self.read("res.company", [company], ["account_use_credit_limit"])[0]["account_use_credit_limit"]:
            self.call("res.company", "write", [company], {"account_use_credit_limit": True})
            self._restore.append(("res.company", company, {"account_use_credit_limit": False}))

    # -- creating --------------------------------------------------------------------
    def group_id(self, xmlid: str) -> int:
        """The id of the group with external id ``xmlid`` (e.g. ``sales_team.group_sale_salesman``)."""
        module, _dot, name = xmlid.partition(".")
        found = self.search_read("ir.model.data", [("module", "=", module), ("name", "=", name),
                                                   ("model", "=", "res.groups")], ["res_id"], limit=1)
        if not found:
            raise LookupError(f"no group {xmlid}")
        return found[0]["res_id"]

    def user(self, groups, login: str | None = None, password: str = "user-pw-1") -> tuple[int, str, str]:
        """An internal user holding exactly ``groups`` (external ids) and what they imply, in the
        seeding user's company; returns ``(uid, login, password)``."""
        login = login or unique("user").replace(" ", "-")
        group_ids = [self.group_id(xmlid) for xmlid in groups]
        company = self.company_id()
        uid = self.call("res.users", "create", {
            "name": login, "login": login, "password": password, "groups_id": [(6, 0, group_ids)],
            "company_id": company, "company_ids": [(6, 0, [company])]})
        return uid, login, password

    def customer(self, name: str | None = None, credit_limit: float | None = None, **extra) -> int:
        """A company customer; with ``credit_limit`` the partner limit is set and the company's
        credit-limit setting switched on."""
        vals = {"name": unique(name or "Test Customer"), "is_company": True, "customer_rank": 1, **extra}
        if credit_limit is not None:
            self.enable_credit_limits()
            vals.update(use_partner_credit_limit=True, credit_limit=float(credit_limit))
        return self.call("res.partner", "create", vals)

    def product(self, cost: float, price: float, on_hand: float = 0.0, storable: bool = True,
                customer_lead: int = 0, name: str | None = None, default_code: str | None = None) -> int:
        """A product variant (storable or consumable) with cost, sales price, lead time and,
        for storable products, an on-hand quantity counted into the warehouse stock location."""
        label = unique(name or "Test Product")
        vals = {
            "name": label,
            "default_code": default_code or "T-" + label.rsplit(" ", 1)[-1].upper(),
            "detailed_type": "product" if storable else "consu",
            "standard_price": float(cost),
            "list_price": float(price),
            "sale_delay": int(customer_lead),
        }
        product_id = self.call("product.product", "create", vals)
        if on_hand:
            if not storable:
                raise ValueError("Odoo keeps on-hand quantities for storable products only")
            self.set_on_hand(product_id, on_hand)
        return product_id

    def invoice(self, partner_id: int, amount: float, post: bool = True, refund: bool = False) -> int:
        """A customer invoice (or credit note) of ``amount`` without tax; posted, it counts in the
        partner's receivable."""
        move = self.call("account.move", "create", {
            "move_type": "out_refund" if refund else "out_invoice", "partner_id": partner_id,
            "invoice_line_ids": [(0, 0, {"name": unique("Service"), "quantity": 1.0, "price_unit": float(amount),
                                         "tax_ids": [(6, 0, [])]})]})
        if post:
            self.call("account.move", "action_post", [move])
        return move

    def uom_id(self, name: str) -> int:
        """A unit of measure by name (``Units``, ``Dozens``)."""
        found = self.call("uom.uom", "search", [("name", "=", name)], limit=1)
        if not found:
            raise LookupError(f"no unit of measure {name!r}")
        return found[0]

    def pricelist(self, currency: str, rate: float) -> int:
        """A pricelist in ``currency`` (activated), worth ``rate`` of it per unit of the company's
        currency from a week ago on (a rate of the user's company, which wins over shared ones)."""
        currency_id = self.call("res.currency", "search", [("name", "=", currency)], limit=1,
                                context={"active_test": False})[0]
        self.call("res.currency", "write", [currency_id], {"active": True})
        day = (dt.date.today() - dt.timedelta(days=7)).isoformat()
        existing = self.call("res.currency.rate", "search", [("currency_id", "=", currency_id), ("name", "=", day),
                                                             ("company_id", "=", self.company_id())])
        if existing:
            self.call("res.currency.rate", "write", existing, {"rate": float(rate)})
        else:
            self.call("res.currency.rate", "create", {"currency_id": currency_id, "name": day, "rate": float(rate),
                                                      "company_id": self.company_id()})
        return self.call("product.pricelist", "create", {"name": unique(f"Pricelist {currency}"),
                                                         "currency_id": currency_id})

    def sale_tax(self, rate: float, name: str = "VAT") -> int:
        """A sales tax of ``rate`` percent, not included in the price, in the user's company."""
        return self.call("account.tax", "create", {
            "name": unique(f"{name} {rate:g}%"), "amount": float(rate), "amount_type": "percent",
            "type_tax_use": "sale", "price_include": False, "company_id": self.company_id()})

    def set_on_hand(self, product_id: int, quantity: float, location_id: int | None = None) -> None:
        """Inventory adjustment as the Inventory app does it: count, then apply."""
        quant = self.call("stock.quant", "create", {
            "product_id": product_id, "location_id": location_id or self.stock_location_id(),
            "inventory_quantity": float(quantity)}, context={"inventory_mode": True})
        self.call("stock.quant", "action_apply_inventory", [quant], context={"inventory_mode": True})

    def quotation(self, partner_id: int, lines, state: str = "sent", commitment_date=None,
                  user_id: int | None = None, company_id: int | None = None, **extra) -> int:
        """A sales order; ``lines`` are ``(product_id, qty)``, ``(product_id, qty, price_unit)``
        (no price: Odoo's sales price) or a dict of line values.  ``state``: draft, sent (written),
        sale (confirmed) or cancel."""
        if state not in ORDER_STATES:
            raise ValueError(f"state must be one of {ORDER_STATES}")
        order_lines = []
        for line in lines:
            if isinstance(line, dict):
                order_lines.append((0, 0, dict(line)))
                continue
            product_id, qty = line[0], line[1]
            values = {"product_id": product_id, "product_uom_qty": float(qty)}
            if len(line) > 2 and line[2] is not None:
                values["price_unit"] = float(line[2])
            order_lines.append((0, 0, values))
        vals = {"partner_id": partner_id, "order_line": order_lines, **extra}
        if commitment_date is not None:
            vals["commitment_date"] = _datetime(commitment_date)
        if user_id is not None:
            vals["user_id"] = user_id
        if company_id is not None:
            vals["company_id"] = company_id
        company = self.as_company(company_id)
        order_id = self.call("sale.order", "create", vals, **company)
        if state == "sent":
            self.call("sale.order", "write", [order_id], {"state": "sent"}, **company)
        elif state == "sale":
            self.call("sale.order", "action_confirm", [order_id], **company)
        elif state == "cancel":
            context = {**company.get("context", {}), "disable_cancel_warning": True}
            self.call("sale.order", "action_cancel", [order_id], context=context)
        return order_id

    # -- release submission ------------------------------------------------------------
    def release_tag_id(self) -> int:
        """The sales tag that marks a quotation submitted for release (made when missing)."""
        found = self.call("crm.tag", "search", [("name", "=", RELEASE_TAG)], limit=1)
        return found[0] if found else self.call("crm.tag", "create", {"name": RELEASE_TAG})

    def request_release(self, order_id: int) -> dict:
        """Submit a quotation as the "Request release" server action does (the tag is removed, then
        added); returns the body Odoo's Automation Rule would post (see webhook_body)."""
        tag = self.release_tag_id()
        if tag in self.read("sale.order", order_id, ["tag_ids"])[0]["tag_ids"]:
            self.call("sale.order", "write", [order_id], {"tag_ids": [(3, tag)]})
        self.call("sale.order", "write", [order_id], {"tag_ids": [(4, tag)]})
        return self.webhook_body(order_id)

    def webhook_body(self, order_id: int) -> dict:
        """The body of the Automation Rule's webhook for this order, from what Odoo shows now.  Odoo
        itself sends write_date with microseconds; JSON-RPC answers it without them, which only makes
        the "committed yet?" question easier to answer yes."""
        row = self.call("sale.order", "read", [order_id], WEBHOOK_FIELDS, load=None)[0]
        return {"_action": "Send Webhook Notification(#0)", "_id": order_id, "_model": "sale.order", **row}
