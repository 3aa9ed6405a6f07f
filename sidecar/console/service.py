"""What the console shows and does, as plain functions over the services (the CLI calls them too).

Every action goes through the same functions as the JSON API (sidecar.flows.deadletters, approvals,
the audit verifier); this module only gathers and words what the pages show.
"""
from __future__ import annotations

import time
import urllib.request
from datetime import datetime, timezone
from urllib.parse import quote

from sidecar import contracts
from sidecar.errors import ConfigError, InvalidPayload, NotFound, SidecarError
from sidecar.flows import advice_rank, approvals, deadletters, registry
from sidecar.odoo.errors import OdooError
from sidecar.services import Services
from sidecar.store import console as queries
from sidecar.store import dead_letters, jobs, metrics, releases
from sidecar.store.audit_verify import verify
from sidecar.store.records import MAX_PAGE, iso

ALREADY_DONE, REPLAYED, FAILED = "already_done", "replayed", "failed"
OUTCOME_LABELS = {REPLAYED: "Replayed", ALREADY_DONE: "Already done", FAILED: "Failed"}
N8N_PROBE_SECONDS = 2.0
AGE_CHOICES = {"1h": 3600, "1d": 86400, "7d": 7 * 86400}  # "older than" filter of the dead letters


# -- overview --------------------------------------------------------------------------------------------

def _probe_n8n(url: str) -> dict:
    if not url:
        return {"ok": None, "detail": "SIDECAR_N8N_URL not set"}
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=N8N_PROBE_SECONDS) as answer:  # noqa: S310 (configured)
            return {"ok": answer.status == 200, "detail": f"HTTP {answer.status}"}
    except OSError as err:
        return {"ok": False, "detail": str(getattr(err, "reason", err))[:200]}


def health(services: Services) -> dict:
    """Odoo, n8n and the store: each ok (True/False, None when not configured) with a word on why."""
    checks = {}
    try:
        checks["Odoo"] = {"ok": True, "detail": f"version {services.odoo.ping().get('server_version')}"}
    except OdooError as err:
        checks["Odoo"] = {"ok": False, "detail": f"{err.category}: {err.message}"[:200]}
    checks["n8n"] = _probe_n8n(services.settings.n8n_url)
    try:
        services.db.ping()
        checks["Store"] = {"ok": True, "detail": "answers"}
    except Exception as err:  # any driver error means the store is not usable
        checks["Store"] = {"ok": False, "detail": str(err)[:200]}
    return checks


