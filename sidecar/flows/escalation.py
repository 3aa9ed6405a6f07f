"""Escalation of overdue approval tiers: remind first, then move the tier up, so no approval stays stuck.

Run by the scheduled approval-escalation workflow. A tier past its SLA gets one reminder (its
approvers' links sent again); `routing.escalate_after_hours` after the reminder, it moves to the
route's `escalate_to` role, else to its fallback approvers, else to the administrator route:
the Odoo activity is reassigned, the chatter says why, and the new approvers get their links.
An unroutable approval (nobody may decide it) goes to the administrator route at once.
"""
from __future__ import annotations

import time

from sidecar.advisory import approver_summary
from sidecar.errors import Conflict
from sidecar.flows import approvals, writebacks
from sidecar.flows.approval_routing import excluded, notices
from sidecar.policy.routing import for_site
from sidecar.services import Services
from sidecar.store import audit, releases
from sidecar.store.records import MAX_PAGE, iso

ACTOR = "escalation"
DEFAULT_ESCALATE_AFTER_HOURS = 4.0


def _routing(services: Services, approval: dict, facts: dict) -> dict:
    """The routing section of the policy in force for the approval's flow, as the document's site sees it."""
    return for_site(approvals.policy_of(services, approval), facts).data["routing"]


def next_level(services: Services, approval: dict, tier: dict, facts: dict) -> tuple[str, list[str], str] | None:
    """Where an overdue or stuck tier goes: (role, eligible people, why); None when nowhere."""
    routing = _routing(services, approval, facts)
    routes = {route["role"]: route for route in routing["routes"]}
    barred = excluded(approval["requested_by"], approval["salesperson"])
    with_votes = {v.casefold() for v in tier.get("voted", [])}

    def people(logins: list[str]) -> list[str]:
        return [p for p in dict.fromkeys(logins) if not barred(p) and p.casefold() not in with_votes
                and p not in tier["eligible"]]

    route = routes.get(tier["role"]) or {}
    candidates = []
    if route.get("escalate_to") in routes:
        up = routes[route["escalate_to"]]
        candidates.append((up["role"], people(up["approvers"] + up.get("fallback", [])),
                           f"the next level, {up['role']}"))
    candidates.append((tier["role"], people(route.get("fallback", [])), f"the fallback approvers of {tier['role']}"))
    admin = routing.get("admin_route")
    if admin in routes:
        candidates.append((admin, people(routes[admin]["approvers"] + routes[admin].get("fallback", [])),
                           f"the administrator role {admin}"))
    return next(((role, found, why) for role, found, why in candidates if found), None)


def _voters(conn, approval_id: str, index: int) -> list[str]:
    return [v["voter"] for v in releases.votes_for(conn, approval_id) if v["tier"] == index]


def _remind(conn, services: Services, approval: dict, index: int, tiers: list[dict], stamp: float) -> dict:
    tiers[index]["reminded_at"] = stamp
    if not releases.set_tiers(conn, approval["id"], approval["generation"], tiers):
        raise Conflict("the approval changed meanwhile", code="not_open")
    release = releases.get_release(conn, approval["release_id"])
    order = {"id": release["order_id"], "name": release["order_name"],
             "company_id": ((release.get("facts") or {}).get("order") or {}).get("company_id")}
    current = releases.get_approval(conn, approval["id"])
    summary = "Reminder: this approval is past its deadline. " + release["decision"].get("summary", "")
    advice = approver_summary.note(release["decision"], later=True)
    writebacks.queue(conn, release["id"], f"remind{approval['generation']}-tier{index}",
                     [("notify_approver", n) for n in notices(services, current, order, summary, [index], advice)],
                     services.settings.max_attempts)
    audit.append(conn, "approval.reminded", approval["id"], {"tier": index, "role": tiers[index]["role"],
                                                             "eligible": tiers[index]["eligible"]}, actor=ACTOR)
    return {"approval_id": approval["id"], "action": "reminded", "tier": index, "role": tiers[index]["role"]}


def _move(conn, services: Services, approval: dict, index: int, tier: dict, late: bool) -> dict:
    release = releases.get_release(conn, approval["release_id"]) or {}
    target = next_level(services, approval, tier, release.get("facts") or {})
    if target is None:
        audit.append(conn, "approval.stuck", approval["id"], {"tier": index, "role": tier["role"]}, actor=ACTOR)
        return {"approval_id": approval["id"], "action": "stuck", "tier": index, "role": tier["role"],
                "message": "no further level, fallback or administrator may decide it: re-route or cancel it"}
    role, eligible, why = target
    cause = (f"tier {tier['role']} was not decided by {iso(tier.get('due_at'))}, even after a reminder" if late
             else f"nobody may decide tier {tier['role']}")
    note = f"Approval escalated: {cause}. It moves to {why}: {', '.join(eligible)}."
    moved = approvals.move_tier(conn, services, approval, role, eligible, note,
                                f"escalate{approval['generation'] + 1}", index)
    audit.append(conn, "approval.escalated", approval["id"], {**moved, "reason": note}, actor=ACTOR)
    return {"approval_id": approval["id"], "action": "escalated", "tier": index, "role": role,
            "eligible": eligible, "message": note}


def escalate(services: Services, now: float | None = None, limit: int = MAX_PAGE) -> dict:
    """Remind or move every overdue open tier and every stuck approval; what was done, per approval."""
    stamp = time.time() if now is None else now
    with services.db.read() as conn:
        candidates = [a["id"] for a in releases.list_approvals(conn, releases.UNROUTABLE, limit)]
        # every pending one: a parallel tier may be overdue while the first open tier is not
        candidates += [a["id"] for a in releases.list_approvals(conn, releases.PENDING, limit)]
    actions = []
    for approval_id in dict.fromkeys(candidates):
        with services.db.transaction() as conn:
            approval = releases.get_approval(conn, approval_id)
            if approval is None or approval["status"] not in releases.OPEN_APPROVAL:
                continue
            tiers = [dict(t) for t in releases.tiers_of(approval)]
            if approval["status"] == releases.UNROUTABLE:
                index = approvals.current_tier(approval)
                tier = {**tiers[index], "voted": _voters(conn, approval_id, index)}
                actions.append(_move(conn, services, approval, index, tier, late=False))
                continue
            overdue = [i for i, t in enumerate(tiers)
                       if t["status"] == releases.TIER_OPEN and t.get("due_at") and t["due_at"] < stamp]
            unreminded = [i for i in overdue if not tiers[i].get("reminded_at")]
            wait = 3600 * float(_routing(services, approval, {}).get("escalate_after_hours",
                                                                     DEFAULT_ESCALATE_AFTER_HOURS))
            ripe = [i for i in overdue if tiers[i].get("reminded_at") and tiers[i]["reminded_at"] + wait <= stamp]
            if unreminded:
                actions.append(_remind(conn, services, approval, unreminded[0], tiers, stamp))
            elif ripe:  # one move per approval and run: a move re-issues every open tier's links
                tier = {**tiers[ripe[0]], "voted": _voters(conn, approval_id, ripe[0])}
                actions.append(_move(conn, services, approval, ripe[0], tier, late=True))
    return {"items": actions}
