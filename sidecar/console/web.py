"""The console's web plumbing: session cookie, sign-in, CSRF, the page and action guards, security headers."""
from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
from functools import wraps

from flask import g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from sidecar import contracts
from sidecar.api.common import get_services
from sidecar.console.users import Identity, fingerprint
from sidecar.errors import InvalidPayload
from sidecar.limits import FORM_TYPES

logger = logging.getLogger(__name__)
SESSION_HOURS = 8
COOKIE = "sidecar_console"


class ConsoleSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, its signer built only for a request that sends a cookie: API calls
    send none, and building it took a tenth of an authenticated GET's CPU."""

    def open_session(self, app, request):
        if app.secret_key and not request.environ.get("HTTP_COOKIE"):
            return self.session_class()  # what Flask answers for a request without the session cookie
        return super().open_session(app, request)


def init_app(app, settings) -> None:
    """Session cookies for the console only: signed, HttpOnly, SameSite=Lax, Secure when configured."""
    app.config.update(
        SECRET_KEY=settings.console_secret, SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.console_secure_cookie,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600, WTF_CSRF_SSL_STRICT=settings.console_secure_cookie,
    )
    app.session_interface = ConsoleSessions()


def identify(settings, kind: str, name: str, proof: str) -> Identity | None:
    """The identity a session names, while its password hash or key is still the one it signed in with."""
    if kind == "user" and name in settings.console_users:
        user = settings.console_users[name]
        if hmac.compare_digest(fingerprint(user.password_hash), proof):
            return Identity(user.name, "user", user.scopes)
    if kind == "key":
        client = next((c for c in settings.api_keys if c.name == name), None)
        if client is not None and hmac.compare_digest(fingerprint(client.secret), proof):
            return Identity(client.name, "key", client.scopes)
    return None


def current_identity() -> Identity | None:
    """Who this request's session belongs to, or None."""
    who = session.get("who")
    if not isinstance(who, dict):
        return None
    return identify(get_services().settings, str(who.get("kind")), str(who.get("name")), str(who.get("proof")))


def check_credentials(settings, login: str, password: str, api_key: str) -> Identity | None:
    """A console user's password or an API key -> the identity; None when neither holds."""
    if api_key:
        for client in settings.api_keys:
            if hmac.compare_digest(client.secret.encode("utf-8", "surrogatepass"),
                                   api_key.encode("utf-8", "surrogatepass")):
                return Identity(client.name, "key", client.scopes)
        return None
    user = settings.console_users.get(login)
    if user is None or not password:
        return None
    return Identity(user.name, "user", user.scopes) if user.check(password) else None


def start_session(settings, identity: Identity) -> None:
    """A fresh session (a new CSRF token too) for the identity."""
    secret = (settings.console_users[identity.name].password_hash if identity.kind == "user"
              else next(c.secret for c in settings.api_keys if c.name == identity.name))
    session.clear()
    session.permanent = True
    session["who"] = {"kind": identity.kind, "name": identity.name, "proof": fingerprint(secret)}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if target and target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return url_for("console.overview")


def page(template: str, status: int = 200, **context):
    """A console page with its headers (CSP with this request's nonce, no caching, no framing)."""
    context.setdefault("identity", g.get("identity"))
    if not g.get("csp_nonce"):  # a refusal before the blueprint's own hooks ran
        set_nonce()
    nonce = g.csp_nonce
    return render_template(template, csrf_token=generate_csrf, nonce=nonce, **context), status


def message(status: int, title: str, text: str):
    """A page that only says something (refusals, errors)."""
    return page("console/message.html", status, title=title, text=text, problem=status >= 400)


def set_nonce() -> None:
    """A fresh CSP nonce per request: only the console's own inline script and style run."""
    g.csp_nonce = secrets.token_urlsafe(16)


def security_headers(response):
    """Console answers are never cached, framed or sniffed, and run only their own script and style."""
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _one(name: str, allowed) -> str | None:
    """A query parameter given at most once: one of `allowed` (a tuple), or text of at most `allowed` characters."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise InvalidPayload(f"{name} may be given only once")
    value = values[0] if values else None
    if value is not None and isinstance(allowed, tuple) and value not in allowed:
        raise InvalidPayload(f"{name} must be one of {', '.join(allowed)}")
    if value is not None and isinstance(allowed, int) and len(value) > allowed:
        raise InvalidPayload(f"{name} may be at most {allowed} characters")
    return (value or "").strip() or None


def guarded_page(scope: str, query: dict | None = None):
    """A GET page: its query read first (400 when malformed), then the session (sign in), then the scope (403)."""
    def decorator(view):
        @wraps(view)
        def wrapper(**kwargs):
            args = {name: _one(name, allowed) for name, allowed in (query or {}).items()}
            identity = current_identity()
            if identity is None:
                return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")), 303)
            if not identity.allows(scope):
                return message(403, "Not allowed", f"Signing in as {identity.name} does not give {scope}.")
            g.identity = identity
            return view(args, **kwargs)
        return wrapper
    return decorator


def read_form(contract: str) -> dict:
    """The posted form as the contract's object (repeated fields as lists), CSRF token checked first."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as err:
        raise CsrfRefused(str(err)) from None
    form = {}
    for name in request.form:
        values = request.form.getlist(name)
        form[name] = values if name == "ids" else values[0]
    contracts.validate(contract, form)
    return form


class CsrfRefused(Exception):
    """A form without this session's CSRF token: forged, or from an expired page."""


def guarded_action(scope: str | None, contract: str):
    """A POST: a form (415 otherwise), this session's CSRF token (403), then the session and scope (403)."""
    def decorator(view):
        @wraps(view)
        def wrapper(**kwargs):
            if request.mimetype not in FORM_TYPES:
                return message(415, "Not a form", "Send the page's form.")
            try:
                form = read_form(contract)
            except CsrfRefused as err:
                logger.warning("console form refused: %s", err)
                return message(403, "Form refused", "This form did not come from your signed-in page "
                                                   "(or the page is too old). Reload the page and try again.")
            identity = current_identity()
            if scope is not None and identity is None:
                return message(403, "Sign in first", "Your session ended: sign in again.")
            if scope is not None and not identity.allows(scope):
                return message(403, "Not allowed", f"Signing in as {identity.name} does not give {scope}.")
            g.identity = identity
            return view(form, **kwargs)
        return wrapper
    return decorator
