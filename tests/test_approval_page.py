"""The approver's decision page: shows on GET, decides once on POST, with the API's checks."""
import time
from urllib.parse import urlencode

from sidecar.store import audit
from tests.test_approval_notice import demo, notices  # noqa: F401  (fixture)
from tests.test_approvals import links_of, pending, token_for  # noqa: F401  (fixture)


def page_url(approval_id, link):
    return f"/v1/approvals/{approval_id}/page?" + urlencode({"approve": link["approve_token"],
                                                             "reject": link["reject_token"]})


def form(link, decision, comment=""):
    return {"approve_token": link["approve_token"], "reject_token": link["reject_token"], "decision": decision,
            "comment": comment}


def test_the_page_shows_an_accessible_form_and_decides_nothing(client, pending):
    approval_id, link = pending["approval_id"], links_of(pending)
    shown = client.get(page_url(approval_id, link))
    assert shown.status_code == 200 and shown.mimetype == "text/html"
    html = shown.get_data(as_text=True)
    assert '<html lang="en">' in html and '<label for="comment">' in html and 'id="comment"' in html
    assert 'name="decision" value="approve"' in html and 'name="decision" value="reject"' in html
    assert shown.headers["Cache-Control"] == "no-store" and shown.headers["Referrer-Policy"] == "no-referrer"
    again = client.get(page_url(approval_id, link))
    assert again.status_code == 200
    assert client.get(f"/v1/approvals/{approval_id}", headers={"Authorization": "Bearer " + "x"}).status_code == 401


def test_the_form_decides_once_with_a_comment(client, services, pending):
    approval_id, link = pending["approval_id"], links_of(pending)
    done = client.post(f"/v1/approvals/{approval_id}/page", data=form(link, "approve", "good customer"))
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "now approved" in done.get_data(as_text=True)
    reused = client.post(f"/v1/approvals/{approval_id}/page", data=form(link, "reject"))
    assert reused.status_code == 409 and "already used" in reused.get_data(as_text=True)
    assert client.get(page_url(approval_id, link)).status_code == 409
    with services.db.read() as conn:
        entries = [e for e in audit.entries(conn) if e["subject"] == approval_id]
    voted = next(e for e in entries if e["kind"] == "approval.voted")
    assert voted["actor"] == "demo" and voted["data"]["channel"] == "page"
    assert voted["data"]["comment"] == "good customer"


def test_expired_forged_and_foreign_links_are_refused(client, pending):
    approval_id = pending["approval_id"]
    expired = {"approve_token": token_for(approval_id, "demo", expires_at=time.time() - 5),
               "reject_token": token_for(approval_id, "demo", "reject", expires_at=time.time() - 5)}
    answer = client.get(page_url(approval_id, expired))
    assert answer.status_code == 403 and "expired" in answer.get_data(as_text=True)
    posted = client.post(f"/v1/approvals/{approval_id}/page", data=form(expired, "approve"))
    assert posted.status_code == 403
    forged = {"approve_token": "abc.def", "reject_token": ""}
    assert client.get(page_url(approval_id, forged)).status_code == 403
    other = {"approve_token": token_for("apr_other", "demo"), "reject_token": ""}
    assert client.get(page_url(approval_id, other)).status_code == 403
    requester = {"approve_token": token_for(approval_id, "admin"), "reject_token": ""}
    refused = client.post(f"/v1/approvals/{approval_id}/page", data=form(requester, "approve"))
    assert refused.status_code == 403 and "may not approve" in refused.get_data(as_text=True)
    assert client.post(f"/v1/approvals/{approval_id}/page", json={"decision": "approve"}).status_code == 415
    state = client.get(f"/v1/approvals/{approval_id}", headers={"Authorization": "Bearer " + __import__(
        "tests.conftest", fromlist=["ALL_SCOPES_KEY"]).ALL_SCOPES_KEY})
    assert state.json["status"] == "pending" and state.json["votes"] == []


def test_with_a_public_url_the_links_and_the_private_notice_carry_the_page(tmp_path, odoo_target, odoo_proxy,
                                                                         odoo_seed, demo, thin_margin_quotation):
    from sidecar.app import create_app
    from sidecar.config import load_settings
    from sidecar.worker import OutboxWorker
    from tests.conftest import bearer, sidecar_env
    from tests.test_approvals import event_for
    env = sidecar_env(tmp_path, odoo_proxy.url, odoo_target.db, odoo_target.login, odoo_target.password,
                      SIDECAR_PUBLIC_URL="https://sidecar.example.com/")
    app = create_app(settings=load_settings(env))
    services, client = app.extensions["sidecar"], app.test_client()
    try:
        answer = client.post("/v1/events", json=event_for(thin_margin_quotation, odoo_seed.user_id("admin")),
                             headers=bearer()).json
        link = links_of(answer)
        assert link["page_url"].startswith(f"https://sidecar.example.com/v1/approvals/{answer['approval_id']}/page?")
        assert client.get(link["page_url"].removeprefix("https://sidecar.example.com")).status_code == 200
        OutboxWorker(services).drain()
        bodies = [m["body"] for m in notices(demo, thin_margin_quotation)]  # demo's private notice
        assert any("Decide with a comment: https://sidecar.example.com/v1/approvals/" in body for body in bodies)
    finally:
        services.close()
