"""The correlation id: one id that follows an event from n8n's execution through the decision, its
write-back jobs, the audit entries and the logs. Held in a context variable, so the store, the
worker and the log formatter read it without it being passed through every call."""
from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Correlation-Id"
N8N_HEADER = "X-N8n-Execution-Id"  # set by the workflows' HTTP Request nodes to {{$execution.id}}
# What a caller may choose: short and printable, so it is safe in a header, a log line and Odoo's chatter.
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")

_current: ContextVar[str | None] = ContextVar("sidecar_correlation_id", default=None)


def current() -> str | None:
    """The correlation id of the work in hand, if any."""
    return _current.get()


def new() -> str:
    """A fresh id, for work that arrived without one."""
    return uuid.uuid4().hex


def from_headers(headers) -> str:
    """X-Correlation-Id, else n8n's execution id (prefixed, as it is only unique within one n8n), else new.
    A value that is not a short printable token is ignored, not refused: tracing never fails a request."""
    given = headers.get(HEADER)
    if given and VALID.fullmatch(given):
        return given
    execution = headers.get(N8N_HEADER)
    if execution and VALID.fullmatch(execution):
        return f"n8n-{execution}"[:128]
    return new()


def set_current(value: str | None):
    """Bind `value`; returns the token `reset` takes."""
    return _current.set(value)


def reset(token) -> None:
    """Undo a `set_current`."""
    _current.reset(token)


@contextmanager
def bound(value: str | None):
    """Run a block under `value` (a job's id while the worker runs it)."""
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
