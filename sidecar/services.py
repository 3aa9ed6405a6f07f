"""The services one request or worker needs, built once per app from the settings."""
from __future__ import annotations

from dataclasses import dataclass, field

from sidecar.config import Settings
from sidecar.odoo.gateway import OdooGateway
from sidecar.policy import Policy, load_policy
from sidecar.policy.audit import record_loaded
from sidecar.policy.reload import PolicyReloader
from sidecar.store import Database
from sidecar.store.audit import AuditSeal


@dataclass
class Services:
    """Settings, store, Odoo gateway and the policies in force, shared by API and worker."""

    settings: Settings
    db: Database
    odoo: OdooGateway
    policy: Policy  # the sales-order release policy (SIDECAR_POLICY_FILE)
    policies: dict[str, Policy] = field(default_factory=dict)  # other flows' policies, by flow name
    reloaders: dict[str, PolicyReloader] = field(default_factory=dict)  # each flow's policy file, watched

    @classmethod
    def from_settings(cls, settings: Settings) -> "Services":
        """Build every service; creates missing tables; does not contact Odoo."""
        db = Database(settings.database_url, AuditSeal.from_settings(settings))
        db.create_schema()
        policy = load_policy(settings.policy_file)
        record_loaded(db, policy, str(settings.policy_file))  # a change of policy is audited
        return cls(settings=settings, db=db, odoo=OdooGateway.from_settings(settings), policy=policy)

    def close(self) -> None:
        """Release connections."""
        self.db.dispose()
