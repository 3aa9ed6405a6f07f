"""The one door to Odoo: a lazily connected, thread-safe odoorpc client that raises only OdooError."""
from __future__ import annotations

import http.client
import logging
import re
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import odoorpc
from odoorpc.rpc import jsonrpclib

from sidecar import metrics
from sidecar.odoo import release_bundle
from sidecar.odoo.errors import RECORD_MISSING, OdooError, classify, unreachable
from sidecar.odoo.transport import KeepAlivePool, build_opener
from sidecar.values import ODOO_DATETIME, m2o_id

logger = logging.getLogger(__name__)
# odoorpc logs every JSON-RPC request at DEBUG, the password (args of every execute_kw) included: its
# debug lines never reach a handler, whatever level the sidecar's own logs are set to.
logging.getLogger("odoorpc").setLevel(logging.INFO)


def _no_rpc_payloads(record: logging.LogRecord) -> bool:
    """odoorpc logs every JSON-RPC request and answer at DEBUG, `common.login`'s password included."""
    return record.levelno > logging.DEBUG


logging.getLogger(jsonrpclib.__name__).addFilter(_no_rpc_payloads)

ORDER = "sale.order"
TODO_ACTIVITY = "mail.mail_activity_data_todo"
NOTE_SUBTYPE = "mail.mt_note"
FIELD_CACHE = "_sidecar_field_names"
COMPANY_CACHE = "_sidecar_companies"
RECORDSET_REPR = re.compile(r"^[\w.]+\((\d+),?\)$")  # "mail.activity(19,)"
# Methods that change nothing: one is sent again, once, when a kept-alive connection turned out to
# be dropped before any answer came (a write is not: the outbox retries it with its own checks).
READ_METHODS = frozenset({"read", "search", "search_read", "search_count", "web_read", "web_search_read",
                          "fields_get", "name_search", "read_group", "context_get"})
