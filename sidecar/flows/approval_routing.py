"""Who may decide an approval: segregation of duties, opening it, and the approvers' decision links."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from urllib.parse import urlencode

from sqlalchemy.engine import Connection

from sidecar import approval_tokens
from sidecar.flows import messages, writebacks
from sidecar.policy import routing
from sidecar.services import Services
from sidecar.store import audit, releases
from sidecar.store.records import iso
from sidecar.values import utc_moment

ACTIVITY_PHASE = "decision"  # the decision phase's schedule_activity job opens the first activity


def excluded(requester: str | None, salesperson: str | None):
    """A predicate: True for a login that may not decide (the requester or the salesperson)."""
    barred = {name.casefold() for name in (requester, salesperson) if name}
    return lambda login: login.casefold() in barred


def _people_named(policy) -> tuple[list[str], list[str]]:
    """Every group and login the routing names (approvers, fallback, delegates)."""
    routing_ = policy.data["routing"]
    groups, logins = [], []
    for route in routing_["routes"]:
        groups += route.get("groups", [])
        logins += route.get("approvers", []) + route.get("fallback", [])
    logins += [d["to"] for d in routing_.get("delegations", [])]
    return list(dict.fromkeys(groups)), list(dict.fromkeys(logins))


def directory(services: Services, policy=None) -> routing.Directory:
    """What Odoo says about the policy's people: its groups' active members and the archived logins."""
    groups, logins = _people_named(policy or services.policy)
    found = services.odoo.approver_directory(services.odoo.group_ids(groups) if groups else {}, logins)
    return routing.Directory(groups=found["groups"], archived=frozenset(found["inactive"]), known=True)


def with_people(services: Services, facts: dict, decision: dict, now: datetime, policy=None) -> dict:
    """An approve decision with its tiers resolved against Odoo: group members, archived users.

    The engine plans tiers from the policy alone; this re-plans the same roles with what Odoo says
    about people (one read of res.users), so nobody archived is asked and group members are.
    """
    if decision.get("outcome") != "approve" or not decision.get("tiers"):
        return decision
    policy = policy or services.policy
    tiers = routing.plan([t["role"] for t in decision["tiers"]], facts, policy, now, directory(services, policy))
    salesperson = (decision.get("route") or {}).get("salesperson")
    sla = {"hours": tiers[0]["sla_hours"], "due_at": tiers[0]["due_at"]}
    route = routing.as_route(tiers[0], salesperson)
    return {**decision, "tiers": tiers, "route": route, "sla": sla,
            "summary": _summary_for(decision, route)}


def _summary_for(decision: dict, route: dict) -> str:
    """The summary's "no eligible approver" tail, as Odoo's view of people now has it."""
    old_tail = f"; no eligible approver on route {(decision.get('route') or {}).get('role')}"
    summary = decision.get("summary", "")
    summary = summary[:-len(old_tail)] if summary.endswith(old_tail) else summary
    return summary + (f"; no eligible approver on route {route['role']}" if route["unroutable"] else "")


def stored_tiers(release_id: str, decision: dict) -> list[dict]:
    """The decision's tiers as the approval keeps them: state, due time (epoch) and activity reference."""
    route, sla = decision.get("route") or {}, decision.get("sla") or {}
    tiers = decision.get("tiers") or [{**route, "mode": "sequential", "quorum": 1,
                                       "sla_hours": sla.get("hours"), "due_at": sla.get("due_at")}]
    open_now = set(routing.opening(tiers, approved=set()))
    kept = []
    for index, tier in enumerate(tiers):
        is_open = index in open_now
        due = tier.get("due_at") or (sla.get("due_at") if index == 0 else None)
        kept.append({
            "role": tier["role"], "mode": tier.get("mode", "sequential"), "quorum": tier.get("quorum", 1),
            "eligible": list(tier.get("eligible", [])), "assignee": tier.get("assignee"),
            "sla_hours": tier.get("sla_hours"), "reason": tier.get("reason"), "admin": tier.get("admin", False),
            "status": releases.TIER_OPEN if is_open else releases.TIER_WAITING,
            "due_at": utc_moment(due).timestamp() if is_open and due else None,
            "activity_ref": activity_ref(release_id, index) if is_open and tier.get("assignee") else None,
        })
    return kept


