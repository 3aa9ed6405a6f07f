"""WSGI apps the HTTP benchmarks serve under gunicorn (`bench.apps:echo`, `bench.apps:stubbed`).

`echo` is the floor: a bare Flask app that answers a POST with its JSON body and a GET with a small
object. `durable` (BENCH_DURABLE_DB names a SQLite file) is the echo that also stores each body it is
posted, one row, committed and synced (WAL, synchronous=FULL) before it answers: the least a service
that must not lose what it accepted does, for reading the intake ratio against; its GET /echo/<id>
answers one stored body as it was stored (one read by primary key on a connection of the thread's own,
no transaction around it): the least a GET that reads a store does. `stubbed` is the sidecar built
from the environment with its Odoo gateway replaced by answers recorded from Odoo once, before the
run (BENCH_RECORDING names the file): every intake question answers at once, as if Odoo took no
time, so what is measured is the sidecar itself.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading

from flask import Flask, Response, jsonify, request

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


durable = Flask("durable")
_durable_connections = threading.local()


def _durable_connection() -> sqlite3.Connection:
    conn = getattr(_durable_connections, "conn", None)
    if conn is None:
        conn = _durable_connections.conn = sqlite3.connect(os.environ["BENCH_DURABLE_DB"], timeout=30,
                                                           isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS bodies (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    return conn


@durable.post("/echo")
def durable_post():
    """The body stored (one insert, one durable commit), then sent back."""
    body = request.get_json()
    conn = _durable_connection()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO bodies (body) VALUES (?)", (json.dumps(body),))
    conn.execute("COMMIT")
    return jsonify(body)


@durable.get("/echo/<int:body_id>")
def durable_get(body_id: int):
    """One stored body, read by its id and answered as stored."""
    row = _durable_connection().execute("SELECT body FROM bodies WHERE id = ?", (body_id,)).fetchone()
    if row is None:
        return jsonify({"error": "no such body"}), 404
    return Response(row[0] + "\n", mimetype="application/json")


@durable.get("/health")
def durable_health():
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
