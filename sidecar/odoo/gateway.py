"""The one door to Odoo: a lazily connected, thread-safe odoorpc client that raises only OdooError."""
from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import odoorpc
from odoorpc.rpc import jsonrpclib

from sidecar.odoo.errors import RECORD_MISSING, OdooError, classify, unreachable
from sidecar.values import ODOO_DATETIME, m2o_id

logger = logging.getLogger(__name__)

ORDER = "sale.order"
TODO_ACTIVITY = "mail.mail_activity_data_todo"
NOTE_SUBTYPE = "mail.mt_note"
ORDER_FIELDS = [
    "name", "state", "partner_id", "user_id", "write_uid", "write_date", "company_id", "warehouse_id",
    "date_order", "commitment_date", "amount_untaxed", "amount_total", "currency_id", "currency_rate",
    "picking_policy", "order_line",
]
LINE_FIELDS = ["product_id", "product_uom_qty", "product_uom", "price_unit", "price_subtotal", "name",
               "customer_lead", "display_type"]
PRODUCT_FIELDS = ["name", "default_code", "standard_price", "detailed_type", "sale_delay", "uom_id"]
CREDIT_FIELDS = ["name", "credit", "credit_to_invoice", "credit_limit", "use_partner_credit_limit"]
COMPANY_FIELDS = ["name", "account_use_credit_limit", "currency_id"]
CURRENCY_FIELDS = ["name", "decimal_places", "rounding"]
UOM_FIELDS = ["name", "factor", "rounding", "category_id"]
# Fields of optional modules, read only when installed: sale_margin (Odoo's cost and margin of
# a line, and the order's margin) and delivery (shipping lines, which Odoo's expected date skips).
MARGIN_LINE_FIELDS = ["purchase_price", "margin", "margin_percent"]
MARGIN_ORDER_FIELDS = ["margin", "margin_percent"]
DELIVERY_LINE_FIELDS = ["is_delivery"]
FIELD_CACHE = "_sidecar_field_names"
RECORDSET_REPR = re.compile(r"^[\w.]+\((\d+),?\)$")  # "mail.activity(19,)"


def company_context(company_id: int | None) -> dict | None:
    """The context that makes Odoo read and write as `company_id` (None: the user's default company)."""
    return {"allowed_company_ids": [company_id]} if company_id else None


def record_id_from(result) -> int | None:
    """An id from what a method returned: an int, [id], or a recordset's repr such as 'mail.activity(19,)'."""
    if isinstance(result, bool):
        return None
    if isinstance(result, int):
        return result
    if isinstance(result, list) and len(result) == 1:
        return record_id_from(result[0])
    if isinstance(result, str):
        match = RECORDSET_REPR.match(result.strip())
        return int(match.group(1)) if match else None
    return None


