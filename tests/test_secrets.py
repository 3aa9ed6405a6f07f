"""Secrets never reach an answer or a log record: wrong API keys, broken signatures, a wrong Odoo password,
approval tokens (valid for nothing, forged, expired), a Redis URL's password, configuration mistakes."""
import json
import logging
import time

import pytest

from sidecar import approval_tokens
from sidecar.app import create_app
from sidecar.auth import sign_headers
from sidecar.config import load_settings
from sidecar.errors import ConfigError
from tests.conftest import AUDIT_KEY, sidecar_env

API_KEY = "sk-live-7Hq2ZpX9wR4mN8vB"
HMAC_SECRET = "whsec_c2lnbi1saXZlLUtkODNqUXAwc0x4MlZiN05RcTd3"  # 30 random bytes
APPROVAL_SECRET = "approval-live-Zr5tYw2Qn8Lm4Xc6Bv1Kj9Hg3Fd7Sa0P"
ODOO_PASSWORD = "odoo-pw-Wrong-Qx71Vz"  # not the integration user's: every login fails
REDIS_PASSWORD = "redis-pw-Tn4Rk8Ws"
EVENT = {"id": "evt-secret-1", "type": "sale_order.release_requested", "source": "odoo",
         "data": {"_model": "sale.order", "_id": 1, "write_uid": 2}}


@pytest.fixture
def app(tmp_path, odoo_target):
    env = sidecar_env(tmp_path, odoo_target.url, odoo_target.db, odoo_target.login, ODOO_PASSWORD,
                      SIDECAR_API_KEYS=f"ops:{API_KEY}:*", SIDECAR_WEBHOOK_CLIENTS=f"shop:{HMAC_SECRET}:events.write",
                      SIDECAR_APPROVAL_SECRET=APPROVAL_SECRET, SIDECAR_PUBLIC_URL="http://sidecar.example",
                      SIDECAR_RATE_LIMIT_STORAGE=f"redis://:{REDIS_PASSWORD}@127.0.0.1:9/0",
                      SIDECAR_RATE_LIMITS="default=5/minute")  # no Redis there: every request logs its failure
    application = create_app(settings=load_settings(env))
    yield application
    application.extensions["sidecar"].close()


def _everything_said(answers, records) -> str:
    said = [json.dumps(dict(answer.headers)) + answer.get_data(as_text=True) for answer in answers]
    for record in records:
        said.append(record.getMessage())
        if record.exc_info:
            said.append(logging.Formatter().formatException(record.exc_info))
        said.append(repr(record.args))
    return "\n".join(said)


