"""A local endpoint standing in for n8n's webhook in live tests: keeps each body a real Odoo's Automation Rule
posts and hands it to `forward` (the sidecar), as the n8n workflow would, keeping the answer."""
from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Callable


class WebhookReceiver:
    """Receives Odoo's "Send Webhook Notification" posts on a free local port (`url`)."""

    def __init__(self, path: str, forward: Callable[[dict], dict] | None = None):
        self.results: list[dict] = []
        results = self.results

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                record = {"body": body, "path": self.path, "authorization": self.headers.get("Authorization")}
                if forward is not None:
                    record["answer"] = forward(body)  # Odoo stops waiting after 1 s, then commits
                results.append(record)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhook/{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, seconds: float = 20.0) -> list[dict]:
        """The records received, once there are `count` of them (or after `seconds`)."""
        deadline = time.monotonic() + seconds
        while len(self.results) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.results

    def quiet(self, seconds: float = 2.0) -> list[dict]:
        """The records received after waiting `seconds` (to show nothing more arrives)."""
        time.sleep(seconds)
        return self.results

    def stop(self) -> None:
        self.server.shutdown()
