"""Who approves: the tiers a decision needs and, for each, the people who may decide it.

A tier is one role's approval. The roles named by the fired approve rules and route rules (or
the policy's default route) are the tiers, ordered by the routing section's `tier_order`. A tier whose
`mode` is "parallel" opens together with the tier before it; a "sequential" one opens when
every earlier tier is approved. A tier is approved when `quorum` distinct eligible people
approve it; any rejection rejects the request.

People: a role's approvers are its logins plus the active members of its Odoo groups (the
`Directory`, read from Odoo by the caller; without it only the listed logins are known).
Segregation of duties removes the requester, the document's salesperson or buyer and the
holders of a conflicting role; a dated delegation hands an absent approver's place to their
delegate; archived users drop out. When nobody remains, the route's fallback approvers apply,
then the administrator route (`routing.admin_route`), and the tier says so: no approval is stuck.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from typing import TYPE_CHECKING

from sidecar.policy.compiler import site_layers
from sidecar.policy.formats import iso_z

if TYPE_CHECKING:
    from sidecar.policy.loader import Policy

SEQUENTIAL, PARALLEL = "sequential", "parallel"


@dataclass(frozen=True)
class Directory:
    """What Odoo says about people: active members of each group (xml id), and archived logins."""

    groups: dict[str, list[str]] = field(default_factory=dict)
    archived: frozenset[str] = frozenset()
    known: bool = False  # True when read from Odoo (then a login Odoo does not list is archived or unknown)


def _routing(policy: Policy) -> dict:
    """The routing section, read from the document itself (whatever else the policy format holds)."""
    return policy.data["routing"]


def _routes(policy: Policy) -> dict[str, dict]:
    return {route["role"]: route for route in _routing(policy)["routes"]}


def _asked_role(fired: dict) -> str | None:
    """The role a fired rule asks for: an approve rule's or a route rule's (e.g. an amount band) `route`."""
    return fired.get("route") if fired.get("effect") in ("approve", "route") else None


def roles_for(policy: Policy, fired: list[dict]) -> list[str]:
    """The roles a decision's tiers are made of: every one a fired rule asks for, else the default route."""
    roles = [_asked_role(reason) for reason in fired]
    return [role for role in roles if role] or [_routing(policy)["default_route"]]


def ordered_roles(policy: Policy, roles: list[str]) -> list[str]:
    """The roles without duplicates, in the routing's `tier_order` (then in the order routes are listed)."""
    order = list(_routing(policy).get("tier_order", [])) + list(_routes(policy))
    unique = list(dict.fromkeys(roles))
    return sorted(unique, key=lambda role: order.index(role) if role in order else len(order))


def excluded_people(facts: dict) -> list[tuple[str, str]]:
    """(what they are, login) of the people who may never decide this document: its requester, its
    salesperson or buyer, and whoever the flow's facts exclude (e.g. who counted the stock)."""
    document = facts.get("order") or facts.get("document") or {}
    people = [("requester", (facts.get("requested_by") or {}).get("login")),
              ("salesperson", document.get("salesperson_login")), ("buyer", document.get("buyer_login")),
              *(("involved", login) for login in facts.get("excluded_approvers", []))]
    return [(kind, login) for kind, login in people if login]


def excluded_logins(facts: dict) -> list[str]:
    """Logins of the people who may never decide this document (excluded_people)."""
    return list(dict.fromkeys(login for _, login in excluded_people(facts)))


def describe_excluded(facts: dict) -> str:
    """'the requester (bob) and the buyer (alice)': who is excluded, each named by what they are."""
    named: dict[str, list[str]] = {}
    for kind, login in excluded_people(facts):
        if login not in (seen for logins in named.values() for seen in logins):
            named.setdefault(kind, []).append(login)
    phrases = [f"the {'people involved' if kind == 'involved' else kind} ({', '.join(logins)})"
               for kind, logins in named.items()]
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _unique(logins: list[str], barred: set[str]) -> list[str]:
    seen, kept = set(barred), []
    for login in logins:
        if login.casefold() not in seen:
            seen.add(login.casefold())
            kept.append(login)
    return kept


