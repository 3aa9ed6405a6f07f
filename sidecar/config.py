"""Settings read from environment variables into one typed object, validated at start."""
from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from sidecar.advisory.config import AdvisoryConfig, load_advisory
from sidecar.channels import parse_channels
from sidecar.errors import ConfigError
from sidecar.limits import DEFAULT_RATE_LIMIT
from sidecar.limits import DEFAULT_STORAGE as DEFAULT_RATE_STORAGE
from sidecar.policy.loader import DEFAULT_POLICY_PATH, load_policy, parse_moment

MIN_AUDIT_KEY_LENGTH = 32
KNOWN_SCOPES = frozenset({
    "events.write", "releases.read", "approvals.read", "approvals.write",
    "deadletters.read", "deadletters.write", "deadletters.replay", "deadletters.resolve", "audit.read",
    "approvals.admin", "mappings.read", "mappings.write", "transform.use",
    "metrics.read",  # GET /metrics: what the Prometheus scraper holds
    "advice.use",  # POST /v1/advice/{kind}: advice only, it never decides
})
MIN_APPROVAL_SECRET = 32  # characters: the key that signs approvers' decision tokens
DEFAULT_APPROVAL_LINK_BASE = "http://127.0.0.1:5678/webhook/approvals/decision"


@dataclass(frozen=True)
class Client:
    """An integration allowed to call the sidecar: an API key, or the webhook secrets it signs with, and scopes."""

    name: str
    secrets: tuple[str, ...] = field(repr=False)  # never in a log line or a traceback's repr
    scopes: frozenset[str]

    @property
    def secret(self) -> str:
        """An API key client's key (it has exactly one)."""
        return self.secrets[0]

    def allows(self, scope: str) -> bool:
        """True when this client holds the scope (or every scope, `*`)."""
        return "*" in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class Settings:
    """Everything the sidecar reads from its environment."""

    database_url: str = "sqlite:///var/sidecar.db"
    odoo_url: str = ""
    odoo_db: str = ""
    odoo_user: str = ""
    odoo_password: str = field(default="", repr=False)
    odoo_timeout: float = 10.0
    api_keys: tuple[Client, ...] = ()
    webhook_clients: tuple[Client, ...] = ()  # Standard Webhooks signers (SIDECAR_WEBHOOK_CLIENTS)
    signature_tolerance: int = 300  # seconds a signed request stays valid (at most the library's 300)
    callback_secret: str = field(default="", repr=False)  # whsec_... signing the sidecar's calls to n8n
    n8n_resume_token: str = field(default="", repr=False)  # what n8n's Wait nodes check (their Header Auth)
    max_body_bytes: int = 256 * 1024
    policy_file: Path = DEFAULT_POLICY_PATH
    flow_policies: dict = field(default_factory=dict)  # flow name -> its policy file (SIDECAR_FLOW_POLICIES)
    worker_in_process: bool = False
    worker_poll_seconds: float = 1.0
    max_attempts: int = 5
    retry_base_seconds: float = 10.0
    retry_max_seconds: float = 600.0
    unreachable_budget_seconds: float = 6 * 3600.0  # how long a write-back waits out an Odoo outage
    reconcile_grace_minutes: int = 10
    audit_key: str = field(default="", repr=False)  # seals the audit chain; the store never holds it
    audit_checkpoint_file: Path = Path("var/audit-checkpoints.jsonl")
    commit_wait_seconds: float = 5.0  # how long intake waits for Odoo to commit what its webhook describes
    go_live_at: str | None = None  # reconciliation never looks at orders last written before this (UTC)
    approval_secret: str = field(default="", repr=False)
    approval_link_base: str = DEFAULT_APPROVAL_LINK_BASE
    public_url: str = ""  # the sidecar's own public base URL: approvers' decision pages hang under it
    approval_grace_hours: float = 72.0
    # domain -> scope -> the system of record (SIDECAR_AUTHORITY); Odoo owns what is not listed
    authority: dict = field(default_factory=dict)
    # Outbox priority of each sync target (higher first), over the defaults (SIDECAR_SYNC_PRIORITIES, JSON).
    sync_priorities: dict = field(default_factory=dict)
    channels: dict = field(default_factory=dict)  # channel name -> Channel (SIDECAR_CHANNELS)
    # route ("default", "/path" or "METHOD /path") -> limit per client (SIDECAR_RATE_LIMITS; sidecar/limits.py)
    rate_limits: dict = field(default_factory=lambda: {"default": DEFAULT_RATE_LIMIT})
    rate_limit_storage: str = field(default=DEFAULT_RATE_STORAGE, repr=False)  # a Redis URL may hold a password
    log_format: str = "text"  # text or json (one object per line): SIDECAR_LOG_FORMAT
    # Days each kind of row is kept (None: forever), SIDECAR_RETENTION_*; the audit trail is always kept.
    retention_idempotency_days: float | None = 30.0
    retention_jobs_days: float | None = 30.0
    retention_dead_letters_days: float | None = 90.0
    retention_interval_seconds: float = 3600.0  # how often the outbox worker prunes (0: never)
    retention_batch: int = 500  # rows per delete transaction
    # The ops console (sidecar/console): its users, the key that signs its session cookies, cookies sent over
    # HTTPS only, and n8n's address for links to executions.
    console_users: dict = field(default_factory=dict, repr=False)
    console_secret: str = field(default="", repr=False)
    console_secure_cookie: bool = False
    n8n_url: str = ""
    advisory: AdvisoryConfig = field(default_factory=AdvisoryConfig)  # SIDECAR_ADVICE_*


CLIENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
SCOPE_LIKE = re.compile(r"^(\*|[a-z]+\.[a-z]+)$")


MIN_WEBHOOK_SECRET_BYTES = 24  # Standard Webhooks: secrets of 24 to 64 random bytes


def webhook_secret_problem(secret: str) -> str | None:
    """Why `secret` is not a usable `whsec_<base64>` secret, or None."""
    if not secret.startswith("whsec_"):
        return "must be whsec_ followed by base64"
    try:
        decoded = base64.b64decode(secret[len("whsec_"):], validate=True)
    except (binascii.Error, ValueError):
        return "must be whsec_ followed by base64"
    if len(decoded) < MIN_WEBHOOK_SECRET_BYTES:
        return f"must hold at least {MIN_WEBHOOK_SECRET_BYTES} random bytes"
    return None


def _secrets(field_: str, signing: bool, where: str, variable: str, problems: list[str]) -> tuple[str, ...]:
    """An API key, or a signer's `,`-separated whsec_ secrets (old and new, while a secret is rotated)."""
    if not signing:
        if len(field_) < 16:
            problems.append(f"{variable}: {where} secret must be at least 16 characters")
        return (field_,)
    secrets = tuple(s for s in field_.split(",") if s)
    for position, secret in enumerate(secrets, start=1):
        problem = webhook_secret_problem(secret)
        if problem:
            problems.append(f"{variable}: {where} secret {position} {problem}")
    return secrets


def parse_clients(raw: str, variable: str, problems: list[str], signing: bool = False) -> tuple[Client, ...]:
    """Parse `name:secret:scope,scope` entries separated by spaces, newlines or `;`.

    A signer (`signing`) has one or more `whsec_` secrets separated by `,` in place of the key.

    A problem names the entry by its position and its client's name, never by its text:
    a malformed entry is often a bare secret, and start-up errors end up in logs.
    """
    clients = []
    for position, entry in enumerate(raw.replace(";", " ").split(), start=1):
        parts = entry.split(":")
        named = len(parts) == 3 and CLIENT_NAME.match(parts[0])
        where = f"entry {position}" + (f" (client '{parts[0]}')" if named else "")
        if len(parts) != 3 or not all(parts):
            problems.append(f"{variable}: {where} must be name:secret:scope[,scope] "
                            f"(entries are separated by spaces or ';', so a secret holds neither)")
            continue
        name, secret, scopes = parts
        if not named:
            problems.append(f"{variable}: {where}: the name must be a letter then letters, digits, '_', '.' or '-'")
            continue
        scope_set = frozenset(s for s in scopes.split(",") if s)
        unknown = scope_set - KNOWN_SCOPES - {"*"}
        if unknown:
            # Only what looks like a scope is echoed: a secret typed in the wrong field is not.
            shown = sorted(s for s in unknown if SCOPE_LIKE.match(s))
            hidden = len(unknown) - len(shown)
            problems.append(f"{variable}: client '{name}' has unknown scopes {shown}"
                            + (f" and {hidden} more not shown" if hidden else "")
                            + f"; known: {', '.join(sorted(KNOWN_SCOPES))}")
        clients.append(Client(name, _secrets(secret, signing, f"client '{name}'", variable, problems), scope_set))
    return tuple(clients)


