"""The local backend: no network, no downloaded model; everything it says can be traced to data or a rule."""
from __future__ import annotations

from sidecar.advisory import Answer, anomalies, priority, text
from sidecar.advisory.classifier import classify, shared_classifier
from sidecar.advisory.config import AdvisoryConfig

LOCAL_RULES_VERSION = "rules-2"  # the priority factors, summary and draft rules; bump when they change


class LocalAdvisor:
    """Classify with the shipped classifier; score, summarise, draft and flag anomalies by rule."""

    backend = "local"

    def __init__(self, config: AdvisoryConfig):
        self.config = config

    def model_version(self, kind: str) -> str:
        """What produced advice of this kind."""
        return shared_classifier(self.config.model_dir).version if kind == "classify" else LOCAL_RULES_VERSION

    def run(self, kind: str, payload: dict, fallback_reason: str | None = None) -> Answer:
        """Advice of `kind` (one of KINDS) on the request."""
        return Answer(getattr(self, kind)(payload), self.backend, self.model_version(kind), fallback_reason)

    def classify(self, payload: dict) -> dict:
        """The message's category and confidence (`other`, needing a person, below the threshold)."""
        return classify(payload["text"], self.config.min_confidence, shared_classifier(self.config.model_dir))

    def priority(self, payload: dict) -> dict:
        """The case's score with each factor's points."""
        return priority.score(payload["case"])

    def summary(self, payload: dict) -> dict:
        """An approver's summary of the exception's context."""
        return text.summarise(payload["context"])

    def anomalies(self, payload: dict) -> dict:
        """The unusual points of the series."""
        return anomalies.find_anomalies([float(v) for v in payload["values"]], self.config.anomaly_z,
                                        payload.get("labels"))

    def draft(self, payload: dict) -> dict:
        """A message from the template and the case, for a person to check and send."""
        return text.draft(payload["template"], payload["case"])
