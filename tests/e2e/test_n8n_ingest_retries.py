"""The ingest workflows' answers by status, in a real n8n of their own: the Shipment tracking and Supplier ASN
workflows (with the Error handler) call a scripted stand-in for the sidecar that answers 503, 400 or 200 as the
test says. A 5xx is asked again twice, 5 s apart, with the partner's bytes unchanged (JSON and CSV); a final 4xx
is asked once and ends with the Error handler's report; a 2xx ends quietly."""
from __future__ import annotations

import http.server
import json
import os
import shutil
import threading
import time

import pytest
import requests

from tests.e2e.conftest import N8N_TIMEOUT, ROOT, _n8n, free_port, wait_for

pytestmark = pytest.mark.e2e

TOKEN = "partner-token-for-the-retry-tests"
KEY = "sidecar-key-for-the-retry-tests"
WORKFLOWS = ("shipment-tracking.json", "supplier-asn.json", "error-handler.json")
ACCEPTED = {"adapter": "carrier-tracking", "source": "easypost", "job": {"id": "job_1", "state": "queued"},
            "accepted": 1, "rejected": 0, "records": [{"index": 0, "ref": "trk_1", "status": "accepted",
                                                       "job_id": "job_1"}]}


class ScriptedSidecar:
    """Answers each POST /v1/ingest/... with the next scripted (status, body); keeps what it was sent."""

    def __init__(self):
        self.script: list[tuple[int, dict]] = []
        self.ingests: list[dict] = []
        self.reports: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.startswith("/v1/dead-letters"):
                    outer.reports.append(json.loads(body))
                    status, answer = 201, {"id": "dl_1"}
                else:
                    outer.ingests.append({"path": self.path, "body": body, "type": self.headers.get("Content-Type"),
                                          "auth": self.headers.get("Authorization")})
                    status, answer = outer.script.pop(0) if outer.script else (500, {"error": {"code": "x"}})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, *script):
        self.script, self.ingests[:], self.reports[:] = list(script), [], []


@pytest.fixture(scope="module")
def lone(n8n_installed, tmp_path_factory):
    """n8n with the two ingest workflows and the error handler, calling the scripted sidecar."""
    folder = tmp_path_factory.mktemp("retries")
    (folder / "workflows").mkdir()
    for name in WORKFLOWS:
        shutil.copy(ROOT / "n8n-workflows" / name, folder / "workflows" / name)
    fake = ScriptedSidecar()
    port = free_port()
    env = {**os.environ, "N8N_USER_FOLDER": str(folder / "n8n"),
           "N8N_PORT": str(port), "N8N_RUNNERS_BROKER_PORT": str(free_port()), "SIDECAR_URL": fake.url,
           "SIDECAR_N8N_API_KEY": KEY, "PARTNER_WEBHOOK_TOKEN": TOKEN, "N8N_START_TIMEOUT": "180"}
    try:
        for command in (["import", str(folder / "workflows")], ["start"]):
            done = _n8n(command, env, N8N_TIMEOUT)
            assert done.returncode == 0, f"n8n.sh {command[0]} failed:\n{done.stdout}\n{done.stderr}"
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        _n8n(["stop"], env, 120)
        fake.server.shutdown()


def post(url, path, body: bytes, content_type: str, **params):
    answer = requests.post(f"{url}/webhook/{path}", data=body, params=params, timeout=30,
                           headers={"Content-Type": content_type, "X-Webhook-Token": TOKEN})
    assert answer.status_code == 200, answer.text


TRACKER = json.dumps({"object": "Event", "description": "tracker.updated", "result": {
    "id": "trk_1", "object": "Tracker", "tracking_code": "1Z999", "status": "in_transit", "carrier": "UPS",
    "weight": 12.50, "tracking_details": []}}, indent=1).encode()  # 12.50: bytes a JSON re-encoding would change


def test_a_5xx_is_asked_again_with_the_same_bytes_and_then_goes_on(lone):
    fake, url = lone
    fake.reset((503, {"error": {"code": "store_unavailable", "message": "locked"}}), (200, ACCEPTED))
    post(url, "ingest/carrier-tracking", TRACKER, "application/json")
    wait_for(lambda: len(fake.ingests) == 2, "the second ask", timeout=30)
    first, second = fake.ingests
    assert first["body"] == second["body"] == TRACKER
    assert first["path"] == second["path"] == "/v1/ingest/carrier-tracking?source=easypost"
    assert first["type"].startswith("application/json") and first["auth"] == f"Bearer {KEY}"
    time.sleep(3)
    assert len(fake.ingests) == 2 and fake.reports == []


def test_a_csv_notice_is_asked_again_byte_for_byte_on_its_own_adapter(lone):
    fake, url = lone
    csv = ("asn_id;po;sku;quantity;unit;lot;shipped_at;expected_at\r\n"
           "SHP-1;P00044;AC-PAPER-A4;2;PL;;2026-12-06;2026-12-09\r\n")
    body = b"\xef\xbb\xbf" + csv.encode()  # Excel's BOM and semicolons, as suppliers export
    fake.reset((502, {}), (200, {**ACCEPTED, "adapter": "supplier-asn-csv", "source": "acme-supplies"}))
    post(url, "ingest/supplier-asn-csv", body, "text/csv", source="acme-supplies")
    wait_for(lambda: len(fake.ingests) == 2, "the second ask", timeout=30)
    assert [i["body"] for i in fake.ingests] == [body, body]
    assert {i["path"] for i in fake.ingests} == {"/v1/ingest/supplier-asn-csv?source=acme-supplies"}
    assert fake.ingests[0]["type"].startswith("text/csv")


def test_a_final_4xx_is_asked_once_and_reported(lone):
    fake, url = lone
    fake.reset((400, {"error": {"code": "invalid_payload", "message": "not a tracker", "details": []}}))
    post(url, "ingest/carrier-tracking", TRACKER, "application/json", source="odoo")  # never taken as Odoo
    [report] = wait_for(lambda: fake.reports, "the error handler's report", timeout=30)
    assert len(fake.ingests) == 1 and fake.ingests[0]["path"].endswith("?source=easypost")
    assert "Sidecar answered 400 invalid_payload" in report["execution"]["error"]["message"]
    assert report["workflow"]["name"] == "Shipment tracking"


def test_a_5xx_that_persists_is_asked_three_times_then_reported(lone):
    fake, url = lone
    fake.reset(*[(503, {"error": {"code": "store_unavailable", "message": "locked"}})] * 3)
    post(url, "ingest/supplier-asn", b'{"BSN": {}}', "application/json", source="acme-supplies")
    [report] = wait_for(lambda: fake.reports, "the error handler's report", timeout=40)
    assert len(fake.ingests) == 3
    assert {i["path"] for i in fake.ingests} == {"/v1/ingest/supplier-asn?source=acme-supplies"}
    assert "Sidecar answered 503" in report["execution"]["error"]["message"]
