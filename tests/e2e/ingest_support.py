"""What the ingest workflows' end-to-end tests share: partner posts to n8n, mappings, and the sidecar's jobs."""
from __future__ import annotations

import json
import time

import sqlalchemy as sa

from sidecar.store import schema
from tests.e2e.conftest import ODOO_WEBHOOK_TIMEOUT, Stack, tail, wait_for


def post(stack: Stack, path: str, body: bytes, content_type: str, **params) -> None:
    """A partner's post to an ingest webhook: n8n answers at once, before the workflow runs."""
    answer = stack.partner_webhook(path, body, content_type, **params)
    assert answer.status_code == 200, answer.text
    assert answer.elapsed.total_seconds() < ODOO_WEBHOOK_TIMEOUT, answer.elapsed
    assert answer.json() == {"message": "Workflow was started"}


def refused_without_token(stack: Stack, path: str, body: bytes, content_type: str) -> None:
    """No token, or a wrong one: n8n refuses the post and runs nothing."""
    for token in (None, "not-the-token"):
        answer = stack.partner_webhook(path, body, content_type, token=token)
        assert answer.status_code in (401, 403), answer.text


def mappings(stack: Stack, kind: str, source: str, rows: list[dict]) -> None:
    """Cross-references as an integrator adds them (PUT /v1/mappings/{kind}), checked against Odoo."""
    answer = stack.sidecar("PUT", f"/v1/mappings/{kind}", json={"source": source, "mappings": rows})
    assert answer.status_code == 200, answer.text


def ingested(stack: Stack, adapter: str) -> int:
    """How many POST /v1/ingest/<adapter> the sidecar has answered (gunicorn's access log)."""
    return tail(stack.folder / "sidecar.log", 100000).count(f'"POST /v1/ingest/{adapter} ')  # path only, no query


def jobs(stack: Stack, operation: str, mentioning: str) -> list[dict]:
    """The outbox jobs of `operation` whose payload mentions `mentioning` (a test's own record)."""
    query = sa.select(schema.jobs.c.id, schema.jobs.c.state, schema.jobs.c.payload).where(
        schema.jobs.c.operation == operation)
    rows = stack._read_store(lambda conn: [dict(r._mapping) for r in conn.execute(query)])
    return [r for r in rows if mentioning in json.dumps(r["payload"])]


def settle(stack: Stack, adapter: str, count: int, operation: str, mentioning: str) -> list[dict]:
    """Wait until the sidecar answered `count` ingests of `adapter` in all and every job of the test's records
    is done."""
    wait_for(lambda: ingested(stack, adapter) >= count, f"{count} POST /v1/ingest/{adapter} in all",
             logs=stack.logs)
    found = wait_for(lambda: (lambda js: js if js and all(j["state"] == "done" for j in js) else None)(
        jobs(stack, operation, mentioning)), f"the {operation} jobs to be done", logs=stack.logs)
    time.sleep(1.0)  # the n8n execution ends after the sidecar's answer: let it finish (its error handler too)
    return found
