"""The stored classifier: loaded when its manifest vouches for it, trained again (and said why) when not, never
unpickled when the file is not the one the manifest hashed; under gunicorn no request trains or loads it."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import socket
import subprocess
import sys
import threading
import time

import numpy
import pytest
import requests
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from sidecar.advisory.classifier import EVAL_FILE, TRAIN_FILE, MessageClassifier, read_examples
from sidecar.advisory.model_file import MANIFEST_NAME, MODEL_NAME, load, ready, save, train
from tests.conftest import ALL_SCOPES_KEY, sidecar_env

SMALL = 15  # examples per category in the small training file: fitted in well under a second


def count(how: str, reason: str = "") -> float:
    """How often this process has loaded or trained the classifier (sidecar_advice_model_total)."""
    return REGISTRY.get_sample_value("sidecar_advice_model_total", {"how": how, "reason": reason}) or 0.0


@pytest.fixture
def small(tmp_path):
    """A training file of a few examples per category (a copy: tests change it)."""
    rows, seen = [], {}
    for line in TRAIN_FILE.read_text(encoding="utf-8").splitlines():
        label = json.loads(line)["label"]
        seen[label] = seen.get(label, 0) + 1
        if seen[label] <= SMALL:
            rows.append(line)
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def stored(tmp_path, small):
    """A model directory holding a model fitted on `small`."""
    directory = tmp_path / "model"
    train(directory, small)
    return directory


def manifest(directory) -> dict:
    return json.loads((directory / MANIFEST_NAME).read_text())


def test_a_stored_model_is_loaded_not_trained(stored, small):
    trained, loaded = count("trained", "missing"), count("loaded")
    model = ready(stored, small)
    assert (count("loaded"), count("trained", "missing")) == (loaded + 1, trained)
    assert model.version == manifest(stored)["version"] and model.version.startswith("tfidf-sgd-logloss-1/")
    assert manifest(stored)["train_sha256"][:12] in model.version


def test_a_missing_model_is_trained_stored_and_then_loaded(tmp_path, small):
    directory = tmp_path / "model"
    trained = count("trained", "missing")
    first = ready(directory, small)
    assert count("trained", "missing") == trained + 1
    assert {MODEL_NAME, MANIFEST_NAME} <= {p.name for p in directory.iterdir()}
    assert directory.stat().st_mode & 0o077 == 0  # the sidecar user's alone
    loaded = count("loaded")
    assert ready(directory, small).version == first.version and count("loaded") == loaded + 1


def test_changed_training_data_trains_again_and_stores_the_new_hash(stored, small, caplog):
    before = manifest(stored)
    with small.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"text": "Please take back the two chairs, wrong colour.", "label": "returns"}) + "\n")
    trained = count("trained", "stale")
    model = ready(stored, small)
    assert count("trained", "stale") == trained + 1
    after = manifest(stored)
    assert after["train_sha256"] != before["train_sha256"] and after["model_sha256"] != before["model_sha256"]
    assert after["train_sha256"][:12] in model.version
    assert "train_sha256 is" in caplog.text and "training it again" in caplog.text
    assert load(stored, small).version == model.version  # the next process loads it


@pytest.mark.parametrize("change, reason", [
    ({"sklearn": "0.24.2"}, "stale"),
    ({"numpy": "1.26.4"}, "stale"),
    ({"model_version": "tfidf-sgd-logloss-0"}, "stale"),
    ({"model_sha256": "0" * 64}, "mismatch"),
])
def test_a_manifest_that_does_not_fit_this_process_trains_again(stored, small, change, reason):
    (stored / MANIFEST_NAME).write_text(json.dumps({**manifest(stored), **change}))
    trained = count("trained", reason)
    ready(stored, small)
    assert count("trained", reason) == trained + 1
    assert all(manifest(stored)[key] != value for key, value in change.items())


@pytest.mark.parametrize("damage, reason", [
    (lambda d: (d / MANIFEST_NAME).unlink(), "missing"),
    (lambda d: (d / MODEL_NAME).unlink(), "missing"),
    (lambda d: (d / MANIFEST_NAME).write_text("{not json"), "unreadable"),
    (lambda d: (d / MANIFEST_NAME).write_text("[]"), "unreadable"),
    (lambda d: (d / MODEL_NAME).write_bytes((d / MODEL_NAME).read_bytes()[:1000]), "mismatch"),
])
def test_a_missing_or_corrupt_file_trains_again_rather_than_failing(stored, small, damage, reason):
    damage(stored)
    trained = count("trained", reason)
    assert ready(stored, small).predict(["The pallet never arrived."])
    assert count("trained", reason) == trained + 1


class Payload:
    """What a tampered model file would run when unpickled: it makes a folder, to be seen."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def test_a_tampered_model_file_is_never_unpickled(stored, small, tmp_path):
    marker = tmp_path / "the-payload-ran"
    (stored / MODEL_NAME).write_bytes(pickle.dumps(Payload(marker)))
    trained = count("trained", "mismatch")
    model = ready(stored, small)
    assert not marker.exists() and count("trained", "mismatch") == trained + 1
    assert isinstance(model, MessageClassifier) and model.predict(["Where is my invoice?"])


