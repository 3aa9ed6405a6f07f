"""The fitted classifier as a file, so that no process trains on first use.

`python -m sidecar advisory train` (run by scripts/bootstrap.sh and the image build) fits the classifier
and writes `classifier.joblib` and `manifest.json` into the model directory (SIDECAR_ADVICE_MODEL_DIR).
Every process loads it, the API's workers at start-up (`sidecar.wsgi`), in a fraction of a second.

A joblib file is a pickle: loading one runs whatever it holds. So a file is unpickled only when its
SHA-256 is the one the manifest records, and from the very bytes that were hashed; and only when the
manifest names this training data, model version, scikit-learn and NumPy. Anything else (missing,
stale, corrupt, replaced) is trained again under a lock, written again, and logged with the reason;
advice never fails for want of a file. The check catches a damaged or swapped model file; whoever can
rewrite both files can rewrite the code as well, so the directory is the sidecar user's alone.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import json
import logging
import os
import tempfile
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sidecar import metrics
from sidecar.advisory.classifier import MODEL_VERSION, TRAIN_FILE, MessageClassifier, data_sha256, version_for

logger = logging.getLogger(__name__)
MODEL_NAME = "classifier.joblib"
MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".lock"


class Stale(Exception):
    """The stored model may not be used; `kind` is a short label (for metrics), the message says why."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def expected(train_file: Path = TRAIN_FILE) -> dict:
    """What a usable model's manifest must say in this process."""
    import numpy
    import sklearn
    return {"model_version": MODEL_VERSION, "train_sha256": data_sha256(train_file),
            "sklearn": sklearn.__version__, "numpy": numpy.__version__}


def load(directory: Path, train_file: Path = TRAIN_FILE) -> MessageClassifier:
    """The stored model, when its manifest matches this process and the file matches its manifest; else Stale."""
    import joblib
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        data = (directory / MODEL_NAME).read_bytes()
    except FileNotFoundError as err:
        raise Stale("missing", f"no {Path(err.filename).name} yet") from err
    except (OSError, ValueError) as err:
        raise Stale("unreadable", f"unreadable: {err}") from err
    if not isinstance(manifest, dict):
        raise Stale("unreadable", "the manifest is not a JSON object")
    for key, value in expected(train_file).items():
        if manifest.get(key) != value:
            raise Stale("stale", f"{key} is {value}, the stored model's is {manifest.get(key)}")
    if hashlib.sha256(data).hexdigest() != manifest.get("model_sha256"):
        raise Stale("mismatch", f"{MODEL_NAME} does not match the SHA-256 in {MANIFEST_NAME}")
    try:
        pipeline = joblib.load(io.BytesIO(data))  # the bytes just hashed, not the file again
    except Exception as err:  # noqa: BLE001 - any failure to unpickle means: train again
        raise Stale("unreadable", f"{MODEL_NAME} cannot be loaded: {err}") from err
    return MessageClassifier(pipeline, version_for(manifest["train_sha256"]))


def save(model: MessageClassifier, directory: Path, train_file: Path = TRAIN_FILE) -> dict:
    """Write the model, then the manifest that vouches for it (each atomically); the manifest."""
    import joblib
    buffer = io.BytesIO()
    joblib.dump(model.pipeline, buffer)
    data = buffer.getvalue()
    manifest = {**expected(train_file), "model_sha256": hashlib.sha256(data).hexdigest(), "version": model.version,
                "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")}
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _replace(directory / MODEL_NAME, data)  # a crash between the two leaves a mismatch: trained again
    _replace(directory / MANIFEST_NAME, json.dumps(manifest, indent=2).encode("utf-8") + b"\n")
    return manifest


def _replace(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(directory: Path):
    """One process at a time trains and writes; the others wait, then load what it wrote."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory / LOCK_NAME, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def train(directory: Path, train_file: Path = TRAIN_FILE, reason: str = "asked") -> tuple[MessageClassifier, dict]:
    """Fit the classifier and store it in `directory`: the model and its manifest."""
    with _locked(directory):
        model = MessageClassifier.trained(train_file)
        manifest = save(model, directory, train_file)
    metrics.record_advice_model("trained", reason)
    return model, manifest


def ready(directory: Path, train_file: Path = TRAIN_FILE) -> MessageClassifier:
    """The classifier stored in `directory`; trained and stored first when it is missing or may not be used."""
    try:
        return _loaded(load(directory, train_file), directory)
    except Stale as err:
        stale = err
    with ExitStack() as held:
        try:
            held.enter_context(_locked(directory))
            return _loaded(load(directory, train_file), directory)  # written by another process meanwhile
        except Stale as err:
            stale = err
        except OSError as err:
            logger.error("advisory classifier: %s cannot be locked (%s)", directory, err)
        logger.warning("advisory classifier in %s: %s; training it again", directory, stale)
        model = MessageClassifier.trained(train_file)
        try:
            save(model, directory, train_file)
        except OSError as err:  # e.g. a read-only directory: advice goes on, from this process's own model
            logger.error("advisory classifier: %s cannot be written (%s); the model is this process's only",
                         directory, err)
        metrics.record_advice_model("trained", stale.kind)
        return model


def _loaded(model: MessageClassifier, directory: Path) -> MessageClassifier:
    metrics.record_advice_model("loaded")
    logger.info("advisory classifier %s loaded from %s", model.version, directory)
    return model
