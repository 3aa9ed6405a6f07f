"""Standard Webhooks signed requests: verification (good, rotated secrets, stale, forged, replayed, wrong scope),
webhook-id as the idempotency key, and the signing clients' configuration. Signatures are made by the
`standardwebhooks` library itself (tests/support/signing.py), never by the code under test."""
from __future__ import annotations

import json
import time

import pytest
from werkzeug.datastructures import Headers

from sidecar.auth import authenticate
from sidecar.config import load_settings
from sidecar.errors import ConfigError, Unauthenticated
from tests.conftest import ALL_SCOPES_KEY, bearer, sidecar_env
from tests.support.signing import FORGED_SECRET, SHOP_NEW_SECRET, SHOP_OLD_SECRET, signed

BODY = json.dumps({"hello": "odoo"}).encode()
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return load_settings(sidecar_env(tmp_path_factory.mktemp("signing"), "http://127.0.0.1:9"))


def refusal(settings, headers, body=BODY) -> str:
    with pytest.raises(Unauthenticated) as refused:
        authenticate(settings, Headers(headers), body)
    assert refused.value.status == 401
    return refused.value.code


@pytest.mark.parametrize("secrets", [(SHOP_OLD_SECRET,), (SHOP_NEW_SECRET,), (FORGED_SECRET, SHOP_NEW_SECRET),
                                     (SHOP_NEW_SECRET, SHOP_OLD_SECRET)],
                         ids=["old secret", "new secret", "one good of several", "both while rotating"])
def test_a_signature_by_any_secret_of_the_client_names_it(settings, secrets):
    caller = authenticate(settings, Headers(signed(BODY, *secrets, message_id="msg_1")), BODY)
    assert caller.client.name == "shop" and caller.message_id == "msg_1"
    assert caller.client.scopes == {"events.write"}


@pytest.mark.parametrize("make, code", [
    (lambda: signed(BODY, FORGED_SECRET), "invalid_signature"),
    (lambda: signed(BODY + b" "), "invalid_signature"),  # signed another body
    (lambda: {**signed(BODY), "webhook-id": "msg_other"}, "invalid_signature"),  # the id is signed too
    (lambda: {**signed(BODY), "webhook-signature": "v1,AAAA"}, "invalid_signature"),
    (lambda: {**signed(BODY), "webhook-signature": "v1"}, "invalid_signature"),  # the library's ValueError
    (lambda: {**signed(BODY), "webhook-signature": "v1,%%%not base64"}, "invalid_signature"),
    (lambda: {**signed(BODY), "webhook-signature": "v2," + signed(BODY)["webhook-signature"][3:]},
     "invalid_signature"),  # only v1 is a signature version
    (lambda: signed(BODY, at=time.time() - 3600), "stale_signature"),
    (lambda: signed(BODY, at=time.time() + 3600), "stale_signature"),
    (lambda: {**signed(BODY), "webhook-timestamp": "1e9"}, "invalid_signature"),
    (lambda: {k: v for k, v in signed(BODY).items() if k != "webhook-id"}, "signature_missing"),
    (lambda: {k: v for k, v in signed(BODY).items() if k != "webhook-timestamp"}, "signature_missing"),
    (lambda: {}, "credentials_missing"),
])
def test_forged_stale_and_incomplete_signatures_are_refused(settings, make, code):
    assert refusal(settings, make()) == code


def test_a_body_that_is_not_utf8_is_refused_not_a_crash(settings):
    body = b"\xff\xfe"
    headers = signed(b"x")
    assert refusal(settings, headers, body) == "invalid_signature"


def test_an_api_key_still_authenticates_beside_signatures(settings):
    caller = authenticate(settings, Headers(bearer()), b"")
    assert caller.client.name == "n8n" and caller.message_id is None


# -- through the app ---------------------------------------------------------------------------------------------

@pytest.fixture
def api(app_without_odoo):
    return app_without_odoo.test_client()


def test_a_signed_client_without_the_scope_is_403(api):
    answer = api.post("/v1/dead-letters/dl_nope1/replay", data=b"{}", headers={**JSON, **signed(b"{}")})
    assert answer.status_code == 403 and answer.json["error"]["code"] == "out_of_scope"


def test_stale_and_forged_are_401_in_the_error_shape(api):
    for headers, code in [(signed(BODY, at=time.time() - 600), "stale_signature"),
                          (signed(BODY, FORGED_SECRET), "invalid_signature")]:
        answer = api.post("/v1/events", data=BODY, headers={**JSON, **headers})
        assert answer.status_code == 401 and answer.json["error"]["code"] == code and answer.json["error"]["message"]


