"""Small helpers shared by the repositories: ids, clock, row conversion."""
from __future__ import annotations

import time
import uuid
from time import gmtime, strftime  # iso's own: tests move the store's clock by replacing `time`

MAX_PAGE = 200  # the most rows one list answer holds


def new_id(prefix: str) -> str:
    """A short, prefixed, random identifier such as `rel_3f2a...`."""
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def now() -> float:
    """Current UTC time as epoch seconds."""
    return time.time()


def iso(epoch: float | None) -> str | None:
    """Epoch seconds to ISO 8601 UTC (`2026-11-23T19:03:11Z`), None stays None."""
    if epoch is None:
        return None
    return strftime("%Y-%m-%dT%H:%M:%SZ", gmtime(epoch))  # C's gmtime: a datetime costs more


def as_dict(row) -> dict | None:
    """A result row as a plain dict (None when there is no row)."""
    return None if row is None else dict(row._mapping)
