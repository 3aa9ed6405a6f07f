"""Measure the local backend: the classifier on the held-out messages, the anomaly detector on
series with anomalies injected under a fixed seed (`python -m sidecar advisory evaluate`)."""
from __future__ import annotations

import random

from sidecar.advisory.anomalies import find_anomalies
from sidecar.advisory.classifier import EVAL_FILE, MessageClassifier, classify, read_examples, shared_classifier
from sidecar.advisory.config import AdvisoryConfig

SERIES_SEED = 7
SERIES_COUNT = 200
SERIES_LENGTH = 60        # e.g. two months of daily order quantities
NOISE = 0.08              # day-to-day spread, as a fraction of the series' level
INJECTED_SIGMAS = (3, 10)  # how far an injected anomaly lies from the level, in noise standard deviations


def classifier_figures(config: AdvisoryConfig, model: MessageClassifier | None = None) -> dict:
    """Accuracy and macro-F1 on eval.jsonl, and what the confidence threshold leaves to people."""
    from sklearn.metrics import accuracy_score, f1_score
    model = model or shared_classifier(config.model_dir)
    texts, labels = read_examples(EVAL_FILE)
    predicted = model.predict(texts)
    answers = [classify(text, config.min_confidence, model) for text in texts]
    confident = [(a["category"], label) for a, label in zip(answers, labels) if not a["needs_person"]]
    return {"messages": len(texts), "model_version": model.version,
            "accuracy": round(accuracy_score(labels, predicted), 4),
            "macro_f1": round(f1_score(labels, predicted, average="macro"), 4),
            "threshold": config.min_confidence,
            "answered_above_threshold": round(len(confident) / len(texts), 4),
            "accuracy_above_threshold": round(sum(c == l for c, l in confident) / len(confident), 4)
            if confident else None}


def synthetic_series(rng: random.Random) -> tuple[list[float], set[int]]:
    """A noisy level with one to three spikes or drops injected; the indices injected."""
    level = rng.uniform(20, 500)
    values = [max(0.0, rng.gauss(level, NOISE * level)) for _ in range(SERIES_LENGTH)]
    injected = set(rng.sample(range(SERIES_LENGTH), rng.randint(1, 3)))
    for index in injected:
        sign = 1 if rng.random() < 0.7 else -1  # spikes are commoner than drops (a fat finger, a bulk order)
        values[index] = max(0.0, level + sign * rng.uniform(*INJECTED_SIGMAS) * NOISE * level)
    return values, injected


def anomaly_figures(config: AdvisoryConfig) -> dict:
    """Precision and recall of the robust z-score detector over the synthetic series."""
    rng = random.Random(SERIES_SEED)
    true_pos = false_pos = false_neg = 0
    for _ in range(SERIES_COUNT):
        values, injected = synthetic_series(rng)
        flagged = {a["index"] for a in find_anomalies(values, config.anomaly_z)["anomalies"]}
        true_pos += len(flagged & injected)
        false_pos += len(flagged - injected)
        false_neg += len(injected - flagged)
    return {"series": SERIES_COUNT, "points": SERIES_COUNT * SERIES_LENGTH, "injected": true_pos + false_neg,
            "seed": SERIES_SEED, "threshold": config.anomaly_z,
            "precision": round(true_pos / (true_pos + false_pos), 4) if true_pos + false_pos else None,
            "recall": round(true_pos / (true_pos + false_neg), 4)}


def evaluate(config: AdvisoryConfig) -> dict:
    """Both sets of figures."""
    return {"classifier": classifier_figures(config), "anomalies": anomaly_figures(config)}