def test_idempotency_key_and_webhook_id_must_agree(api):
    body = json.dumps({"id": "evt-1", "type": "sale_order.teleported", "source": "shop", "data": {}}).encode()
    headers = {**JSON, **signed(body, message_id="msg_a"), "Idempotency-Key": "msg_b"}
    answer = api.post("/v1/events", data=body, headers=headers)
    assert answer.status_code == 400 and answer.json["error"]["code"] == "idempotency_key_mismatch"
    same = api.post("/v1/events", data=body, headers={**headers, "Idempotency-Key": "msg_a"})
    assert same.status_code == 422  # the same key twice is one key: on to the body's own check


def test_a_replay_on_a_route_that_keeps_no_answer_is_refused_without_running_again(api):
    body = json.dumps({"to": "approved"}).encode()
    headers = {**JSON, **signed(body)}
    first = api.post("/v1/price-changes/pc_nope/transitions", data=body, headers=headers)
    assert first.status_code in (400, 404), first.json  # authenticated; the route's own answer
    again = api.post("/v1/price-changes/pc_nope/transitions", data=body, headers=headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "webhook_replayed"
    fresh = api.post("/v1/price-changes/pc_nope/transitions", data=body, headers={**JSON, **signed(body)})
    assert fresh.status_code == first.status_code  # another webhook-id is another message


def test_a_signed_request_that_got_a_5xx_can_be_delivered_again_as_it_is(api):
    body = json.dumps({"id": "evt-signed-503", "type": "sale_order.release_requested", "source": "odoo",
                       "data": {"_model": "sale.order", "_id": 3, "write_uid": 2}}).encode()
    headers = {**JSON, **signed(body)}
    first = api.post("/v1/events", data=body, headers=headers)
    assert first.status_code == 503  # authenticated; Odoo (a closed port here) is down
    again = api.post("/v1/events", data=body, headers=headers)
    assert again.status_code == 503, again.json  # the same webhook-id: the same parked letter, not a refusal
    assert again.json["error"]["details"] == first.json["error"]["details"]


# -- configuration ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("clients, problem", [
    ("shop:not-a-whsec-secret-0123456789:events.write", "must be whsec_ followed by base64"),
    ("shop:whsec_c2hvcnQ=:events.write", "at least 24 random bytes"),
    (f"shop:{SHOP_OLD_SECRET},whsec_%%%:events.write", "secret 2 must be whsec_"),
])
def test_signing_clients_need_standard_webhooks_secrets(tmp_path, clients, problem):
    with pytest.raises(ConfigError) as refused:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_WEBHOOK_CLIENTS=clients))
    assert any(problem in p for p in refused.value.problems), refused.value.problems
    assert not any(SHOP_OLD_SECRET in p for p in refused.value.problems)  # a secret is never echoed


def test_the_old_hmac_clients_variable_is_refused_with_the_way_forward(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_HMAC_CLIENTS="shop:x" * 3))
    assert any("SIDECAR_WEBHOOK_CLIENTS" in p for p in refused.value.problems)


def test_the_signature_window_is_at_most_the_libraries(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_SIGNATURE_TOLERANCE="900"))
    assert "SIDECAR_SIGNATURE_TOLERANCE: must be at most 300" in refused.value.problems


def test_a_replayed_webhook_id_answers_the_stored_result_with_one_effect(client, odoo_seed):
    """webhook-id is the idempotency key: the same message again is answered as the first time, nothing more."""
    warehouse = odoo_seed.search_read("stock.warehouse", [("company_id", "=", odoo_seed.company_id())], ["code"],
                                      limit=1, order="id")[0]["code"]
    body = json.dumps({"product_id": odoo_seed.product(cost=1.0, price=2.0), "warehouse": warehouse,
                       "quantity": 4}).encode()
    headers = {**JSON, **signed(body, SHOP_OLD_SECRET, SHOP_NEW_SECRET)}
    first = client.post("/v1/inventory/positions", data=body, headers=headers)
    assert first.status_code == 201, first.json
    again = client.post("/v1/inventory/positions", data=body, headers=headers)
    assert again.status_code == 201 and again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    shown = client.get(f"/v1/inventory/positions/{first.json['id']}", headers=bearer(ALL_SCOPES_KEY))
    assert shown.json["quantities"]["received"] == 4 and len(shown.json["moves"]) == 1
    other = json.dumps({**json.loads(body), "quantity": 5}).encode()
    reused = client.post("/v1/inventory/positions", data=other,
                         headers={**JSON, **signed(other, message_id=headers["webhook-id"])})
    assert reused.status_code == 409 and reused.json["error"]["code"] == "idempotency_key_reused"


def test_the_routes_that_take_webhook_id_as_their_key_are_those_whose_spec_declares_one(app_without_odoo):
    from sidecar.limits import openapi_path
    from sidecar.specs import load_specs
    declared = {(s["method"], s["path"]) for s in load_specs() if "Idempotency-Key" in (s.get("headers") or {})}
    keyed = {(method, openapi_path(rule.rule)) for rule in app_without_odoo.url_map.iter_rules()
             if getattr(app_without_odoo.view_functions[rule.endpoint], "keyed", False)
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert keyed == declared and declared
