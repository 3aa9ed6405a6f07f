"""The ops console (/console) through Flask's test client: sign-in, CSRF, roles, and every action going
through the API's own functions, audited with the signed-in name."""
import re

import pytest
import sqlalchemy as sa

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.console import service
from sidecar.console.users import hash_password
from sidecar.console.web import identify
from sidecar.store import audit, schema
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY, READONLY_KEY, bearer, sidecar_env

PASSWORDS = {"olive": "olive-replays-123", "rita": "rita-reads-456", "adam": "adam-moves-789"}
ROLES = {"olive": "replay", "rita": "read", "adam": "admin"}
MISSING_ORDER = 2_000_000_000


def users_json() -> str:
    import json
    return json.dumps({name: {"password_hash": hash_password(PASSWORDS[name]), "role": ROLES[name]}
                       for name in PASSWORDS})


USERS = users_json()  # hashing is slow on purpose: once per module


def console_env(tmp_path, odoo_proxy, odoo_target, **extra):
    return sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                       SIDECAR_CONSOLE_USERS=USERS, SIDECAR_N8N_URL="http://n8n.example.test:5678", **extra)


@pytest.fixture
def app(tmp_path, odoo_target, odoo_proxy):
    application = create_app(settings=load_settings(console_env(tmp_path, odoo_proxy, odoo_target)))
    yield application
    application.extensions["sidecar"].close()


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def sign_in(client, login=None, password=None, api_key=None):
    token = csrf_of(client.get("/console/sign-in"))
    form = {"csrf_token": token, "next": "/console"}
    form.update({"api_key": api_key} if api_key else {"login": login, "password": password or PASSWORDS[login]})
    return client.post("/console/sign-in", data=form)


@pytest.fixture
def olive(client):
    assert sign_in(client, "olive").status_code == 303
    return client


def park(client, odoo_proxy, event_id, order_id=MISSING_ORDER):
    """A real failure: the event arrives while Odoo is down and is parked in a dead letter."""
    odoo_proxy.go_down()
    try:
        answer = client.post("/v1/events", headers=bearer(), json={
            "id": event_id, "type": "sale_order.release_requested", "source": "odoo",
            "data": {"_model": "sale.order", "_id": order_id, "write_uid": 2}})
    finally:
        odoo_proxy.come_up()
    assert answer.status_code == 503, answer.json
    return answer.json["error"]["details"][0]["dead_letter_id"]


def letter_status(client, letter_id):
    return client.get(f"/v1/dead-letters/{letter_id}", headers=bearer(ALL_SCOPES_KEY)).json["status"]


def entries(services, **filters):
    with services.db.read() as conn:
        return [(e["kind"], e["subject"], e["actor"]) for e in audit.entries(conn, **filters)]


# -- nobody unsigned sees or does anything --------------------------------------------------------------

PAGES = ["/console", "/console/dead-letters", "/console/dead-letters/dl_x1", "/console/approvals", "/console/audit",
         "/console/policy"]


@pytest.mark.parametrize("path", PAGES)
def test_an_unsigned_visitor_is_sent_to_sign_in_and_sees_nothing(client, path):
    answer = client.get(path)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/console/sign-in?next=")
    assert b"dl_" not in answer.get_data().replace(b"dl_x1", b"")


def test_an_api_key_header_is_no_console_session(client):
    assert client.get("/console", headers=bearer(ALL_SCOPES_KEY)).status_code == 303


def test_actions_without_a_session_are_refused_and_change_nothing(client, services, odoo_proxy):
    letter_id = park(client, odoo_proxy, "evt-console-unsigned")
    token = csrf_of(client.get("/console/sign-in"))  # a real token of an anonymous session
    before = entries(services)
    for path, form in [("/console/dead-letters/replay", {"ids": letter_id}),
                       (f"/console/dead-letters/{letter_id}/close", {"action": "resolve", "reason": "x"})]:
        answer = client.post(path, data={"csrf_token": token, **form})
        assert answer.status_code == 403 and b"Sign in" in answer.get_data()
    assert letter_status(client, letter_id) == "open" and entries(services) == before


# -- sign-in and the session cookie ---------------------------------------------------------------------

