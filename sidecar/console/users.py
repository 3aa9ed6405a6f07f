"""Who may sign in to the ops console: console users (hashed passwords, a role) or holders of an API key.

Console users come from SIDECAR_CONSOLE_USERS, inline JSON or a JSON file's path:
`{"alice": {"password_hash": "scrypt:32768:8:1$...", "role": "replay"}}`; the hash is werkzeug's
(`python -m sidecar console-user hash` prints one). Roles are sets of the API's own scopes.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

READ_SCOPES = frozenset({"deadletters.read", "approvals.read", "audit.read", "releases.read", "metrics.read"})
ROLES = {
    "read": READ_SCOPES,                                                              # sees everything, acts on nothing
    "replay": READ_SCOPES | {"deadletters.replay", "deadletters.resolve"},           # puts failed work right
    "admin": READ_SCOPES | {"deadletters.replay", "deadletters.resolve", "approvals.admin"},  # and moves approvals
}
USER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.@-]{0,63}$")
HASH_METHODS = ("scrypt:", "pbkdf2:")  # werkzeug's; a plain-text password is refused at start


@dataclass(frozen=True)
class ConsoleUser:
    """A person who signs in to the console with a password."""

    name: str
    password_hash: str = field(repr=False)
    role: str

    @property
    def scopes(self) -> frozenset[str]:
        """The API scopes the role grants."""
        return ROLES[self.role]

    def check(self, password: str) -> bool:
        """True when `password` is this user's."""
        return check_password_hash(self.password_hash, password)


@dataclass(frozen=True)
class Identity:
    """Whoever is signed in: a console user or an API key's client, with its scopes."""

    name: str
    kind: str  # "user" or "key"
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        """True when the identity holds `scope` (or every scope, `*`)."""
        return "*" in self.scopes or scope in self.scopes


def hash_password(password: str) -> str:
    """A password hash for SIDECAR_CONSOLE_USERS (werkzeug's scrypt, salted)."""
    return generate_password_hash(password)


def fingerprint(secret: str) -> str:
    """A short digest of what proved an identity: a session ends when its password hash or key changes."""
    return hashlib.sha256(b"console-session:" + secret.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def parse_users(raw: str, problems: list[str], clients=()) -> dict[str, ConsoleUser]:
    """SIDECAR_CONSOLE_USERS (JSON or a JSON file's path) -> users by name; problems never quote a hash."""
    raw = (raw or "").strip()
    if not raw:
        return {}
    variable = "SIDECAR_CONSOLE_USERS"
    if not raw.startswith("{"):
        try:
            raw = Path(raw).read_text(encoding="utf-8")
        except OSError as err:
            problems.append(f"{variable}: cannot read {raw} ({err.strerror or err})")
            return {}
    try:
        data = json.loads(raw)
    except ValueError as err:
        problems.append(f"{variable}: not valid JSON ({err.msg} at line {err.lineno})")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{variable}: must be a JSON object of users by name")
        return {}
    taken = {client.name for client in clients}
    users = {}
    for name, entry in data.items():
        where = f"{variable}: user '{name[:64]}'"
        if not USER_NAME.match(name):
            problems.append(f"{where}: a name is a letter then letters, digits or _.@- (64 at most)")
        elif name in taken:
            problems.append(f"{where}: an API key has this name; the audit trail must tell them apart")
        elif not isinstance(entry, dict) or not isinstance(entry.get("password_hash"), str) \
                or not entry["password_hash"].startswith(HASH_METHODS):
            problems.append(f"{where}: needs a password_hash made by `python -m sidecar console-user hash`")
        elif entry.get("role") not in ROLES:
            problems.append(f"{where}: role must be one of {', '.join(ROLES)}")
        else:
            users[name] = ConsoleUser(name, entry["password_hash"], entry["role"])
    return users