def activity_ref(release_id: str, tier: int) -> str:
    """The outbox key of a tier's Odoo activity (the first tier's is the decision phase's, as before tiers)."""
    return f"{release_id}/{tier_phase(tier)}/schedule_activity"


def tier_phase(tier: int) -> str:
    """The outbox phase that opens a tier."""
    return ACTIVITY_PHASE if tier == 0 else f"tier{tier}"


def open_approval(conn: Connection, release_id: str, order_id: int, decision: dict,
                  requested_by: str | None, resume_url: str | None = None) -> str:
    """Store the approval a decision asks for, with its tiers: pending for its eligible approvers, else unroutable."""
    route = decision.get("route") or {}
    tiers = stored_tiers(release_id, decision)
    first = tiers[0]
    approval_id = releases.insert_approval(conn, release_id=release_id, order_id=order_id,
                                           route={**route, "eligible": first["eligible"] if routable(tiers) else []},
                                           requested_by=requested_by, salesperson=route.get("salesperson"),
                                           due_at=first["due_at"], activity_ref=first["activity_ref"],
                                           tiers=tiers, resume_url=resume_url)
    audit.append(conn, "approval.requested", approval_id, {
        "release_id": release_id, "route": route, "tiers": [t["role"] for t in tiers],
        "status": releases.PENDING if routable(tiers) else releases.UNROUTABLE})
    return approval_id


def routable(tiers: list[dict]) -> bool:
    """True when every open tier has enough eligible people to reach its quorum."""
    return all(len(t["eligible"]) >= t["quorum"] for t in tiers if t["status"] == releases.TIER_OPEN)


def token_expiry(services: Services, approval: dict, tier: dict | None = None) -> float:
    """Tokens live until the tier's SLA ends plus the configured grace (from now when there is no SLA)."""
    grace = services.settings.approval_grace_hours * 3600
    due = (tier or {}).get("due_at") or approval["due_at"]
    return (due or time.time()) + grace


def approver_links(settings, approval_id: str, approver: str, generation: int, expires_at: float,
                   tier: int | None = None) -> dict:
    """One approver's approve/reject tokens and URLs for one tier at the approval's routing `generation`."""
    entry = {}
    for decision in approval_tokens.DECISIONS:
        token = approval_tokens.issue(settings.approval_secret, approval_id, approver, decision, generation,
                                      expires_at, tier)
        query = urlencode({"approval_id": approval_id, "decision": decision, "token": token})
        separator = "&" if "?" in settings.approval_link_base else "?"
        entry[f"{decision}_token"] = token
        entry[f"{decision}_url"] = f"{settings.approval_link_base}{separator}{query}"
    if settings.public_url:  # the decision page: both tokens, one form, good once
        entry["page_url"] = f"{settings.public_url.rstrip('/')}/v1/approvals/{approval_id}/page?" + urlencode(
            {"approve": entry["approve_token"], "reject": entry["reject_token"]})
    return entry


def open_tiers(approval: dict) -> list[int]:
    """Indexes of the tiers open for decision now."""
    return [i for i, tier in enumerate(releases.tiers_of(approval)) if tier["status"] == releases.TIER_OPEN]


def waits_for(approval: dict, approver: str, tier: int | None) -> bool:
    """True when `approver` may still be sent links for that open tier of a pending approval."""
    tiers = releases.tiers_of(approval)
    indexes = [tier] if tier is not None else open_tiers(approval)
    return approval["status"] == releases.PENDING and any(
        0 <= i < len(tiers) and tiers[i]["status"] == releases.TIER_OPEN and approver in tiers[i]["eligible"]
        for i in indexes)