def test_sign_in_sets_a_console_only_httponly_samesite_cookie(client):
    answer = sign_in(client, "olive")
    assert answer.status_code == 303 and answer.headers["Location"] == "/console"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie
    page = client.get("/console")
    assert page.status_code == 200 and b"olive" in page.get_data()
    assert "nonce-" in page.headers["Content-Security-Policy"] and page.headers["Cache-Control"] == "no-store"


def test_the_cookie_is_secure_when_configured(tmp_path, odoo_target, odoo_proxy):
    application = create_app(settings=load_settings(console_env(
        tmp_path, odoo_proxy, odoo_target, SIDECAR_CONSOLE_SECURE_COOKIE="true")))
    try:
        client = application.test_client()
        token = csrf_of(client.get("/console/sign-in", base_url="https://localhost"))
        answer = client.post("/console/sign-in", base_url="https://localhost", headers={"Referer": "https://localhost/"},
                             data={"csrf_token": token, "login": "olive", "password": PASSWORDS["olive"]})
        assert answer.status_code == 303 and "Secure" in answer.headers["Set-Cookie"]
    finally:
        application.extensions["sidecar"].close()


@pytest.mark.parametrize("form", [{"login": "olive", "password": "wrong"}, {"login": "nobody", "password": "x"},
                                  {"api_key": "not-a-key"}, {"login": "olive", "password": ""}])
def test_wrong_credentials_get_no_session(client, services, form):
    token = csrf_of(client.get("/console/sign-in"))
    answer = client.post("/console/sign-in", data={"csrf_token": token, **form})
    assert answer.status_code == 401 and b"not valid" in answer.get_data()
    assert client.get("/console").status_code == 303
    assert not [e for e in entries(services) if e[0] == "console.signed_in"]


def test_an_api_key_signs_in_with_its_own_scopes(client, services):
    assert sign_in(client, api_key=ALL_SCOPES_KEY).status_code == 303
    assert client.get("/console/dead-letters").status_code == 200
    assert ("console.signed_in", "ops", "ops") in entries(services)


def test_a_key_without_the_scope_sees_no_page(client):
    assert sign_in(client, api_key=READONLY_KEY).status_code == 303  # releases.read only
    assert client.get("/console/dead-letters").status_code == 403
    assert client.get("/console/policy").status_code == 200


def test_sign_in_never_redirects_off_the_console(client):
    token = csrf_of(client.get("/console/sign-in"))
    answer = client.post("/console/sign-in", data={"csrf_token": token, "login": "olive",
                                                   "password": PASSWORDS["olive"], "next": "//evil.example/x"})
    assert answer.headers["Location"] == "/console"


def test_a_session_ends_when_the_password_changes(app):
    settings = app.extensions["sidecar"].settings
    from sidecar.console.users import fingerprint
    proof = fingerprint(settings.console_users["olive"].password_hash)
    assert identify(settings, "user", "olive", proof).name == "olive"
    assert identify(settings, "user", "olive", fingerprint("an older hash")) is None
    assert identify(settings, "key", "ops", proof) is None


def test_sign_out_ends_the_session(olive, services):
    token = csrf_of(olive.get("/console"))
    assert olive.post("/console/sign-out", data={"csrf_token": token}).status_code == 303
    assert olive.get("/console").status_code == 303
    assert ("console.signed_out", "olive", "olive") in entries(services)


# -- CSRF ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", [None, "", "forged-token", "IjBhYmMi.Z2ZmZg.forged"])
def test_a_forged_form_post_is_refused(olive, services, odoo_proxy, token):
    letter_id = park(olive, odoo_proxy, f"evt-console-csrf-{len(token or '')}")
    form = {"action": "resolve", "reason": "forged"}
    if token is not None:
        form["csrf_token"] = token
    answer = olive.post(f"/console/dead-letters/{letter_id}/close", data=form)
    assert answer.status_code == 403 and b"did not come from your signed-in page" in answer.get_data()
    assert letter_status(olive, letter_id) == "open"
    assert not [e for e in entries(services) if e[0] == "deadletter.resolved"]


def test_another_sessions_token_is_refused(app, olive, odoo_proxy):
    letter_id = park(olive, odoo_proxy, "evt-console-other-session")
    stranger = app.test_client()
    foreign = csrf_of(stranger.get("/console/sign-in"))
    answer = olive.post(f"/console/dead-letters/{letter_id}/close",
                        data={"csrf_token": foreign, "action": "resolve", "reason": "x"})
    assert answer.status_code == 403 and letter_status(olive, letter_id) == "open"


