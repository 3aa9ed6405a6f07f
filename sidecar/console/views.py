"""The ops console's pages (/console): thin views over sidecar.console.service and the API's own functions."""
from __future__ import annotations

import logging

from flask import Blueprint, g, redirect, request, session, url_for

from sidecar.api.common import get_services
from sidecar.console import service
from sidecar.console.web import (check_credentials, guarded_action, guarded_page, message, page, safe_next,
                                 security_headers, set_nonce, start_session)
from sidecar.errors import InvalidPayload, SidecarError
from sidecar.flows import approvals as approval_flows, deadletters, registry
from sidecar.store import audit
from sidecar.store.dead_letters import STATUSES

logger = logging.getLogger(__name__)
bp = Blueprint("console", __name__, url_prefix="/console")
bp.before_request(set_nonce)
bp.after_request(security_headers)
LETTER_STATUSES = tuple(value for value, _ in STATUSES)


@bp.errorhandler(SidecarError)
def _refused(err: SidecarError):
    """A refusal of the API's functions, said on a page with the API's status and words."""
    return message(err.status, "Not done", err.message)


def _actor() -> str:
    return g.identity.name


def _audit(kind: str, subject: str, data: dict) -> None:
    with get_services().db.transaction() as conn:
        audit.append(conn, kind, subject, data, actor=_actor())


# -- sign-in -------------------------------------------------------------------------------------------------

@bp.get("/sign-in")
def sign_in():
    """The sign-in form: a console user's name and password, or an API key."""
    next_ = request.args.get("next", "")
    if len(request.args.getlist("next")) > 1 or len(next_) > 2000:
        raise InvalidPayload("next: once, at most 2000 characters")
    return page("console/sign_in.html", next=safe_next(next_), problem=None)


@bp.post("/sign-in")
@guarded_action(None, "console_sign_in.v1")
def submit_sign_in(form):
    """Check the credentials; a fresh session on success (audited), the same page with a problem otherwise."""
    settings = get_services().settings
    identity = check_credentials(settings, form.get("login", "").strip(), form.get("password", ""),
                                 form.get("api_key", "").strip())
    if identity is None:
        logger.warning("console sign-in refused for %r", form.get("login", "")[:64] or "an API key")
        return page("console/sign_in.html", 401, next=safe_next(form.get("next")),
                    problem="Those credentials are not valid.")
    start_session(settings, identity)
    g.identity = identity
    _audit("console.signed_in", identity.name, {"via": identity.kind})
    return redirect(safe_next(form.get("next")), 303)


@bp.post("/sign-out")
@guarded_action("deadletters.read", "console_sign_out.v1")
def sign_out(form):
    """End the session."""
    _audit("console.signed_out", g.identity.name, {"via": g.identity.kind})
    session.clear()
    return redirect(url_for("console.sign_in"), 303)


# -- overview ------------------------------------------------------------------------------------------------

@bp.get("")
@guarded_page("deadletters.read")
def overview(args):
    """What is stuck and since when; refreshes by itself."""
    return page("console/overview.html", view=service.overview(get_services()))


# -- dead letters --------------------------------------------------------------------------------------------

# Each query parameter: its choices, or the most characters it may hold (as its node spec says).
LETTER_QUERY = {"status": LETTER_STATUSES, "category": deadletters.CATEGORIES, "flow": 64,
                "age": tuple(service.AGE_CHOICES), "document": 64, "sort": deadletters.SORTS}


@bp.get("/dead-letters")
@guarded_page("deadletters.read", LETTER_QUERY)
def letters(args):
    """Dead letters, filtered by status (open by default), category, flow, age and Odoo document."""
    args["status"] = args["status"] or "open"
    found = service.list_letters(get_services(), status=args["status"], category=args["category"],
                                 flow=args["flow"], older_than=args["age"], document=args["document"],
                                 sort=args["sort"] or deadletters.NEWEST)
    category_ids = [v["id"] for v in found if v["replayable"]] if args["category"] else []
    return page("console/letters.html", letters=found, filters=args, categories=deadletters.LABELS,
                statuses=STATUSES, flows=[f.name for f in registry.flows()], ages=service.AGE_CHOICES,
                category_ids=category_ids, sorts=deadletters.SORTS)


