"""The system of record for each data domain, and the refusal of a write that goes against it.

The table comes from SIDECAR_AUTHORITY (a JSON file path or inline JSON), e.g.
`{"stock": {"*": "odoo", "WH2": "wms-main"}, "prices": {"*": "odoo", "shop-eu": "pim"}}`: per domain, a
scope (a warehouse code, a pricelist or channel, ...) names its system; `*` is the domain's default. Odoo
owns whatever the table does not list. A write into Odoo of domain D for scope S from source X is allowed
only when X is the system of record for (D, S), so two systems never both update the same stock or prices.
"""
from __future__ import annotations

import re

from sidecar.errors import Conflict
from sidecar.json_setting import json_object
from sidecar.store import audit

ODOO = "odoo"
ANY_SCOPE = "*"
DOMAINS = {  # domain -> what its scope is
    "stock": "warehouse code",
    "prices": "pricelist name or channel",
    "product_master": "'*' (the whole catalogue) or a product category",
    "customer_master": "'*' (every customer) or a channel",
    "orders": "channel",
    "receipts": "supplier source",
}
SYSTEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$")
MAX_SCOPE = 128


class NotSystemOfRecord(Conflict):
    """A write from a system that is not the domain's system of record for that scope."""

    code = "not_system_of_record"


def parse(raw: str, problems: list[str], variable: str = "SIDECAR_AUTHORITY") -> dict[str, dict[str, str]]:
    """The table from inline JSON or a JSON file's path; every problem appended, named after the variable."""
    table = json_object(raw, problems, variable, 'domains, e.g. {"stock": {"*": "odoo"}}')
    found: dict[str, dict[str, str]] = {}
    for domain, scopes in table.items():
        if domain not in DOMAINS:
            problems.append(f"{variable}: unknown domain '{str(domain)[:64]}'; domains: {', '.join(DOMAINS)}")
            continue
        if not isinstance(scopes, dict) or not scopes:
            problems.append(f"{variable}: {domain} must map scopes ({DOMAINS[domain]}, or '*') to a system, "
                            f"e.g. {{\"*\": \"odoo\"}}")
            continue
        for scope, system in scopes.items():
            if not scope.strip() or len(scope) > MAX_SCOPE or scope != scope.strip():
                problems.append(f"{variable}: {domain}: scope '{scope[:64]}' must be a non-empty name of at most "
                                f"{MAX_SCOPE} characters without surrounding spaces")
            elif not isinstance(system, str) or not SYSTEM.match(system):
                problems.append(f"{variable}: {domain}.{scope}: the system must be a source name such as "
                                f"'odoo' or 'wms-main' (letters, digits, _.:@-)")
            else:
                found.setdefault(domain, {})[scope] = system
    return found


def system_of_record(table: dict, domain: str, scope: str | None) -> str:
    """Who owns (domain, scope): the scope's own entry, else the domain's '*', else Odoo."""
    scopes = table.get(domain, {})
    return scopes.get(scope or ANY_SCOPE, scopes.get(ANY_SCOPE, ODOO))


_described: tuple[dict, dict] | None = None  # (table, its description): the settings' table is never changed


def describe(table: dict) -> dict:
    """Every domain with its scopes and default, as GET /v1/authority shows it (built once per table)."""
    global _described
    known = _described
    if known is not None and known[0] is table:
        return known[1]
    found = {"default": ODOO, "domains": [
        {"domain": domain, "scope": meaning, "default": system_of_record(table, domain, None),
         "scopes": dict(sorted(table.get(domain, {}).items()))} for domain, meaning in DOMAINS.items()]}
    _described = (table, found)
    return found


def refuse_unless_system_of_record(services, domain: str, scope: str | None, source: str, subject: str) -> None:
    """Return when `source` owns (domain, scope); else audit `authority.refused` (own transaction) and raise 409."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown authority domain {domain!r}")  # a programming error, not a request's
    owner = system_of_record(services.settings.authority, domain, scope)
    if source == owner:
        return
    detail = {"domain": domain, "scope": scope or ANY_SCOPE, "source": source, "system_of_record": owner}
    with services.db.transaction() as conn:
        audit.append(conn, "authority.refused", str(subject)[:255], detail, source)
    raise NotSystemOfRecord(f"{source} is not the system of record for {domain} "
                            f"({scope or ANY_SCOPE}): {owner} is; the write was refused", details=[detail])
