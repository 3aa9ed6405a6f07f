"""Approvals: an approver's token-authenticated decision, and the ways out (re-route, cancel)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from sidecar import approval_tokens, contracts, n8n_resume
from sidecar.advisory import approval_queue, approver_summary
from sidecar.advisory.local import LocalAdvisor
from sidecar.errors import Conflict, Forbidden, InvalidPayload, NotFound
from sidecar.flows import advice_rank, approval_routing, messages, registry, writebacks
from sidecar.flows.approval_routing import (activity_ref, decision_links, excluded, notices, tier_phase,
                                            tier_writebacks)
from sidecar.flows.pipeline import describe_job
from sidecar.policy import routing
from sidecar.services import Services
from sidecar.store import audit, jobs, releases
from sidecar.store.records import iso

DECIDED = (releases.APPROVED, releases.REJECTED_BY_APPROVER)


def _tier_view(tier: dict, index: int, votes: list[dict]) -> dict:
    mine = [v for v in votes if v["tier"] == index]
    return {"tier": index, "role": tier["role"], "mode": tier.get("mode", "sequential"),
            "quorum": tier.get("quorum", 1), "status": tier["status"], "eligible": tier["eligible"],
            "assignee": tier.get("assignee"), "due_at": iso(tier.get("due_at")), "reason": tier.get("reason"),
            "admin": tier.get("admin", False),
            "approved_by": [v["voter"] for v in mine if v["decision"] == "approve"]}


def describe_approval(approval: dict, now: float | None = None, votes: list[dict] | None = None) -> dict:
    """The API view of an approval, with its tiers and who voted in each."""
    now = time.time() if now is None else now
    overdue = (approval["status"] in releases.OPEN_APPROVAL and approval["due_at"] is not None
               and approval["due_at"] < now)
    votes = votes or []
    return {
        "id": approval["id"], "release_id": approval["release_id"], "order_id": approval["order_id"],
        "status": approval["status"], "role": approval["role"], "assignee": approval["assignee"],
        "eligible": approval["eligible"], "requested_by": approval["requested_by"],
        "salesperson": approval["salesperson"], "due_at": iso(approval["due_at"]), "overdue": overdue,
        "decided_by": approval["decided_by"], "comment": approval["comment"],
        "created_at": iso(approval["created_at"]), "decided_at": iso(approval["decided_at"]),
        "tiers": [_tier_view(t, i, votes) for i, t in enumerate(releases.tiers_of(approval))],
        "votes": [{"voter": v["voter"], "tier": v["tier"], "role": v["role"], "decision": v["decision"],
                   "comment": v["comment"], "via": v["via"], "at": iso(v["created_at"])} for v in votes],
        "resume_url_set": bool(approval.get("resume_url")),
    }


def _describe(conn, approval: dict) -> dict:
    return describe_approval(approval, votes=releases.votes_for(conn, approval["id"]))


def load(conn, approval_id: str) -> dict:
    """One approval; NotFound when there is none."""
    approval = releases.get_approval(conn, approval_id)
    if approval is None:
        raise NotFound(f"no approval {approval_id}")
    return approval


def get_approval(services: Services, approval_id: str) -> dict:
    """One approval."""
    with services.db.read() as conn:
        return _describe(conn, load(conn, approval_id))


NEWEST, PRIORITY, SORTS = advice_rank.NEWEST, advice_rank.PRIORITY, advice_rank.SORTS


def list_approvals(services: Services, status: str | None, limit: int, overdue: bool = False,
                   sort: str = NEWEST) -> list[dict]:
    """Approvals, newest first or by advised priority, each with its advice; `overdue` keeps the open ones past
    their SLA (for escalation). Advice never changes which are listed."""
    now = time.time()
    with services.db.read() as conn:
        found = releases.list_approvals(conn, status, advice_rank.fetched(limit, sort),
                                        overdue_at=now if overdue else None)
        advice = advice_for(conn, services, found, now)
    views = [{**describe_approval(a, now), "advice": advice.get(a["id"])} for a in found]
    return advice_rank.rank(views, sort)[:limit]


def advice_for(conn, services: Services, found: list[dict], now: float) -> dict[str, dict]:
    """Priority advice on each approval, by id. Always the local backend: a page of approvals must not wait on a
    chat API once per row."""
    def advise() -> dict[str, dict]:
        decided = releases.decided_on(conn, sorted({a["release_id"] for a in found}))
        return approval_queue.advise_approvals(
            LocalAdvisor(services.settings.advisory),
            [(a, *decided.get(a["release_id"], ({}, {}))) for a in found], now)
    return advice_rank.guarded("approvals", len(found), advise)


def _answer(conn, approval_id: str, release_id: str) -> dict:
    return {"approval": _describe(conn, releases.get_approval(conn, approval_id)),
            "jobs": [describe_job(j) for j in jobs.for_release(conn, release_id)]}


def _refuse(services: Services, approval_id: str, approver: str | None, via: str | None, error: Exception):
    """Audit a refused decision (its own transaction: nothing else changes) and return the error to raise.
    A body refused before the approval was looked up may name none: that has nothing to audit on either."""
    with services.db.transaction() as conn:
        if releases.get_approval(conn, approval_id) is None:
            return error
        audit.append(conn, "approval.refused", approval_id, {
            "code": getattr(error, "code", None), "message": str(getattr(error, "message", error)), "via": via},
            actor=approver)
    return error


def decide(services: Services, approval_id: str, body: dict, client: str | None = None,
           via: str = "api") -> dict:
    """Record the token holder's approve/reject on their tier and queue its write-backs; the same token again
    answers the same. Every refusal is a 4xx, audited, with nothing changed."""
    token = None
    try:
        contracts.validate("approval_decision.v1", body)
        token = approval_tokens.verify(services.settings.approval_secret, body["token"])
        if token.approval_id != approval_id:
            raise Forbidden("the decision token is not valid for this approval", code="invalid_token")
        if token.decision != body["decision"]:
            raise Forbidden(f"this token can only {token.decision}", code="token_decision_mismatch")
        return record_vote(services, approval_id, approver=token.approver, decision=body["decision"],
                           comment=body.get("comment"), proof=approval_tokens.fingerprint(body["token"]),
                           generation=token.generation, tier=token.tier, via=via, client=client,
                           fresh=lambda: approval_tokens.require_fresh(token))
    except (Forbidden, Conflict, InvalidPayload) as err:  # an unknown approval (404) has nothing to audit on
        raise _refuse(services, approval_id, token.approver if token else None, via, err) from None


def _pick_tier(tiers: list[dict], approver: str, wanted: int | None) -> int:
    """The tier this person decides: the token's, else the open tier that lists them."""
    if wanted is not None:
        if not 0 <= wanted < len(tiers):
            raise Forbidden("the decision token names no tier of this approval", code="invalid_token")
        return wanted
    listed = [i for i, t in enumerate(tiers) if t["status"] == releases.TIER_OPEN and approver in t["eligible"]]
    return listed[0] if listed else next(
        (i for i, t in enumerate(tiers) if t["status"] == releases.TIER_OPEN), 0)


