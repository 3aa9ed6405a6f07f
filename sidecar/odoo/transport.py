"""Kept-alive HTTP for odoorpc: a urllib handler that sends odoorpc's requests over a urllib3 pool.

odoorpc talks through a urllib opener, whose stock HTTP handler opens a new TCP (and TLS)
connection for every call and asks the server to close it. This handler takes its place in the
opener (cookie handling, error processing and redirects stay urllib's own) and sends each
request over a connection kept in a thread-safe urllib3 pool: each thread borrows one
connection at a time, a connection the server dropped (Odoo restarted, a proxy's idle timeout)
is noticed when it is taken from the pool and replaced, and the per-call timeout is kept.
A server that answers `Connection: close` (Odoo 17's own werkzeug server does, on every
request) simply gets a new connection per call, as before; behind a reverse proxy the
connection set-up is saved.
"""
from __future__ import annotations

import http.client
import io
import socket
import threading
import urllib.error
import urllib.request
import urllib.response
from http.cookiejar import CookieJar

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

POOL_SIZE = 8  # connections kept per host: gunicorn threads (4 by default) plus the outbox worker
KEEP_ALIVE_ORDER = 400  # before urllib's own HTTP(S) handlers (500): this one answers first


class KeepAlivePool:
    """A urllib3 pool of kept-alive connections, shared by every thread of one gateway."""

    def __init__(self, maxsize: int = POOL_SIZE):
        # block=False: more concurrent callers than `maxsize` get a connection of their own,
        # closed after use; retries are the gateway's business (it knows which calls are reads).
        self.manager = urllib3.PoolManager(num_pools=4, maxsize=maxsize, block=False, retries=False)
        self._counts = {"connections": 0, "requests": 0}
        self._lock = threading.Lock()
        self.manager.pool_classes_by_scheme = {scheme: _counting(pool_class, self.count)
                                               for scheme, pool_class in self.manager.pool_classes_by_scheme.items()}

    def count(self, what: str) -> None:
        """One more TCP connection opened, or request sent."""
        with self._lock:
            self._counts[what] += 1

    def stats(self) -> dict:
        """TCP connections opened and requests sent so far (for benchmarks and tests)."""
        with self._lock:
            return dict(self._counts)

    def clear(self) -> None:
        """Close every idle connection (the next call connects afresh)."""
        self.manager.clear()


def _counting(pool_class, count):
    """`pool_class` whose connections count each TCP connection they open (a reconnect too)."""
    class CountingConnection(pool_class.ConnectionCls):
        def connect(self):
            count("connections")
            super().connect()

    return type(pool_class.__name__, (pool_class,), {"ConnectionCls": CountingConnection})


class KeepAliveHandler(urllib.request.BaseHandler):
    """Answers urllib's http(s) requests through a KeepAlivePool."""

    handler_order = KEEP_ALIVE_ORDER

    def __init__(self, pool: KeepAlivePool):
        self.pool = pool

    def http_open(self, req: urllib.request.Request):
        return self._send(req)

    https_open = http_open

    def _send(self, req: urllib.request.Request):
        if req.has_proxy() or getattr(req, "_tunnel_host", None):
            return None  # through an HTTP(S)_PROXY urllib's own handler sends it, as it always did
        timeout = req.timeout if isinstance(req.timeout, (int, float)) else None
        headers = dict(req.header_items())  # Content-Type, Cookie (added by the cookie processor), Host, ...
        self.pool.count("requests")
        try:
            answer = self.pool.manager.urlopen(
                req.get_method(), req.full_url, body=req.data, headers=headers, redirect=False,
                timeout=urllib3.Timeout(connect=timeout, read=timeout), preload_content=True)
        except Urllib3Error as err:
            raise _as_stdlib(err) from err
        message = http.client.HTTPMessage()
        for name, value in answer.headers.iteritems():  # one entry per header line: every Set-Cookie kept
            message[name] = value
        response = urllib.response.addinfourl(io.BytesIO(answer.data), message, req.full_url, answer.status)
        response.msg = answer.reason
        return response


def _as_stdlib(err: Urllib3Error) -> OSError:
    """The exception urllib's own handler would have raised, so callers classify failures as before."""
    if isinstance(err, NewConnectionError):
        return urllib.error.URLError(err.__context__ if isinstance(err.__context__, OSError) else str(err))
    if isinstance(err, (ReadTimeoutError, Urllib3Timeout)):
        return socket.timeout(f"timed out: {err}")
    cause = err.args[1] if isinstance(err, ProtocolError) and len(err.args) > 1 else None
    if isinstance(cause, (OSError, http.client.HTTPException)):
        return cause if isinstance(cause, OSError) else ConnectionError(f"{type(cause).__name__}: {cause}")
    return ConnectionError(f"{type(err).__name__}: {err}")


def build_opener(pool: KeepAlivePool | None) -> urllib.request.OpenerDirector:
    """The opener odoorpc uses: its own cookie jar (as odoorpc makes one), over `pool` when given."""
    handlers: list = [urllib.request.HTTPCookieProcessor(CookieJar())]
    if pool is not None:
        handlers.append(KeepAliveHandler(pool))
    return urllib.request.build_opener(*handlers)