def test_a_json_post_is_not_a_form(olive):
    assert olive.post("/console/dead-letters/replay", json={"ids": ["dl_x"]}).status_code == 415


# -- dead letters ----------------------------------------------------------------------------------------

def test_a_real_failure_shows_on_the_overview_and_its_page(olive, odoo_proxy, odoo_target):
    letter_id = park(olive, odoo_proxy, "evt-console-overview")
    overview = olive.get("/console").get_data(as_text=True)
    assert "Odoo unreachable" in overview and "category=odoo_unreachable" in overview
    listed = olive.get("/console/dead-letters?category=odoo_unreachable").get_data(as_text=True)
    assert letter_id in listed
    page = olive.get(f"/console/dead-letters/{letter_id}").get_data(as_text=True)
    assert "sale_order.release_requested evt-console-overview not decided" in page
    assert f"{odoo_proxy.url}/web#id={MISSING_ORDER}&amp;model=sale.order&amp;view_type=form" in page
    assert "event.parked" in page  # the audit trail of the event
    assert "Replay this letter" in page and "Resolve: done another way" in page


def test_an_n8n_failure_links_to_its_execution(olive):
    report = {"execution": {"id": "4242", "lastNodeExecuted": "Sidecar: decide release",
                            "error": {"message": "timeout calling the carrier"}},
              "workflow": {"id": "wfA", "name": "Sales order release"}}
    created = olive.post("/v1/dead-letters", json=report, headers=bearer(N8N_KEY)).json
    page = olive.get(f"/console/dead-letters/{created['id']}").get_data(as_text=True)
    assert "http://n8n.example.test:5678/workflow/wfA/executions/4242" in page
    assert "timeout calling the carrier" in page


def test_filters_by_flow_age_and_document(olive, odoo_proxy):
    letter_id = park(olive, odoo_proxy, "evt-console-filters")
    olive.post("/v1/dead-letters", headers=bearer(N8N_KEY), json={  # a report without an event has no flow
        "execution": {"id": "77", "error": {"message": "x"}}, "workflow": {"id": "w", "name": "W"}})
    assert letter_id in olive.get(f"/console/dead-letters?document={MISSING_ORDER}").get_data(as_text=True)
    assert letter_id not in olive.get("/console/dead-letters?document=1").get_data(as_text=True)
    assert letter_id in olive.get("/console/dead-letters?flow=sales-order-release").get_data(as_text=True)
    assert letter_id not in olive.get("/console/dead-letters?flow=purchase-approval").get_data(as_text=True)
    assert letter_id not in olive.get("/console/dead-letters?age=1h").get_data(as_text=True)
    assert olive.get("/console/dead-letters?category=nope").status_code == 400


def test_replay_a_category_then_again_is_already_done(olive, services, odoo_proxy, healthy_quotation, odoo_seed):
    letter_id = park(olive, odoo_proxy, "evt-console-replay", order_id=healthy_quotation)
    token = csrf_of(olive.get("/console/dead-letters?category=odoo_unreachable"))
    first = olive.post("/console/dead-letters/replay", data={"csrf_token": token, "category": "odoo_unreachable"})
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and f'data-outcome="replayed" data-letter="{letter_id}"' in text
    assert "1 replayed, 0 already done, 0 failed" in text
    again = olive.post("/console/dead-letters/replay", data={"csrf_token": token, "ids": letter_id})
    assert f'data-outcome="already_done" data-letter="{letter_id}"' in again.get_data(as_text=True)
    with services.db.read() as conn:
        decided = conn.execute(sa.select(sa.func.count()).select_from(schema.releases)
                               .where(schema.releases.c.order_id == healthy_quotation)).scalar_one()
    assert decided == 1  # one decision, however often it is replayed
    assert ("deadletter.replayed", letter_id, "olive") in entries(services, subject=letter_id)


def test_a_replay_that_fails_says_so(olive, odoo_proxy):
    letter_id = park(olive, odoo_proxy, "evt-console-fails")  # the order does not exist: refused for good
    token = csrf_of(olive.get("/console/dead-letters"))
    text = olive.post("/console/dead-letters/replay", data={"csrf_token": token, "ids": letter_id}).get_data(as_text=True)
    assert 'data-outcome="failed"' in text and "replay_refused" in text and "0 replayed, 0 already done, 1 failed" in text