@bp.get("/dead-letters/<dead_letter_id>")
@guarded_page("deadletters.read")
def letter(args, dead_letter_id):
    """One dead letter: business summary, document and links, error, attempts and the audit trail."""
    return page("console/letter.html", view=service.letter_page(get_services(), dead_letter_id))


@bp.post("/dead-letters/replay")
@guarded_action("deadletters.replay", "console_replay.v1")
def replay(form):
    """Replay the letters chosen, or the open ones of a category; each item's result (the page's script
    sends one letter per request to show progress)."""
    services = get_services()
    ids = service.replay_ids(services, form.get("ids"), form.get("category"))
    results = list(service.replay(services, ids, _actor()))
    return page("console/replay.html", results=results, category=form.get("category"),
                failed=sum(r["outcome"] == service.FAILED for r in results))


@bp.post("/dead-letters/<dead_letter_id>/close")
@guarded_action("deadletters.resolve", "console_close.v1")
def close(form, dead_letter_id):
    """Resolve or abandon a letter, with the reason (required, audited with the signed-in name)."""
    closed = service.close_letter(get_services(), dead_letter_id, form["action"], form["reason"], _actor())
    return page("console/message.html", title=f"Dead letter {closed['status']}",
                text=f"{dead_letter_id} is {closed['status']}: {closed['reason']}",
                back=url_for("console.letter", dead_letter_id=dead_letter_id))


# -- approvals -----------------------------------------------------------------------------------------------

@bp.get("/approvals")
@guarded_page("approvals.read", {"sort": approval_flows.SORTS})
def approvals(args):
    """Approvals waiting, by tier and approver or by advised priority, their age against the SLA; late ones marked."""
    sort = args["sort"] or approval_flows.NEWEST
    return page("console/approvals.html", rows=service.approvals_board(get_services(), sort=sort), sort=sort,
                sorts=approval_flows.SORTS)


@bp.post("/approvals/<approval_id>/move")
@guarded_action("approvals.admin", "console_move.v1")
def move(form, approval_id):
    """Delegate to another approver or escalate to another role, with a reason; the decision stays theirs."""
    moved = service.move_approval(get_services(), approval_id, form["action"], form["target"], form["reason"],
                                  _actor())
    to = moved["approval"]
    return page("console/message.html", title="Approval moved",
                text=f"{approval_id} now waits for {to['role']} ({', '.join(to['eligible'])}); they decide.",
                back=url_for("console.approvals"))


# -- audit ---------------------------------------------------------------------------------------------------

AUDIT_QUERY = {"document": 64, "event": 255, "actor": 255, "kind": 48, "since": 32, "until": 32, "verify": ("1",)}


def _moment(name: str, text: str | None) -> float | None:
    if not text:
        return None
    from sidecar.values import utc_moment
    try:
        return utc_moment(text.replace("T", " ")).timestamp()
    except ValueError:
        raise InvalidPayload(f"{name}: not a date or moment (YYYY-MM-DD[ HH:MM], UTC)") from None


@bp.get("/audit")
@guarded_page("audit.read", AUDIT_QUERY)
def audit_page(args):
    """Search the trail by document, event, actor, kind and time; verify the chain on demand."""
    services = get_services()
    searched = any(args[name] for name in ("document", "event", "actor", "kind", "since", "until"))
    entries = service.search_audit(services, document=args["document"], event=args["event"], actor=args["actor"],
                                   kind=args["kind"], since=_moment("since", args["since"]),
                                   until=_moment("until", args["until"]), limit=200 if searched else 50)
    report = service.verify_chain(services) if args["verify"] else None
    return page("console/audit.html", entries=entries, filters=args, report=report, searched=searched)


# -- policy --------------------------------------------------------------------------------------------------

@bp.get("/policy")
@guarded_page("releases.read", {"release": 64})
def policy(args):
    """The policy in force per flow and site (version, hash), and the explanation of a stored decision."""
    services = get_services()
    explained = service.explain_decision(services, args["release"]) if args["release"] else None
    return page("console/policy.html", policies=service.policies(services), explained=explained,
                release=args["release"])
