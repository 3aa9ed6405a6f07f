"""A listed page ranked by its advice: the approvals and the dead letters read and order their advice alike."""
from __future__ import annotations

import logging
from typing import Callable

from sidecar.store.records import MAX_PAGE

logger = logging.getLogger(__name__)
NEWEST, PRIORITY = "newest", "priority"
SORTS = (NEWEST, PRIORITY)  # priority: the advice's score, highest first (newest first among equals)


def fetched(limit: int, sort: str) -> int:
    """How many rows to read for a page of `limit`: priority orders the newest MAX_PAGE, not only the first page."""
    return MAX_PAGE if sort == PRIORITY else min(limit, MAX_PAGE)


def guarded(what: str, count: int, advise: Callable[[], dict[str, dict]]) -> dict[str, dict]:
    """The advice `advise` gives, by id; {} when it fails, so a page is shown without advice rather than not at all."""
    try:
        return advise()
    except Exception:  # noqa: BLE001 - advice never holds up a list
        logger.exception("advice on %s %s failed; they are shown without it", count, what)
        return {}


def rank(views: list[dict], sort: str) -> list[dict]:
    """The views in the order `sort` asks: as read (newest first), or by advised priority, stable among equal
    scores and with the views without advice last."""
    if sort == PRIORITY:
        views.sort(key=lambda view: -view["advice"]["priority"]["score"] if view.get("advice") else 1)
    return views