@pytest.mark.parametrize("action, status", [("resolve", "resolved"), ("abandon", "abandoned")])
def test_resolve_or_abandon_needs_a_reason_and_is_audited_with_the_signed_in_name(olive, services, odoo_proxy,
                                                                                   action, status):
    letter_id = park(olive, odoo_proxy, f"evt-console-{action}")
    token = csrf_of(olive.get(f"/console/dead-letters/{letter_id}"))
    blank = olive.post(f"/console/dead-letters/{letter_id}/close", data={"csrf_token": token, "action": action,
                                                                         "reason": "   "})
    assert blank.status_code == 400 and letter_status(olive, letter_id) == "open"
    done = olive.post(f"/console/dead-letters/{letter_id}/close", data={"csrf_token": token, "action": action,
                                                                        "reason": "confirmed by phone"})
    assert done.status_code == 200 and letter_status(olive, letter_id) == status
    assert (f"deadletter.{status}", letter_id, "olive") in entries(services, subject=letter_id)
    twice = olive.post(f"/console/dead-letters/{letter_id}/close", data={"csrf_token": token, "action": action,
                                                                         "reason": "again"})
    assert twice.status_code == 409


def test_a_read_only_user_sees_but_cannot_act(client, odoo_proxy):
    letter_id = park(client, odoo_proxy, "evt-console-readonly")
    assert sign_in(client, "rita").status_code == 303
    page = client.get(f"/console/dead-letters/{letter_id}").get_data(as_text=True)
    assert "Replay this letter" not in page and "Resolve" not in page
    token = csrf_of(client.get("/console"))
    refused = client.post("/console/dead-letters/replay", data={"csrf_token": token, "ids": letter_id})
    assert refused.status_code == 403 and letter_status(client, letter_id) == "open"


# -- approvals -------------------------------------------------------------------------------------------

@pytest.fixture
def waiting(client, odoo_seed, thin_margin_quotation):
    answer = client.post("/v1/events", headers=bearer(), json={
        "id": f"odoo:sale.order:{thin_margin_quotation}:console", "type": "sale_order.release_requested",
        "source": "odoo", "data": {"_model": "sale.order", "_id": thin_margin_quotation,
                                   "write_uid": odoo_seed.user_id("admin")}})
    assert answer.status_code == 201 and answer.json["outcome"] == "approve", answer.json
    return answer.json


def test_approvals_by_tier_with_age_against_sla_and_late_marked(client, services, waiting):
    assert sign_in(client, "rita").status_code == 303
    page = client.get("/console/approvals").get_data(as_text=True)
    assert waiting["approval_id"] in page and "sales-manager" in page and "Move" not in page
    rows = service.approvals_board(services)
    assert [r["late"] for r in rows if r["id"] == waiting["approval_id"]] == [False]
    late = service.approvals_board(services, now=10 ** 11)
    assert [r["late"] for r in late if r["id"] == waiting["approval_id"]] == [True]


def test_approvals_show_the_apis_priority_and_order_by_it(client, odoo_seed):
    from tests.test_approval_priority import asked, submitted
    small = asked(client, odoo_seed, submitted(odoo_seed, 1))["approval_id"]  # the older, the lower priority
    large = asked(client, odoo_seed, submitted(odoo_seed, 40))["approval_id"]
    api = client.get("/v1/approvals", query_string={"status": "pending", "sort": "priority"},
                     headers=bearer(ALL_SCOPES_KEY)).json["items"]
    scores = {item["id"]: item["advice"]["priority"]["score"] for item in api}
    assert sign_in(client, "rita").status_code == 303

    def shown(query: str) -> list[tuple[str, float]]:
        page = client.get(f"/console/approvals{query}")
        assert page.status_code == 200
        rows = re.findall(r'data-approval="(\w+)">(.*?)</tr>', page.get_data(as_text=True), re.S)
        return [(approval_id, float(re.search(r'data-priority="([\d.]+)"', row).group(1))) for approval_id, row in rows]
    ranked = shown("?sort=priority")
    assert [(approval_id, scores[approval_id]) for approval_id, _ in ranked] == ranked  # the API's scores
    assert [score for _, score in ranked] == sorted(scores.values(), reverse=True)
    assert [approval_id for approval_id, _ in ranked if approval_id in (large, small)] == [large, small]
    by_tier = shown("")  # by tier and approver, the oldest first: the same priorities in another order
    assert sorted(by_tier) == sorted(ranked)
    assert [approval_id for approval_id, _ in by_tier if approval_id in (large, small)] == [small, large]
    assert client.get("/console/approvals?sort=loudest").status_code == 400