def _check_voter(conn, approval: dict, tiers: list[dict], index: int, approver: str) -> None:
    """Segregation of duties, one vote per person, then eligibility on an open tier."""
    if excluded(approval["requested_by"], approval["salesperson"])(approver):
        raise Forbidden(f"{approver} requested or sells this order and may not approve or reject it",
                        code="segregation_of_duties")
    for vote in releases.votes_for(conn, approval["id"]):
        if vote["voter"].casefold() == approver.casefold():
            if vote["tier"] == index:
                raise Conflict(f"{approver} already decided tier {tiers[index]['role']} of this approval",
                               code="already_decided")
            raise Forbidden(f"{approver} already approved tier {vote['role']} of this request; one person never "
                            "approves two tiers", code="approved_another_tier")
    tier = tiers[index]
    if tier["status"] == releases.TIER_WAITING:
        raise Conflict(f"tier {tier['role']} is not open yet: it opens once the tiers before it are approved",
                       code="tier_not_open")
    if tier["status"] != releases.TIER_OPEN:
        raise Conflict(f"tier {tier['role']} is already {tier['status']}", code="tier_closed")
    if approver not in tier["eligible"]:
        raise Forbidden(f"{approver} is not an approver for role {tier['role']}", code="not_an_approver")


def _already(conn, approval: dict, proof: str) -> dict:
    """A closed approval: the same proof answers as the first time; any other is a conflict."""
    vote = releases.vote_by_token(conn, proof)
    if approval["decided_token"] == proof or (vote and vote["approval_id"] == approval["id"]):
        return _answer(conn, approval["id"], approval["release_id"])
    raise Conflict(f"approval {approval['id']} was already {approval['status']}"
                   + (f" by {approval['decided_by']}" if approval["decided_by"] else ""), code="already_decided")


