"""create_app: overrides go on top of the environment; the in-process worker stops on shutdown."""
from sidecar.app import create_app, stop_worker
from tests.conftest import sidecar_env


def test_overrides_merge_onto_the_environment(tmp_path, monkeypatch):
    for name, value in sidecar_env(tmp_path, "http://127.0.0.1:9").items():
        monkeypatch.setenv(name, value)
    app = create_app({"SIDECAR_MAX_BODY_BYTES": "2048"})
    settings = app.extensions["sidecar"].settings
    assert settings.max_body_bytes == 2048 and settings.odoo_url == "http://127.0.0.1:9"
    app.extensions["sidecar"].close()


def test_the_in_process_worker_stops_with_the_app(tmp_path, monkeypatch):
    for name, value in sidecar_env(tmp_path, "http://127.0.0.1:9").items():
        monkeypatch.setenv(name, value)
    app = create_app({"SIDECAR_WORKER_IN_PROCESS": "true", "SIDECAR_WORKER_POLL_SECONDS": "0.05"})
    thread = app.extensions["outbox_worker_thread"]
    assert thread.is_alive()
    stop_worker(app, timeout=5)
    assert not thread.is_alive() and "outbox_worker" not in app.extensions
    stop_worker(app)  # a second call (atexit after gunicorn's hook) is harmless
    app.extensions["sidecar"].close()