def test_a_corrupt_file_its_manifest_vouches_for_is_trained_again(stored, small):
    data = b"not a joblib file"
    (stored / MODEL_NAME).write_bytes(data)
    vouching = {**manifest(stored), "model_sha256": hashlib.sha256(data).hexdigest()}
    (stored / MANIFEST_NAME).write_text(json.dumps(vouching))
    trained = count("trained", "unreadable")
    ready(stored, small)
    assert count("trained", "unreadable") == trained + 1


def test_a_directory_that_cannot_be_written_still_gives_a_model(tmp_path, small, caplog):
    (tmp_path / "a-file").write_text("")
    model = ready(tmp_path / "a-file" / "model", small)
    assert model.predict(["Two cartons are missing from the delivery."]) and "cannot be" in caplog.text


def test_processes_starting_together_train_once(tmp_path, small):
    directory, trained, loaded = tmp_path / "model", count("trained", "missing"), count("loaded")
    threads = [threading.Thread(target=ready, args=(directory, small)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count("trained", "missing") == trained + 1 and count("loaded") == loaded + 2


def test_the_loaded_model_answers_as_a_freshly_trained_one_on_the_held_out_messages(tmp_path):
    fresh = MessageClassifier.trained(TRAIN_FILE)
    save(fresh, tmp_path)
    stored = load(tmp_path)
    texts, _ = read_examples(EVAL_FILE)
    assert stored.version == fresh.version
    assert stored.predict(texts) == fresh.predict(texts)
    assert numpy.allclose(stored.pipeline.predict_proba(texts), fresh.pipeline.predict_proba(texts))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_under_gunicorn_the_model_is_ready_before_the_first_request_and_no_request_loads_or_trains_it(tmp_path):
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
           **sidecar_env(tmp_path, "http://127.0.0.1:9"), "SIDECAR_BIND": f"127.0.0.1:{port}",
           "SIDECAR_WORKERS": "2", "SIDECAR_THREADS": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {ALL_SCOPES_KEY}", "Connection": "close"}

    def readiness() -> dict:
        """sidecar_advice_model_total of every worker: (how, reason) -> count."""
        text = requests.get(f"{base}/metrics", headers=headers, timeout=10).text
        return {(s.labels["how"], s.labels["reason"]): s.value for family in text_string_to_metric_families(text)
                for s in family.samples if s.name == "sidecar_advice_model_total"}

    with open(tmp_path / "gunicorn.log", "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "sidecar", "serve"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"{base}/health", timeout=10)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.3)
        at_start = readiness()  # made ready by the master before forking (loaded; trained when there was none)
        assert sum(at_start.values()) == 1, at_start
        for _ in range(8):  # enough for both workers to answer some
            answer = requests.post(f"{base}/v1/advice/classify", headers=headers, timeout=30,
                                   json={"text": "Three boxes of toner arrived crushed, we want a refund."})
            assert answer.status_code == 200 and answer.json()["advice"]["result"]["category"] == "returns"
        assert readiness() == at_start
    finally:
        server.terminate()
        server.wait(30)
