"""What the approver's decision page shows and records: a link is good once, for one person and tier."""
from __future__ import annotations

from sidecar import approval_tokens
from sidecar.errors import Conflict, Forbidden, InvalidPayload
from sidecar.flows import approvals
from sidecar.services import Services
from sidecar.store import releases
from sidecar.store.records import iso

MAX_COMMENT = 4000


def _verified(services: Services, approval_id: str, tokens: dict) -> dict:
    """The link's tokens, verified: same approval, person, tier and generation; none expired."""
    found = {}
    for decision, token in tokens.items():
        if not token:
            continue
        decoded = approval_tokens.verify(services.settings.approval_secret, token)
        if decoded.approval_id != approval_id or decoded.decision != decision:
            raise Forbidden("this link is not valid for this approval", code="invalid_token")
        approval_tokens.require_fresh(decoded)
        found[decision] = decoded
    if not found:
        raise Forbidden("this link carries no decision token", code="invalid_token")
    if len({(t.approver, t.tier, t.generation) for t in found.values()}) != 1:
        raise Forbidden("this link mixes tokens of different approvers or tiers", code="invalid_token")
    return found


def _unused(conn, approval: dict, tokens: dict) -> None:
    """A link decides once: a token that already carried a decision is spent."""
    for token in tokens.values():
        if not token:
            continue
        proof = approval_tokens.fingerprint(token)
        if approval["decided_token"] == proof or releases.vote_by_token(conn, proof):
            raise Conflict("this link was already used; a decision link works once", code="link_used")


def _summary(conn, approval: dict, decoded) -> dict:
    release = releases.get_release(conn, approval["release_id"]) or {}
    tiers = releases.tiers_of(approval)
    index = decoded.tier if decoded.tier is not None and decoded.tier < len(tiers) else 0
    return {"document": release.get("order_name") or f"#{approval['order_id']}", "role": tiers[index]["role"],
            "summary": (release.get("decision") or {}).get("summary", ""), "status": approval["status"],
            "expires_at": iso(decoded.expires_at)}


def view(services: Services, approval_id: str, tokens: dict) -> dict:
    """What the page shows for a valid, unused link on an approval still pending; decides nothing."""
    decoded = _verified(services, approval_id, tokens)
    any_token = next(iter(decoded.values()))
    with services.db.read() as conn:
        approval = approvals.load(conn, approval_id)
        _unused(conn, approval, tokens)
        if approval["status"] != releases.PENDING:
            raise Conflict(f"this approval is {approval['status']}; it can no longer be decided", code="not_pending")
        if any_token.generation != approval["generation"]:
            raise Forbidden("this link was replaced when the approval was re-routed", code="token_superseded")
        summary = _summary(conn, approval, any_token)
    return {"approval": summary,
            "form": {"approver": any_token.approver,
                     "tokens": {f"{d}_token": tokens[d] for d in decoded}}}


def submit(services: Services, approval_id: str, tokens: dict, decision: str, comment: str) -> dict:
    """Record the page's decision with the API's checks; a spent link is refused."""
    if decision not in approval_tokens.DECISIONS:
        raise InvalidPayload("choose approve or reject", code="invalid_decision")
    if len(comment) > MAX_COMMENT:
        raise InvalidPayload(f"the comment is longer than {MAX_COMMENT} characters", code="comment_too_long")
    if not tokens.get(decision):
        raise Forbidden(f"this link cannot {decision}", code="token_decision_mismatch")
    decoded = _verified(services, approval_id, tokens)
    with services.db.read() as conn:
        _unused(conn, approvals.load(conn, approval_id), tokens)
    body = {"token": tokens[decision], "decision": decision, **({"comment": comment} if comment.strip() else {})}
    answer = approvals.decide(services, approval_id, body, client=None, via="page")
    with services.db.read() as conn:
        summary = _summary(conn, approvals.load(conn, approval_id), decoded[decision])
    verb = "approved" if decision == "approve" else "rejected"
    return {"message": f"You {verb}. The approval is now {answer['approval']['status']}.", "approval": summary}
