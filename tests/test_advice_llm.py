"""The chat backend against a local fake of an OpenAI-compatible API: success, malformed answer, timeout,
refusal, errors; personal data never leaves; every failure is answered by the local backend, which says why."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sidecar.advisory import advise, advisor_for, load_advisory
from sidecar.advisory.llm import ChatAdvisor, redact
from sidecar.advisory.local import LocalAdvisor

SLOW = 3.0  # seconds the fake waits before a slow answer; the advisor's timeout is 0.5
MESSAGE = "Hi, delivery S00412 is 12 units short. Call me on +44 20 7946 0958 or mail marta.k@example.com"


def completion(content=None, refusal=None) -> dict:
    """A chat completion as the API answers it."""
    return {"id": "chatcmpl-1", "object": "chat.completion", "model": "small-1",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content, "refusal": refusal}}]}


class FakeChat(ThreadingHTTPServer):
    """Answers each POST with `self.reply` (status, body) after `self.delay` seconds; keeps what it received."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.reply, self.delay, self.received = (200, completion("{}")), 0.0, []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
        time.sleep(self.server.delay)
        status, reply = self.server.reply
        data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def fake():
    server = FakeChat()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def chat(url, **extra) -> ChatAdvisor:
    env = {"SIDECAR_ADVICE_LLM_URL": url, "SIDECAR_ADVICE_LLM_MODEL": "small-1", "SIDECAR_ADVICE_LLM_KEY": "k-123",
           "SIDECAR_ADVICE_LLM_TIMEOUT": "0.5", **extra}
    advisor = advisor_for(load_advisory(env))
    assert isinstance(advisor, ChatAdvisor)
    return advisor


def test_a_schema_valid_answer_is_used_and_personal_data_never_leaves(fake):
    fake.reply = (200, completion(json.dumps({"category": "shortage", "confidence": 0.93})))
    advice = advise(chat(fake.url), "classify", {"text": MESSAGE})
    assert advice["backend"] == "llm" and advice["fallback_reason"] is None
    assert advice["model_version"] == "chat:small-1"
    assert advice["result"]["category"] == "shortage" and advice["result"]["confidence"] == 0.93
    sent = fake.received[0]
    assert sent["path"] == "/v1/chat/completions" and sent["headers"]["Authorization"] == "Bearer k-123"
    assert sent["body"]["response_format"]["json_schema"]["schema"]["required"] == ["category", "confidence"]
    text = json.dumps(sent["body"])
    assert "marta.k@example.com" not in text and "7946" not in text
    assert "[email]" in text and "[phone]" in text and "S00412" in text


def test_a_summary_comes_from_the_chat_backend(fake):
    fake.reply = (200, completion(json.dumps({"summary": "S00007 for Deco Addict: 1,000 EUR\nMargin too low"})))
    advice = advise(chat(fake.url), "summary", {"context": {"document": "S00007", "partner": "Deco Addict"}})
    assert advice["backend"] == "llm" and advice["result"]["lines"] == 2


@pytest.mark.parametrize("reply, delay, reason", [
    ((200, completion("the category is shortage")), 0, "malformed_answer: content is not JSON"),
    ((200, completion(json.dumps({"category": "approve", "confidence": 0.9}))), 0, "malformed_answer"),
    ((200, completion(json.dumps({"category": "shortage"}))), 0, "malformed_answer"),
    ((200, b"<html>gateway</html>"), 0, "malformed_answer: not a chat completion"),
    ((200, completion(None, refusal="I can't help with that.")), 0, "refused"),
    ((200, completion(json.dumps({"category": "shortage", "confidence": 0.2}))), 0, "low_confidence: 0.2"),
    ((500, {"error": {"message": "overloaded"}}), 0, "http_500"),
    ((429, {"error": {"message": "rate limited"}}), 0, "http_429"),
    ((200, completion(json.dumps({"category": "shortage", "confidence": 0.9}))), SLOW, "timeout"),
])
def test_every_failure_is_answered_locally_and_says_why(fake, reply, delay, reason):
    fake.reply, fake.delay = reply, delay
    local = advise(LocalAdvisor(load_advisory({})), "classify", {"text": MESSAGE})  # trains the classifier first
    started = time.monotonic()
    advice = advise(chat(fake.url), "classify", {"text": MESSAGE})
    assert time.monotonic() - started < SLOW - 1  # the timeout, not the slow answer, set the pace
    assert advice["backend"] == "local" and advice["fallback_reason"].startswith(reason)
    assert advice["result"] == local["result"] and advice["model_version"] == local["model_version"]


def test_a_dead_address_changes_nothing_but_the_fallback_note():
    advisor = chat("http://127.0.0.1:9/v1")
    local = LocalAdvisor(load_advisory({}))
    for kind, payload in (("classify", {"text": MESSAGE}), ("summary", {"context": {"document": "S1"}}),
                          ("priority", {"case": {"category": "returns"}})):
        advice, alone = advise(advisor, kind, payload), advise(local, kind, payload)
        assert advice["backend"] == alone["backend"] == "local"
        assert advice["result"] == alone["result"] and advice["input_sha256"] == alone["input_sha256"]
        assert (advice["fallback_reason"] or "").startswith("unreachable") == (kind != "priority")


@pytest.mark.parametrize("text, expected", [
    ("mail ana.p+orders@shop.example.co.uk now", "mail [email] now"),
    ("call +31 (0)20 555 0199 today", "call [phone] today"),
    ("IBAN NL91 ABNA 0417 1643 00 please", "IBAN [iban] please"),
    ("order S00412, 12 units, INV/2026/00418", "order S00412, 12 units, INV/2026/00418"),
])
def test_redaction(text, expected):
    assert redact({"a": [text]}) == {"a": [expected]}