def test_delegate_needs_the_admin_role_and_a_reason_and_decides_nothing(client, services, waiting):
    approval_id = waiting["approval_id"]
    assert sign_in(client, "olive").status_code == 303  # replay role: no approvals.admin
    token = csrf_of(client.get("/console/approvals"))
    form = {"csrf_token": token, "action": "escalate", "target": "finance-director", "reason": "manager away"}
    assert client.post(f"/console/approvals/{approval_id}/move", data=form).status_code == 403
    assert sign_in(client, "adam").status_code == 303
    token = csrf_of(client.get("/console/approvals"))
    no_reason = client.post(f"/console/approvals/{approval_id}/move", data={**form, "csrf_token": token, "reason": ""})
    assert no_reason.status_code == 400
    moved = client.post(f"/console/approvals/{approval_id}/move", data={**form, "csrf_token": token})
    assert moved.status_code == 200 and "finance-director" in moved.get_data(as_text=True)
    assert "approvals/decision" not in moved.get_data(as_text=True)  # the approvers' links are theirs alone
    approval = client.get(f"/v1/approvals/{approval_id}", headers=bearer(ALL_SCOPES_KEY)).json
    assert approval["status"] == "pending" and approval["role"] == "finance-director"
    assert ("approval.rerouted", approval_id, "adam") in entries(services, subject=approval_id)


# -- audit and policy ------------------------------------------------------------------------------------

def test_audit_search_by_actor_document_and_kind_and_verify(olive, services, odoo_proxy):
    letter_id = park(olive, odoo_proxy, "evt-console-audit")
    token = csrf_of(olive.get(f"/console/dead-letters/{letter_id}"))
    olive.post(f"/console/dead-letters/{letter_id}/close", data={"csrf_token": token, "action": "abandon",
                                                                 "reason": "customer withdrew"})
    by_actor = olive.get("/console/audit?actor=olive&kind=deadletter.").get_data(as_text=True)
    assert "deadletter.abandoned" in by_actor and letter_id in by_actor and "event.parked" not in by_actor
    by_event = olive.get("/console/audit?event=evt-console-audit").get_data(as_text=True)
    assert "event.parked" in by_event
    assert olive.get("/console/audit?since=yesterday").status_code == 400
    intact = olive.get("/console/audit?verify=1").get_data(as_text=True)
    assert "Chain intact" in intact
    with services.db.transaction() as conn:  # someone edits the trail behind the sidecar's back
        conn.execute(schema.audit_log.update().where(schema.audit_log.c.seq == 2).values(actor="mallory"))
    broken = olive.get("/console/audit?verify=1").get_data(as_text=True)
    assert "Chain broken" in broken and "First broken entry: #2" in broken


def test_policy_in_force_and_a_stored_decision_explained(client, services, healthy_quotation):
    decided = client.post("/v1/events", headers=bearer(), json={
        "id": "evt-console-policy", "type": "sale_order.release_requested", "source": "odoo",
        "data": {"_model": "sale.order", "_id": healthy_quotation, "write_uid": 2}}).json
    assert sign_in(client, "rita").status_code == 303
    page = client.get(f"/console/policy?release={decided['release_id']}").get_data(as_text=True)
    policy = services.policy
    assert policy.version in page and policy.hash in page and "sales-order-release" in page
    assert f"Decision {decided['release_id']}: release" in page and "margin" in page
    assert client.get("/console/policy?release=rel_missing").status_code == 404


# -- the same actions from the command line ----------------------------------------------------------------

