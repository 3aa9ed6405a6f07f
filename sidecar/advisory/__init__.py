"""Advice for people who decide: classify, prioritise, summarise, flag anomalies, draft.

Advice never decides. It is attached to a decision under `advice` and nothing reads it back into an
outcome; this package imports nothing that approves, rejects, posts or releases.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from dataclasses import dataclass
from typing import Protocol

from sidecar.advisory.config import AdvisoryConfig, load_advisory

KINDS = ("classify", "priority", "summary", "anomalies", "draft")
# What each kind reads from the request; checked before any backend sees it.
REQUIRED = {"classify": {"text": str}, "priority": {"case": dict}, "summary": {"context": dict},
            "anomalies": {"values": list}, "draft": {"template": str, "case": dict}}

__all__ = ["KINDS", "AdvisoryConfig", "Advisor", "Answer", "advise", "attach", "piece", "pieces", "input_hash",
           "load_advisory", "advisor_for"]


@dataclass(frozen=True)
class Answer:
    """One piece of advice and what produced it."""

    result: dict
    backend: str
    model_version: str
    fallback_reason: str | None = None


class Advisor(Protocol):
    """One backend: `run` answers any of KINDS."""

    def run(self, kind: str, payload: dict) -> Answer: ...


def input_hash(kind: str, payload: dict) -> str:
    """SHA-256 of the request in canonical JSON: the audit names the input without storing it."""
    canonical = json.dumps({"kind": kind, "input": payload}, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def advisor_for(config: AdvisoryConfig) -> Advisor:
    """The chat backend (with the local one behind it) when configured, else the local backend."""
    from sidecar.advisory.local import LocalAdvisor
    local = LocalAdvisor(config)
    if not config.llm_enabled:
        return local
    from sidecar.advisory.llm import ChatAdvisor
    return ChatAdvisor(config, fallback=local)


def advise(advisor: Advisor, kind: str, payload: dict) -> dict:
    """The advice envelope: the result and what produced it (backend, model, input hash, any fallback)."""
    answer = advisor.run(kind, payload)
    return {"kind": kind, "advisory_only": True, "backend": answer.backend, "model_version": answer.model_version,
            "input_sha256": input_hash(kind, payload), "fallback_reason": answer.fallback_reason,
            "given_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "result": answer.result}


def attach(decision: dict, advice: dict) -> dict:
    """A copy of the decision with `advice` beside it; outcome, reasons, route and SLA are untouched.

    The first piece of advice is `decision["advice"]` itself (so the returns flow's classification stays where
    it always was); each later piece (an approver's summary) is appended to `decision["advice"]["also"]`.
    """
    first = decision.get("advice")
    if not first:
        return {**decision, "advice": advice}
    return {**decision, "advice": {**first, "also": [*(first.get("also") or []), advice]}}


def pieces(decision: dict | None) -> list[dict]:
    """Every piece of advice attached to a decision, in the order it was given (each without `also`)."""
    first = (decision or {}).get("advice")
    if not first:
        return []
    return [{key: value for key, value in first.items() if key != "also"}, *(first.get("also") or [])]


def piece(decision: dict | None, kind: str) -> dict | None:
    """The decision's advice of one kind, wherever it was attached; None when it has none."""
    return next((advice for advice in pieces(decision) if advice.get("kind") == kind), None)