def members(policy: Policy, role: str, directory: Directory | None) -> list[str]:
    """A role's people as configured: its logins, then its Odoo groups' active members."""
    route = _routes(policy).get(role) or {}
    people = list(route.get("approvers", []))
    for group in route.get("groups", []):
        people += (directory.groups.get(group, []) if directory else [])
    return _unique(people, set())


def _active_delegations(policy: Policy, role: str, today: date) -> dict[str, str]:
    """Delegator login → delegate login for the delegations in force today for this role."""
    found = {}
    for entry in _routing(policy).get("delegations", []):
        if entry.get("roles") and role not in entry["roles"]:
            continue
        starts, ends = date.fromisoformat(entry["from_date"]), date.fromisoformat(entry["to_date"])
        if starts <= today <= ends:
            found[entry["from"].casefold()] = entry["to"]
    return found


def _conflicting(policy: Policy, role: str, directory: Directory | None) -> set[str]:
    """Holders of a role that conflicts with this one: they may not approve it."""
    barred: set[str] = set()
    for pair in _routing(policy).get("conflicting_roles", []):
        if role in pair:
            for other in pair:
                if other != role:
                    barred |= {login.casefold() for login in members(policy, other, directory)}
    return barred


def _people(policy: Policy, role: str, logins: list[str], barred: set[str], directory: Directory | None,
            today: date, notes: list[str]) -> list[str]:
    """Logins after delegation, without archived users and barred people."""
    delegated = _active_delegations(policy, role, today)
    people = []
    for login in logins:
        delegate = delegated.get(login.casefold())
        if delegate:
            notes.append(f"{login} is away (delegation in force); {delegate} decides in their place.")
            people.append(delegate)
        else:
            people.append(login)
    archived = {login.casefold() for login in (directory.archived if directory else ())}
    gone = [login for login in people if login.casefold() in archived]
    if gone:
        notes.append(f"{', '.join(gone)} {'is' if len(gone) == 1 else 'are'} archived in Odoo and excluded.")
    return _unique(people, barred | archived)


def _tier(policy: Policy, role: str, mode: str, facts: dict, directory: Directory | None, now: datetime,
          taken: set[str]) -> dict:
    """One tier: eligible people (fallback, then the administrator route when nobody remains)."""
    routing, route = _routing(policy), _routes(policy)[role]
    quorum = int(route.get("quorum", 1))
    requester_etc = excluded_logins(facts)
    barred = {login.casefold() for login in requester_etc}
    conflict = _conflicting(policy, role, directory)
    notes: list[str] = []
    configured = members(policy, role, directory)
    eligible = _people(policy, role, configured, barred | conflict, directory, now.date(), notes)
    if len(eligible) < len(configured) and any(login.casefold() in barred for login in configured):
        kind = "order" if "order" in facts else "document"
        who = describe_excluded(facts)
        notes.append(f"{who[0].upper()}{who[1:]} may not approve their own {kind} and "
                     f"{'is' if len(requester_etc) == 1 else 'are'} excluded.")
    if conflict & {login.casefold() for login in configured}:
        notes.append(f"Holders of a role conflicting with {role} are excluded.")
    admin = False
    if len(eligible) < quorum:
        fallback = _people(policy, role, list(route.get("fallback", [])), barred | conflict, directory,
                           now.date(), notes)
        if fallback:
            notes.append(f"Too few eligible approvers on route {role}; fallback approvers apply.")
        eligible = _unique(eligible + fallback, set())
    admin_role = routing.get("admin_route")
    if len(eligible) < quorum and admin_role and admin_role in _routes(policy) and admin_role != role:
        extra = _people(policy, admin_role, members(policy, admin_role, directory), barred, directory,
                        now.date(), notes)
        if extra:
            admin = True
            notes.append(f"No eligible approver on route {role}; the administrator role {admin_role} decides.")
        eligible = _unique(eligible + extra, set())
    if not eligible:
        excluded = f"{describe_excluded(facts)} {'is' if len(requester_etc) == 1 else 'are'} excluded" \
            if requester_etc else "nobody configured is eligible"
        notes.append(f"No eligible approver on route {role}: {excluded} and no fallback approver remains.")
    quorum = min(quorum, len(eligible)) if admin else quorum
    hours = route.get("sla_hours", _routing(policy)["default_sla_hours"])
    assignee = next((login for login in eligible if login.casefold() not in taken), eligible[0] if eligible else None)
    return {"role": role, "mode": mode, "quorum": max(quorum, 1), "approvers": list(route.get("approvers", [])),
            "eligible": eligible, "assignee": assignee, "sla_hours": hours, "due_at": None,
            "reason": " ".join(dict.fromkeys(notes)) or None, "unroutable": len(eligible) < quorum or not eligible,
            "admin": admin}


