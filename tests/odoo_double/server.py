"""HTTP side: a WSGI app speaking Odoo 17's JSON-RPC routes, and a thread serving it."""
from __future__ import annotations

import json
import threading

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import errors
from .service import VERSION_INFO

SESSION_COOKIE = "session_id"
SESSION_LIFETIME = 60 * 60 * 24 * 7


class WireApp:
    """Routes: /jsonrpc, /web/session/*, /web/dataset/call_kw[/...], /web/dataset/call_button,
    /web/webclient/version_info, /web/database/list (JSON-RPC) and GET /web/health."""

    def __init__(self, backend):
        self.backend = backend
        self.routes = {
            "/jsonrpc": self._jsonrpc,
            "/web/session/authenticate": self._authenticate,
            "/web/session/get_session_info": self._get_session_info,
            "/web/session/check": self._check,
            "/web/session/destroy": self._destroy,
            "/web/dataset/call_kw": self._call_kw,
            "/web/dataset/call_button": self._call_button,
            "/web/webclient/version_info": lambda params, ctx: dict(VERSION_INFO),
            "/web/database/list": lambda params, ctx: [self.backend.db_name],
        }

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == "/web/health":
            return Response(json.dumps({"status": "pass"}), content_type="application/json")(environ, start_response)
        response = self._json_request(request)
        return response(environ, start_response)

    # -- JSON-RPC envelope ------------------------------------------------------
    def _json_request(self, request) -> Response:
        try:
            payload = json.loads(request.get_data() or b"null")
        except ValueError:
            return Response("Invalid JSON data", status=400)
        if not isinstance(payload, dict):
            return Response("Invalid JSON-RPC data", status=400)
        request_id = payload.get("id")
        params = payload.get("params") or {}
        handler = self._route(request.path)
        ctx = {"sid": request.cookies.get(SESSION_COOKIE), "set_sid": None, "clear_sid": False,
               "base_url": request.host_url.rstrip("/")}
        answer = {"jsonrpc": "2.0", "id": request_id}
        try:
            if handler is None:
                raise errors.not_found()
            if not isinstance(params, dict):
                raise errors.type_error("params must be a JSON object")
            result = handler(params, ctx)
            if result is not None:
                answer["result"] = result
        except errors.OdooServerError as exc:
            answer["error"] = exc.to_error()
        except Exception as exc:  # an unexpected failure still answers like Odoo does
            answer["error"] = errors.OdooServerError(f"builtins.{type(exc).__name__}", str(exc)).to_error()
        body = json.dumps(answer, ensure_ascii=False, default=str)
        response = Response(body, status=200, content_type="application/json; charset=utf-8")
        if ctx["set_sid"]:
            response.set_cookie(SESSION_COOKIE, ctx["set_sid"], max_age=SESSION_LIFETIME, httponly=True)
        elif ctx["clear_sid"]:
            response.delete_cookie(SESSION_COOKIE)
        return response

    def _route(self, path):
        if path in self.routes:
            return self.routes[path]
        if path.startswith("/web/dataset/call_kw/"):
            return self._call_kw
        return None

    # -- handlers ------------------------------------------------------------------
    def _jsonrpc(self, params, ctx):
        return self.backend.dispatch_rpc(params.get("service"), params.get("method"), params.get("args"))

    def _authenticate(self, params, ctx):
        missing = [key for key in ("db", "login", "password") if key not in params]
        if missing:
            raise errors.type_error(f"Session.authenticate() missing required argument(s): {', '.join(missing)}")
        uid = self.backend.authenticate(params["db"], params["login"], params["password"])
        ctx["set_sid"] = self.backend.new_session(uid, params["login"])
        return self.backend.session_info(uid, ctx["base_url"])

    def _user_session(self, ctx) -> dict:
        session = self.backend.session(ctx["sid"])
        if not session:
            raise errors.session_expired()
        return session

    def _get_session_info(self, params, ctx):
        return self.backend.session_info(self._user_session(ctx)["uid"], ctx["base_url"])

    def _check(self, params, ctx):
        self._user_session(ctx)
        return None

    def _destroy(self, params, ctx):
        self._user_session(ctx)
        self.backend.drop_session(ctx["sid"])
        ctx["clear_sid"] = True
        return None

    def _call_kw(self, params, ctx):
        session = self._user_session(ctx)
        missing = [key for key in ("model", "method", "args", "kwargs") if key not in params]
        if missing:
            raise errors.type_error(f"DataSet.call_kw() missing required argument(s): {', '.join(missing)}")
        return self.backend.execute(session["uid"], params["model"], params["method"], params["args"],
                                    params["kwargs"], unknown_model_error=errors.key_error)

    def _call_button(self, params, ctx):
        result = self._call_kw(params, ctx)
        return result if isinstance(result, dict) else False


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass

    def log(self, *args, **kwargs):
        pass


class ServerThread:
    """Serve a WSGI app on ``host:port`` (0 = a free port) in a daemon thread."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self._server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"odoo-double:{self.port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
