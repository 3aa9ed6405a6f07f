"""Policies as data: files validated by a published schema, compiled once, and a pure decision engine."""
from __future__ import annotations

from sidecar.policy.engine import evaluate
from sidecar.policy.loader import (
    DEFAULT_POLICY_PATH, DEMO_POLICY_PATH, Policy, build_policy, content_hash, load_policy, validate_policy,
)

__all__ = ["DEFAULT_POLICY_PATH", "DEMO_POLICY_PATH", "Policy", "build_policy", "content_hash", "evaluate",
           "load_policy", "validate_policy"]
