"""Advice on a dead letter: how urgent it is (a priority with each factor's points) and what its failure is
about (the classified category of its words), from what the letter and its decision hold. Computed when a
letter is shown; nothing a replay, resolve or abandon does reads it.
"""
from __future__ import annotations

from sidecar.advisory import input_hash
from sidecar.advisory.classifier import MessageClassifier, classify, shared_classifier
from sidecar.advisory.local import LocalAdvisor

SLA_HOURS = 24.0  # a dead letter should have someone's attention within a working day
NO_TIER = "no tier"
# Where a decision's facts hold its document's value (an order, a return, a count, a bill): the first found counts.
AMOUNT_PATHS = (("order", "amount_total"), ("return", "value"), ("count", "value_abs"), ("bill", "amount_total"))


def _dig(data, path: tuple[str, ...]):
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def event_data(letter: dict) -> dict:
    """The data of the event a letter holds (parked events, n8n reports), else {}."""
    detail = letter["detail"] if isinstance(letter["detail"], dict) else {}
    data = _dig(detail, ("event", "data"))
    return data if isinstance(data, dict) else {}


def amount(facts: dict, data: dict) -> float | None:
    """The document's value: from its decision's facts, else from the event (Odoo's webhook `amount_total`)."""
    for path in AMOUNT_PATHS:
        found = _number(_dig(facts, path))
        if found is not None:
            return abs(found)
    return _number(data.get("amount_total"))


def failure_text(letter: dict) -> str:
    """What failed, in the letter's business words: its summary and its error message."""
    detail = letter["detail"] if isinstance(letter["detail"], dict) else {}
    error = detail.get("error")
    error = error.get("message") if isinstance(error, dict) else error
    error = error or _dig(detail, ("execution", "error", "message"))
    return " ".join(part for part in (letter["summary"], error if isinstance(error, str) else None) if part)


def case(letter: dict, facts: dict, now: float) -> dict:
    """The letter as a priority case: age against the SLA (until it left the queue), value, tier, failure, tries."""
    until = now if letter["status"] == "open" else letter["updated_at"]
    detail = letter["detail"] if isinstance(letter["detail"], dict) else {}
    tries = _number(detail.get("attempts")) or 1
    found = {"hours_to_sla": round(SLA_HOURS - (until - letter["created_at"]) / 3600, 2),
             "failure": letter["category"], "attempts": int(tries) + letter["replay_count"]}
    value = amount(facts, event_data(letter))
    if value is not None:
        found["amount"] = value
    tier = _dig(facts, ("customer", "tier"))
    if isinstance(tier, str) and tier:
        found["customer_tier"] = tier
    return found


class PageScores:
    """The classifier's scores of a page of texts from one predict_proba (a text at a time costs 25 times more),
    answered per text as MessageClassifier.scores does: what `classify` reads."""

    def __init__(self, model: MessageClassifier, texts: list[str]):
        classes = [str(name) for name in model.pipeline.classes_]
        rows = model.pipeline.predict_proba(texts) if texts else []
        self._scores = {text: sorted(zip(classes, map(float, row)), key=lambda pair: -pair[1])
                        for text, row in zip(texts, rows)}

    def scores(self, text: str) -> list[tuple[str, float]]:
        """Every category with its probability, most likely first."""
        return self._scores[text]


def advise_letters(advisor: LocalAdvisor, letters: list[tuple[dict, dict]], now: float) -> dict[str, dict]:
    """Category and priority of each (letter, its decision's facts), by letter id, with what produced them and a
    hash of what they were given."""
    texts = {letter["id"]: failure_text(letter) for letter, _facts in letters}
    page = PageScores(shared_classifier(advisor.config.model_dir), sorted(set(texts.values())))
    classifier_version = advisor.model_version("classify")
    advice = {}
    for letter, facts in letters:
        text = texts[letter["id"]]
        classified = classify(text, advisor.config.min_confidence, model=page)
        scored = {**case(letter, facts, now), "category": classified["category"]}
        ranked = advisor.run("priority", {"case": scored})
        advice[letter["id"]] = {
            "advisory_only": True, "backend": ranked.backend,
            "model_version": f"{classifier_version} + {ranked.model_version}",
            "input_sha256": input_hash("dead_letter", {"text": text, "case": scored}),
            "segment": scored.get("customer_tier") or NO_TIER, "category": classified, "priority": ranked.result}
    return advice