@pytest.fixture
def run_cli(tmp_path, odoo_proxy, odoo_target, monkeypatch, capsys):
    """`python -m sidecar ...` in this process, on the `app` fixture's store and Odoo."""
    import io
    from types import SimpleNamespace

    from sidecar.cli import main
    for name, value in console_env(tmp_path, odoo_proxy, odoo_target).items():
        monkeypatch.setenv(name, value)

    def run(*argv, stdin=None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)
    return run


def test_cli_bulk_replay_shows_progress_a_summary_and_fails_when_an_item_failed(client, run_cli, odoo_proxy,
                                                                                  healthy_quotation):
    import json
    good = park(client, odoo_proxy, "evt-cli-good", order_id=healthy_quotation)
    bad = park(client, odoo_proxy, "evt-cli-bad")  # its order does not exist: refused for good
    result = run_cli("dlq", "replay", "--category", "odoo_unreachable")
    assert result.returncode == 1, result.stderr
    assert "[1/2]" in result.stderr and "[2/2]" in result.stderr
    assert "2 letter(s): 1 replayed, 0 already done, 1 failed" in result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary == {"total": 2, "replayed": 1, "already_done": 0, "failed": 1}
    again = run_cli("dlq", "replay", good)
    assert again.returncode == 0 and "Already done" in again.stderr
    assert letter_status(client, bad) == "closed"


def test_cli_moves_an_approval_searches_the_audit_and_shows_policies(client, run_cli, services, waiting):
    import json
    approval_id = waiting["approval_id"]
    assert run_cli("approvals", "move", approval_id, "--escalate-to", "finance-director").returncode == 2
    moved = run_cli("approvals", "move", approval_id, "--escalate-to", "finance-director", "--reason", "away")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["approval"]["role"] == "finance-director"
    board = json.loads(run_cli("approvals", "list").stdout)
    assert [row["role"] for row in board if row["id"] == approval_id] == ["finance-director"]
    found = json.loads(run_cli("audit", "search", "--actor", "cli", "--kind", "approval.").stdout)
    assert [(e["kind"], e["subject"]) for e in found] == [("approval.rerouted", approval_id)]
    by_document = json.loads(run_cli("audit", "search", "--document", waiting["order_name"]).stdout)
    assert {"event.received", "approval.rerouted"} <= {e["kind"] for e in by_document}
    shown = json.loads(run_cli("policy", "show", "--flow", "sales-order-release").stdout)
    assert shown[0]["hash"] == services.policy.hash
    explained = run_cli("policy", "explain", "--release", waiting["release_id"])
    assert explained.returncode == 0 and f"Decision {waiting['release_id']}" in explained.stdout


def test_cli_hashes_a_console_user_that_can_sign_in(tmp_path, odoo_target, odoo_proxy, run_cli):
    import json
    printed = run_cli("console-user", "hash", "nina", "--role", "replay", stdin="nina-long-password\n")
    assert printed.returncode == 0, printed.stderr
    entry = json.loads(printed.stdout)
    assert entry["nina"]["role"] == "replay" and "nina-long-password" not in printed.stdout
    application = create_app(settings=load_settings({**console_env(tmp_path, odoo_proxy, odoo_target),
                                                     "SIDECAR_CONSOLE_USERS": printed.stdout}))
    try:
        assert sign_in(application.test_client(), "nina", "nina-long-password").status_code == 303
    finally:
        application.extensions["sidecar"].close()
    assert run_cli("console-user", "hash", "nina", stdin="short\n").returncode == 2


@pytest.mark.parametrize("raw, problem", [
    ('{"ops": {"password_hash": "scrypt:x", "role": "read"}}', "an API key has this name"),
    ('{"eve": {"password_hash": "plain-text", "role": "read"}}', "needs a password_hash"),
    ('{"eve": {"password_hash": "scrypt:x", "role": "root"}}', "role must be one of read, replay, admin"),
    ('{"1eve": {"password_hash": "scrypt:x", "role": "read"}}', "a name is a letter"),
    ("{not json", "not valid JSON"),
    ("/nonexistent/users.json", "cannot read"),
])
def test_console_users_are_checked_at_start(tmp_path, raw, problem):
    from sidecar.errors import ConfigError
    with pytest.raises(ConfigError) as refused:
        load_settings(sidecar_env(tmp_path, "http://127.0.0.1:9", SIDECAR_CONSOLE_USERS=raw))
    assert problem in str(refused.value) and "plain-text" not in str(refused.value)
