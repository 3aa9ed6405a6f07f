"""Odoo 17 server exceptions as they travel on the wire.

Every JSON-RPC failure is answered with HTTP 200 and
``{"error": {"code": 200, "message": "Odoo Server Error", "data": {...}}}``;
``data`` holds the exception's dotted class name, its text, its args, a
context and a traceback.  A session that is not logged in gets code 100.
"""
from __future__ import annotations

USER_ERROR = "odoo.exceptions.UserError"
ACCESS_ERROR = "odoo.exceptions.AccessError"
ACCESS_DENIED = "odoo.exceptions.AccessDenied"
MISSING_ERROR = "odoo.exceptions.MissingError"
VALIDATION_ERROR = "odoo.exceptions.ValidationError"
VALUE_ERROR = "builtins.ValueError"
ATTRIBUTE_ERROR = "builtins.AttributeError"
KEY_ERROR = "builtins.KeyError"
TYPE_ERROR = "builtins.TypeError"
SESSION_EXPIRED = "odoo.http.SessionExpiredException"


class OdooServerError(Exception):
    """An exception raised 'inside Odoo': rendered as a JSON-RPC error."""

    def __init__(self, name: str, message: str, arguments: list | None = None,
                 code: int = 200, http_message: str = "Odoo Server Error"):
        super().__init__(message)
        self.name = name
        self.message = message
        self.arguments = list(arguments) if arguments is not None else [message]
        self.code = code
        self.http_message = http_message

    def to_error(self) -> dict:
        """The ``error`` member of the JSON-RPC answer."""
        short = self.name.rsplit(".", 1)[-1]
        return {
            "code": self.code,
            "message": self.http_message,
            "data": {
                "name": self.name,
                "debug": ("Traceback (most recent call last):\n"
                          '  File "odoo/http.py", in _serve_db\n'
                          f"{short}: {self.message}\n"),
                "message": self.message,
                "arguments": self.arguments,
                "context": {},
            },
        }


def user_error(message: str) -> OdooServerError:
    return OdooServerError(USER_ERROR, message)


def access_error(message: str) -> OdooServerError:
    return OdooServerError(ACCESS_ERROR, message)


def access_denied() -> OdooServerError:
    return OdooServerError(ACCESS_DENIED, "Access Denied")


def missing_error(message: str) -> OdooServerError:
    return OdooServerError(MISSING_ERROR, message)


def validation_error(message: str) -> OdooServerError:
    return OdooServerError(VALIDATION_ERROR, message)


def value_error(message: str) -> OdooServerError:
    return OdooServerError(VALUE_ERROR, message)


def attribute_error(message: str) -> OdooServerError:
    return OdooServerError(ATTRIBUTE_ERROR, message)


def type_error(message: str) -> OdooServerError:
    return OdooServerError(TYPE_ERROR, message)


def key_error(key: str) -> OdooServerError:
    # str(KeyError('x')) is "'x'" while its args keep the bare key
    return OdooServerError(KEY_ERROR, repr(key), [key])


def session_expired() -> OdooServerError:
    return OdooServerError(SESSION_EXPIRED, "Session expired", code=100,
                           http_message="Odoo Session Expired")


def not_found() -> OdooServerError:
    message = ("404 Not Found: The requested URL was not found on the server. If you entered "
               "the URL manually please check your spelling and try again.")
    return OdooServerError("werkzeug.exceptions.NotFound", message, [], code=404,
                           http_message="404: Not Found")


def record_missing(model: str, ids, uid: int) -> OdooServerError:
    """The MissingError Odoo raises when writing or acting on deleted records."""
    return missing_error("Record does not exist or has been deleted.\n"
                         f"(Record: {recordset_repr(model, ids[:6])}, User: {uid})")


def recordset_repr(model: str, ids) -> str:
    """``sale.order(28,)``: how Odoo prints a recordset (a tuple of ids)."""
    return f"{model}{tuple(ids)!r}"