DROPPED = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, http.client.RemoteDisconnected)


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

    def __init__(self, url: str, db: str, login: str, password: str, timeout: float = 10.0,
                 keep_alive: bool = True):
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
        # One pool for every thread and every login: connections outlive a re-login, cookies do not.
        self.pool: KeepAlivePool | None = KeepAlivePool() if keep_alive else None

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
                    odoo = odoorpc.ODOO(self.host, protocol=self.protocol, port=self.port, timeout=self.timeout,
                                        opener=build_opener(self.pool))
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
        if self.pool is not None:
            self.pool.clear()  # idle connections to a server that failed are suspect too

    def close(self) -> None:
        """Forget the login and close kept-alive connections; the next call logs in again."""
        with self._lock:
            self._odoo = None
        if self.pool is not None:
            self.pool.clear()

    def execute(self, model: str, method: str, *args, **kwargs):
        """Call `model.method(*args, **kwargs)` through execute_kw; raise OdooError on any failure."""
        for attempt in range(2):
            with metrics.odoo_call(model, method):  # timed with its login; counted by the category raised
                odoo = self._client()
                try:
                    return odoo.execute_kw(model, method, list(args), kwargs)
                except Exception as err:
                    if attempt == 0 and method in READ_METHODS and isinstance(err, DROPPED):
                        # a kept-alive connection the server had closed (urllib3 discarded it): the login
                        # still holds, and a read is safe to send again, on a new connection
                        logger.info("Odoo dropped the connection of %s.%s before answering; sending it again",
                                    model, method)
                        continue
                    error = classify(err)
                    if error.reconnect:
                        logger.warning("Odoo call %s.%s failed (%s); reconnecting next time", model, method,
                                       error.category)
                        self._drop(odoo)
                    raise error from err
        raise AssertionError("unreachable")

    def version(self) -> dict:
        """Odoo's `common.version` answer, the cheapest call there is (no login), on the gateway's transport."""
        proxy = jsonrpclib.ProxyJSON(self.host, self.port, self.timeout, ssl=self.protocol == "jsonrpc+ssl",
                                     opener=build_opener(self.pool))
        answer = proxy("/jsonrpc", {"service": "common", "method": "version", "args": []})
        if answer.get("error"):
            error = answer["error"]
            raise odoorpc.error.RPCError((error.get("data") or {}).get("message", "Odoo error"), error)
        return answer.get("result")

    def ping(self) -> dict:
        """The server's version answer; never waits much longer than the timeout."""
        box: dict = {}

        def probe():
            try:
                box["result"] = self.version()
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

    def web_read(self, model: str, ids: list[int], specification: dict, company_id: int | None = None,
                 context: dict | None = None) -> list[dict]:
        """Records with their related records, in one call: Odoo 17's `web_read(specification)`.

        The pattern every fact reader follows: one call per model reached, never one per record or
        line. A specification maps each field to `{}` (its value: a many2one's id, an x2many's ids) or
        to `{"fields": {...}}` (the related record(s) read with those fields, nested as deep as
        needed: a many2one becomes a dict with its id, an x2many a list of dicts), optionally with
        `"context"` (for that relation), `"order"` and `"limit"` (x2many); `"display_name": {}` in
        `fields` names a related record as Odoo displays it. Odoo checks access rights and record
        rules for every model it reads, as `read` does. `company_id` runs the read in that company
        (company-dependent and computed values, such as a cost or a partner's credit, depend on it);
        missing ids are simply absent.
        """
        if not ids:
            return []
        full = {**(company_context(company_id) or {}), **(context or {})}
        kwargs = {"context": full} if full else {}
        return self.execute(model, "web_read", list(ids), specification=specification, **kwargs)

    def _companies(self) -> tuple[int | None, list[int]]:
        """The integration user's default company and all its companies, asked once per login."""
        client = self._client()
        cached = vars(client).get(COMPANY_CACHE)
        if cached is None:
            row = self._one("res.users", client.env.uid, ["company_id", "company_ids"])
            cached = (m2o_id(row["company_id"]), list(row["company_ids"]))
            vars(client)[COMPANY_CACHE] = cached  # kept on the client: a new login asks again
        return cached

    def default_company_id(self) -> int | None:
        """The integration user's default company: Odoo's env.company, where a record it creates lands."""
        return self._companies()[0]

    def _across_companies(self) -> dict | None:
        """Every company of the integration user allowed, its default company first (Odoo's env.company)."""
        default, companies = self._companies()
        ordered = [default] + [cid for cid in companies if cid != default] if default else companies
        return {"allowed_company_ids": ordered} if ordered else None

    def order_company_id(self, order_id: int) -> int | None:
        """The company of a sales order, whichever of the user's companies it belongs to."""
        return m2o_id(self._one(ORDER, order_id, ["company_id"], context=self._across_companies())["company_id"])

    def read_release_bundle(self, order_id: int, requested_by: int | None) -> dict:
        """Everything Odoo knows that the release policy needs, as Odoo answered it, in the order's company.

        Two calls: one web_read of the order with its lines, products, units, partner (and its
        commercial partner's credit), company, currencies, warehouse and users, then the free stock
        of its storable products in its warehouse. Company-dependent values (credit limit, cost) and
        computed ones (credit, credit to invoice) depend on the company Odoo computes them in: the
        web_read runs with the user's default company first (Odoo's env.company) and runs again in
        the order's company when the order belongs to another one; the stock is read in it.
        """
        spec = release_bundle.specification(
            self._optional(ORDER, release_bundle.MARGIN_ORDER_FIELDS),
            self._optional("sale.order.line", release_bundle.MARGIN_LINE_FIELDS)
            + self._optional("sale.order.line", release_bundle.DELIVERY_LINE_FIELDS))
        across = self._across_companies()
        order = self._web_read_one(ORDER, order_id, spec, context=across)
        company_id = m2o_id(release_bundle.pair(order["company_id"]))
        if company_id and across and across["allowed_company_ids"][0] != company_id:
            order = self._web_read_one(ORDER, order_id, spec, context=company_context(company_id))
        bundle = release_bundle.bundle_from(order)
        logins = release_bundle.logins_from(order)
        storable = [p["id"] for p in bundle["products"] if p.get("detailed_type") == "product"]
        free = self.free_quantities(storable, m2o_id(bundle["order"]["warehouse_id"]),
                                    context=company_context(company_id))
        user_id = requested_by if requested_by is not None else m2o_id(bundle["order"]["write_uid"])
        if user_id and user_id not in logins:  # a requester named by the caller, not the order's writer
            logins.update(self.user_logins([user_id]))
        bundle["free_quantities"] = {str(pid): free.get(pid, 0.0) for pid in storable}
        bundle["requested_by"] = {"user_id": user_id, "login": logins.get(user_id)}
        bundle["user_logins"] = logins  # the writer's and the salesperson's, from the same call
        return bundle

    def _web_read_one(self, model: str, record_id: int, specification: dict, context: dict | None) -> dict:
        rows = self.web_read(model, [record_id], specification, context=context)
        if not rows:
            raise OdooError(RECORD_MISSING, f"{model} {record_id} does not exist")
        return rows[0]

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
        """Context allowing every company of the integration user: a document is found whatever its company."""
        return self._across_companies() or {}

    def search_count(self, model: str, domain: list) -> int:
        """How many records of `model` Odoo finds for `domain`, in every company of the integration user."""
        return self.execute(model, "search_count", list(domain), context=self._all_companies())

    def search_documents(self, model: str, domain: list, fields: list[str], limit: int = 0,
                         order: str = "write_date desc, id desc") -> list[dict]:
        """Records of `model` matching `domain`, in every company of the integration user (newest first)."""
        kwargs = {"fields": fields, "order": order, "context": self._all_companies()}
        if limit:
            kwargs["limit"] = limit
        return self.execute(model, "search_read", list(domain), **kwargs)

    def committed_match(self, model: str, record_id: int, write_date: str | None, domain: list) -> bool:
        """True when Odoo's committed record has reached `write_date` (microseconds count) AND matches
        `domain`: the intake's common case in one call. False says neither which nor whether the record
        exists: only on that rarer path are the narrower questions asked, each in its own call."""
        since = [("write_date", ">=", write_date)] if write_date else []
        return bool(self.search_count(model, [("id", "=", record_id), *since, *domain]))

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
                         exclude_ids: list[int], offset: int, limit: int, model: str = ORDER) -> list[dict]:
        """One page of documents of `model` matching `domain` written since `not_before`, oldest first
        (`name` is Odoo's display name: a stock.quant has no `name`)."""
        full = [*domain, ("write_date", ">=", not_before)]
        if written_before:
            full.append(("write_date", "<=", written_before))
        if exclude_ids:
            full.append(("id", "not in", sorted(exclude_ids)))
        rows = self.execute(model, "search_read", full, fields=["display_name", "write_date"], offset=offset,
                            limit=limit, order="write_date asc, id asc", context=self._all_companies())
        return [{"id": r["id"], "name": r["display_name"], "write_date": r["write_date"]} for r in rows]
