"""n8n waits on a Wait node: the approval's final outcome resumes it through its resume URL."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import ALL_SCOPES_KEY, CALLBACK_SECRET, RESUME_TOKEN, bearer
from tests.test_worker import make_due
from tests.test_approvals import decide, links_of, pending  # noqa: F401  (fixture)


@pytest.fixture
def n8n():
    """A stand-in for n8n's resume webhook: records POSTs; `status` sets its answer."""
    calls, state = [], {"status": 200, "received": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            state["received"].append(({k.lower(): v for k, v in self.headers.items()}, raw))
            calls.append((self.path, json.loads(raw)))
            self.send_response(state["first"].pop() if state.get("first") else state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", calls, state
    server.shutdown()


def wait(client, approval_id, url):
    return client.post(f"/v1/approvals/{approval_id}/wait", json={"resume_url": url}, headers=bearer())


def test_the_decision_resumes_the_waiting_execution_after_its_write_backs(client, worker, odoo_seed, pending, n8n,
                                                                         thin_margin_quotation):
    base, calls, _state = n8n
    approval_id = pending["approval_id"]
    assert wait(client, approval_id, f"{base}/webhook-waiting/77").status_code == 200
    assert wait(client, approval_id, f"{base}/webhook-waiting/78").json["error"]["code"] == "already_waited_for"
    assert wait(client, approval_id, "ftp://x").status_code == 400
    worker.drain()
    assert calls == []  # nothing decided yet
    decided = decide(client, approval_id, links_of(pending)["approve_token"], comment="ok")
    assert decided.status_code == 200
    worker.drain()
    assert odoo_seed.order_state(thin_margin_quotation) == "sale"
    assert calls == [("/webhook-waiting/77", {"approval_id": approval_id, "release_id": pending["release_id"],
                                               "order_id": thin_margin_quotation, "status": "approved",
                                               "decided_by": "demo", "comment": "ok"})]


def test_waiting_after_the_decision_resumes_at_once(client, worker, pending, n8n):
    base, calls, _state = n8n
    approval_id = pending["approval_id"]
    decide(client, approval_id, links_of(pending)["reject_token"], "reject")
    assert wait(client, approval_id, f"{base}/late").status_code == 200
    worker.drain()
    assert [(path, body["status"]) for path, body in calls] == [("/late", "rejected")]


def test_a_404_just_after_the_decision_is_retried_the_execution_may_not_be_waiting_yet(client, worker, services,
                                                                                       pending, n8n):
    base, calls, state = n8n
    state["status"] = 404
    approval_id = pending["approval_id"]
    wait(client, approval_id, f"{base}/not-yet")
    decide(client, approval_id, links_of(pending)["approve_token"])
    worker.drain()
    assert len(calls) == 1
    from sidecar.store import jobs
    with services.db.read() as conn:
        [resume] = [job for job in jobs.for_release(conn, pending["release_id"]) if job["operation"] == "resume_n8n"]
    assert resume["state"] == jobs.RETRYING and "may not be waiting yet" in resume["last_error"]


def test_a_gone_execution_is_a_dead_letter(client, worker, pending, n8n, monkeypatch):
    from sidecar import n8n_resume
    monkeypatch.setattr(n8n_resume, "NOT_WAITING_YET_SECONDS", 0.0)  # long after the decision
    base, calls, state = n8n
    state["status"] = 404
    approval_id = pending["approval_id"]
    wait(client, approval_id, f"{base}/gone")
    decide(client, approval_id, links_of(pending)["approve_token"])
    worker.drain()
    assert len(calls) == 1  # not retried: n8n said the execution is gone
    answer = client.get("/v1/dead-letters", headers=bearer(ALL_SCOPES_KEY))
    assert any("resume_n8n" in item["summary"] and item["category"] == "n8n_failure"
               for item in answer.json["items"]), answer.json


def test_every_resume_call_is_signed_with_one_webhook_id_across_retries(client, worker, services, pending, n8n):
    """The receiver verifies each call with the standardwebhooks library and the callback secret."""
    from standardwebhooks.webhooks import Webhook

    from sidecar.store import jobs
    base, calls, state = n8n
    state["first"] = [503]  # n8n busy once: the job is retried
    approval_id = pending["approval_id"]
    wait(client, approval_id, f"{base}/webhook-waiting/90")
    decide(client, approval_id, links_of(pending)["approve_token"])
    worker.drain()
    make_due(services)
    worker.drain()
    with services.db.read() as conn:
        [resume] = [job for job in jobs.for_release(conn, pending["release_id"]) if job["operation"] == "resume_n8n"]
    assert resume["state"] == jobs.DONE and len(state["received"]) == 2
    for headers, raw in state["received"]:
        assert Webhook(CALLBACK_SECRET).verify(raw, headers) == calls[0][1]  # raises unless signed with the secret
        assert headers["x-sidecar-resume-token"] == RESUME_TOKEN  # what n8n's Wait node checks itself
    assert len({headers["webhook-id"] for headers, _ in state["received"]}) == 1  # a retry is the same message