def record_vote(services: Services, approval_id: str, *, approver: str, decision: str, comment: str | None,
                proof: str, generation: int | None, tier: int | None, via: str, client: str | None = None,
                fresh=lambda: None) -> dict:
    """One person's approve or reject, whichever way it came (API, decision page, Odoo activity): same checks.

    `proof` identifies what carried it (a token's fingerprint): its repeat answers the same.
    """
    approved = decision == "approve"
    with services.db.transaction() as conn:
        approval = load(conn, approval_id)
        repeat = releases.vote_by_token(conn, proof)
        if repeat and repeat["approval_id"] == approval_id:
            return _answer(conn, approval_id, approval["release_id"])
        if approval["status"] in DECIDED + (releases.CANCELLED,):
            return _already(conn, approval, proof)
        if approval["status"] != releases.PENDING:
            raise Conflict(f"approval {approval_id} is {approval['status']}; it cannot be decided",
                           code="not_pending")
        if generation is not None and generation != approval["generation"]:
            raise Forbidden("this token was replaced when the approval was re-routed", code="token_superseded")
        fresh()
        tiers = [dict(t) for t in releases.tiers_of(approval)]
        index = _pick_tier(tiers, approver, tier)
        _check_voter(conn, approval, tiers, index, approver)
        try:
            with conn.begin_nested():
                releases.add_vote(conn, approval_id=approval_id, tier=index, role=tiers[index]["role"], voter=approver,
                                  decision=decision, comment=comment, token=proof, via=via)
        except IntegrityError:
            raise Conflict(f"{approver} already decided this approval", code="already_decided") from None
        release = releases.get_release(conn, approval["release_id"])
        ayes = [v for v in releases.votes_for(conn, approval_id) if v["tier"] == index and v["decision"] == "approve"]
        if approved and len(ayes) < tiers[index]["quorum"]:
            _partial(conn, services, approval, tiers, index, approver, len(ayes), comment)
        elif approved and routing.opening(tiers, _approved(tiers) | {index}):
            _next_tiers(conn, services, approval, tiers, index, approver, comment)
        else:
            _close(conn, services, approval, release, tiers, index, approver, approved, comment, proof,
                   {"via": client, "channel": via})
        audit.append(conn, "approval.voted", approval_id, {
            "release_id": release["id"], "decision": decision, "comment": comment, "tier": index,
            "role": tiers[index]["role"], "generation": approval["generation"], "via": client, "channel": via},
            actor=approver)
        return _answer(conn, approval_id, release["id"])


def policy_of(services: Services, approval: dict):
    """The policy in force for the flow that asked for this approval."""
    with services.db.read() as conn:
        release = releases.get_release(conn, approval["release_id"]) or {}
    return registry.policy_for(services, registry.flow_of(release))


def _words(conn, approval: dict) -> messages.Wording:
    """The words of the flow that asked for this approval (its notes and activities speak of its document)."""
    return registry.flow_of(releases.get_release(conn, approval["release_id"]) or {}).words


def _routes(policy) -> dict[str, dict]:
    return {route["role"]: route for route in policy.data["routing"]["routes"]}


def _approved(tiers: list[dict]) -> set[int]:
    return {i for i, t in enumerate(tiers) if t["status"] == releases.TIER_APPROVED}


def _order(release: dict) -> dict:
    return {"id": release["order_id"], "name": release["order_name"],
            "company_id": ((release.get("facts") or {}).get("order") or {}).get("company_id")}


def _store_tiers(conn, approval: dict, tiers: list[dict]) -> None:
    if not releases.set_tiers(conn, approval["id"], approval["generation"], tiers):
        raise Conflict(f"approval {approval['id']} changed meanwhile; read it and try again", code="not_open")


def _partial(conn, services, approval, tiers, index, approver, count, comment) -> None:
    """An approval that does not reach the tier's quorum yet: recorded, said in the chatter."""
    _store_tiers(conn, approval, tiers)
    release = releases.get_release(conn, approval["release_id"])
    body = (f"{approver} approved tier {tiers[index]['role']} ({count} of {tiers[index]['quorum']} approvals needed)"
            + (f": {comment}" if comment else ""))
    writebacks.queue(conn, release["id"], f"vote-{approver.casefold()}",
                     [("post_message", {"order_id": release["order_id"], "body": body})],
                     services.settings.max_attempts)


