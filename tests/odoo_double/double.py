"""``OdooDouble``: an Odoo 17 server stand-in speaking the real JSON-RPC wire protocol."""
from __future__ import annotations

import threading

from . import errors
from .models import all_specs
from .registry import Registry
from .seed import seed
from .server import ServerThread, WireApp
from .service import Backend
from .store import Database


class OdooDouble:
    """Start with ``start()`` (returns the base URL), stop with ``stop()``.

    ``calls`` lists ``(model, method, args, kwargs)`` for every ``execute``/``execute_kw``/
    ``call_kw`` that passed authentication; ``fail_next`` makes the next matching call fail
    with the given Odoo exception; ``env()`` gives direct access to the data for assertions.
    """

    def __init__(self, db: str = "gov17", sale_margin: bool = True):
        """``sale_margin``: whether that module is installed (it is on the reference server)."""
        self.db = db
        self.registry = Registry(all_specs(sale_margin))
        self._backend = self._fresh_backend()
        self._app = WireApp(self._backend)
        self._server: ServerThread | None = None
        self.url: str | None = None

    def _fresh_backend(self) -> Backend:
        backend = Backend(self.db, self.registry, Database(self.db))
        seed(backend)
        return backend

    # -- lifecycle ------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            return self.url
        self._server = ServerThread(self._app, host, port)
        self._server.start()
        self.url = f"http://{host}:{self._server.port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> "OdooDouble":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def host(self) -> str | None:
        return self._server.host if self._server else None

    @property
    def port(self) -> int | None:
        return self._server.port if self._server else None

    # -- test hooks -------------------------------------------------------------
    @property
    def calls(self) -> list:
        return self._backend.calls

    def calls_to(self, model: str, method: str) -> list:
        """The recorded calls of ``model.method``."""
        return [call for call in list(self.calls) if call[0] == model and call[1] == method]

    def fail_next(self, model: str, method: str, error_name: str = errors.USER_ERROR,
                  message: str = "Injected failure", times: int = 1) -> None:
        """Make the next ``times`` calls of ``model.method`` answer an Odoo error
        (``model``/``method`` may be ``"*"``)."""
        self._backend.fail_next(model, method, error_name, message, times)

    def clear_failures(self) -> None:
        """Forget injected failures and delays."""
        self._backend.clear_failures()

    def delay(self, model: str, method: str, seconds: float, when: str = "before", times: int | None = None) -> None:
        """Slow matching calls down, outside every lock, so concurrent callers interleave:
        ``when="before"`` waits before the call runs, ``"after"`` once it has committed but
        before it answers (``model``/``method`` may be ``"*"``; ``times`` None = until cleared)."""
        self._backend.delay(model, method, seconds, when, times)

    def webhook_before_commit(self, model: str, rid: int, vals: dict, seconds: float, *, uid: int = 2,
                     fields=("write_date", "write_uid", "name", "state", "tag_ids"),
                     rollback: bool = False) -> dict:
        """What an Automation Rule's webhook does in Odoo 17: its body is read inside the writing
        transaction (new values, ``write_date`` with microseconds) and posted *before* the commit.
        Returns that body now; the write becomes visible ``seconds`` later, or never (``rollback``)."""
        db = self._backend.db
        body: dict = {}
        try:
            with db.transaction():
                stamp = db.stamp
                env = self._backend.env(uid)
                env.write(model, [rid], vals)
                body = {"_model": model, "_id": rid, "_action": "Request release(#1)", "id": rid,
                        **{f: env.get(model, rid, f) for f in fields if env.registry.field(model, f)}}
                raise _NotYet  # the transaction has not committed when the webhook leaves
        except _NotYet:
            pass
        if not rollback:
            timer = threading.Timer(seconds, self._land, (model, rid, vals, uid, stamp))
            timer.daemon = True
            timer.start()
        return body

    def _land(self, model, rid, vals, uid, stamp) -> None:
        with self._backend.db.transaction():
            self._backend.db.stamp = stamp  # the commit keeps the transaction's write_date
            self._backend.env(uid).write(model, [rid], vals)

    def reset(self) -> None:
        """Back to the seeded data; recorded calls, failures and sessions are cleared."""
        fresh = self._fresh_backend()
        backend = self._backend
        with backend.db.lock:
            backend.db = fresh.db
            backend.calls.clear()
            backend.sessions.clear()
            backend.clear_failures()

    def env(self, uid: int = 2, **context):
        """An environment over the double's data (reads and writes bypass the wire)."""
        return self._backend.env(uid, context)

    def commit_later(self, delay: float, model: str, ids: list, vals: dict, uid: int = 2) -> threading.Timer:
        """Apply a write ``delay`` seconds from now: what other connections see of a transaction
        that Odoo 17 has not committed yet when its Automation Rule's webhook is already posted."""
        def apply():
            with self._backend.db.transaction():
                self._backend.env(uid).write(model, ids, vals)
        timer = threading.Timer(delay, apply)
        timer.daemon = True
        timer.start()
        return timer


class _NotYet(Exception):
    """Undoes a transaction whose effects land later."""
