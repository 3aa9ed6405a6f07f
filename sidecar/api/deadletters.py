"""Dead letters: see every failure in one place and replay it."""
from __future__ import annotations

from flask import Blueprint, url_for
from werkzeug.routing import BaseConverter

from sidecar.api.common import actor, get_services, json_body, page_limit, query_value, requires
from sidecar.flows import deadletters, registry

bp = Blueprint("deadletters", __name__, url_prefix="/v1/dead-letters")


class LetterId(BaseConverter):
    """A dead letter id (`dl_...`): so `/v1/dead-letters/replay` is never also read as a letter's URL."""

    regex = r"dl_[0-9A-Za-z]{1,64}"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("letter_id", LetterId))


@bp.get("")
@requires("deadletters.read")
def list_dead_letters():
    """Dead letters, newest first or by advised priority, by status, category and kind; each with its advice."""
    return {"items": deadletters.list_letters(
        get_services(), status=query_value("status", deadletters.STATUSES),
        category=query_value("category", deadletters.CATEGORIES), kind=query_value("kind", deadletters.KINDS),
        flow=query_value("flow", [flow.name for flow in registry.flows()]), limit=page_limit(),
        sort=query_value("sort", deadletters.SORTS) or deadletters.NEWEST)}


@bp.get("/<letter_id:dead_letter_id>")
@requires("deadletters.read")
def get_dead_letter(dead_letter_id):
    """One dead letter with its detail."""
    return deadletters.get_letter(get_services(), dead_letter_id)


@bp.post("")
@requires("deadletters.write")
def report_failure():
    """Record a failed n8n execution."""
    letter = deadletters.record_failure(get_services(), json_body())
    return letter, 201, {"Location": url_for("deadletters.get_dead_letter", dead_letter_id=letter["id"])}


@bp.post("/<letter_id:dead_letter_id>/replay")
@requires("deadletters.replay")
def replay_dead_letter(dead_letter_id):
    """Queue one dead letter's work again."""
    return deadletters.replay(get_services(), dead_letter_id, actor()), 202


@bp.post("/replay")
@requires("deadletters.replay")
def replay_dead_letters():
    """Replay many dead letters."""
    return deadletters.replay_many(get_services(), json_body(), actor()), 202


@bp.post("/<letter_id:dead_letter_id>/resolve")
@requires("deadletters.resolve")
def resolve_dead_letter(dead_letter_id):
    """Close an open letter whose work was done another way; the reason is audited."""
    return deadletters.resolve(get_services(), dead_letter_id, json_body(), actor())


@bp.post("/<letter_id:dead_letter_id>/abandon")
@requires("deadletters.resolve")
def abandon_dead_letter(dead_letter_id):
    """Close an open letter whose work nobody will do; the reason is audited."""
    return deadletters.abandon(get_services(), dead_letter_id, json_body(), actor())
