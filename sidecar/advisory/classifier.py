"""The local message classifier: TF-IDF over words and character n-grams, a linear model
with logistic loss fitted by stochastic gradient descent (a fixed seed, so the same data gives the same model).

Trained on data/train.jsonl the first time it is needed in a process (about a second); character
n-grams carry it over typos and the few words of French, German, Spanish or Dutch it meets.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
TRAIN_FILE = DATA / "train.jsonl"
EVAL_FILE = DATA / "eval.jsonl"
CATEGORIES = ("returns", "shortage", "delivery_issue", "urgent_replenishment", "pricing_dispute", "invoice_query",
              "other")
FALLBACK = "other"


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
    """A fitted pipeline and the version that names it (data hash and library version)."""

    def __init__(self, train_file: Path = TRAIN_FILE):
        import sklearn
        raw = train_file.read_bytes()
        texts, labels = read_examples(train_file)
        self.pipeline = _pipeline().fit(texts, labels)
        self.version = f"tfidf-sgd-logloss/{hashlib.sha256(raw).hexdigest()[:12]}/sklearn-{sklearn.__version__}"

    def scores(self, text: str) -> list[tuple[str, float]]:
        """Every category with its probability, most likely first."""
        probabilities = self.pipeline.predict_proba([text])[0]
        return sorted(zip(map(str, self.pipeline.classes_), map(float, probabilities)), key=lambda pair: -pair[1])

    def predict(self, texts: list[str]) -> list[str]:
        """The most likely category of each text (no threshold: for measuring)."""
        return [str(label) for label in self.pipeline.predict(texts)]


@lru_cache(maxsize=1)
def shared_classifier() -> MessageClassifier:
    """The process's classifier, trained once."""
    return MessageClassifier()


def classify(text: str, min_confidence: float, model: MessageClassifier | None = None) -> dict:
    """A category with its confidence; below `min_confidence` the category is `other` and a person decides."""
    ranked = (model or shared_classifier()).scores(text)
    best, confidence = ranked[0]
    confident = confidence >= min_confidence
    return {"category": best if confident else FALLBACK, "confidence": round(confidence, 4),
            "needs_person": not confident, "predicted": best, "threshold": min_confidence,
            "alternatives": [{"category": c, "confidence": round(p, 4)} for c, p in ranked[1:3]]}
