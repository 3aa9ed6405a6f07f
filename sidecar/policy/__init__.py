"""Release policy: policy files validated by a schema, and a pure decision engine."""
from __future__ import annotations

from sidecar.policy.engine import evaluate
from sidecar.policy.loader import (
    DEFAULT_POLICY_PATH, DEMO_POLICY_PATH, Policy, build_policy, load_policy, validate_policy,
)

__all__ = ["DEFAULT_POLICY_PATH", "DEMO_POLICY_PATH", "Policy", "build_policy", "evaluate", "load_policy",
           "validate_policy"]
