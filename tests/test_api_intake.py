"""Authentication and bad input at the door: the right status, a clear JSON error, nothing stored."""
import json

import pytest

from sidecar.store import audit, idempotency
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY, READONLY_KEY, bearer

EVENT = {"id": "evt-1", "type": "sale_order.release_requested", "source": "odoo",
         "data": {"_model": "sale.order", "_id": 3, "write_uid": 2}}


@pytest.fixture
def api(app_without_odoo):
    return app_without_odoo.test_client()


def nothing_stored(app, key):
    with app.extensions["sidecar"].db.transaction() as conn:
        return idempotency.find(conn, key) is None


def test_health_needs_no_credentials(api):
    assert api.get("/health").json == {"status": "ok"}


def test_ready_names_odoo_when_it_is_down(api):
    answer = api.get("/ready")
    assert answer.status_code == 503
    assert answer.json["checks"]["store"]["ok"] is True
    assert answer.json["checks"]["odoo"]["category"] == "odoo_unreachable"


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "credentials_missing"),
    ({"Authorization": "Bearer not-a-key"}, 401, "invalid_api_key"),
    (bearer(READONLY_KEY), 403, "out_of_scope"),
])
def test_api_key_problems(api, app_without_odoo, headers, status, code):
    answer = api.post("/v1/events", json=EVENT, headers=headers)
    assert answer.status_code == status
    assert answer.json["error"]["code"] == code
    assert nothing_stored(app_without_odoo, EVENT["id"])


@pytest.mark.parametrize("body, status, code, pointer", [
    (b"{not json", 400, "malformed_json", None),
    (b"", 400, "malformed_json", None),
    (b"[1, 2]", 400, "malformed_json", ""),
    (json.dumps({**EVENT, "type": "sale_order.teleported"}).encode(), 422, "unknown_event_type", "/type"),
    (json.dumps({**EVENT, "data": {"_model": "sale.order"}}).encode(), 400, "invalid_payload", "/data"),
    (json.dumps({**EVENT, "data": {"_model": "sale.order", "_id": -4}}).encode(), 400, "invalid_payload", "/data/_id"),
    (json.dumps({"type": "x"}).encode(), 400, "invalid_payload", ""),
    (json.dumps({**EVENT, "data": {**EVENT["data"], "write_date": "2026-11-25T02:17:01Z"}}).encode(), 400,
     "invalid_payload", "/data/write_date"),
    (json.dumps({**EVENT, "data": {**EVENT["data"], "write_date": 1795572890}}).encode(), 400,
     "invalid_payload", "/data/write_date"),
])
def test_bad_bodies(api, app_without_odoo, body, status, code, pointer):
    answer = api.post("/v1/events", data=body, headers={**bearer(), "Content-Type": "application/json"})
    assert answer.status_code == status, answer.json
    error = answer.json["error"]
    assert error["code"] == code and error["message"]
    if pointer is not None:
        assert pointer in [d.get("pointer") for d in error["details"]]
    with app_without_odoo.extensions["sidecar"].db.transaction() as conn:
        assert not any(e["kind"] == "event.received" for e in audit.entries(conn))


def test_oversized_body_is_413(api):
    big = json.dumps({**EVENT, "data": {**EVENT["data"], "note": "x" * 300_000}})
    answer = api.post("/v1/events", data=big, headers={**bearer(), "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json["error"]["code"] == "request_entity_too_large"


def test_unknown_route_and_method_are_json(api):
    assert api.get("/v1/nothing").json["error"]["code"] == "not_found"
    answer = api.delete("/v1/events", headers=bearer())
    assert answer.status_code == 405 and answer.json["error"]["code"] == "method_not_allowed"


def test_odoo_down_parks_the_event_once_and_answers_503(api):
    event = {**EVENT, "id": "evt-parked"}
    first = api.post("/v1/events", json=event, headers=bearer())
    second = api.post("/v1/events", json=event, headers=bearer())
    assert first.status_code == second.status_code == 503
    assert first.json["error"]["code"] == "odoo_unreachable"
    letter_id = first.json["error"]["details"][0]["dead_letter_id"]
    assert second.json["error"]["details"][0]["dead_letter_id"] == letter_id
    letters = api.get("/v1/dead-letters?kind=event", headers=bearer(ALL_SCOPES_KEY)).json["items"]
    assert [l["id"] for l in letters if l["ref"] == "evt-parked"] == [letter_id]
    shown = api.get(f"/v1/dead-letters/{letter_id}", headers=bearer(ALL_SCOPES_KEY)).json
    assert shown["detail"]["event"] == event and shown["replayable"] is True


@pytest.mark.parametrize("url, code", [
    ("/v1/dead-letters?limit=0", "invalid_payload"),
    ("/v1/approvals?status=maybe", "invalid_payload"),
    ("/v1/approvals/apr_missing", "not_found"),
    ("/v1/releases/rel_missing", "not_found"),
    ("/v1/dead-letters/dl_missing", "not_found"),
])
def test_reads_validate_their_parameters(api, url, code):
    answer = api.get(url, headers=bearer(ALL_SCOPES_KEY))
    assert answer.json["error"]["code"] == code


def test_failure_report_and_its_repeat_make_one_dead_letter(api):
    report = {"execution": {"id": "231", "lastNodeExecuted": "Sidecar: decide release",
                            "error": {"message": "503 - Odoo unreachable"}},
              "workflow": {"id": "wf1", "name": "Sales order release"}}
    first = api.post("/v1/dead-letters", json=report, headers=bearer())
    second = api.post("/v1/dead-letters", json=report, headers=bearer())
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    assert first.json["category"] == "n8n_failure" and first.json["replayable"] is False
    replay = api.post(f"/v1/dead-letters/{first.json['id']}/replay", headers=bearer(ALL_SCOPES_KEY))
    assert replay.status_code == 409 and replay.json["error"]["code"] == "not_replayable"


def test_audit_verify_over_http(api):
    answer = api.get("/v1/audit/verify", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 200 and answer.json["ok"] is True
    assert api.get("/v1/audit/verify", headers=bearer(N8N_KEY)).status_code == 403
