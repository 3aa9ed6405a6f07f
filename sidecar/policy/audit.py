"""Policy changes in the audit log: the policy in force is recorded whenever it differs from the last."""
from __future__ import annotations

import logging

from sidecar.policy.loader import Policy
from sidecar.store import audit

logger = logging.getLogger(__name__)


def subject_of(name: str) -> str:
    """Audit subject of a policy (one chain of changes per policy name)."""
    return f"policy:{name}"


def record_loaded(db, policy: Policy, source: str) -> bool:
    """Audit `policy.loaded` (name, version, hash, source) unless the last one audited is this content."""
    subject = subject_of(policy.name)
    with db.read() as conn:  # every process start asks; most find the policy audited already
        last = audit.latest(conn, "policy.loaded", subject)
    if last and (last["data"] or {}).get("hash") == policy.hash:
        return False
    with db.transaction() as conn:
        last = audit.latest(conn, "policy.loaded", subject)
        if last and (last["data"] or {}).get("hash") == policy.hash:
            return False
        audit.append(conn, "policy.loaded", subject, {
            **policy.identity, "flow": policy.flow, "source": source,
            "previous": {k: (last["data"] or {}).get(k) for k in ("version", "hash")} if last else None})
    logger.info("policy %s %s (sha256 %s) in force from %s", policy.name, policy.version, policy.hash, source)
    return True


def record_rejected(db, name: str, source: str, problems: list[str], in_force: Policy | None) -> None:
    """Audit `policy.rejected`: a file that does not validate, and the policy that stays in force."""
    logger.error("policy file %s rejected, %s stays in force: %s", source,
                 in_force.version if in_force else "nothing", "; ".join(problems))
    with db.transaction() as conn:
        audit.append(conn, "policy.rejected", subject_of(name), {
            "source": source, "problems": problems[:50],
            "in_force": in_force.identity if in_force else None})