def _next_tiers(conn, services, approval, tiers, index, approver, comment) -> None:
    """A tier approved with tiers still to go: close its activity, open the next stage's tiers."""
    tiers[index]["status"] = releases.TIER_APPROVED
    stamp = time.time()
    opened = [i for i in routing.opening(tiers, _approved(tiers)) if tiers[i]["status"] == releases.TIER_WAITING]
    for i in opened:
        hours = tiers[i].get("sla_hours") or policy_of(services, approval).data["routing"]["default_sla_hours"]
        tiers[i].update(status=releases.TIER_OPEN, due_at=stamp + 3600 * hours,
                        activity_ref=activity_ref(approval["release_id"], i) if tiers[i].get("assignee") else None)
    _store_tiers(conn, approval, tiers)
    release = releases.get_release(conn, approval["release_id"])
    body = f"Tier {tiers[index]['role']} approved by {approver}" + (f": {comment}" if comment else "") + \
        (f". Next: {', '.join(tiers[i]['role'] for i in opened)}." if opened else ".")
    operations = [("post_message", {"order_id": release["order_id"], "body": body})]
    if tiers[index].get("activity_ref"):
        operations.append(("close_activity", {"order_id": release["order_id"], "ref": tiers[index]["activity_ref"],
                                              "feedback": f"Tier {tiers[index]['role']} approved"}))
    writebacks.queue(conn, release["id"], f"tier{index}-approved", operations, services.settings.max_attempts)
    current = releases.get_approval(conn, approval["id"])
    summary, words = release["decision"].get("summary", ""), registry.flow_of(release).words
    for i in opened:
        writebacks.queue(conn, release["id"], tier_phase(i),
                         tier_writebacks(services, current, i, _order(release), summary, words,
                                         approver_summary.note(release["decision"], later=True)),
                         services.settings.max_attempts)


def closing_writebacks(release: dict, approved: bool, approver: str, comment: str | None,
                       activity_ref: str | None) -> list[tuple[str, dict]]:
    """What the final decision queues: the message, the deciding tier's activity closed, then the flow's own
    (`on_approved`: confirm, `on_rejected`: cancel, ...)."""
    flow = registry.flow_of(release)
    operations = writebacks.for_approval(release["order_id"], approved, approver, comment, activity_ref, flow.words)
    return operations + (flow.on_approved if approved else flow.on_rejected)(release["facts"])


def _close(conn, services, approval, release, tiers, index, approver, approved, comment, proof, how) -> None:
    """The request's final decision: the last tier approved, or any tier rejected."""
    tiers[index]["status"] = releases.TIER_APPROVED if approved else releases.TIER_REJECTED
    status = releases.APPROVED if approved else releases.REJECTED_BY_APPROVER
    if not releases.decide_approval(conn, approval["id"], status, approver, comment, proof, approval["generation"],
                                    tiers):
        raise Conflict(f"approval {approval['id']} changed meanwhile; read it and try again", code="not_open")
    close_other_activities(conn, services, release, tiers, "approval", "Request rejected in another tier", skip=index)
    operations = closing_writebacks(release, approved, approver, comment, tiers[index].get("activity_ref"))
    writebacks.queue(conn, release["id"], "approval", operations, services.settings.max_attempts)
    queue_resume(conn, services, approval, "approved" if approved else "rejected", approver, comment)
    releases.set_status(conn, release["id"], releases.RELEASING if approved else releases.REJECTING)
    audit.append(conn, "approval.decided", approval["id"], {
        "release_id": release["id"], "decision": "approve" if approved else "reject", "comment": comment,
        "tier": index, "generation": approval["generation"], **how}, actor=approver)


def close_other_activities(conn, services: Services, release: dict, tiers: list[dict], phase: str, feedback: str,
                           skip: int | None = None, skip_ref: str | None = None) -> None:
    """Close the Odoo activity of every other open tier (each under its own key)."""
    for i, tier in enumerate(tiers):
        if i != skip and tier["status"] == releases.TIER_OPEN and tier.get("activity_ref") \
                and tier["activity_ref"] != skip_ref:
            writebacks.queue(conn, release["id"], f"{phase}-tier{i}", [("close_activity", {
                "order_id": release["order_id"], "ref": tier["activity_ref"], "feedback": feedback})],
                services.settings.max_attempts)


