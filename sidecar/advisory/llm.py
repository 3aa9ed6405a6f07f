"""The optional chat backend: an OpenAI-compatible chat completions API, local backend behind it.

Only classify and summary go out; priority and anomalies are arithmetic the local backend shows
step by step, and a draft is a template filled by rule. Before anything leaves, e-mail addresses,
phone numbers and IBANs are replaced by placeholders. The answer must match a JSON Schema; on a
timeout, a refusal, an error, a malformed or a low-confidence answer the local backend answers and
`fallback_reason` says why.
"""
from __future__ import annotations

import json
import logging
import re

import urllib3
from jsonschema import Draft202012Validator

from sidecar.advisory import Answer
from sidecar.advisory.classifier import CATEGORIES
from sidecar.advisory.config import AdvisoryConfig

logger = logging.getLogger(__name__)

REMOTE_KINDS = ("classify", "summary")
SCHEMAS = {
    "classify": {"type": "object", "additionalProperties": False, "required": ["category", "confidence"],
                 "properties": {"category": {"enum": list(CATEGORIES)},
                                "confidence": {"type": "number", "minimum": 0, "maximum": 1}}},
    "summary": {"type": "object", "additionalProperties": False, "required": ["summary"],
                "properties": {"summary": {"type": "string", "minLength": 1, "maxLength": 2000}}},
}
INSTRUCTIONS = {
    "classify": "Classify the inbound message from a distributor's customer or supplier into one category: "
                + ", ".join(CATEGORIES) + ". Answer the category and your confidence between 0 and 1.",
    "summary": "Summarise this business exception for the person who must approve or reject it, in at most "
               "five short lines: the document, who, how much, why it stopped, by when. Do not recommend a decision.",
}
REDACTIONS = [  # order matters: an IBAN or an e-mail holds digits a phone pattern would take
    (re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b"), "[iban]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<![\w/])\+?\(?\d[\d\s().-]{6,}\d(?![\w/])"), "[phone]"),
]


def redact(value):
    """The value with personal data in every string replaced by placeholders."""
    if isinstance(value, str):
        for pattern, placeholder in REDACTIONS:
            value = pattern.sub(placeholder, value)
        return value
    if isinstance(value, dict):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _failure(err: Exception) -> str:
    """`timeout` or `unreachable: ...` for a request that got no answer."""
    reason = getattr(err, "reason", None) or err
    # urllib3 makes a refused connection a kind of connect timeout; it is not a slow answer.
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return f"unreachable: {type(reason).__name__}"
    return "timeout" if isinstance(reason, urllib3.exceptions.TimeoutError) else f"unreachable: {type(reason).__name__}"


class Fallback(Exception):
    """Why the chat backend's answer was not used."""


class ChatAdvisor:
    """Ask the chat backend; answer from the local backend whenever its answer cannot be used."""

    backend = "llm"

    def __init__(self, config: AdvisoryConfig, fallback, pool: urllib3.PoolManager | None = None):
        self.config, self.local = config, fallback
        self.pool = pool or urllib3.PoolManager(retries=False)

    def model_version(self, kind: str) -> str:
        """The configured model (the API does not promise more)."""
        return f"chat:{self.config.llm_model}"

    def run(self, kind: str, payload: dict) -> Answer:
        """The chat backend's advice, or the local backend's with the reason it stood in."""
        if kind not in REMOTE_KINDS:
            return self.local.run(kind, payload)
        try:
            answer = self._ask(kind, redact(payload))
        except Fallback as reason:
            logger.warning("chat backend not used for %s advice: %s", kind, reason)
            return self.local.run(kind, payload, fallback_reason=str(reason))
        return Answer(self._result(kind, answer), self.backend, self.model_version(kind))

    def _ask(self, kind: str, payload: dict) -> dict:
        body = {"model": self.config.llm_model, "temperature": 0,
                "messages": [{"role": "system", "content": INSTRUCTIONS[kind]},
                             {"role": "user", "content": json.dumps(payload, ensure_ascii=False)}],
                "response_format": {"type": "json_schema",
                                    "json_schema": {"name": f"{kind}_advice", "strict": True, "schema": SCHEMAS[kind]}}}
        headers = {"Content-Type": "application/json"}
        if self.config.llm_key:
            headers["Authorization"] = f"Bearer {self.config.llm_key}"
        try:
            response = self.pool.request("POST", f"{self.config.llm_url}/chat/completions", body=json.dumps(body),
                                         headers=headers, timeout=urllib3.Timeout(total=self.config.llm_timeout))
        except urllib3.exceptions.HTTPError as err:
            raise Fallback(_failure(err)) from err
        if response.status != 200:
            raise Fallback(f"http_{response.status}")
        return self._content(kind, response.data)

    def _content(self, kind: str, raw: bytes) -> dict:
        try:
            message = json.loads(raw)["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise Fallback("malformed_answer: not a chat completion") from err
        if message.get("refusal"):
            raise Fallback("refused")
        try:
            answer = json.loads(message.get("content") or "")
        except ValueError as err:
            raise Fallback("malformed_answer: content is not JSON") from err
        problems = [e.message for e in Draft202012Validator(SCHEMAS[kind]).iter_errors(answer)]
        if problems:
            raise Fallback(f"malformed_answer: {problems[0][:200]}")
        if kind == "classify" and answer["confidence"] < self.config.min_confidence:
            raise Fallback(f"low_confidence: {answer['confidence']}")
        return answer

    def _result(self, kind: str, answer: dict) -> dict:
        if kind == "classify":
            return {"category": answer["category"], "confidence": answer["confidence"], "needs_person": False,
                    "predicted": answer["category"], "threshold": self.config.min_confidence, "alternatives": []}
        return {"summary": answer["summary"], "lines": len(answer["summary"].splitlines())}
