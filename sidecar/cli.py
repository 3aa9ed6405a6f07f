"""`python -m sidecar ...`: serve, worker, dead letters, audit, prune, specs, mappings."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from sidecar import logs
from sidecar.config import load_settings
from sidecar.errors import ConfigError, SidecarError

GUNICORN_CONFIG = "python:sidecar.gunicorn_conf"  # a module, so it ships in the wheel


def _services():
    from sidecar.services import Services
    return Services.from_settings(load_settings())


def _print(data) -> None:
    print(json.dumps(data, indent=2, default=str))


def cmd_serve(args) -> int:
    """Run the HTTP API under gunicorn with the project's config."""
    load_settings()  # fail fast with a readable message before gunicorn forks
    argv = [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG]
    if args.bind:
        argv += ["--bind", args.bind]
    os.execvp(sys.executable, argv)
    return 0


def cmd_worker(args) -> int:
    """Deliver outbox jobs until SIGTERM/SIGINT, or with --once everything due now.

    --once exits 0 when nothing due is left, 1 when work remains because of errors (Odoo
    unreachable, or jobs waiting for a retry). A stop signal finishes the job in hand, then exits 0.
    """
    from sidecar.worker import OutboxWorker
    worker = OutboxWorker(_services())
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    if args.once:
        report = worker.drain()
        _print(report)
        return 1 if report["odoo_unreachable"] or report["retrying"] else 0
    worker.run_forever()
    return 0


def cmd_dlq(args) -> int:
    """List, show and replay dead letters."""
    from sidecar.flows import deadletters
    services = _services()
    if args.action == "list":
        _print(deadletters.list_letters(services, status=args.status, category=args.category, limit=args.limit,
                                        sort=args.sort))
    elif args.action == "show":
        _print(deadletters.get_letter(services, args.ids[0]))
    elif args.action in ("resolve", "abandon"):
        close = deadletters.resolve if args.action == "resolve" else deadletters.abandon
        _print(close(services, args.ids[0], {"reason": args.reason or ""}, actor="cli"))
    else:
        return _replay(services, args.ids or deadletters.open_ids(services, args.category, args.limit))
    return 0


def _replay(services, ids: list[str]) -> int:
    """Replay letters one by one as the console does: a progress line each (stderr), then the summary;
    exit 1 when any failed (already done is no failure: nothing was done twice)."""
    from collections import Counter

    from sidecar.console.service import ALREADY_DONE, FAILED, REPLAYED, replay_outcome
    from sidecar.flows import deadletters
    counts = Counter()

    def progress(letter_id, view, err):
        outcome = replay_outcome(letter_id, view, err)
        counts[outcome["outcome"]] += 1
        print(f"[{sum(counts.values())}/{len(ids)}] {letter_id}: {outcome['label']} - {outcome['message']}",
              file=sys.stderr, flush=True)

    answer = {"replayed": [], "skipped": []}
    if ids:
        answer = deadletters.replay_many(services, {"ids": ids}, "cli", progress)
    summary = {"total": len(ids), "replayed": counts[REPLAYED], "already_done": counts[ALREADY_DONE],
               "failed": counts[FAILED]}
    print(f"{summary['total']} letter(s): {summary['replayed']} replayed, {summary['already_done']} already done, "
          f"{summary['failed']} failed", file=sys.stderr)
    _print({**answer, "summary": summary})
    return 1 if counts[FAILED] else 0


def cmd_mapping(args) -> int:
    """Import a CSV of mappings (all or nothing, checked against Odoo) or list them."""
    from sidecar.mapping import csv_import, service
    services = _services()
    if args.action == "list":
        _print(service.list_mappings(services, args.kind, source=args.source, after=args.after, limit=args.limit))
        return 0
    try:
        raw = Path(args.file).read_bytes()
    except OSError as err:
        print(f"sidecar mapping import: cannot read {args.file}: {err.strerror}", file=sys.stderr)
        return 2
    try:
        content_type = f"text/csv; charset={args.charset}" if args.charset else None
        _print(csv_import.import_csv(services, args.kind, raw, source=args.source, actor="cli",
                                     dry_run=args.dry_run, via="cli", content_type=content_type,
                                     declare="--charset windows-1252"))
    except SidecarError as err:  # every bad row, by number: the file is fixed from this list
        print(f"sidecar: {err.code}: {err.message}", file=sys.stderr)
        for detail in err.details:
            print("  " + json.dumps(detail, ensure_ascii=False), file=sys.stderr)
        return 1
    return 0