def queue_resume(conn, services: Services, approval: dict, outcome: str, by: str | None, comment: str | None) -> None:
    """When n8n waits on a Wait node for this approval, an outbox job resumes it with the outcome."""
    if not approval.get("resume_url"):
        return
    writebacks.queue(conn, approval["release_id"], "resume", [("resume_n8n", {
        "order_id": approval["order_id"], "url": approval["resume_url"], "queued_at": time.time(), "body": {
            "approval_id": approval["id"], "release_id": approval["release_id"], "order_id": approval["order_id"],
            "status": outcome, "decided_by": by, "comment": comment}})], services.settings.max_attempts)


def _open(conn, approval_id: str) -> dict:
    approval = load(conn, approval_id)
    if approval["status"] not in releases.OPEN_APPROVAL:
        raise Conflict(f"approval {approval_id} is {approval['status']}; only pending or unroutable "
                       "approvals can be re-routed or cancelled", code="not_open")
    return approval


def _new_route(services: Services, approval: dict, body: dict) -> tuple[str | None, list[str]]:
    """The role and eligible approvers a re-route asks for, checked against the policy."""
    routes = _routes(policy_of(services, approval))
    role = body.get("role") or approval["role"]
    if body.get("role") and body["role"] not in routes:
        raise InvalidPayload(f"no route '{body['role']}' in the policy; known: {', '.join(routes)}",
                             code="unknown_role", details=[{"pointer": "/role", "message": body["role"]}])
    barred = excluded(approval["requested_by"], approval["salesperson"])
    if body.get("assignee"):
        configured = {login for r in routes.values() for login in r["approvers"] + r.get("fallback", [])}
        if body["assignee"] not in configured:
            raise InvalidPayload(f"{body['assignee']} is not an approver in the policy", code="unknown_approver",
                                 details=[{"pointer": "/assignee", "message": body["assignee"]}])
        if barred(body["assignee"]):
            raise Forbidden(f"{body['assignee']} requested or sells this order", code="segregation_of_duties")
        return role, [body["assignee"]]
    route = routes[role]
    eligible = [login for login in route["approvers"] if not barred(login)]
    eligible = eligible or [login for login in route.get("fallback", []) if not barred(login)]
    if not eligible:
        raise Conflict(f"route {role} has no approver who may decide this order", code="no_eligible_approver")
    return role, eligible


def current_tier(approval: dict) -> int:
    """The tier a re-route or an escalation moves: the first open one nobody can complete, else the first open."""
    tiers = releases.tiers_of(approval)
    open_ = [i for i, t in enumerate(tiers) if t["status"] == releases.TIER_OPEN]
    stuck = [i for i in open_ if len(tiers[i]["eligible"]) < tiers[i].get("quorum", 1)]
    return (stuck or open_ or [0])[0]


def move_tier(conn, services: Services, approval: dict, role: str, eligible: list[str], note: str,
              phase: str, index: int | None = None) -> dict:
    """Give a tier (default: the current one) new people (new tokens, the old ones void), move its activity,
    send new links."""
    policy = policy_of(services, approval)
    route = _routes(policy).get(role) or {}
    due = time.time() + 3600 * route.get("sla_hours", policy.data["routing"]["default_sla_hours"])
    generation = approval["generation"] + 1
    release = releases.get_release(conn, approval["release_id"])
    index = current_tier(approval) if index is None else index
    tiers = [dict(t) for t in releases.tiers_of(approval)]
    old_ref = tiers[index].get("activity_ref")
    new_ref = f"{release['id']}/{phase}/schedule_activity"
    tiers[index].update(role=role, eligible=eligible, assignee=eligible[0], due_at=due, activity_ref=new_ref,
                        quorum=max(1, min(tiers[index].get("quorum", 1), len(eligible))), status=releases.TIER_OPEN,
                        reminded_at=None)
    first = next(t for t in tiers if t["status"] == releases.TIER_OPEN)  # the mirrored columns follow the first
    if not releases.reroute_approval(conn, approval["id"], generation=approval["generation"], role=first["role"],
                                     eligible=first["eligible"], due_at=first["due_at"],
                                     activity_ref=first.get("activity_ref"), tiers=tiers):
        raise Conflict(f"approval {approval['id']} changed meanwhile; read it and try again", code="not_open")
    moved = releases.get_approval(conn, approval["id"])
    summary = release["decision"].get("summary", "")
    order, advice = _order(release), approver_summary.note(release["decision"], later=True)
    operations = writebacks.for_reroute(
        release["order_id"], release["order_name"], old_activity_ref=old_ref, assignee=eligible[0], note=note,
        summary=summary, deadline=datetime.fromtimestamp(due, timezone.utc).date().isoformat(),
        words=registry.flow_of(release).words, notices=notices(services, moved, order, summary, [index], advice),
        advice=advice)
    writebacks.queue(conn, release["id"], phase, operations, services.settings.max_attempts)
    for other in approval_routing.open_tiers(moved):  # their tokens were voided too: send them new ones
        if other != index:
            renewed = notices(services, moved, order, summary, [other], advice)
            writebacks.queue(conn, release["id"], f"{phase}-tier{other}", [("notify_approver", n) for n in renewed],
                             services.settings.max_attempts)
    return {"tier": index, "generation": generation, "from": {"status": approval["status"],
                                                              "role": approval["role"],
                                                              "eligible": approval["eligible"]},
            "to": {"role": role, "eligible": eligible}}