class OdooGateway:
    """Odoo over JSON-RPC (odoorpc); connects and logs in on first use, again after a failure."""

    def __init__(self, url: str, db: str, login: str, password: str, timeout: float = 10.0):
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"Odoo URL '{url}' must be http(s)://host[:port]")
        if parsed.path not in ("", "/"):
            raise ValueError(f"Odoo URL '{url}' must not have a path")
        self.url = url.rstrip("/")
        self.host = parsed.hostname
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.protocol = "jsonrpc+ssl" if parsed.scheme == "https" else "jsonrpc"
        self.db, self.login, self.timeout = db, login, float(timeout)
        self._password = password  # a password or an API key; never logged
        self._odoo: odoorpc.ODOO | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> OdooGateway:
        """A gateway configured from the sidecar's Settings."""
        return cls(settings.odoo_url, settings.odoo_db, settings.odoo_user, settings.odoo_password,
                   timeout=settings.odoo_timeout)

    def __repr__(self) -> str:
        return f"OdooGateway({self.url!r}, db={self.db!r}, login={self.login!r})"

    # -- connection -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while a logged-in client is kept."""
        return self._odoo is not None

    def _client(self) -> odoorpc.ODOO:
        with self._lock:
            if self._odoo is None:
                try:
                    odoo = odoorpc.ODOO(self.host, protocol=self.protocol, port=self.port, timeout=self.timeout)
                    odoo.login(self.db, self.login, self._password)
                except Exception as err:
                    raise classify(err) from err
                logger.info("logged in to Odoo %s db %s as %s", self.url, self.db, self.login)
                self._odoo = odoo
            return self._odoo

    def _drop(self, odoo: odoorpc.ODOO) -> None:
        with self._lock:
            if self._odoo is odoo:
                self._odoo = None

    def close(self) -> None:
        """Forget the connection; the next call logs in again."""
        with self._lock:
            self._odoo = None

    def execute(self, model: str, method: str, *args, **kwargs):
        """Call `model.method(*args, **kwargs)` through execute_kw; raise OdooError on any failure."""
        odoo = self._client()
        try:
            return odoo.execute_kw(model, method, list(args), kwargs)
        except Exception as err:
            error = classify(err)
            if error.reconnect:
                logger.warning("Odoo call %s.%s failed (%s); reconnecting next time", model, method, error.category)
                self._drop(odoo)
            raise error from err

    def ping(self) -> dict:
        """The server's version answer; never waits much longer than the timeout."""
        box: dict = {}

        def probe():
            try:
                proxy = jsonrpclib.ProxyJSON(self.host, self.port, self.timeout, ssl=self.protocol == "jsonrpc+ssl")
                answer = proxy("/jsonrpc", {"service": "common", "method": "version", "args": []})
                if answer.get("error"):
                    error = answer["error"]
                    raise odoorpc.error.RPCError((error.get("data") or {}).get("message", "Odoo error"), error)
                box["result"] = answer.get("result")
            except Exception as err:  # handed to the caller's thread
                box["error"] = err

        thread = threading.Thread(target=probe, name="odoo-ping", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            raise unreachable(f"Odoo did not answer within {self.timeout:g}s")
        if "error" in box:
            raise classify(box["error"]) from box["error"]
        if not isinstance(box.get("result"), dict):
            raise unreachable("Odoo answered something that is not a version")
        return box["result"]

    # -- reads ------------------------------------------------------------------------------

    def read(self, model: str, ids: list[int], fields: list[str], context: dict | None = None) -> list[dict]:
        """Records by id; missing ids are simply absent."""
        if not ids:
            return []
        kwargs = {"context": context} if context else {}
        return self.execute(model, "read", list(ids), fields, **kwargs)

    def search_read(self, model: str, domain: list, fields: list[str], limit: int = 0,
                    order: str | None = None, context: dict | None = None) -> list[dict]:
        """Records matching `domain`."""
        kwargs: dict = {"fields": fields}
        if limit:
            kwargs["limit"] = limit
        if order:
            kwargs["order"] = order
        if context:
            kwargs["context"] = context
        return self.execute(model, "search_read", domain, **kwargs)

    def order_state(self, order_id: int) -> str:
        """A sales order's state; OdooError(record_missing) when it does not exist."""
        return self._one(ORDER, order_id, ["state"])["state"]

    def _one(self, model: str, record_id: int, fields: list[str], context: dict | None = None) -> dict:
        rows = self.read(model, [record_id], fields, context=context)
        if not rows:
            raise OdooError(RECORD_MISSING, f"{model} {record_id} does not exist")
        return rows[0]

    def user_id_for_login(self, login: str) -> int | None:
        """The id of the active user with this login, or None."""
        rows = self.search_read("res.users", [("login", "=", login)], ["id"], limit=1)
        return rows[0]["id"] if rows else None

    def user_partner_for_login(self, login: str) -> tuple[int, int] | None:
        """(user id, partner id) of the active user with this login, or None: Odoo notifies partners."""
        rows = self.search_read("res.users", [("login", "=", login)], ["partner_id"], limit=1)
        return (rows[0]["id"], m2o_id(rows[0]["partner_id"])) if rows else None

    def user_timezone(self, user_id: int) -> str | None:
        """A user's time zone (res.users.tz), in which Odoo shows them dates such as a deadline; None if unset."""
        rows = self.read("res.users", [user_id], ["tz"])
        return (rows[0].get("tz") or None) if rows else None

    def field_names(self, model: str) -> frozenset:
        """The fields `model` has on this server (what installed modules added), asked once per connection."""
        known = vars(self._client()).setdefault(FIELD_CACHE, {})  # kept on the client: a new login asks again
        if model not in known:
            known[model] = frozenset(self.execute(model, "fields_get", attributes=["type"]))
        return known[model]

    def _optional(self, model: str, names: list[str]) -> list[str]:
        """`names` when every one exists on `model` (their module is installed), else nothing."""
        return list(names) if set(names) <= self.field_names(model) else []

    def _read_across_companies(self, order_id: int, fields: list[str]) -> dict:
        """A sales order read with every company the integration user may see allowed (Odoo's
        multi-company rule hides an order of another company otherwise)."""
        companies = self._one("res.users", self._client().env.uid, ["company_ids"])["company_ids"]
        context = {"allowed_company_ids": companies} if companies else None
        return self._one(ORDER, order_id, fields, context=context)

    def order_company_id(self, order_id: int) -> int | None:
        """The company of a sales order, whichever of the user's companies it belongs to."""
        return m2o_id(self._read_across_companies(order_id, ["company_id"])["company_id"])

    def read_release_bundle(self, order_id: int, requested_by: int | None) -> dict:
        """Everything Odoo knows that the release policy needs, as Odoo answered it, in the order's company.

        Company-dependent values (credit limit, cost) and computed ones (credit, credit to invoice)
        depend on the company Odoo computes them in: every read runs with the order's company.
        """
        # the order's own fields are stored, the same in any company; what is read after it depends on one
        order = self._read_across_companies(order_id, ORDER_FIELDS + self._optional(ORDER, MARGIN_ORDER_FIELDS))
        company_id = m2o_id(order["company_id"])
        ctx = company_context(company_id)
        line_fields = (LINE_FIELDS + self._optional("sale.order.line", MARGIN_LINE_FIELDS)
                       + self._optional("sale.order.line", DELIVERY_LINE_FIELDS))
        lines = self.read("sale.order.line", order["order_line"], line_fields, context=ctx)
        product_ids = sorted({pid for pid in (m2o_id(line["product_id"]) for line in lines) if pid})
        products = self.read("product.product", product_ids, PRODUCT_FIELDS, context=ctx)
        partner = self._one("res.partner", m2o_id(order["partner_id"]), ["name", "commercial_partner_id"], context=ctx)
        commercial_id = m2o_id(partner["commercial_partner_id"]) or partner["id"]
        credit = self._one("res.partner", commercial_id, CREDIT_FIELDS, context=ctx)
        company = self._one("res.company", company_id, COMPANY_FIELDS, context=ctx) if company_id else {}
        currency_ids = sorted({cid for cid in (m2o_id(order.get("currency_id")), m2o_id(company.get("currency_id"))) if cid})
        currencies = self.read("res.currency", currency_ids, CURRENCY_FIELDS, context=ctx)
        uom_ids = sorted({uid for uid in [m2o_id(line.get("product_uom")) for line in lines]
                          + [m2o_id(p.get("uom_id")) for p in products] if uid})
        uoms = self.read("uom.uom", uom_ids, UOM_FIELDS, context=ctx)
        storable = [p["id"] for p in products if p.get("detailed_type") == "product"]
        free = self.free_quantities(storable, m2o_id(order["warehouse_id"]), context=ctx)
        user_id = requested_by if requested_by is not None else m2o_id(order["write_uid"])
        users = self.read("res.users", [user_id], ["login"], context=ctx) if user_id else []
        return {
            "order": order,
            "lines": lines,
            "products": products,
            "partner": partner,
            "commercial_partner": credit,
            "company": company,
            "currencies": currencies,
            "uoms": uoms,
            "free_quantities": {str(pid): free.get(pid, 0.0) for pid in storable},
            "requested_by": {"user_id": user_id, "login": users[0]["login"] if users else None},
        }

    def free_quantities(self, product_ids: list[int], warehouse_id: int | None,
                        context: dict | None = None) -> dict[int, float]:
        """Free (unreserved) quantity per product in the warehouse's internal locations, in the product's unit."""
        if not product_ids:
            return {}
        domain = [("product_id", "in", list(product_ids)), ("location_id.usage", "=", "internal")]
        if warehouse_id:
            domain.append(("warehouse_id", "=", warehouse_id))
        totals = dict.fromkeys(product_ids, 0.0)
        for quant in self.search_read("stock.quant", domain, ["product_id", "available_quantity"], context=context):
            pid = m2o_id(quant["product_id"])
            totals[pid] = totals.get(pid, 0.0) + (quant.get("available_quantity") or 0.0)
        return totals

    def search_quotations(self, domain: list, older_than_minutes: int, limit: int = 200) -> list[dict]:
        """Orders matching `domain` untouched for `older_than_minutes`, most recently changed first."""
        full = list(domain)
        if older_than_minutes:  # Odoo keeps microseconds in write_date: 0 means no age condition at all
            cutoff = datetime.now(timezone.utc) - timedelta(minutes=older_than_minutes)
            full.append(("write_date", "<=", cutoff.strftime(ODOO_DATETIME)))
        rows = self.search_read(ORDER, full, ["name", "state", "write_uid", "write_date"],
                                limit=limit, order="write_date desc, id desc")
        return [{"id": r["id"], "name": r["name"], "state": r["state"], "write_uid": m2o_id(r["write_uid"]),
                 "write_date": r["write_date"]} for r in rows]

    # -- write-back primitives --------------------------------------------------------------

    def confirm_order(self, order_id: int, company_id: int | None = None):
        """sale.order.action_confirm, in the order's company when it is known."""
        return self.execute(ORDER, "action_confirm", [order_id], context=company_context(company_id) or {})

    def cancel_order(self, order_id: int, skip_warning: bool = False, company_id: int | None = None):
        """sale.order.action_cancel: True, or the cancel wizard's action when Odoo wants to warn first.

        Odoo 17 warns for every order past draft; `skip_warning` passes `disable_cancel_warning`,
        as the wizard's own Cancel button does.
        """
        context = dict(company_context(company_id) or {})
        if skip_warning:
            context["disable_cancel_warning"] = True
        return self.execute(ORDER, "action_cancel", [order_id], context=context)

    def withdraw_submission(self, order_id: int, tag_name: str) -> bool:
        """Take the submission tag off an order (a no-op when it is not there); False when Odoo has no such tag."""
        tags = self.search_read("crm.tag", [("name", "=", tag_name)], ["id"], limit=1)
        if not tags:
            return False
        self.execute(ORDER, "write", [order_id], {"tag_ids": [(3, tags[0]["id"])]}, context=self._all_companies())
        return True

    def post_note(self, model: str, res_id: int, body_html: str) -> int | None:
        """Post an internal note (HTML body) in a record's chatter; its mail.message id."""
        result = self.execute(model, "message_post", [res_id], body=body_html, body_is_html=True,
                              message_type="comment", subtype_xmlid=NOTE_SUBTYPE)
        return record_id_from(result)

    def find_messages(self, model: str, res_id: int, text: str) -> list[dict]:
        """A record's chatter messages whose body contains `text` (case-insensitive)."""
        domain = [("model", "=", model), ("res_id", "=", res_id), ("body", "ilike", text)]
        return self.search_read("mail.message", domain, ["body"], order="id asc")

    def notify_partners(self, model: str, res_id: int, partner_ids: list[int], body: str, subject: str,
                        context: dict | None = None) -> int | None:
        """message_notify on a record: a `user_notification` only its author and `partner_ids` can read,
        delivered by email or to the Odoo inbox as each recipient prefers; its mail.message id.

        Over RPC Odoo escapes the body (it is not Markup): `body` is plain text.
        """
        kwargs = {"context": context} if context else {}
        result = self.execute(model, "message_notify", [res_id], partner_ids=list(partner_ids), body=body,
                              subject=subject, **kwargs)
        return record_id_from(result)

    def find_own_notifications(self, model: str, res_id: int, text: str) -> list[dict]:
        """Notifications on a record whose body contains `text`: Odoo shows us only those we wrote or received."""
        domain = [("model", "=", model), ("res_id", "=", res_id), ("message_type", "=", "user_notification"),
                  ("body", "ilike", text)]
        return self.search_read("mail.message", domain, ["body", "partner_ids"], order="id asc")

    def schedule_activity(self, model: str, res_id: int, *, user_id: int, summary: str, note_html: str,
                          deadline: str, act_type_xmlid: str = TODO_ACTIVITY) -> int | None:
        """Schedule an activity on a record; its mail.activity id when Odoo tells it."""
        result = self.execute(model, "activity_schedule", [res_id], act_type_xmlid=act_type_xmlid,
                              date_deadline=deadline, summary=summary, note=note_html, user_id=user_id)
        return record_id_from(result)

    def find_activities(self, model: str, res_id: int, text: str, include_done: bool = False) -> list[dict]:
        """A record's activities whose note contains `text`; archived (done) ones too if asked."""
        domain = [("res_model", "=", model), ("res_id", "=", res_id), ("note", "ilike", text)]
        context = {"active_test": False} if include_done else None
        return self.search_read("mail.activity", domain, ["note", "user_id", "date_deadline", "summary"],
                                order="id asc", context=context)

    def activity_feedback(self, activity_id: int, feedback: str) -> int | None:
        """Mark an activity done with feedback; the id of the message logging it, when returned."""
        return record_id_from(self.execute("mail.activity", "action_feedback", [activity_id], feedback=feedback))

    # -- intake: what Odoo committed, and whether it was submitted ---------------------------

    def _all_companies(self) -> dict:
        """Context allowing every company of the integration user: an order is found whatever its company."""
        if getattr(self, "_company_ids", None) is None:
            uid = self._client().env.uid
            self._company_ids = self.read("res.users", [uid], ["company_ids"])[0]["company_ids"]
        return {"allowed_company_ids": list(self._company_ids)}

    def count_orders(self, domain: list) -> int:
        """How many sales orders Odoo finds for `domain` (Odoo's own domain rules)."""
        return self.execute(ORDER, "search_count", list(domain), context=self._all_companies())

    def order_written_since(self, order_id: int, write_date: str) -> bool:
        """True once Odoo's committed write_date of the order has reached `write_date` (microseconds count)."""
        return bool(self.count_orders([("id", "=", order_id), ("write_date", ">=", write_date)]))

    def order_matches(self, order_id: int, domain: list) -> bool:
        """True when the order, as committed, matches `domain`."""
        return bool(self.count_orders([("id", "=", order_id), *domain]))

    def group_ids(self, xmlids: list[str]) -> dict[str, int]:
        """Ids of Odoo groups by external id (`module.name`); unknown ones are absent. Cached: ids never move."""
        cache = self.__dict__.setdefault("_group_ids", {})
        for xmlid in xmlids:
            if xmlid not in cache:
                module, _dot, name = xmlid.partition(".")
                try:
                    _model, res_id = self.execute("ir.model.data", "check_object_reference", module, name)
                except OdooError as err:
                    if err.retryable:  # Odoo could not answer; an unknown external id is not retryable
                        raise
                    res_id = False
                cache[xmlid] = res_id or None
        return {xmlid: cache[xmlid] for xmlid in xmlids if cache.get(xmlid)}

    def approver_directory(self, group_ids: dict[str, int], logins: list[str]) -> dict:
        """Who the approvers are in Odoo, in one read: active members of each group, and logins archived or unknown."""
        ids = sorted(set(group_ids.values()))
        domain = [("login", "in", sorted(set(logins)))]
        if ids:
            domain = ["|", ("groups_id", "in", ids)] + domain
        rows = self.search_read("res.users", domain, ["login", "active", "groups_id", "share"],
                                context={"active_test": False})
        groups = {xmlid: sorted(r["login"] for r in rows if r["active"] and not r["share"] and gid in r["groups_id"])
                  for xmlid, gid in group_ids.items()}
        active = {r["login"].casefold() for r in rows if r["active"]}
        return {"groups": groups, "inactive": sorted(login for login in logins if login.casefold() not in active)}

    def activity_done_messages(self, model: str, res_ids: list[int], after_id: int = 0) -> list[dict]:
        """The "<type> done" notes Odoo 17 posts when someone marks an activity done (it then deletes the
        activity): notifications carrying `mail_activity_type_id`, authored by whoever marked it."""
        if not res_ids:
            return []
        domain = [("model", "=", model), ("res_id", "in", sorted(set(res_ids))), ("message_type", "=", "notification"),
                  ("mail_activity_type_id", "!=", False), ("id", ">", after_id)]
        return self.search_read("mail.message", domain, ["body", "author_id", "res_id", "date"], order="id")

    def logins_of_partners(self, partner_ids: list[int]) -> dict[int, str]:
        """Login of the user behind each partner (archived users too); partners of no user are absent."""
        ids = sorted({pid for pid in partner_ids if pid})
        if not ids:
            return {}
        rows = self.search_read("res.users", [("partner_id", "in", ids)], ["login", "partner_id"],
                                context={"active_test": False})
        return {m2o_id(row["partner_id"]): row["login"] for row in rows}

    def user_logins(self, user_ids: list[int]) -> dict[int, str]:
        """Login of each existing user (archived ones too); missing ids are absent."""
        ids = sorted({uid for uid in user_ids if uid})
        if not ids:
            return {}
        rows = self.execute("res.users", "read", ids, ["login"], context={"active_test": False})
        return {row["id"]: row["login"] for row in rows}

    def search_submitted(self, domain: list, *, not_before: str, written_before: str | None,
                         exclude_ids: list[int], offset: int, limit: int) -> list[dict]:
        """One page of orders matching `domain` written since `not_before`, oldest first."""
        full = [*domain, ("write_date", ">=", not_before)]
        if written_before:
            full.append(("write_date", "<=", written_before))
        if exclude_ids:
            full.append(("id", "not in", sorted(exclude_ids)))
        rows = self.execute(ORDER, "search_read", full, fields=["name", "state", "write_date"], offset=offset,
                            limit=limit, order="write_date asc, id asc", context=self._all_companies())
        return [{"id": r["id"], "name": r["name"], "state": r["state"], "write_date": r["write_date"]}
                for r in rows]