@dataclass(frozen=True)
class _SiteRouting:
    """The policy's routing as one site sees it: what routing reads (`data["routing"]`), nothing else."""

    data: dict


def for_site(policy: Policy, facts: dict):
    """The policy's routing with the approvers the document's site sets for overridable routes."""
    where = facts.get("site") or {}
    layers = site_layers(policy.data, where.get("company_id"), where.get("warehouse_id"))
    if not layers:
        return policy
    routes = policy.site_routes(layers)
    return _SiteRouting({"routing": {**_routing(policy), "routes": [routes[role] for role in _routes(policy)]}})


def plan(roles: list[str], facts: dict, policy: Policy, now: datetime,
         directory: Directory | None = None) -> list[dict]:
    """The tiers of an approval for these roles, in order; the ones open from the start carry a due time."""
    policy = for_site(policy, facts)
    requester = (facts.get("requested_by") or {}).get("login")
    if not requester:
        roles = [_routing(policy).get("unknown_requester_route") or _routing(policy)["default_route"]]
    tiers: list[dict] = []
    taken: set[str] = set()
    default_mode = _routing(policy).get("tier_mode", SEQUENTIAL)
    for index, role in enumerate(ordered_roles(policy, roles)):
        mode = _routes(policy)[role].get("mode", default_mode) if index else SEQUENTIAL
        tier = _tier(policy, role, mode, facts, directory, now, taken)
        if not requester and not index:
            tier["reason"] = " ".join(filter(None, [
                f"Odoo names no known requester; route {role} for unknown requesters applies.", tier["reason"]]))
        if tier["assignee"]:
            taken.add(tier["assignee"].casefold())
        tiers.append(tier)
    for tier in opening(tiers, approved=set()):
        tiers[tier]["due_at"] = iso_z(now + timedelta(hours=tiers[tier]["sla_hours"]))
    return tiers


def opening(tiers: list[dict], approved: set[int]) -> list[int]:
    """Indexes of the tiers open once the `approved` ones are: the first stage not fully approved.

    A stage is a sequential tier and the parallel tiers right after it.
    """
    stages: list[list[int]] = []
    for index, tier in enumerate(tiers):
        if index and tier.get("mode") == PARALLEL:
            stages[-1].append(index)
        else:
            stages.append([index])
    for stage in stages:
        waiting = [index for index in stage if index not in approved]
        if waiting:
            return waiting
    return []


def as_route(tier: dict, salesperson: str | None) -> dict:
    """The first tier in the shape of `decision["route"]` (kept for existing readers)."""
    return {"role": tier["role"], "approvers": tier["approvers"], "eligible": tier["eligible"],
            "assignee": tier["assignee"], "unroutable": not tier["eligible"], "reason": tier["reason"],
            "salesperson": salesperson}


def tiers_for(facts: dict, policy: Policy, fired: list, now: datetime,
              directory: Directory | None = None) -> list[dict]:
    """Every tier the approval needs, in order (`fired`: the results of the rules that fired)."""
    return plan(roles_for(policy, fired), facts, policy, now, directory)
