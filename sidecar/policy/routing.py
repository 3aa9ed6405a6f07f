"""Who approves: the route the fired rules ask for, minus requester and salesperson."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sidecar.policy.loader import Policy


def _choose_role(facts: dict, policy: Policy, findings: list[dict]) -> str:
    """First fired approve rule's route, else the first fired route rule's (e.g. an amount band), else
    the default. `findings` are the results of fired rules, in policy order, each with its `route`."""
    for effect in ("approve", "route"):
        role = next((r["route"] for r in findings if r["effect"] == effect and r.get("route")), None)
        if role:
            return role
    return policy.default_route


def _without(logins: list[str], excluded: list[str]) -> list[str]:
    """Logins other than the excluded ones (segregation of duties), without duplicates."""
    seen = {login.casefold() for login in excluded}
    kept = []
    for login in logins:
        if login.casefold() not in seen:
            seen.add(login.casefold())
            kept.append(login)
    return kept


def route_for(facts: dict, policy: Policy, findings: list[dict]) -> tuple[dict, float]:
    """The approver route of an approval and its SLA hours.

    The requester (Odoo's submitter) and the order's salesperson never approve it. When Odoo names
    no known requester, nobody can be excluded for sure: the policy's unknown-requester role decides.
    """
    requester = facts["requested_by"].get("login")
    salesperson = facts["order"].get("salesperson_login")
    role = _choose_role(facts, policy, findings) if requester else policy.unknown_requester_route
    route = policy.routes[role]
    excluded = [login for login in (requester, salesperson) if login]
    eligible, notes = _without(route["approvers"], excluded), []
    if not requester:
        notes.append(f"Odoo names no known requester; route {role} for unknown requesters applies.")
    if len(eligible) < len(route["approvers"]):
        notes.append(f"Requester and salesperson ({', '.join(excluded)}) may not approve their own order "
                     "and are excluded.")
    if not eligible:
        eligible = _without(route.get("fallback", []), excluded)
        notes.append(f"Every approver of route {role} is excluded; fallback approvers apply.")
    if not eligible:
        notes.append(f"No eligible approver on route {role}: requester and salesperson are excluded "
                     "and no fallback approver remains.")
    decided = {"role": role, "approvers": list(route["approvers"]), "eligible": eligible,
               "assignee": eligible[0] if eligible else None, "unroutable": not eligible,
               "reason": " ".join(notes) or None, "salesperson": salesperson}
    return decided, route.get("sla_hours", policy.default_sla_hours)
