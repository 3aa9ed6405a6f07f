"""The README's run command with nothing configured: a labelled demo Odoo, and a first event
sent with the printed curl gets a decision."""
import json
import os
import re
import selectors
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.test_packaging import _free_port

ROOT = Path(__file__).resolve().parent.parent


def _read_until(process, marker: str, seconds: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    output, deadline = b"", time.monotonic() + seconds
    while marker.encode() not in output and time.monotonic() < deadline and process.poll() is None:
        if selector.select(timeout=0.5):  # raw reads: a buffered reader would hide lines from select
            output += os.read(process.stdout.fileno(), 65536)
    return output.decode(errors="replace")


@pytest.mark.slow
def test_run_without_odoo_starts_a_demo_and_prints_a_working_first_event(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "RUN_N8N": "0", "RUN_SKIP_BOOTSTRAP": "1",
           "RUN_VAR_DIR": str(tmp_path / "var"), "SIDECAR_BIND": f"127.0.0.1:{_free_port()}",
           "DEMO_ODOO_PORT": str(_free_port()), "SIDECAR_WORKERS": "1"}
    process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, bufsize=0,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output = _read_until(process, "(the demo keys are kept in", 90)
        assert "DEMO" in output and "nothing real is" in output.replace("\n", " ").lower(), output[-3000:]
        curl = re.search(r"Send a first event.*?\n\n(.*?)\n\n", output, re.S).group(1)
        answer = json.loads(subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=60).stdout)
        assert answer["outcome"] in ("release", "approve", "reject") and answer["decision"]["reasons"]
        # Every other flow has its demo policy in force: an event naming no document is a 404 from the
        # demo Odoo, not a 422 for a policy that names no approvers.
        other = curl.replace("sale_order.release_requested", "purchase_order.approval_requested").replace(
            '"sale.order"', '"purchase.order"').replace("demo-1", "demo-2")
        other = re.sub(r'"_id": \d+', '"_id": 999999', other)
        refused = json.loads(subprocess.run(["bash", "-c", other], capture_output=True, text=True, timeout=60).stdout)
        assert refused["error"]["code"] == "document_not_found", refused
        # The ops workflows' key (the credential n8n.sh import makes) reads and replays dead letters, nothing more.
        secrets = dict(line.split("=", 1) for line in (tmp_path / "var" / "secrets.env").read_text().splitlines())
        ops = {"Authorization": f"Bearer {secrets['SIDECAR_N8N_OPS_API_KEY']}"}
        base = f"http://{env['SIDECAR_BIND']}"
        assert requests.get(f"{base}/v1/dead-letters", headers=ops, timeout=30).status_code == 200
        assert requests.get(f"{base}/v1/approvals", headers=ops, timeout=30).status_code == 403
    finally:
        process.send_signal(signal.SIGTERM)  # run.sh's trap stops the demo Odoo, worker and server
        process.wait(timeout=60)
    assert "generated SIDECAR_AUDIT_KEY" in output and (tmp_path / "var" / "secrets.env").stat().st_mode & 0o077 == 0