def reroute(services: Services, approval_id: str, body: dict, by: str | None) -> dict:
    """Send an open approval's current tier to another role or approver: new tokens, old ones void, activity moved."""
    contracts.validate("approval_reroute.v1", body)
    with services.db.transaction() as conn:
        approval = _open(conn, approval_id)
        role, eligible = _new_route(services, approval, body)
        phase = f"reroute{approval['generation'] + 1}"
        moved = move_tier(conn, services, approval, role, eligible,
                          messages.reroute_message(eligible, role, body["reason"], by, _words(conn, approval)), phase)
        audit.append(conn, "approval.rerouted", approval_id, {
            "release_id": approval["release_id"], **moved, "reason": body["reason"]}, actor=by)
        rerouted = releases.get_approval(conn, approval_id)
        answer = _answer(conn, approval_id, approval["release_id"])
    return {**answer, "decision_links": decision_links(services, rerouted)}


def cancel(services: Services, approval_id: str, body: dict, by: str | None) -> dict:
    """Close an open approval with a reason: the release is abandoned and Odoo's order left as it is."""
    contracts.validate("approval_cancel.v1", body)
    with services.db.transaction() as conn:
        approval = _open(conn, approval_id)
        if not releases.cancel_approval(conn, approval_id, by, body["reason"]):
            raise Conflict(f"approval {approval_id} changed meanwhile; read it and try again", code="not_open")
        release = releases.get_release(conn, approval["release_id"])
        operations = writebacks.for_cancelled_approval(
            release["order_id"], messages.cancel_message(body["reason"], by, registry.flow_of(release).words),
            approval["activity_ref"])
        close_other_activities(conn, services, release, releases.tiers_of(approval), "cancel", "Approval cancelled",
                               skip_ref=approval["activity_ref"])
        writebacks.queue(conn, release["id"], "cancel", operations, services.settings.max_attempts)
        queue_resume(conn, services, approval, "cancelled", by, body["reason"])
        releases.set_status(conn, release["id"], releases.ABANDONED)
        audit.append(conn, "approval.cancelled", approval_id, {
            "release_id": release["id"], "status": approval["status"], "reason": body["reason"]}, actor=by)
        return _answer(conn, approval_id, release["id"])


FINAL_OUTCOME = {releases.APPROVED: "approved", releases.REJECTED_BY_APPROVER: "rejected",
                 releases.CANCELLED: "cancelled"}


def wait(services: Services, approval_id: str, body: dict, by: str | None) -> dict:
    """Remember n8n's resume URL: the final outcome is POSTed to it (at once when already decided)."""
    contracts.validate("approval_wait.v1", body)
    if not n8n_resume.valid_url(body["resume_url"]):
        raise InvalidPayload("resume_url must be an http(s) URL", code="invalid_resume_url",
                             details=[{"pointer": "/resume_url", "message": "not an http(s) URL"}])
    with services.db.transaction() as conn:
        approval = load(conn, approval_id)
        if approval.get("resume_url") and approval["resume_url"] != body["resume_url"]:
            raise Conflict("another n8n execution already waits for this approval", code="already_waited_for")
        if not approval.get("resume_url"):
            releases.set_resume_url(conn, approval_id, body["resume_url"])
            audit.append(conn, "approval.awaited", approval_id, {"release_id": approval["release_id"]}, actor=by)
            if approval["status"] in FINAL_OUTCOME:  # decided before n8n asked: resume it now
                queue_resume(conn, services, {**approval, "resume_url": body["resume_url"]},
                             FINAL_OUTCOME[approval["status"]], approval["decided_by"], approval["comment"])
        return _answer(conn, approval_id, approval["release_id"])
