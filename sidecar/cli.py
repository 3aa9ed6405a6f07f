"""`python -m sidecar ...`: serve, worker, dead letters, audit, specs."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path

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
        _print(deadletters.list_letters(services, status=args.status, category=args.category, limit=args.limit))
    elif args.action == "show":
        _print(deadletters.get_letter(services, args.ids[0]))
    elif args.action in ("resolve", "abandon"):
        close = deadletters.resolve if args.action == "resolve" else deadletters.abandon
        _print(close(services, args.ids[0], {"reason": args.reason or ""}, actor="cli"))
    elif args.ids:
        _print(deadletters.replay_many(services, {"ids": args.ids}, actor="cli"))
    else:
        _print(deadletters.replay_many(services, {"category": args.category, "limit": args.limit}
                                       if args.category else {"limit": args.limit}, actor="cli"))
    return 0


def cmd_approvals(args) -> int:
    """Scheduled approval work: pull decisions taken in Odoo, escalate overdue tiers."""
    from sidecar.flows import activity_pull, escalation
    services = _services()
    _print(activity_pull.pull(services) if args.action == "pull-activities" else escalation.escalate(services))
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


def cmd_specs(args) -> int:
    """Write the OpenAPI document generated from node-specs/."""
    from sidecar.specs import openapi_document
    document = json.dumps(openapi_document(), indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(document)
    else:
        Path(args.output).write_text(document)
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


def cmd_odoo_setup(args) -> int:
    """Install (or repair) release submission in Odoo: tag, "Request release" action, Automation Rule."""
    from sidecar.odoo.errors import OdooError
    from sidecar.odoo.gateway import OdooGateway
    from sidecar.odoo.setup import install_submission
    url, db = args.url or os.environ.get("ODOO_URL", ""), args.db or os.environ.get("ODOO_DB", "")
    password = args.admin_password or os.environ.get("ODOO_ADMIN_PASSWORD", "")
    missing = [name for name, value in (("--url or ODOO_URL", url), ("--db or ODOO_DB", db),
                                        ("--admin-password or ODOO_ADMIN_PASSWORD", password)) if not value]
    if missing:
        raise ConfigError([f"{name}: required" for name in missing])
    try:
        _print(install_submission(OdooGateway(url, db, args.admin_login, password), args.webhook_url).as_dict())
    except OdooError as err:
        print(f"sidecar: odoo-setup failed ({err.category}): {err.message}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"sidecar: odoo-setup failed: {err}", file=sys.stderr)
        return 1
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
    dlq.set_defaults(func=cmd_dlq)
    approvals = sub.add_parser("approvals", help="scheduled approval work")
    approvals.add_argument("action", choices=["pull-activities", "escalate"],
                           help="pull-activities: record approvals given by marking the Odoo activity done; "
                                "escalate: remind, then move overdue tiers up")
    approvals.set_defaults(func=cmd_approvals)
    audit = sub.add_parser("audit", help="audit log")
    audit.add_argument("action", choices=["verify"])
    audit.add_argument("--incremental", action="store_true",
                       help="resume from the last checkpoint a passing verify signed")
    audit.set_defaults(func=cmd_audit)
    setup = sub.add_parser("odoo-setup", help="install release submission in Odoo (tag, action, automation rule)")
    setup.add_argument("--webhook-url", required=True, help="where the Automation Rule posts (n8n's webhook URL)")
    setup.add_argument("--admin-login", default="admin", help="an Odoo administrator (Settings rights)")
    setup.add_argument("--admin-password", default=None, help="its password or API key (or ODOO_ADMIN_PASSWORD)")
    setup.add_argument("--url", default=None, help="Odoo URL (default ODOO_URL)")
    setup.add_argument("--db", default=None, help="Odoo database (default ODOO_DB)")
    setup.set_defaults(func=cmd_odoo_setup)
    specs = sub.add_parser("specs", help="write openapi.json from node-specs/")
    specs.add_argument("--output", default="-")
    specs.set_defaults(func=cmd_specs)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m sidecar` and the `sidecar` script."""
    logging.basicConfig(level=os.environ.get("SIDECAR_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.command == "dlq" and args.action in ("show", "resolve", "abandon") and len(args.ids) != 1:
        print(f"sidecar dlq {args.action} takes exactly one id", file=sys.stderr)
        return 2
    if args.command == "dlq" and args.action in ("resolve", "abandon") and not (args.reason or "").strip():
        print(f"sidecar dlq {args.action} needs --reason", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except ConfigError as err:
        print(f"sidecar: {err}", file=sys.stderr)
        return 2
    except SidecarError as err:
        print(f"sidecar: {err.code}: {err.message}", file=sys.stderr)
        return 1
