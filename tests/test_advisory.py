"""The local advisory backend: data, classifier, priority, anomalies, summary, draft, the advice envelope."""
from __future__ import annotations

import json
import random

import pytest

from sidecar.advisory import advise, advisor_for, attach, corpus, input_hash, load_advisory
from sidecar.advisory.anomalies import find_anomalies, robust_z
from sidecar.advisory.classifier import CATEGORIES, EVAL_FILE, TRAIN_FILE, classify, shared_classifier
from sidecar.advisory.evaluate import anomaly_figures, classifier_figures
from sidecar.advisory.priority import MAX_SLA_POINTS, by_segment, score
from sidecar.advisory.text import draft, summarise
from sidecar.errors import ConfigError


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_shipped_data_is_what_the_generator_writes():
    rng = random.Random(corpus.SEED)
    train = corpus.build(corpus.TRAIN, corpus.TRAIN_PER_LABEL, corpus.GREETINGS_TRAIN, corpus.SIGNOFFS_TRAIN,
                         "train", rng)
    held_out = corpus.build(corpus.EVAL, corpus.EVAL_PER_LABEL, corpus.GREETINGS_EVAL, corpus.SIGNOFFS_EVAL,
                            "eval", rng)
    assert _rows(TRAIN_FILE) == train
    assert _rows(EVAL_FILE) == held_out


def test_held_out_messages_come_from_other_templates():
    train, held_out = _rows(TRAIN_FILE), _rows(EVAL_FILE)
    assert len(held_out) >= 300
    assert {r["label"] for r in held_out} == set(CATEGORIES) == {r["label"] for r in train}
    train_templates = {t for templates in corpus.TRAIN.values() for t in templates}
    eval_templates = {t for templates in corpus.EVAL.values() for t in templates}
    assert not train_templates & eval_templates
    assert not {r["text"] for r in train} & {r["text"] for r in held_out}
    assert not (set(corpus.GREETINGS_TRAIN) - {""}) & set(corpus.GREETINGS_EVAL)


def test_classifier_on_held_out_messages_beats_a_floor():
    figures = classifier_figures(load_advisory({}))
    assert figures["messages"] == len(_rows(EVAL_FILE))
    assert figures["accuracy"] >= 0.75 and figures["macro_f1"] >= 0.75  # 7 classes: chance is 0.14
    assert figures["accuracy_above_threshold"] >= figures["accuracy"]


@pytest.mark.parametrize("text, category", [
    ("Three boxes of toner arrived crushed, we want to send them back for a refund.", "returns"),
    ("Invoice INV/2026/00418 shows the wrong VAT number, please send a corrected one.", "invoice_query"),
])
def test_clear_messages_are_classified(text, category):
    answer = classify(text, 0.3)
    assert answer["category"] == category and not answer["needs_person"]


def test_below_the_threshold_the_category_is_other_and_a_person_decides():
    text = "Three boxes of toner arrived crushed, we want to send them back for a refund."
    confident = classify(text, 0.01)
    unsure = classify(text, 0.999)
    assert unsure["category"] == "other" and unsure["needs_person"]
    assert unsure["predicted"] == confident["category"] == "returns"
    assert unsure["confidence"] == confident["confidence"] < 0.999


def test_robust_z_uses_median_and_mad():
    # median 3, absolute deviations 2, 1, 0, 1, 97: MAD 1
    assert robust_z([1, 2, 3, 4, 100]) == pytest.approx([-1.349, -0.6745, 0, 0.6745, 65.4265])
    found = find_anomalies([1, 2, 3, 4, 100], 3.5, labels=["a", "b", "c", "d", "e"])
    assert [(a["index"], a["label"], a["direction"]) for a in found["anomalies"]] == [(4, "e", "high")]
    assert found["median"] == 3 and found["mad"] == 1


def test_anomalies_need_enough_points_and_a_flat_series_has_none():
    assert find_anomalies([1, 1000], 3.5)["anomalies"] == []
    assert find_anomalies([5, 5, 5, 5, 5, 5], 3.5)["anomalies"] == []
    assert [a["index"] for a in find_anomalies([5, 5, 5, 5, 5, 5, 40], 3.5)["anomalies"]] == [6]


def test_anomaly_detector_on_injected_series():
    figures = anomaly_figures(load_advisory({}))
    assert figures["injected"] > 200
    assert figures["precision"] >= 0.8 and figures["recall"] >= 0.8


def test_priority_shows_every_factor_and_adds_them_up():
    result = score({"category": "shortage", "amount": 12000, "hours_to_sla": -2, "customer_tier": "key",
                    "days_of_cover": 0})
    points = {f["factor"]: f["points"] for f in result["factors"]}
    assert points["hours_to_sla"] == MAX_SLA_POINTS  # overdue: all of them
    assert result["score"] == pytest.approx(min(100, sum(points.values())))
    assert set(points) == {"category", "amount", "hours_to_sla", "customer_tier", "days_of_cover"}
    assert [f["factor"] for f in score({"category": "other"})["factors"]] == ["category"]
    assert score({"category": "other"})["score"] == 0


def test_priority_by_segment_makes_a_difference_visible():
    cases = [{"category": "returns", "customer_tier": "strategic", "segment": "retail"},
             {"category": "returns", "segment": "distributor"}]
    report = by_segment(cases)
    assert report["retail"]["mean"] > report["distributor"]["mean"]


def test_summary_and_draft():
    text = summarise({"document": "S00412", "partner": "Acme", "amount": 12400, "currency": "EUR",
                      "reasons": [{"code": "margin", "message": "margin 4% below 8%"}] * 7,
                      "due_at": "2026-12-07T10:00:00Z"})
    assert text["summary"].splitlines()[0] == "S00412 for Acme: 12,400.00 EUR"
    assert "(+2 more)" in text["summary"] and text["reasons_shown"] == 5
    drafted = draft("Dear $name, return $rma is booked for $day.", {"name": "Ana", "rma": "R-1"})
    assert drafted["draft"] == "Dear Ana, return R-1 is booked for $day."
    assert drafted["missing_fields"] == ["day"] and drafted["needs_review"]


def test_advice_envelope_names_backend_model_and_input():
    advisor = advisor_for(load_advisory({}))
    advice = advise(advisor, "classify", {"text": "where is my delivery S00412?"})
    assert advice["backend"] == "local" and advice["fallback_reason"] is None and advice["advisory_only"]
    assert advice["model_version"] == shared_classifier().version
    assert advice["input_sha256"] == input_hash("classify", {"text": "where is my delivery S00412?"})
    assert input_hash("classify", {"text": "a"}) != input_hash("classify", {"text": "b"})
    decision = {"outcome": "approve", "reasons": []}
    assert attach(decision, advice) == {**decision, "advice": advice} and "advice" not in decision


@pytest.mark.parametrize("env, problem", [
    ({"SIDECAR_ADVICE_MIN_CONFIDENCE": "1.5"}, "SIDECAR_ADVICE_MIN_CONFIDENCE"),
    ({"SIDECAR_ADVICE_MIN_CONFIDENCE": "high"}, "SIDECAR_ADVICE_MIN_CONFIDENCE"),
    ({"SIDECAR_ADVICE_LLM_URL": "http://127.0.0.1:1"}, "SIDECAR_ADVICE_LLM_MODEL"),
])
def test_bad_advisory_settings_are_refused(env, problem):
    with pytest.raises(ConfigError) as err:
        load_advisory(env)
    assert problem in str(err.value.problems)