def cmd_approvals(args) -> int:
    """Scheduled approval work: pull decisions taken in Odoo, escalate overdue tiers."""
    from sidecar.flows import activity_pull, escalation
    services = _services()
    _print(activity_pull.pull(services) if args.action == "pull-activities" else escalation.escalate(services))
    return 0


def cmd_approvals_board(args) -> int:
    """Open approvals by tier and approver, their age against the SLA (as the console shows them)."""
    from sidecar.console import service
    rows = service.approvals_board(_services())
    _print([row for row in rows if row["late"]] if args.late else rows)
    return 0


def cmd_approvals_move(args) -> int:
    """Delegate an open approval to an approver or escalate it to a role, with a reason (the console's action)."""
    from sidecar.console import service
    if bool(args.delegate_to) == bool(args.escalate_to):
        print("sidecar approvals move: give exactly one of --delegate-to LOGIN or --escalate-to ROLE", file=sys.stderr)
        return 2
    action, target = ("delegate", args.delegate_to) if args.delegate_to else ("escalate", args.escalate_to)
    _print(service.move_approval(_services(), args.approval_id, action, target, args.reason, "cli"))
    return 0


def cmd_audit_search(args) -> int:
    """Audit entries by document, event, actor, kind and time, newest first (as the console searches)."""
    from sidecar.console import service
    _print(service.search_audit(_services(), document=args.document, event=args.event, actor=args.actor,
                                kind=args.kind, since=args.since.timestamp() if args.since else None,
                                until=args.until.timestamp() if args.until else None, limit=args.limit))
    return 0


def cmd_policy_show(args) -> int:
    """The policy in force per flow: version, hash, routes, parameters and each site's overrides."""
    from sidecar.console import service
    found = service.policies(_services())
    _print([p for p in found if p["flow"] == args.flow] if args.flow else found)
    return 0


def cmd_console_user(args) -> int:
    """Print a SIDECAR_CONSOLE_USERS entry for a user: the password (asked, or read from stdin) hashed."""
    import getpass

    from sidecar.console.users import ROLES, USER_NAME, hash_password
    if not USER_NAME.match(args.name) or args.role not in ROLES:
        print("sidecar console-user: a name is a letter then letters, digits or _.@-", file=sys.stderr)
        return 2
    password = getpass.getpass(f"password for {args.name}: ") if sys.stdin.isatty() else sys.stdin.readline()
    password = password.rstrip("\n")
    if len(password) < 12:
        print("sidecar console-user: use a password of 12 characters or more", file=sys.stderr)
        return 2
    print(json.dumps({args.name: {"password_hash": hash_password(password), "role": args.role}}))
    return 0


def cmd_audit(args) -> int:
    """Verify the audit chain; exit 1 when it was tampered with or the store is missing."""
    from sidecar.store import Database
    from sidecar.store.audit import AuditSeal
    from sidecar.store.audit_verify import verify
    settings = load_settings()
    db = Database(settings.database_url, AuditSeal.from_settings(settings))  # never creates the store
    try:
        report = verify(db, incremental=args.incremental)
    finally:
        db.dispose()
    _print(report)
    return 0 if report["ok"] else 1


def cmd_prune(args) -> int:
    """Delete expired idempotency records, finished jobs and closed dead letters (--dry-run: count them)."""
    from sidecar.store import Database
    from sidecar.store.audit import AuditSeal
    from sidecar.store.retention import Retention, prune
    settings = load_settings()
    db = Database(settings.database_url, AuditSeal.from_settings(settings))
    try:
        if not db.exists():  # pruning never creates a store
            print(f"sidecar prune: no store at {db.engine.url.render_as_string(hide_password=True)}", file=sys.stderr)
            return 1
        _print(prune(db, Retention.from_settings(settings), dry_run=args.dry_run, actor="cli"))
    finally:
        db.dispose()
    return 0


