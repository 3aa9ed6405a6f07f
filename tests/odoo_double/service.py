"""Odoo's RPC services and web controllers, minus the HTTP: authentication, sessions,
``common`` / ``object`` / ``db`` services, ``call_kw``, session info, injected failures."""
from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time

from . import dispatch, errors
from .env import Env

VERSION_INFO = {
    "server_version": "17.0",
    "server_version_info": [17, 0, 0, "final", 0, ""],
    "server_serie": "17.0",
    "protocol_version": 1,
}
SUPERUSER_ID = 1


class Backend:
    def __init__(self, db_name: str, registry, database):
        self.db_name = db_name
        self.registry = registry
        self.db = database
        self.calls: list = []
        self.sessions: dict = {}
        self._failures: list = []
        self._delays: list = []  # [model, method, seconds, when, times left or None]
        self._lock = threading.Lock()

    # -- environments and users -------------------------------------------
    def env(self, uid: int = 2, context: dict | None = None) -> Env:
        return Env(self.registry, self.db, uid, context)

    def _check_db(self, db) -> None:
        if db != self.db_name:
            raise errors.OdooServerError(
                "psycopg2.OperationalError",
                f'connection to server failed: FATAL:  database "{db}" does not exist\n')

    def _uid_for(self, login):
        with self.db.lock:
            for uid, row in self.db.table("res.users").items():
                if row.get("login") == login and row.get("active", True):
                    return uid
        return None

    def _password_ok(self, uid, password) -> bool:
        row = self.db.row("res.users", uid) if isinstance(uid, int) else None
        return bool(row and row.get("active", True) and password and row.get("_password") == password)

    def authenticate(self, db, login, password) -> int:
        """The uid, or AccessDenied (Odoo's ``res.users.authenticate``)."""
        self._check_db(db)
        uid = self._uid_for(login)
        if uid is None or not self._password_ok(uid, password):
            raise errors.access_denied()
        return uid

    def check(self, db, uid, password) -> None:
        """Odoo's ``security.check`` for the ``object`` service."""
        self._check_db(db)
        try:
            uid = int(uid)
        except (TypeError, ValueError):
            raise errors.access_denied() from None
        if not self._password_ok(uid, password):
            raise errors.access_denied()

    # -- /jsonrpc -------------------------------------------------------------
    def dispatch_rpc(self, service, method, args):
        args = list(args or [])
        if service == "common":
            return self._common(method, args)
        if service == "object":
            return self._object(method, args)
        if service == "db":
            return self._db(method, args)
        raise errors.OdooServerError("builtins.KeyError", repr(service), [service])

    def _common(self, method, args):
        if method == "version":
            return dict(VERSION_INFO)
        if method == "about":
            return "See http://openerp.com"
        if method in ("login", "authenticate"):
            if len(args) < 3:
                raise errors.type_error(f"exp_{method}() missing required positional arguments")
            try:
                return self.authenticate(args[0], args[1], args[2])
            except errors.OdooServerError as exc:
                if exc.name == errors.ACCESS_DENIED:
                    return False
                raise
        raise errors.OdooServerError("builtins.NameError", f"Method not available {method}")

    def _object(self, method, args):
        if method not in ("execute", "execute_kw"):
            raise errors.OdooServerError("builtins.NameError", f"Method not available {method}")
        if len(args) < 5:
            raise errors.OdooServerError("builtins.IndexError", "list index out of range")
        db, uid, password, model, name = args[:5]
        self.check(db, uid, password)
        if method == "execute":
            return self.execute(int(uid), model, name, args[5:], {})
        call_args = args[5] if len(args) > 5 else []
        call_kwargs = args[6] if len(args) > 6 else {}
        return self.execute(int(uid), model, name, call_args, call_kwargs or {})

    def _db(self, method, args):
        if method == "list":
            return [self.db_name]
        if method == "server_version":
            return VERSION_INFO["server_version"]
        if method == "db_exist":
            return bool(args) and args[0] == self.db_name
        if method == "list_lang":
            return [["en_US", "English (US)"]]
        raise errors.access_denied()

    # -- calling methods --------------------------------------------------------
    def execute(self, uid, model, method, args, kwargs, unknown_model_error=None):
        dispatch.check_method_name(method)
        if unknown_model_error is not None and model not in self.registry:
            raise unknown_model_error(model)
        with self._lock:
            self.calls.append((model, method, copy.deepcopy(list(args)), copy.deepcopy(dict(kwargs))))
            failure = self._take_failure(model, method)
            before, after = self._take_delays(model, method)
        # Delays are slept outside every lock, so other callers' calls run meanwhile (interleave).
        time.sleep(before)
        if failure is not None:
            raise failure
        result = dispatch.call(self.env(uid), model, method, args, kwargs)
        time.sleep(after)
        return result

    def delay(self, model, method, seconds: float, when: str = "before", times: int | None = None) -> None:
        """Make matching calls wait ``seconds`` before running (``when="before"``) or after their
        transaction committed but before answering (``"after"``: the effect is there, the answer late)."""
        if when not in ("before", "after"):
            raise ValueError("when is 'before' or 'after'")
        with self._lock:
            self._delays.append([model, method, float(seconds), when, times])

    def _take_delays(self, model, method) -> tuple[float, float]:
        waits = {"before": 0.0, "after": 0.0}
        for entry in list(self._delays):
            d_model, d_method, seconds, when, left = entry
            if d_model in (model, "*", None) and d_method in (method, "*", None):
                waits[when] += seconds
                if left is not None:
                    entry[4] = left - 1
                    if entry[4] <= 0:
                        self._delays.remove(entry)
        return waits["before"], waits["after"]

    def fail_next(self, model, method, error_name=errors.USER_ERROR, message="Injected failure", times=1):
        with self._lock:
            for _ in range(times):
                self._failures.append((model, method, error_name, message))

    def _take_failure(self, model, method):
        for index, (f_model, f_method, name, message) in enumerate(self._failures):
            if f_model in (model, "*", None) and f_method in (method, "*", None):
                del self._failures[index]
                return errors.OdooServerError(name, message)
        return None

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    # -- sessions (/web/...) ------------------------------------------------------
    def new_session(self, uid: int, login: str) -> str:
        sid = secrets.token_hex(20)
        with self._lock:
            self.sessions[sid] = {"uid": uid, "login": login, "db": self.db_name}
        return sid

    def session(self, sid):
        with self._lock:
            return self.sessions.get(sid) if sid else None

    def drop_session(self, sid) -> None:
        with self._lock:
            self.sessions.pop(sid, None)

    def session_info(self, uid: int, base_url: str) -> dict:
        env = self.env(uid)
        with self.db.lock:
            user_context = dispatch.call(env, "res.users", "context_get", [], {})
            partner = env.get("res.users", uid, "partner_id")
            company = env.get("res.users", uid, "company_id")
            companies = env.get("res.users", uid, "company_ids") or [company]
            currencies = {
                str(cid): {"symbol": env.get("res.currency", cid, "symbol"),
                           "position": env.get("res.currency", cid, "position"), "digits": [69, 2]}
                for cid in env.search("res.currency", [])}
            info = {
                "uid": uid,
                "is_system": uid in (SUPERUSER_ID, 2),
                "is_admin": uid in (SUPERUSER_ID, 2),
                "is_public": False,
                "is_internal_user": True,
                "user_context": user_context,
                "db": self.db_name,
                "user_settings": {"id": uid, "user_id": {"id": uid}, "is_discuss_sidebar_category_channel_open": True},
                "server_version": VERSION_INFO["server_version"],
                "server_version_info": VERSION_INFO["server_version_info"],
                "support_url": "https://www.odoo.com/buy",
                "name": env.get("res.users", uid, "name"),
                "username": env.get("res.users", uid, "login"),
                "partner_display_name": env.display_name("res.partner", partner),
                "partner_id": partner,
                "web.base.url": base_url,
                "active_ids_limit": 20000,
                "profile_session": None,
                "profile_collectors": None,
                "profile_params": None,
                "max_file_upload_size": 134217728,
                "home_action_id": False,
                "cache_hashes": {"translations": hashlib.sha1(b"en_US").hexdigest(),
                                 "load_menus": hashlib.sha512(b"menus").hexdigest()[:64]},
                "currencies": currencies,
                "bundle_params": {"lang": user_context.get("lang", "en_US")},
                "user_companies": {
                    "current_company": company,
                    "allowed_companies": {
                        str(cid): {"id": cid, "name": env.get("res.company", cid, "name"),
                                   "sequence": env.get("res.company", cid, "sequence"),
                                   "child_ids": [], "parent_id": env.get("res.company", cid, "parent_id")}
                        for cid in companies},
                    "disallowed_ancestor_companies": {},
                },
                "show_effect": True,
                "display_switch_company_menu": len(companies) > 1,
            }
        return info
