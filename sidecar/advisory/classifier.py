"""The local message classifier: TF-IDF over words and character n-grams, a linear model
with logistic loss fitted by stochastic gradient descent (a fixed seed, so the same data gives the same model).

Fitted on data/train.jsonl once and kept as a file (`model_file`): a process loads it, it does not train;
character n-grams carry it over typos and the few words of French, German, Spanish or Dutch it meets.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from sidecar.advisory.config import DEFAULT_MODEL_DIR

DATA = Path(__file__).with_name("data")
TRAIN_FILE = DATA / "train.jsonl"
EVAL_FILE = DATA / "eval.jsonl"
CATEGORIES = ("returns", "shortage", "delivery_issue", "urgent_replenishment", "pricing_dispute", "invoice_query",
              "other")
FALLBACK = "other"
MODEL_VERSION = "tfidf-sgd-logloss-1"  # the pipeline below: bump it when _pipeline changes (stored models go stale)


def read_examples(path: Path) -> tuple[list[str], list[str]]:
    """Texts and labels of one JSON-lines file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["text"] for row in rows], [row["label"] for row in rows]


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import FeatureUnion, make_pipeline
    features = FeatureUnion([
        ("words", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
        ("chars", TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
    ])
    # SGD with log loss gives probabilities like a logistic regression at a tenth of lbfgs' fitting time.
    return make_pipeline(features, SGDClassifier(loss="log_loss", alpha=1e-4, random_state=0))


class MessageClassifier:
    """A fitted pipeline and the version that names it (model, data hash and library version)."""

    def __init__(self, pipeline, version: str):
        self.pipeline = pipeline
        self.version = version

    @classmethod
    def trained(cls, train_file: Path = TRAIN_FILE) -> "MessageClassifier":
        """Fit the pipeline on `train_file` (seconds: `model_file.ready` keeps the result)."""
        texts, labels = read_examples(train_file)
        return cls(_pipeline().fit(texts, labels), version_for(data_sha256(train_file)))

    def scores(self, text: str) -> list[tuple[str, float]]:
        """Every category with its probability, most likely first."""
        probabilities = self.pipeline.predict_proba([text])[0]
        return sorted(zip(map(str, self.pipeline.classes_), map(float, probabilities)), key=lambda pair: -pair[1])

    def predict(self, texts: list[str]) -> list[str]:
        """The most likely category of each text (no threshold: for measuring)."""
        return [str(label) for label in self.pipeline.predict(texts)]


def data_sha256(train_file: Path = TRAIN_FILE) -> str:
    """SHA-256 of the training data as stored."""
    return hashlib.sha256(train_file.read_bytes()).hexdigest()


def version_for(train_sha256: str) -> str:
    """What advice names as its model: the pipeline, the data it learnt from and the library that fitted it."""
    import sklearn
    return f"{MODEL_VERSION}/{train_sha256[:12]}/sklearn-{sklearn.__version__}"


@lru_cache(maxsize=4)
def shared_classifier(directory: Path = DEFAULT_MODEL_DIR) -> MessageClassifier:
    """The process's classifier: loaded from `directory` once (trained there first only when missing or stale)."""
    from sidecar.advisory.model_file import ready
    return ready(Path(directory))


def classify(text: str, min_confidence: float, model: MessageClassifier | None = None) -> dict:
    """A category with its confidence; below `min_confidence` the category is `other` and a person decides."""
    ranked = (model or shared_classifier()).scores(text)
    best, confidence = ranked[0]
    confident = confidence >= min_confidence
    return {"category": best if confident else FALLBACK, "confidence": round(confidence, 4),
            "needs_person": not confident, "predicted": best, "threshold": min_confidence,
            "alternatives": [{"category": c, "confidence": round(p, 4)} for c, p in ranked[1:3]]}
