"""Give advice on request and audit it: backend, model and a hash of the input, never the input itself."""
from __future__ import annotations

import logging

from sidecar import contracts
from sidecar.advisory import (KINDS, REQUIRED, advise, advisor_for, approver_summary, attach,
                              pieces)
from sidecar.errors import InvalidPayload, NotFound
from sidecar.store import audit

logger = logging.getLogger(__name__)
CONTRACT = "advice_request.v1"


def check_request(kind: str, body: dict) -> None:
    """404 for an unknown kind; 400 naming each field the kind needs and lacks, or that breaks the contract."""
    if kind not in KINDS:
        raise NotFound(f"no advice of kind '{kind}'; known: {', '.join(KINDS)}", code="advice_kind_not_found")
    contracts.validate(CONTRACT, body)
    problems = [{"pointer": f"/{name}", "message": f"required for {kind} advice ({kind_.__name__})"}
                for name, kind_ in REQUIRED[kind].items() if not isinstance(body.get(name), kind_)]
    if kind == "anomalies" and "labels" in body and len(body["labels"]) != len(body.get("values") or []):
        problems.append({"pointer": "/labels", "message": "one label per value"})
    if problems:
        raise InvalidPayload(f"{kind} advice needs " + ", ".join(REQUIRED[kind]), details=problems)


def give(services, kind: str, body: dict, actor: str) -> dict:
    """Advice of `kind` on the request, audited; with `decision` in the request, that decision with `advice` beside it."""
    check_request(kind, body)
    payload = {name: value for name, value in body.items() if name != "decision"}
    advice = advise(advisor_for(services.settings.advisory), kind, payload)
    with services.db.transaction() as conn:
        advice["audit_seq"] = audit.append_now(conn, "advice.given", advice["input_sha256"], audit_fields(advice),
                                               actor=actor)
    answer = {"advice": advice}
    if "decision" in body:
        answer["decision"] = attach(body["decision"], advice)
    return answer


def audit_fields(advice: dict) -> dict:
    """What the audit keeps of one piece of advice: what produced it and the input's hash, never the input."""
    return {key: advice[key] for key in ("kind", "backend", "model_version", "input_sha256", "fallback_reason")}


def record(conn, subject: str, advice: dict) -> None:
    """Audit advice given inside a flow's decision transaction: each piece (`advice` and its `also`), in order."""
    for given in pieces({"advice": advice}):
        audit.append(conn, "advice.given", subject, audit_fields(given))


def advised(services, flow, facts: dict, decision: dict) -> dict:
    """The decision with advice beside it as `advice`: the flow's text classified, then, when it asks for
    approval, the approver's summary; unchanged by any piece that fails (advice must never hold up a decision)."""
    return approver_summary.summarised(services, flow, facts, _classified(services, flow, facts, decision))


def _classified(services, flow, facts: dict, decision: dict) -> dict:
    """The decision with the flow's text classified beside it; unchanged when there is nothing to classify."""
    text = flow.advice_text(facts) if flow.advice_text else None
    if not text:
        return decision
    try:
        return attach(decision, advise(advisor_for(services.settings.advisory), "classify", {"text": text}))
    except Exception:  # noqa: BLE001 - any failure of advice leaves the decision as the rules made it
        logger.exception("advice on %s failed; the decision goes out without it", flow.name)
        return decision