def link_renderer(services: Services):
    """What the worker hands a notify_approver write-back: links rendered at delivery, never stored.

    None when the approval no longer waits for this approver on this tier at this routing
    generation (decided, cancelled or re-routed before the job ran): their links would not work.
    """
    def render(approval_id: str, approver: str, generation: int, expires_at: float,
               tier: int | None = None) -> dict | None:
        with services.db.read() as conn:
            approval = releases.get_approval(conn, approval_id)
        if not approval or approval["generation"] != generation or not waits_for(approval, approver, tier):
            return None
        return approver_links(services.settings, approval_id, approver, generation, expires_at, tier)

    return render


def decision_links(services: Services, approval: dict) -> list[dict]:
    """One entry per eligible approver of each open tier: approve/reject URLs carrying their tokens.

    These are credentials: they go to n8n in the API answer and to each approver in a private
    Odoo notification (`notify_approver`), never to the chatter or activities the requester reads.
    """
    if approval["status"] != releases.PENDING:
        return []
    tiers = releases.tiers_of(approval)
    entries = []
    for index in open_tiers(approval):
        expires_at = token_expiry(services, approval, tiers[index])
        entries += [{"approver": approver, "tier": index, "role": tiers[index]["role"], "expires_at": iso(expires_at),
                     **approver_links(services.settings, approval["id"], approver, approval["generation"],
                                      expires_at, index)}
                    for approver in tiers[index]["eligible"]]
    return entries


def notices(services: Services, approval: dict, order: dict, summary: str,
            tiers: list[int] | None = None, advice: str = "") -> list[dict]:
    """One notify_approver payload per eligible approver of the given open tiers (default: the first),
    naming who, which tier and which generation, never a token (the worker renders the links); `advice`: the
    decision's summary paragraph, as in the activity note."""
    if approval["status"] != releases.PENDING:
        return []
    kept = releases.tiers_of(approval)
    payloads = []
    for index in (tiers if tiers is not None else [0]):
        tier = kept[index]
        if tier["status"] != releases.TIER_OPEN:
            continue
        expires_at = token_expiry(services, approval, tier)
        payloads += [{"order_id": order["id"], "company_id": order.get("company_id"), "approval_id": approval["id"],
                      "approver_login": approver, "generation": approval["generation"], "tier": index,
                      "expires_at": expires_at, "expires_at_iso": iso(expires_at),
                      "subject": messages.notice_subject(order["name"]),
                      "body": messages.notice_text(order["name"], summary, advice)}
                     for approver in tier["eligible"]]
    return payloads


def tier_writebacks(services: Services, approval: dict, index: int, order: dict, summary: str,
                    words: messages.Wording, advice: str = "") -> list[tuple[str, dict]]:
    """Write-backs that open one tier: its approver's activity (with the decision's `advice` paragraph), then each
    eligible person's private links."""
    tier = releases.tiers_of(approval)[index]
    operations = []
    if tier.get("assignee") and tier.get("due_at"):
        operations.append(("schedule_activity", {
            "order_id": order["id"], "assignee_login": tier["assignee"],
            "summary": messages.activity_summary(order["name"], words), "note": messages.activity_note(summary, advice),
            "deadline": datetime.fromtimestamp(tier["due_at"], timezone.utc).date().isoformat(),
            "due_at": iso(tier["due_at"])}))
    return operations + [("notify_approver", n) for n in notices(services, approval, order, summary, [index], advice)]


def open_other_tiers(conn: Connection, services: Services, approval_id: str, order: dict, summary: str,
                     words: messages.Wording, advice: str = "") -> None:
    """Queue the activities and links of the tiers open from the start beside the first (parallel tiers).

    The first tier's go with the decision's own write-backs (`writebacks.for_decision`).
    """
    approval = releases.get_approval(conn, approval_id)
    for index in open_tiers(approval):
        if index:
            writebacks.queue(conn, approval["release_id"], tier_phase(index),
                             tier_writebacks(services, approval, index, order, summary, words, advice),
                             services.settings.max_attempts)


def with_decision_links(services: Services, answer: dict) -> dict:
    """A release answer plus the decision links of its pending approval (never stored with it)."""
    if not answer.get("approval_id"):
        return answer
    with services.db.read() as conn:
        approval = releases.get_approval(conn, answer["approval_id"])
    return {**answer, "decision_links": decision_links(services, approval) if approval else []}