def cmd_db(args) -> int:
    """Create the store or bring it to the newest migration (the sidecar also does this when it starts)."""
    from sidecar.store import Database
    from sidecar.store.migrate import current, head
    db = Database(load_settings().database_url)
    try:
        if args.action == "current":
            _print({"revision": current(db.engine), "head": head()})
            return 0
        _print({"revision": db.create_schema()})
    finally:
        db.dispose()
    return 0


def _read_only_services():
    """Settings, Odoo and the policies in force, with no store: the policy tools never write one."""
    from sidecar.odoo.gateway import OdooGateway
    from sidecar.policy import load_policy
    from sidecar.services import Services
    settings = load_settings()
    return Services(settings=settings, db=None, odoo=OdooGateway.from_settings(settings),
                    policy=load_policy(settings.policy_file))


def _moment_arg(text: str):
    """A UTC moment from the command line; a clear argparse error when malformed."""
    from sidecar.values import utc_moment
    try:
        return utc_moment(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date or moment: {text!r} (use YYYY-MM-DD[ HH:MM:SS], UTC)") from err


def cmd_policy_simulate(args) -> int:
    """Re-decide the flow's recent Odoo documents with a candidate policy; what would change (writes nothing)."""
    from sidecar.flows import registry, simulate
    from sidecar.policy import load_policy
    services = _read_only_services()
    candidate = load_policy(args.policy, require_approvers=False)
    name = args.flow or candidate.data.get("flow") or "sales-order-release"
    try:
        flow = registry.by_name(name)
    except KeyError:
        print(f"sidecar policy simulate: no flow '{name}'; known: {', '.join(f.name for f in registry.flows())}",
              file=sys.stderr)
        return 2
    report = simulate.simulate(services, flow, candidate, args.since, args.limit, submitted_only=args.submitted)
    print(json.dumps(report, indent=2) if args.json else simulate.render_simulation(report))
    return 0


def cmd_policy_explain_event(args) -> int:
    """Explain the decision on an event's document: its facts read from Odoo through its flow."""
    from datetime import datetime, timezone

    from sidecar.flows import registry, simulate
    services = _read_only_services()
    envelope = json.loads(Path(args.event).read_text(encoding="utf-8"))
    flow, facts = simulate.facts_for_event(services, envelope)
    from sidecar.policy.explain import explain, render_text
    explained = explain(registry.policy_for(services, flow), facts, datetime.now(timezone.utc))
    print(json.dumps(explained, indent=2, default=str) if args.json else render_text(explained))
    return 0


def cmd_specs(args) -> int:
    """Write the OpenAPI document generated from node-specs/."""
    from sidecar.specs import openapi_document
    document = json.dumps(openapi_document(), indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(document)
    else:
        Path(args.output).write_text(document)
    return 0


def cmd_n8n_package(args) -> int:
    """Generate the n8n community node package from node-specs/ (build it with scripts/build-n8n-package.sh)."""
    from sidecar import n8n_package
    out = Path(args.out) if args.out else n8n_package.DEFAULT_OUT
    changed = n8n_package.write(out)
    print(f"{out}: " + (f"{len(changed)} file(s) changed: " + ", ".join(changed) if changed else "up to date"))
    return 0


def cmd_odoo_user(args) -> int:
    """Create or update the least-privilege Odoo integration user; print its groups."""
    from sidecar.odoo import OdooError, OdooGateway
    from sidecar.odoo.integration_user import provision
    missing = [flag for flag, value in (("--url/ODOO_URL", args.url), ("--db/ODOO_DB", args.db),
                                        ("--admin-password/ODOO_ADMIN_PASSWORD", args.admin_password),
                                        ("--password/ODOO_PASSWORD", args.password)) if not value]
    if missing:
        print("sidecar odoo-user: missing " + ", ".join(missing), file=sys.stderr)
        return 2
    admin = OdooGateway(args.url, args.db, args.admin_login, args.admin_password, timeout=60.0)
    try:
        _print(provision(admin, args.login, args.password, name=args.name, email=args.email))
    except (OdooError, LookupError) as err:
        print(f"sidecar odoo-user: {err}", file=sys.stderr)
        return 1
    finally:
        admin.close()
    return 0


def cmd_odoo_provision(args) -> int:
    """Plan (default), apply (--apply) or check (read-only, exit 1 on drift) the Odoo side of the flows."""
    from sidecar.odoo import desired_state, provision
    from sidecar.odoo.errors import OdooError
    from sidecar.odoo.gateway import OdooGateway
    values = {"--url or ODOO_URL": args.url, "--db or ODOO_DB": args.db,
              "--admin-password or ODOO_ADMIN_PASSWORD": args.admin_password,
              "--n8n-url or N8N_WEBHOOK_URL": args.n8n_url, "--webhook-auth or ODOO_WEBHOOK_AUTH": args.webhook_auth}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError([f"{name}: required" for name in missing])
    try:
        records = desired_state.records(args.flow)
        webhooks = provision.Webhooks(args.n8n_url, args.webhook_auth)
    except (KeyError, ValueError) as err:
        raise ConfigError([str(err).strip("\"'")]) from err
    apply = getattr(args, "apply", False)
    try:
        admin = OdooGateway(args.url, args.db, args.admin_login, args.admin_password, timeout=60.0)
        result = (provision.apply if apply else provision.plan)(admin, records, webhooks)
    except OdooError as err:
        print(f"sidecar odoo: failed ({err.category}): {provision.mask(err.message)}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"sidecar odoo: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result.as_dict(), indent=2) if args.json else result.render())
    if args.odoo_command == "check" and not result.in_sync:
        drifted = [change.record.key for change in result.changes if change.action != provision.UNCHANGED]
        print("drift: " + ", ".join(drifted), file=sys.stderr)
        return 1
    return 0


def _odoo_arguments(parser) -> None:
    """Where Odoo and n8n are, and who provisions: every default from the environment, never from the repository."""
    env = os.environ.get
    parser.add_argument("--url", default=env("ODOO_URL"), help="Odoo URL (default ODOO_URL)")
    parser.add_argument("--db", default=env("ODOO_DB"), help="Odoo database (default ODOO_DB)")
    parser.add_argument("--admin-login", default=env("ODOO_ADMIN_LOGIN", "admin"),
                        help="an Odoo administrator (Settings rights; default ODOO_ADMIN_LOGIN or admin)")
    parser.add_argument("--admin-password", default=env("ODOO_ADMIN_PASSWORD"),
                        help="its password or API key (default ODOO_ADMIN_PASSWORD)")
    parser.add_argument("--n8n-url", default=env("N8N_WEBHOOK_URL"),
                        help="n8n's public base URL, e.g. https://n8n.example.com (default N8N_WEBHOOK_URL); "
                             "the rules post to <it>/webhook/odoo/<flow>")
    parser.add_argument("--webhook-auth", default=env("ODOO_WEBHOOK_AUTH"),
                        help="user:password n8n's Odoo webhooks verify, put in the URL Odoo calls "
                             "(default ODOO_WEBHOOK_AUTH)")
    parser.add_argument("--flow", action="append", default=None,
                        help="only this flow (repeatable; default every flow whose event comes from Odoo)")
    parser.add_argument("--json", action="store_true", help="the plan as JSON")


def _read_json(path: str, what: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError([f"{path}: cannot read {what} ({err.strerror or err})"]) from err
    except ValueError as err:
        raise ConfigError([f"{path}: not valid JSON ({err})"]) from err


def cmd_policy_lint(args) -> int:
    """Print every problem of a policy file with its JSON pointer; exit 1 when it does not validate."""
    from sidecar.policy.loader import content_hash, read_policy_file, unconfigured_routes, validate_policy
    try:
        data = read_policy_file(args.file)
    except ConfigError as err:  # unreadable or not JSON: invalid too
        for problem in err.problems:
            print(problem)
        return 1
    problems = validate_policy(data)
    unnamed = unconfigured_routes(data) if not problems else []
    if args.require_approvers:
        problems, unnamed = problems + unnamed, []
    for problem in problems:
        print(f"{args.file}: {problem}")
    for note in unnamed:
        print(f"{args.file}: note: {note}")
    if problems:
        print(f"{args.file}: invalid ({len(problems)} problem(s))", file=sys.stderr)
        return 1
    print(f"{args.file}: valid: {data['name']} {data['version']} sha256 {content_hash(data)}")
    return 0


def release_facts_for_rules(policy, facts: dict, now) -> dict:
    """Release facts recorded without the derived facts the rules compare get them (counted from `now`)."""
    if policy.flow == "sales-order-release" and "lead_time" not in facts and "order" in facts:
        from sidecar.transform.sales_order import derive_release_facts
        return derive_release_facts(facts, now)
    return facts


def cmd_policy_explain(args) -> int:
    """Explain the decision a policy makes on facts: which rules fired and why, and who set each value."""
    if args.release is not None:
        from sidecar.console import service
        explained = service.explain_decision(_services(), args.release)
        if args.json:
            _print(explained)
        else:
            from sidecar.policy.explain import render_text
            release = explained["release"]
            print(f"Decision {release['id']} ({release['flow']}, {release['document']}): {release['outcome']} "
                  f"at {release['decided_at']} under policy {release['policy_version']}"
                  + ("" if explained["same_policy"] else "; the policy in force differs"))
            print(render_text(explained["explained"]))
        return 0
    if (args.event is None) == (args.facts is None):
        print("sidecar policy explain: give EVENT.json, --facts FACTS.json or --release ID", file=sys.stderr)
        return 2
    if args.event is not None:
        return cmd_policy_explain_event(args)
    from datetime import datetime, timezone

    from sidecar.policy.explain import explain, render_text
    from sidecar.policy.loader import load_policy
    from sidecar.values import utc_moment
    path = args.policy or os.environ.get("SIDECAR_POLICY_FILE") or None
    policy = load_policy(path, require_approvers=False) if path else load_policy(require_approvers=False)
    now = utc_moment(args.now) if args.now else datetime.now(timezone.utc)
    facts = release_facts_for_rules(policy, _read_json(args.facts, "facts"), now)
    if args.site:
        site = dict(facts.get("site") or {})
        for layer in args.site:
            kind, _, number = layer.partition(":")
            if kind not in ("company", "warehouse") or not number.isdigit():
                print(f"sidecar policy explain: --site {layer}: expected company:<id> or warehouse:<id>",
                      file=sys.stderr)
                return 2
            site[f"{kind}_id"] = int(number)
        facts = {**facts, "site": site}
    explained = explain(policy, facts, now)
    if args.json:
        _print(explained)
    else:
        print(render_text(explained))
    return 0


def cmd_advisory(args) -> int:
    """Measure the local advisory backend, fit its classifier and store it for every process to load, or report
    the fairness of its priority."""
    if args.action == "fairness":  # the same report as GET /v1/advice/fairness
        from sidecar.flows import letter_advice
        if not 1 <= args.days <= letter_advice.MAX_WINDOW_DAYS:
            print(f"sidecar advisory fairness: --days must be from 1 to {letter_advice.MAX_WINDOW_DAYS}",
                  file=sys.stderr)
            return 2
        _print(letter_advice.fairness_report(_services(), args.days))
        return 0
    from sidecar.advisory import load_advisory
    config = load_advisory()
    if args.action == "train":
        from sidecar.advisory.model_file import train
        _, manifest = train(config.model_dir)
        _print({"directory": str(config.model_dir), **manifest})
        return 0
    from sidecar.advisory.evaluate import evaluate
    _print(evaluate(config))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="sidecar", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API (gunicorn)")
    serve.add_argument("--bind", help="host:port (default SIDECAR_BIND or 127.0.0.1:8000)")
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="deliver outbox jobs to Odoo")
    worker.add_argument("--once", action="store_true",
                        help="deliver everything due now, then exit (1 when work remains because of errors)")
    worker.set_defaults(func=cmd_worker)
    dlq = sub.add_parser("dlq", help="dead letters")
    dlq.add_argument("action", choices=["list", "show", "replay", "resolve", "abandon"])
    dlq.add_argument("ids", nargs="*", help="dead letter ids (show, resolve, abandon: one; "
                                            "replay: none means every open one)")
    dlq.add_argument("--reason", help="resolve, abandon: why, for the audit log (required)")
    dlq.add_argument("--status", default=None)
    dlq.add_argument("--category", default=None)
    dlq.add_argument("--limit", type=int, default=50)
    dlq.add_argument("--sort", choices=["newest", "priority"], default="newest",
                     help="list: newest first, or by the advice's priority (highest first)")
    dlq.set_defaults(func=cmd_dlq)
    mapping = sub.add_parser("mapping", help="SKU, unit, pack, partner and tax cross-references")
    mapping_sub = mapping.add_subparsers(dest="mapping_command", required=True)
    kinds = ["skus", "units", "packs", "partners", "taxes"]
    imported = mapping_sub.add_parser("import", help="import a CSV file (header row; UTF-8 unless --charset), "
                                      "all or nothing")
    imported.add_argument("file", help="FILE.csv")
    imported.add_argument("--kind", required=True, choices=kinds)
    imported.add_argument("--source", default=None, help="the source of rows without a source column or value")
    imported.add_argument("--dry-run", action="store_true", help="check everything (Odoo too), store nothing")
    imported.add_argument("--charset", default=None,
                          help="the file's encoding when it is not UTF-8 or UTF-16 with a BOM, e.g. windows-1252")
    imported.set_defaults(func=cmd_mapping, action="import")
    listing = mapping_sub.add_parser("list", help="list mappings of one kind, in id order")
    listing.add_argument("--kind", required=True, choices=kinds)
    listing.add_argument("--source", default=None)
    listing.add_argument("--after", type=int, default=0, help="continue after this id (next_after)")
    listing.add_argument("--limit", type=int, default=200)
    listing.set_defaults(func=cmd_mapping, action="list")
    approvals = sub.add_parser("approvals", help="scheduled approval work")
    approvals.add_argument("action", choices=["pull-activities", "escalate", "list", "move"],
                           help="pull-activities: record approvals given by marking the Odoo activity done; "
                                "escalate: remind, then move overdue tiers up; list: open approvals by tier and "
                                "approver with their age against the SLA; move: delegate or escalate one, with a "
                                "reason (the approver still decides)")
    approvals.set_defaults(func=cmd_approvals)
    approvals.add_argument("--late", action="store_true", help="list: only the approvals past their SLA")
    approvals.add_argument("approval_id", nargs="?", help="move: the approval")
    approvals.add_argument("--delegate-to", default=None, help="move: an approver's Odoo login (the policy's)")
    approvals.add_argument("--escalate-to", default=None, help="move: a role of the policy")
    approvals.add_argument("--reason", default=None, help="move: why (required, audited)")
    audit = sub.add_parser("audit", help="audit log")
    audit.add_argument("action", choices=["verify", "search"])
    audit.add_argument("--incremental", action="store_true",
                       help="verify: resume from the last checkpoint a passing verify signed")
    audit.add_argument("--document", default=None, help="search: an Odoo document's name or id")
    audit.add_argument("--event", default=None, help="search: an event id (or any audit subject)")
    audit.add_argument("--actor", default=None, help="search: who acted (an API client, console user, cli)")
    audit.add_argument("--kind", default=None, help="search: an entry kind; ending with '.', a family")
    audit.add_argument("--since", default=None, type=_moment_arg, help="search: from (UTC)")
    audit.add_argument("--until", default=None, type=_moment_arg, help="search: until (UTC)")
    audit.add_argument("--limit", type=int, default=200)
    audit.set_defaults(func=cmd_audit)
    pruning = sub.add_parser("prune", help="delete expired idempotency records, finished jobs and closed dead "
                                           "letters (SIDECAR_RETENTION_*); the audit trail is kept")
    pruning.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    pruning.set_defaults(func=cmd_prune)
    advisory = sub.add_parser("advisory", help="the advisory backend (advice never decides)")
    advisory.add_argument("action", choices=["evaluate", "train", "fairness"],
                          help="evaluate: accuracy and macro-F1 on the held-out messages, anomaly precision/recall; "
                               "train: fit the classifier and store it with its manifest in SIDECAR_ADVICE_MODEL_DIR; "
                               "fairness: priority scores of recent dead letters per customer tier and the gap")
    advisory.add_argument("--days", type=int, default=30, help="fairness: the window, in days before now")
    advisory.set_defaults(func=cmd_advisory)
    database = sub.add_parser("db", help="the store's schema (Alembic migrations)")
    database.add_argument("action", choices=["upgrade", "current"],
                          help="upgrade: create the store or migrate it to the newest revision; "
                               "current: the revision it is at")
    database.set_defaults(func=cmd_db)
    odoo = sub.add_parser("odoo", help="the Odoo side of the flows: automation rules, webhook and server actions, "
                                        "markers")
    odoo_sub = odoo.add_subparsers(dest="odoo_command", required=True)
    provision = odoo_sub.add_parser("provision", help="plan what Odoo needs (dry run); --apply makes it so")
    provision.add_argument("--apply", action="store_true", help="create and update the records (default: plan only)")
    _odoo_arguments(provision)
    provision.set_defaults(func=cmd_odoo_provision)
    check = odoo_sub.add_parser("check", help="read-only: exit 1 naming the records that drifted from the description")
    _odoo_arguments(check)
    check.set_defaults(func=cmd_odoo_provision)
    setup = sub.add_parser("odoo-setup", help="the same as `odoo provision --apply`")
    _odoo_arguments(setup)
    setup.set_defaults(func=cmd_odoo_provision, apply=True, odoo_command="provision")
    specs = sub.add_parser("specs", help="write openapi.json from node-specs/")
    specs.add_argument("--output", default="-")
    specs.set_defaults(func=cmd_specs)
    package = sub.add_parser("n8n-package", help="generate the n8n node package from node-specs/")
    package.add_argument("--out", default=None, help="directory (default n8n-package/ in the checkout)")
    package.set_defaults(func=cmd_n8n_package)
    user = sub.add_parser("odoo-user", help="create/update the least-privilege Odoo integration user")
    user.add_argument("--url", default=os.environ.get("ODOO_URL"), help="default ODOO_URL")
    user.add_argument("--db", default=os.environ.get("ODOO_DB"), help="default ODOO_DB")
    user.add_argument("--admin-login", default=os.environ.get("ODOO_ADMIN_LOGIN", "admin"),
                      help="an Odoo administrator (default ODOO_ADMIN_LOGIN or admin)")
    user.add_argument("--admin-password", default=os.environ.get("ODOO_ADMIN_PASSWORD"),
                      help="default ODOO_ADMIN_PASSWORD")
    user.add_argument("--login", default=os.environ.get("ODOO_USER", "sidecar-integration"),
                      help="the integration user's login (default ODOO_USER or sidecar-integration)")
    user.add_argument("--password", default=os.environ.get("ODOO_PASSWORD"), help="default ODOO_PASSWORD")
    user.add_argument("--name", default=None, help="display name (default 'Sidecar integration')")
    user.add_argument("--email", default=None,
                      help="author address of its notes (Odoo requires one; default <login>@example.invalid)")
    user.set_defaults(func=cmd_odoo_user)
    policy = sub.add_parser("policy", help="policy tools (read-only): lint, explain, simulate")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    lint = policy_sub.add_parser("lint", help="validate a policy file; every problem with its JSON pointer")
    lint.add_argument("file")
    lint.add_argument("--require-approvers", action="store_true",
                      help="a route without approvers is a problem too (the sidecar does not start with one)")
    lint.set_defaults(func=cmd_policy_lint)
    explain = policy_sub.add_parser("explain", help="which rules fire on an event's document (read from Odoo) or on "
                                                    "facts, why, and which layer set each value")
    explain.add_argument("event", nargs="?", default=None,
                         help="EVENT.json: an event envelope as n8n posts it to /v1/events (its document is read from Odoo)")
    explain.add_argument("--facts", default=None, help="FACTS.json: the flow's facts (as a decision records them)")
    explain.add_argument("--release", default=None,
                         help="a stored decision's id: its facts under the policy in force")
    explain.add_argument("--policy", default=None, help="policy file (default SIDECAR_POLICY_FILE, else the shipped one)")
    explain.add_argument("--site", action="append", default=[],
                         help="company:<id> or warehouse:<id>: decide as at this site (repeatable)")
    explain.add_argument("--now", default=None, help="decide at this moment (ISO 8601; default now)")
    explain.add_argument("--json", action="store_true", help="JSON instead of text")
    explain.set_defaults(func=cmd_policy_explain)
    show = policy_sub.add_parser("show", help="the policy in force per flow: version, hash, routes, sites")
    show.add_argument("--flow", default=None)
    show.set_defaults(func=cmd_policy_show)
    simulate = policy_sub.add_parser("simulate", help="re-decide recent Odoo documents with a candidate policy; "
                                                      "what would change (writes nothing)")
    simulate.add_argument("--policy", required=True, help="the candidate policy file")
    simulate.add_argument("--since", required=True, type=_moment_arg,
                          help="documents changed since (UTC, 'YYYY-MM-DD[ HH:MM:SS]')")
    simulate.add_argument("--flow", default=None, help="the flow (default: the candidate's 'flow', else the release)")
    simulate.add_argument("--limit", type=int, default=200, help="at most this many documents, newest first")
    simulate.add_argument("--submitted", action="store_true",
                          help="only documents matching the intake domain (default: every decidable state)")
    simulate.add_argument("--json", action="store_true", help="the report as JSON")
    simulate.set_defaults(func=cmd_policy_simulate)
    console_user = sub.add_parser("console-user", help="a SIDECAR_CONSOLE_USERS entry: the password hashed")
    console_user.add_argument("action", choices=["hash"])
    console_user.add_argument("name")
    console_user.add_argument("--role", default="read", choices=["read", "replay", "admin"])
    console_user.set_defaults(func=cmd_console_user)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m sidecar` and the `sidecar` script."""
    logs.configure()  # SIDECAR_LOG_LEVEL, SIDECAR_LOG_FORMAT (text or json lines)
    args = build_parser().parse_args(argv)
    if args.command == "dlq" and args.action in ("show", "resolve", "abandon") and len(args.ids) != 1:
        print(f"sidecar dlq {args.action} takes exactly one id", file=sys.stderr)
        return 2
    if args.command == "dlq" and args.action in ("resolve", "abandon") and not (args.reason or "").strip():
        print(f"sidecar dlq {args.action} needs --reason", file=sys.stderr)
        return 2
    if args.command == "approvals" and args.action == "move" and not (args.approval_id and (args.reason or "").strip()):
        print("sidecar approvals move takes an approval id and --reason", file=sys.stderr)
        return 2
    if args.command == "approvals" and args.action in ("list", "move"):
        args.func = cmd_approvals_board if args.action == "list" else cmd_approvals_move
    if args.command == "audit" and args.action == "search":
        args.func = cmd_audit_search
    try:
        return args.func(args)
    except ConfigError as err:
        print(f"sidecar: {err}", file=sys.stderr)
        return 2
    except SidecarError as err:
        print(f"sidecar: {err.code}: {err.message}", file=sys.stderr)
        return 1
