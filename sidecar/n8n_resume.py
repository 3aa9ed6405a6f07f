"""Resume an n8n execution waiting on a Wait node ("On Webhook Call"): POST the outcome to its resume URL.

Runs as an outbox job (`resume_n8n`), so it is retried like any write-back; n8n answering 404 or
410 means the execution is gone (finished, deleted or timed out): nothing will ever take the
outcome, and the job becomes a dead letter at once rather than after every retry. Except just
after the decision: an approver may decide between the workflow registering its resume URL and
its Wait node starting to wait, when n8n also answers 404; that one is retried.

Every call carries Standard Webhooks headers signed with SIDECAR_CALLBACK_SECRET (webhook-id: the job's,
the same on each retry, so a receiver drops a repeat), and the header n8n's Wait node checks itself
(SIDECAR_N8N_RESUME_TOKEN in RESUME_HEADER, its Header Auth credential): n8n cannot verify the signature.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

from sidecar.auth import sign_headers
from sidecar.odoo.errors import N8N_FAILURE, OdooError

OPERATION = "resume_n8n"
CATEGORY = N8N_FAILURE  # the dead-letter category of n8n's failures
TIMEOUT_SECONDS = 10.0
GONE = {404, 410}
RESUME_HEADER = "X-Sidecar-Resume-Token"  # the header name of n8n's credential 'Sidecar resume' (scripts/n8n.sh)
NOT_WAITING_YET_SECONDS = 120.0  # a 404 this soon after the decision may be an execution not yet at its Wait node


def valid_url(url: str) -> bool:
    """An absolute http(s) URL (n8n's `$execution.resumeUrl`)."""
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _may_not_wait_yet(payload: dict, status: int, now: float) -> bool:
    queued_at = payload.get("queued_at")
    return status == 404 and isinstance(queued_at, (int, float)) and now - queued_at < NOT_WAITING_YET_SECONDS


def callback_headers(message_id: str, body: bytes, secret: str, resume_token: str) -> dict:
    """The headers of one callback to n8n: JSON, Standard Webhooks signed, and the token n8n checks itself."""
    return {"Content-Type": "application/json", **sign_headers(secret, message_id, body), RESUME_HEADER: resume_token}


def run(payload: dict, message_id: str, secret: str, resume_token: str, timeout: float = TIMEOUT_SECONDS) -> dict:
    """POST the outcome once; OdooError-shaped failures so the worker retries or dead-letters them."""
    url, body = payload.get("url") or "", payload.get("body") or {}
    if not valid_url(url):
        raise OdooError(CATEGORY, f"resume URL {url!r} is not an http(s) URL", retryable=False)
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers=callback_headers(message_id, data, secret, resume_token))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (http(s) checked above)
            return {"effect": "applied", "status": answer.status}
    except urllib.error.HTTPError as err:
        if _may_not_wait_yet(payload, err.code, time.time()):
            raise OdooError(CATEGORY, "n8n answered 404 to the resume URL just after the decision: its execution "
                            "may not be waiting yet", retryable=True) from None
        gone = err.code in GONE
        raise OdooError(CATEGORY, f"n8n answered {err.code} to the resume URL"
                        + ("; the waiting execution is gone" if gone else ""),
                        retryable=not gone and (err.code >= 500 or err.code in (408, 429))) from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise OdooError(CATEGORY, f"n8n could not be reached at the resume URL: {err}", retryable=True) from None
