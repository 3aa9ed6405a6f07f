"""The correlation id: one id that follows an event from n8n's execution through the decision, its
write-back jobs, the audit entries and the logs. Held in a context variable, so the store, the
worker and the log formatter read it without it being passed through every call."""
from __future__ import annotations

import os
import random
import re
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Correlation-Id"
N8N_HEADER = "X-N8n-Execution-Id"  # set by the workflows' HTTP Request nodes to {{$execution.id}}
_ENVIRON_KEY, _N8N_ENVIRON_KEY = (f"HTTP_{name.upper().replace('-', '_')}" for name in (HEADER, N8N_HEADER))
# What a caller may choose: short and printable, so it is safe in a header, a log line and Odoo's chatter.
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")

_current: ContextVar[str | None] = ContextVar("sidecar_correlation_id", default=None)


def current() -> str | None:
    """The correlation id of the work in hand, if any."""
    return _current.get()


# Ids must be unique, not secret: 128 bits of a generator of this module's own, seeded from the kernel's
# random source when made and again in each forked process (gunicorn's workers), so that no library
# seeding Python's shared generator can make two processes draw the same ids. uuid4 reads the kernel's
# source on every call, a system call that gives up the GIL; under gunicorn's threads the thread then
# waits for it behind the others, a large part of a cheap request's CPU.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def new() -> str:
    """A fresh id, for work that arrived without one (32 hex digits)."""
    return f"{_ids.getrandbits(128):032x}"


def from_environ(environ: dict) -> str:
    """X-Correlation-Id, else n8n's execution id (prefixed, as it is only unique within one n8n), else new.
    A value that is not a short printable token is ignored, not refused: tracing never fails a request.
    Read from the WSGI environ, where the two headers are `HTTP_X_...` keys."""
    given = environ.get(_ENVIRON_KEY)
    if given and VALID.fullmatch(given):
        return given
    execution = environ.get(_N8N_ENVIRON_KEY)
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
