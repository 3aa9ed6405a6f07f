"""WSGI apps the HTTP benchmarks serve under gunicorn (`bench.apps:echo`, `bench.apps:stubbed`).

`echo` is the floor: a bare Flask app that answers a POST with its JSON body and a GET with a small
object. `stubbed` is the sidecar built from the environment with its Odoo gateway replaced by
answers recorded from Odoo once, before the run (BENCH_RECORDING names the file): every intake
question answers at once, as if Odoo took no time, so what is measured is the sidecar itself.
"""
from __future__ import annotations

import json
import os

from flask import Flask, jsonify, request

echo = Flask("echo")


@echo.post("/echo")
def echo_post():
    """The body back, parsed and serialized again, as any JSON endpoint does at least."""
    return jsonify(request.get_json())


@echo.get("/echo")
def echo_get():
    """A small JSON object."""
    return jsonify({"ok": True})


@echo.get("/health")
def echo_health():
    return jsonify({"status": "ok"})


class RecordedOdoo:
    """The gateway methods one release decision calls, answered from a recording (the order id swapped in).

    Each answer is parsed anew from the recorded JSON text, as the real gateway parses what Odoo sends.
    """

    def __init__(self, recording: dict):
        self.recording = recording
        self.bundle_text = json.dumps(recording["bundle"])

    def committed_match(self, model, record_id, write_date, domain) -> bool:
        return True

    def read_release_bundle(self, order_id: int, requested_by) -> dict:
        bundle = json.loads(self.bundle_text)
        bundle["order"]["id"] = order_id
        bundle["order"]["name"] = f"S{order_id:07d}"
        bundle["user_logins"] = {int(uid): login for uid, login in bundle["user_logins"].items()}  # JSON made them str
        return bundle

    def user_logins(self, user_ids) -> dict:
        known = {int(k): v for k, v in self.recording["bundle"]["user_logins"].items()}
        return {uid: known[uid] for uid in user_ids if uid in known}

    def close(self) -> None:
        pass


def stubbed_app():
    """The sidecar from the environment, its Odoo answered from the recording."""
    from sidecar.app import create_app

    app = create_app()
    with open(os.environ["BENCH_RECORDING"]) as file:
        app.extensions["sidecar"].odoo = RecordedOdoo(json.load(file))
    return app


if os.environ.get("BENCH_RECORDING"):
    stubbed = stubbed_app()