def test_no_secret_in_any_answer_or_log_record(app, caplog):
    caplog.set_level(logging.DEBUG)
    api = app.test_client()
    body = json.dumps(EVENT).encode()
    right = sign_headers(HMAC_SECRET, "msg_secret1", body)
    right_signature = right["webhook-signature"]  # what a broken signature is compared with: an oracle if shown
    token = approval_tokens.issue(APPROVAL_SECRET, "apr_secret1", "admin", "approve", 1, time.time() + 3600)
    expired = approval_tokens.issue(APPROVAL_SECRET, "apr_secret1", "admin", "approve", 1, time.time() - 10)
    forged = approval_tokens.issue("f" * 40, "apr_secret1", "admin", "approve", 1, time.time() + 3600)
    wrong_keys = [API_KEY + "x", API_KEY[:-1], "Bearer-" + API_KEY, API_KEY.upper()]
    answers = []
    for key in wrong_keys:
        answers.append(api.get("/v1/dead-letters", headers={"Authorization": f"Bearer {key}"}))
    for headers in [
        {**right, "webhook-signature": "v1," + "A" * 44},
        sign_headers(HMAC_SECRET, "msg_secret1", body + b" "),
        sign_headers(HMAC_SECRET, "msg_secret1", body, at=time.time() - 7200),
        {**right, "webhook-signature": right_signature[:-2]},
        {**right, "webhook-id": "msg_other"},
    ]:
        answers.append(api.post("/v1/events", data=body, headers={**headers, "Content-Type": "application/json"}))
    # The Odoo password is wrong: intake, readiness and reads of Odoo fail without showing it.
    answers.append(api.post("/v1/events", data=body, headers={"Authorization": f"Bearer {API_KEY}",
                                                               "Content-Type": "application/json"}))
    answers.append(api.get("/ready"))
    for value in (token, expired, forged):
        answers.append(api.post("/v1/approvals/apr_secret1/decision", json={"decision": "approve", "token": value},
                                headers={"Authorization": f"Bearer {API_KEY}"}))
        answers.append(api.get(f"/v1/approvals/apr_secret1/page?approve={value}"))
        answers.append(api.post(f"/v1/approvals/apr_secret1/page?approve={value}", data={"comment": "ok"}))
    statuses = {answer.status_code for answer in answers}
    assert 500 not in statuses and {401, 403, 503} <= statuses, statuses
    assert any("rate limit" in record.getMessage().lower() for record in caplog.records)  # Redis down, logged
    said = _everything_said(answers, caplog.records)
    secrets = [API_KEY, HMAC_SECRET, APPROVAL_SECRET, ODOO_PASSWORD, REDIS_PASSWORD, AUDIT_KEY, right_signature,
               right_signature[3:], token, expired, forged, *wrong_keys]
    assert [secret for secret in secrets if secret in said] == []


def test_configuration_problems_name_no_secret(tmp_path):
    env = sidecar_env(tmp_path, "http://127.0.0.1:9",
                      SIDECAR_API_KEYS=f"ops:{API_KEY}:*,not.a.scope {API_KEY}-alone",
                      SIDECAR_WEBHOOK_CLIENTS=f"shop:{HMAC_SECRET}",
                      SIDECAR_RATE_LIMIT_STORAGE=f"rediss//:{REDIS_PASSWORD}@host",
                      SIDECAR_APPROVAL_SECRET=APPROVAL_SECRET[:10])
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    text = str(caught.value)
    assert [s for s in (API_KEY, HMAC_SECRET, REDIS_PASSWORD, APPROVAL_SECRET[:10]) if s in text] == []


def test_settings_and_clients_print_no_secret(tmp_path):
    settings = load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", password=ODOO_PASSWORD,
                                         SIDECAR_API_KEYS=f"ops:{API_KEY}:*",
                                         SIDECAR_WEBHOOK_CLIENTS=f"shop:{HMAC_SECRET}:events.write",
                                         SIDECAR_APPROVAL_SECRET=APPROVAL_SECRET,
                                         SIDECAR_RATE_LIMIT_STORAGE=f"redis://:{REDIS_PASSWORD}@h:6379/0"))
    text = repr(settings) + str(settings)
    assert [s for s in (API_KEY, HMAC_SECRET, APPROVAL_SECRET, ODOO_PASSWORD, REDIS_PASSWORD, AUDIT_KEY)
            if s in text] == []


@pytest.mark.slow
def test_the_access_log_holds_no_query_string_nor_referer(tmp_path):
    """Approvers' page links carry their decision tokens in the query: gunicorn's access log must not keep them."""
    import requests

    from tests.test_limits import _serve, _stop
    token = approval_tokens.issue(APPROVAL_SECRET, "apr_logged1", "admin", "approve", 1, time.time() + 3600)
    process, url = _serve(tmp_path, "access", "memory://", "default=100/minute")
    try:
        answer = requests.get(f"{url}/v1/approvals/apr_logged1/page", params={"approve": token}, timeout=10,
                              headers={"Referer": f"http://mail.example/?approve={token}"})
        assert answer.status_code < 500
    finally:
        _stop(process)
    log = (tmp_path / "access.log").read_text()
    assert "/v1/approvals/apr_logged1/page" in log and token not in log