def check_odoo_url(url: str, problems: list[str]) -> None:
    """http(s) with a host and no user-info; the URL itself is never echoed (it may hold a password)."""
    try:
        parts = urlparse(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        problems.append("ODOO_URL: is not a valid URL")
        return
    if parts.scheme not in ("http", "https"):
        problems.append("ODOO_URL: must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        problems.append("ODOO_URL: must not hold a user or password; use ODOO_USER and ODOO_PASSWORD")
    if not parts.hostname:
        problems.append("ODOO_URL: has no host")


def _number(env, name, default, cast, problems, minimum=0, maximum=None):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = cast(raw)
    except ValueError:
        problems.append(f"{name}: '{raw}' is not a valid {cast.__name__}")
        return default
    if value < minimum:
        problems.append(f"{name}: must be at least {minimum}")
    if maximum is not None and value > maximum:
        problems.append(f"{name}: must be at most {maximum}")
    return value


def _flag(env, name, problems) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    problems.append(f"{name}: '{raw}' is not a boolean (true/false)")
    return False


def _policy_problems(path: Path) -> list[str]:
    """The policy file's problems (approvers missing included), named after the variable."""
    try:
        load_policy(path)
    except ConfigError as err:
        return [f"SIDECAR_POLICY_FILE: {problem}" for problem in err.problems]
    return []


def parse_flow_policies(raw: str, problems: list[str]) -> dict[str, Path]:
    """`flow=path` entries separated by spaces or `;`: each flow's policy file, checked like SIDECAR_POLICY_FILE."""
    found: dict[str, Path] = {}
    for entry in raw.replace(";", " ").split():
        name, _, path = entry.partition("=")
        if not name or not path:
            problems.append(f"SIDECAR_FLOW_POLICIES: '{entry}' is not flow=path")
            continue
        if not Path(path).is_file():
            problems.append(f"SIDECAR_FLOW_POLICIES: no file at {path} (flow {name})")
            continue
        try:
            load_policy(path)
        except ConfigError as err:
            problems.extend(f"SIDECAR_FLOW_POLICIES ({name}): {problem}" for problem in err.problems)
        found[name] = Path(path)
    return found


def _retention_days(env, name: str, default: float, problems: list[str]) -> float | None:
    """Days of one SIDECAR_RETENTION_*_DAYS: at least one, or `off` (kept forever)."""
    if (env.get(name) or "").strip().lower() == "off":
        return None
    return _number(env, name, default, float, problems, 1)


def _log_format(env, problems) -> str:
    raw = (env.get("SIDECAR_LOG_FORMAT") or "text").strip().lower()
    if raw not in ("text", "json"):
        problems.append(f"SIDECAR_LOG_FORMAT: '{raw[:20]}' is not text or json")
    return raw


def parse_priorities(raw: str, problems: list[str]) -> dict[str, int]:
    """SIDECAR_SYNC_PRIORITIES: a JSON object of sync target -> integer priority (higher runs first)."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as err:
        problems.append(f"SIDECAR_SYNC_PRIORITIES: not JSON ({err})")
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and -1000 <= v <= 1000 for v in value.values()):
        problems.append("SIDECAR_SYNC_PRIORITIES: must be a JSON object of target -> integer from -1000 to 1000")
        return {}
    return value


def _advisory(env: dict, problems: list[str]) -> AdvisoryConfig:
    try:
        return load_advisory(env)
    except ConfigError as err:
        problems.extend(err.problems)
        return AdvisoryConfig()


def load_settings(env: dict | None = None) -> Settings:
    """Build Settings from `env` (default os.environ); raise ConfigError listing every problem."""
    env = dict(os.environ if env is None else env)
    problems: list[str] = []
    for name in ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD"):
        if not env.get(name):
            problems.append(f"{name}: required")
    odoo_url = env.get("ODOO_URL", "")
    if odoo_url:
        check_odoo_url(odoo_url, problems)
    api_keys = parse_clients(env.get("SIDECAR_API_KEYS", ""), "SIDECAR_API_KEYS", problems)
    webhook_clients = parse_clients(env.get("SIDECAR_WEBHOOK_CLIENTS", ""), "SIDECAR_WEBHOOK_CLIENTS", problems,
                                    signing=True)
    if not api_keys and not webhook_clients:
        problems.append("SIDECAR_API_KEYS or SIDECAR_WEBHOOK_CLIENTS: at least one client is required")
    if env.get("SIDECAR_HMAC_CLIENTS"):
        problems.append("SIDECAR_HMAC_CLIENTS: the X-Sidecar-Signature scheme is gone; sign with Standard Webhooks "
                        "and list the signers in SIDECAR_WEBHOOK_CLIENTS (README, Authentication)")
    callback_secret = env.get("SIDECAR_CALLBACK_SECRET", "")
    problem = webhook_secret_problem(callback_secret)
    if problem:
        problems.append(f"SIDECAR_CALLBACK_SECRET: required, {problem} (signs every call the sidecar makes to n8n)")
    resume_token = env.get("SIDECAR_N8N_RESUME_TOKEN", "")
    if len(resume_token) < 32 or not (resume_token.isascii() and resume_token.isprintable()) or " " in resume_token:
        problems.append("SIDECAR_N8N_RESUME_TOKEN: required, at least 32 random printable ASCII characters without "
                        "spaces (n8n's Wait nodes check it: their credential 'Sidecar resume')")
    database_url = env.get("SIDECAR_DATABASE_URL", Settings.database_url)
    if "://" not in database_url:
        problems.append("SIDECAR_DATABASE_URL: is not a database URL (e.g. sqlite:///var/sidecar.db)")
    audit_key = env.get("SIDECAR_AUDIT_KEY", "")
    if len(audit_key) < MIN_AUDIT_KEY_LENGTH:
        problems.append(f"SIDECAR_AUDIT_KEY: required, at least {MIN_AUDIT_KEY_LENGTH} random characters "
                        f"(kept outside the store; it seals the audit chain)")
    approval_secret = env.get("SIDECAR_APPROVAL_SECRET", "")
    if len(approval_secret) < MIN_APPROVAL_SECRET:
        problems.append(f"SIDECAR_APPROVAL_SECRET: required, at least {MIN_APPROVAL_SECRET} random characters "
                        "(signs approvers' decision tokens; keep it out of the database)")
    link_base = env.get("SIDECAR_APPROVAL_LINK_BASE") or DEFAULT_APPROVAL_LINK_BASE
    if urlparse(link_base).scheme not in ("http", "https") or not urlparse(link_base).netloc:
        problems.append("SIDECAR_APPROVAL_LINK_BASE: must be an http:// or https:// URL")
    public_url = env.get("SIDECAR_PUBLIC_URL") or ""
    if public_url and (urlparse(public_url).scheme not in ("http", "https") or not urlparse(public_url).netloc):
        problems.append("SIDECAR_PUBLIC_URL: must be an http:// or https:// URL")
    policy_file = Path(env.get("SIDECAR_POLICY_FILE") or DEFAULT_POLICY_PATH)
    if not policy_file.is_file():
        problems.append(f"SIDECAR_POLICY_FILE: no file at {policy_file}")
    else:
        problems.extend(_policy_problems(policy_file))
    go_live_at = env.get("SIDECAR_GO_LIVE_AT") or None
    if go_live_at:
        try:
            parse_moment(go_live_at)
        except ValueError:
            problems.append(f"SIDECAR_GO_LIVE_AT: '{go_live_at}' is not a date-time (UTC 'YYYY-MM-DD HH:MM:SS')")
    from sidecar.mapping import authority
    authority_table = authority.parse(env.get("SIDECAR_AUTHORITY", ""), problems)
    from sidecar import limits
    rate_limit_storage = env.get("SIDECAR_RATE_LIMIT_STORAGE") or DEFAULT_RATE_STORAGE
    limits.check_storage(rate_limit_storage, problems)
    settings = Settings(
        database_url=database_url,
        odoo_url=odoo_url.rstrip("/"),
        odoo_db=env.get("ODOO_DB", ""),
        odoo_user=env.get("ODOO_USER", ""),
        odoo_password=env.get("ODOO_PASSWORD", ""),
        odoo_timeout=_number(env, "SIDECAR_ODOO_TIMEOUT", 10.0, float, problems, 0.1),
        api_keys=api_keys,
        webhook_clients=webhook_clients,
        signature_tolerance=_number(env, "SIDECAR_SIGNATURE_TOLERANCE", 300, int, problems, 1, maximum=300),
        callback_secret=callback_secret,
        n8n_resume_token=resume_token,
        max_body_bytes=_number(env, "SIDECAR_MAX_BODY_BYTES", 256 * 1024, int, problems, 1024),
        policy_file=policy_file,
        flow_policies=parse_flow_policies(env.get("SIDECAR_FLOW_POLICIES", ""), problems),
        worker_in_process=_flag(env, "SIDECAR_WORKER_IN_PROCESS", problems),
        worker_poll_seconds=_number(env, "SIDECAR_WORKER_POLL_SECONDS", 1.0, float, problems, 0.01),
        max_attempts=_number(env, "SIDECAR_MAX_ATTEMPTS", 5, int, problems, 1),
        retry_base_seconds=_number(env, "SIDECAR_RETRY_BASE_SECONDS", 10.0, float, problems, 0),
        retry_max_seconds=_number(env, "SIDECAR_RETRY_MAX_SECONDS", 600.0, float, problems, 0),
        unreachable_budget_seconds=_number(env, "SIDECAR_UNREACHABLE_BUDGET_SECONDS", 6 * 3600.0, float,
                                           problems, 0),
        reconcile_grace_minutes=_number(env, "SIDECAR_RECONCILE_GRACE_MINUTES", 10, int, problems, 0),
        audit_key=audit_key,
        audit_checkpoint_file=Path(env.get("SIDECAR_AUDIT_CHECKPOINT_FILE") or Settings.audit_checkpoint_file),
        commit_wait_seconds=_number(env, "SIDECAR_COMMIT_WAIT_SECONDS", 5.0, float, problems, 0),
        go_live_at=go_live_at,
        approval_secret=approval_secret,
        approval_link_base=link_base,
        public_url=public_url,
        approval_grace_hours=_number(env, "SIDECAR_APPROVAL_GRACE_HOURS", 72.0, float, problems, 0),
        authority=authority_table,
        sync_priorities=parse_priorities(env.get("SIDECAR_SYNC_PRIORITIES", ""), problems),
        channels=parse_channels(env.get("SIDECAR_CHANNELS", ""), problems),
        rate_limits=limits.parse_rate_limits(env.get("SIDECAR_RATE_LIMITS", ""), problems),
        rate_limit_storage=rate_limit_storage,
        log_format=_log_format(env, problems),
        retention_idempotency_days=_retention_days(env, "SIDECAR_RETENTION_IDEMPOTENCY_DAYS", 30.0, problems),
        retention_jobs_days=_retention_days(env, "SIDECAR_RETENTION_JOBS_DAYS", 30.0, problems),
        retention_dead_letters_days=_retention_days(env, "SIDECAR_RETENTION_DEAD_LETTERS_DAYS", 90.0, problems),
        retention_interval_seconds=_number(env, "SIDECAR_RETENTION_INTERVAL_SECONDS", 3600.0, float, problems, 0),
        retention_batch=_number(env, "SIDECAR_RETENTION_BATCH", 500, int, problems, 1),
        **_console_settings(env, api_keys, approval_secret, problems),
        advisory=_advisory(env, problems),
    )
    if problems:
        raise ConfigError(problems)
    return settings


MIN_CONSOLE_SECRET = 32


def _console_settings(env, api_keys, approval_secret: str, problems: list[str]) -> dict:
    """The console's users, session key (its own, else derived from the approval secret) and links."""
    import hashlib
    import hmac

    from sidecar.console.users import parse_users
    secret = env.get("SIDECAR_CONSOLE_SECRET") or ""
    if secret and len(secret) < MIN_CONSOLE_SECRET:
        problems.append(f"SIDECAR_CONSOLE_SECRET: at least {MIN_CONSOLE_SECRET} random characters")
    if not secret and approval_secret:  # one key per purpose: a session key never signs a decision token
        secret = hmac.new(approval_secret.encode(), b"console-session", hashlib.sha256).hexdigest()
    n8n_url = (env.get("SIDECAR_N8N_URL") or "").rstrip("/")
    if n8n_url and (urlparse(n8n_url).scheme not in ("http", "https") or not urlparse(n8n_url).netloc):
        problems.append("SIDECAR_N8N_URL: must be an http:// or https:// URL")
    return {"console_users": parse_users(env.get("SIDECAR_CONSOLE_USERS", ""), problems, api_keys),
            "console_secret": secret, "console_secure_cookie": _flag(env, "SIDECAR_CONSOLE_SECURE_COOKIE", problems),
            "n8n_url": n8n_url}