def overview(services: Services, now: float | None = None) -> dict:
    """Today's decisions by flow and outcome, the outbox, open dead letters by category, approvals, health."""
    now = time.time() if now is None else now
    midnight = datetime.fromtimestamp(now, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    with services.db.read() as conn:
        decided = queries.decisions_by_flow(conn, midnight.timestamp())
        outbox = metrics.outbox_by_state(conn)
        letters = metrics.dead_letters_by_category(conn)
        waiting = metrics.open_approvals_by_flow(conn, now)
    pending = [(state, count, oldest) for state, count, oldest in outbox if state in (*jobs.WAITING, jobs.STARTED)]
    oldest = min((o for _, _, o in pending if o is not None), default=None)
    open_letters = sorted(((cat, n) for cat, status, n in letters if status == dead_letters.OPEN),
                          key=lambda item: -item[1])
    return {
        "decisions": [{"flow": flow, "outcome": outcome, "count": count} for flow, outcome, count in decided],
        "outbox": {"by_state": {state: count for state, count, _ in outbox},
                   "depth": sum(count for _, count, _ in pending),
                   "oldest_age": None if oldest is None else now - oldest},
        "dead_letters": [{"category": cat, "label": deadletters.LABELS.get(cat, cat), "count": n}
                         for cat, n in open_letters],
        "approvals": [{"flow": flow, "waiting": count, "late": late, "oldest_age": now - first}
                      for flow, count, late, first in waiting],
        "health": health(services),
        "at": iso(now),
    }


# -- dead letters ----------------------------------------------------------------------------------------

def _event_of(letter: dict) -> dict:
    """The event envelope a letter holds (parked events, n8n reports), else {}."""
    event = (letter["detail"] or {}).get("event")
    return event if isinstance(event, dict) else {}


def _document_of(letter: dict, job: dict | None) -> dict | None:
    """(model, id, name) of the Odoo document a letter is about, when it says."""
    if job is not None:
        return {"model": job.get("model") or jobs.DEFAULT_MODEL, "id": job["payload"].get("order_id")}
    data = _event_of(letter).get("data")
    if isinstance(data, dict) and isinstance(data.get("_id"), int):
        return {"model": data.get("_model") or "sale.order", "id": data["_id"], "name": data.get("name")}
    return None


def odoo_link(settings, model: str, record_id) -> str | None:
    """The record's form in Odoo's web client (Odoo 17's `/web#id=&model=&view_type=form`)."""
    if not settings.odoo_url or record_id is None:
        return None
    return f"{settings.odoo_url}/web#id={record_id}&model={quote(model)}&view_type=form"


def n8n_link(settings, report: dict) -> str | None:
    """The failed execution in n8n's editor (`/workflow/<id>/executions/<execution id>`)."""
    execution, workflow = report.get("execution") or {}, report.get("workflow") or {}
    if not settings.n8n_url or not execution.get("id") or not workflow.get("id"):
        return None
    return f"{settings.n8n_url}/workflow/{quote(str(workflow['id']))}/executions/{quote(str(execution['id']))}"


def letter_subjects(conn, letter: dict, job: dict | None) -> set[str]:
    """Audit subjects of the event a letter holds: the letter, its job or event, and their decision."""
    subjects = {letter["id"], letter["ref"]} - {None}
    if letter["linked_to"]:
        subjects.add(letter["linked_to"])
    event_id = _event_of(letter).get("id")
    release_ids = [job["release_id"]] if job and job["release_id"] else []
    for ref in {letter["ref"], event_id} - {None}:
        release_ids += [r["id"] for r in queries.releases_of_event(conn, ref)]
    return subjects | queries.subjects_of_releases(conn, release_ids)


def letter_page(services: Services, letter_id: str) -> dict:
    """One letter: its view, document and links, the error, attempts and the audit trail of its event."""
    view = deadletters.get_letter(services, letter_id)
    with services.db.read() as conn:
        letter = dead_letters.get(conn, letter_id)
        job = jobs.get(conn, letter["ref"]) if letter["kind"] == dead_letters.JOB and letter["ref"] else None
        trail = queries.search_audit(conn, subjects=letter_subjects(conn, letter, job))
    detail = letter["detail"] or {}
    document = _document_of(letter, job)
    if document:
        document["link"] = odoo_link(services.settings, document["model"], document["id"])
    error = detail.get("error")
    if isinstance(error, dict):
        error = error.get("message")
    if letter["kind"] == dead_letters.N8N_EXECUTION:
        error = ((detail.get("execution") or {}).get("error") or {}).get("message")
    return {
        "letter": view, "document": document, "job": job,
        "n8n_link": n8n_link(services.settings, detail) if letter["kind"] == dead_letters.N8N_EXECUTION else None,
        "error": error or letter["reason"],
        "attempts": job["attempts"] if job else detail.get("attempts"),
        "audit": [entry_view(e) for e in trail],
    }


def list_letters(services: Services, *, status=None, category=None, flow=None, older_than=None,
                 document=None, now: float | None = None, sort: str = deadletters.NEWEST) -> list[dict]:
    """Letters for the list page: the API's filters and order, then flow, age and document (few letters are open)."""
    now = time.time() if now is None else now
    found = deadletters.list_letters(services, status=status, category=category, limit=MAX_PAGE, sort=sort)
    if older_than:
        found = [v for v in found if _epoch(v["created_at"]) <= now - AGE_CHOICES[older_than]]
    if flow or document:
        with services.db.read() as conn:
            found = [v for v in found if _matches(conn, v["id"], flow, document)]
    return found


def _epoch(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def _matches(conn, letter_id: str, flow: str | None, document: str | None) -> bool:
    letter = dead_letters.get(conn, letter_id)
    job = jobs.get(conn, letter["ref"]) if letter["kind"] == dead_letters.JOB and letter["ref"] else None
    found = _document_of(letter, job) or {}
    if document and document not in (str(found.get("id")), found.get("name")):
        return False
    if not flow:
        return True
    if job is not None and job["release_id"]:
        release = releases.get_release(conn, job["release_id"]) or {}
        return (release.get("flow") or "sales-order-release") == flow
    try:
        return registry.by_type(_event_of(letter).get("type")).name == flow
    except SidecarError:  # no event, or a type no flow governs
        return False


def replay_outcome(letter_id: str, view: dict | None, err: SidecarError | None) -> dict:
    """One replay's result in people's words: replayed, already done (no second effect), or failed."""
    if err is None and view.get("already_done"):
        outcome, message = ALREADY_DONE, "it had already been decided; nothing was done twice"
    elif err is None:
        outcome = REPLAYED
        done = "queued again" if view["kind"] == dead_letters.JOB else "decided again"
        message = f"{view['summary'][:160]}: {done}"
    elif err.code == "not_open" and _took_effect(err.message):
        outcome, message = ALREADY_DONE, err.message
    else:
        outcome, message = FAILED, f"{err.code}: {err.message}"
    return {"id": letter_id, "outcome": outcome, "label": OUTCOME_LABELS[outcome], "message": message}


def _took_effect(message: str) -> bool:
    """The 409 of a letter whose work already took effect: replayed or resolved before, or its job ran since."""
    return "nothing to replay" in message or any(
        f"is {status}, not open" in message for status in (dead_letters.REPLAYED, dead_letters.RESOLVED))


def replay(services: Services, ids: list[str], actor: str):
    """Replay letters one by one (the API's replay), yielding each one's outcome as it ends."""
    for letter_id, view, err in deadletters.replay_each(services, ids, actor):
        yield replay_outcome(letter_id, view, err)


def replay_ids(services: Services, ids: list[str] | None, category: str | None) -> list[str]:
    """What a replay takes: the letters named, else every open one of the category (as the API's bulk replay)."""
    if ids:
        return ids
    if category is not None and category not in deadletters.CATEGORIES:
        raise InvalidPayload(f"no category '{category[:64]}'")
    return deadletters.open_ids(services, category)


def close_letter(services: Services, letter_id: str, action: str, reason: str, actor: str) -> dict:
    """Resolve or abandon an open letter with a reason (the API's own functions; audited with the actor)."""
    close = {"resolve": deadletters.resolve, "abandon": deadletters.abandon}[action]
    return close(services, letter_id, {"reason": reason}, actor)


# -- approvals -------------------------------------------------------------------------------------------

def approvals_board(services: Services, now: float | None = None, sort: str = approvals.NEWEST) -> list[dict]:
    """Open approvals as rows per open tier: flow, document, role, approvers, age against the SLA, late or not, and
    the priority advice the API lists; by tier and approver, or by that priority (`sort`, as the API ranks it)."""
    now = time.time() if now is None else now
    rows = []
    with services.db.read() as conn:
        found = [approval for status in releases.OPEN_APPROVAL
                 for approval in releases.list_approvals(conn, status, MAX_PAGE)]
        advice = approvals.advice_for(conn, services, found, now)
        for approval in found:
            release = releases.get_release(conn, approval["release_id"]) or {}
            view = approvals.describe_approval(approval, now, releases.votes_for(conn, approval["id"]))
            rows += _tier_rows(services, approval, release, view, now, advice.get(approval["id"]))
    rows.sort(key=lambda row: (row["role"] or "", row["approver"] or "", -row["age"]))
    return advice_rank.rank(rows, sort)


def _tier_rows(services, approval: dict, release: dict, view: dict, now: float, advice: dict | None) -> list[dict]:
    flow = release.get("flow") or "sales-order-release"
    tiers = [t for t in releases.tiers_of(approval) if t["status"] == releases.TIER_OPEN] or [
        {"role": approval["role"], "eligible": approval["eligible"], "assignee": approval["assignee"],
         "due_at": approval["due_at"]}]
    rows = []
    for tier in tiers:
        due = tier.get("due_at")
        sla = None if due is None else due - approval["created_at"]
        rows.append({
            "id": approval["id"], "status": approval["status"], "flow": flow,
            "document": release.get("order_name") or f"#{approval['order_id']}",
            "link": odoo_link(services.settings, release.get("model") or "sale.order", approval["order_id"]),
            "role": tier.get("role"), "approver": tier.get("assignee") or ", ".join(tier.get("eligible") or []),
            "eligible": tier.get("eligible") or [], "age": now - approval["created_at"], "sla": sla,
            "late": due is not None and due < now, "due_at": iso(due), "requested_by": approval["requested_by"],
            "escalate_to": _escalation_of(services, release, tier.get("role")),
            "choices": _choices(services, release), "advice": advice,
        })
    return rows


def _policy_of(services, release: dict):
    """The policy in force for the flow that decided `release`; None when it cannot be used."""
    try:
        return registry.policy_for(services, registry.flow_of(release))
    except (SidecarError, KeyError):
        return None


def _escalation_of(services, release: dict, role: str | None) -> str | None:
    """The route a tier escalates to (the policy's `escalate_to`, else its admin route)."""
    policy = _policy_of(services, release)
    if policy is None:
        return None
    route = policy.routes.get(role) or {}
    admin = policy.data["routing"].get("admin_route")
    target = route.get("escalate_to") or admin
    return target if target and target != role else None


def _choices(services, release: dict) -> list[str]:
    """What an approval of this flow may be moved to: the policy's roles and configured approvers."""
    policy = _policy_of(services, release)
    if policy is None:
        return []
    logins = {login for route in policy.routes.values() for login in route["approvers"] + route.get("fallback", [])}
    return sorted(policy.routes) + sorted(logins)


def move_approval(services: Services, approval_id: str, action: str, target: str, reason: str, actor: str) -> dict:
    """Delegate (to an approver) or escalate (to a role) an open approval, with a reason: the API's re-route.
    Nobody decides here: the approver still decides with their own token."""
    body = {"assignee" if action == "delegate" else "role": target, "reason": reason}
    contracts.validate("approval_reroute.v1", body)
    answer = approvals.reroute(services, approval_id, body, actor)
    answer.pop("decision_links", None)  # tokens belong to approvers, never to a page ops look at
    return answer


# -- audit -----------------------------------------------------------------------------------------------

def entry_view(entry: dict) -> dict:
    """An audit entry as the pages show it."""
    return {"seq": entry["seq"], "at": iso(entry["at"]), "kind": entry["kind"], "subject": entry["subject"],
            "actor": entry["actor"], "data": entry["data"]}


def search_audit(services: Services, *, document=None, event=None, actor=None, kind=None, since=None,
                 until=None, limit: int = MAX_PAGE) -> list[dict]:
    """Audit entries by document (Odoo name or id), event or any subject, actor, kind and time, newest first."""
    with services.db.read() as conn:
        subjects = None
        if document:
            subjects = _subjects(conn, queries.releases_of_document(conn, document))
        if event:
            found = {event} | _subjects(conn, queries.releases_of_event(conn, event))
            subjects = found if subjects is None else subjects & found
        rows = queries.search_audit(conn, subjects=subjects, kind=kind, actor=actor, since=since, until=until,
                                    limit=limit)
    return [entry_view(row) for row in rows]


def _subjects(conn, found: list[dict]) -> set[str]:
    return queries.subjects_of_releases(conn, [release["id"] for release in found])


def verify_chain(services: Services) -> dict:
    """The chain's verification (the API's), with the first broken entry named."""
    report = verify(services.db)
    report["first_broken"] = report["problems"][0] if report["problems"] else None
    return report


# -- policy ----------------------------------------------------------------------------------------------

def policies(services: Services) -> list[dict]:
    """The policy in force per flow: version, hash, its sites' overrides; a flow whose file is invalid says why."""
    found = []
    for flow in registry.flows():
        try:
            policy = registry.policy_for(services, flow)
        except (SidecarError, ConfigError) as err:
            found.append({"flow": flow.name, "error": getattr(err, "message", str(err))})
            continue
        sites = policy.data.get("sites") or {}
        found.append({
            "flow": flow.name, "name": policy.name, "version": policy.version, "hash": policy.hash,
            "path": str(registry.policy_path(services.settings, flow)) if flow.name != "sales-order-release"
            else str(services.settings.policy_file),
            "parameters": {name: p.get("value") for name, p in policy.parameters.items()},
            "sites": {site: (layer.get("parameters") or {}) | {f"route {role}": r.get("approvers")
                                                                for role, r in (layer.get("routes") or {}).items()}
                      for site, layer in sites.items()},
            "routes": [{"role": r["role"], "approvers": r.get("approvers", []), "sla_hours": r.get("sla_hours")}
                       for r in policy.data["routing"]["routes"]],
        })
    return found


def explain_decision(services: Services, release_id: str, now: datetime | None = None) -> dict:
    """A stored decision: its recorded reasons and policy, and its facts explained under the policy in force."""
    from sidecar.cli import release_facts_for_rules
    from sidecar.policy.explain import explain
    with services.db.read() as conn:
        release = releases.get_release(conn, release_id)
    if release is None:
        raise NotFound(f"no decision {release_id}")
    flow = registry.flow_of(release)
    policy = registry.policy_for(services, flow)
    now = now or datetime.now(timezone.utc)
    explained = explain(policy, release_facts_for_rules(policy, release["facts"], now), now)
    recorded = release["decision"]
    return {
        "release": {"id": release["id"], "flow": flow.name, "document": release["order_name"],
                    "order_id": release["order_id"], "outcome": release["outcome"], "status": release["status"],
                    "decided_at": iso(release["created_at"]), "policy_version": release["policy_version"],
                    "link": odoo_link(services.settings, release.get("model") or flow.model, release["order_id"])},
        "recorded": recorded,
        "same_policy": (recorded.get("policy") or {}).get("hash") in (None, policy.hash)
        and release["policy_version"] == policy.version,
        "explained": explained,
    }
