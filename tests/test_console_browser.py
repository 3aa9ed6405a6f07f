"""The ops console as a person uses it: Debian's Chromium (Playwright for Python, no browser download)
against the sidecar served on a free port, with the Odoo double behind a proxy that can go down.

A screenshot of each page is kept under var/ci-artifacts/console/.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.console.users import hash_password
from tests.conftest import ALL_SCOPES_KEY, N8N_KEY, sidecar_env
from tests.support.odoo_fixtures import ONLY_ON_THE_DOUBLE
from tests.support.odoo_seed import OdooSeed
from tests.support.switchable_proxy import SwitchableProxy

CHROMIUM = os.environ.get("SIDECAR_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "var" / "ci-artifacts" / "console"
PASSWORD = {"olive": "olive-replays-123", "rita": "rita-reads-456"}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory, odoo_target):
    """The sidecar served for real (werkzeug, threaded) on a free port; Odoo (the double) behind a proxy."""
    if not odoo_target.is_double:
        pytest.skip(f"{ONLY_ON_THE_DOUBLE}: the browser story takes the Odoo double down and up")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/system-packages.sh installs Debian's chromium")
    proxy = SwitchableProxy(odoo_target.host, odoo_target.port)
    proxy.start()
    users = {name: {"password_hash": hash_password(PASSWORD[name]), "role": role}
             for name, role in (("olive", "replay"), ("rita", "read"))}
    env = sidecar_env(tmp_path_factory.mktemp("console-browser"), proxy.url, odoo_target.db, odoo_target.login,
                      odoo_target.password, SIDECAR_CONSOLE_USERS=json.dumps(users))
    app = create_app(settings=load_settings(env))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seed = OdooSeed(odoo_target.url, odoo_target.db, odoo_target.admin_login, odoo_target.admin_password)
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "proxy": proxy, "seed": seed, "app": app}
    finally:
        server.shutdown()
        seed.close()
        proxy.stop()
        app.extensions["sidecar"].close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def quotation(seed) -> int:
    """A submitted quotation the release policy releases (50 % margin, in stock)."""
    product = seed.product(cost=100.0, price=200.0, on_hand=50.0)
    order_id = seed.quotation(seed.customer(), lines=[(product, 2, 200.0)], state="sent")
    seed.request_release(order_id)
    return order_id


def send_event(stack, order_id: int, event_id: str) -> requests.Response:
    return requests.post(f"{stack['url']}/v1/events", timeout=30, headers={"Authorization": f"Bearer {N8N_KEY}"},
                         json={"id": event_id, "type": "sale_order.release_requested", "source": "odoo",
                               "data": {"_model": "sale.order", "_id": order_id, "write_uid": 2}})


def park_missing_order(stack, order_id: int, event_id: str) -> str:
    """An event for an order no Odoo has, sent while Odoo is down: its dead letter's id."""
    stack["proxy"].go_down()
    try:
        return send_event(stack, order_id, event_id).json()["error"]["details"][0]["dead_letter_id"]
    finally:
        stack["proxy"].come_up()


def letter(stack, letter_id: str) -> dict:
    return requests.get(f"{stack['url']}/v1/dead-letters/{letter_id}", timeout=30,
                        headers={"Authorization": f"Bearer {ALL_SCOPES_KEY}"}).json()


def sign_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/console")
    page.get_by_label("Name").fill(login)
    page.get_by_label("Password").fill(PASSWORD[login])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")


def test_an_outage_seen_replayed_resolved_and_audited_in_the_browser(stack, page):
    base, proxy, seed = stack["url"], stack["proxy"], stack["seed"]
    orders = [quotation(seed) for _ in range(3)]
    proxy.go_down()  # a real failure: Odoo does not answer, each event is parked in a dead letter
    try:
        parked = [send_event(stack, order, f"evt-browser-{order}") for order in orders]
        assert [answer.status_code for answer in parked] == [503, 503, 503]
        letters = [answer.json()["error"]["details"][0]["dead_letter_id"] for answer in parked]

        page.goto(f"{base}/console")
        assert "/console/sign-in" in page.url
        shot(page, "01-sign-in")
        sign_in(page, base, "olive")
        overview = page.locator("[data-refresh]")
        assert "Odoo unreachable" in overview.inner_text() and "down" in overview.inner_text()
        shot(page, "02-overview-odoo-down")

        page.get_by_role("link", name="Odoo unreachable").click()
        for letter_id in letters:
            assert page.locator(f"tr[data-letter='{letter_id}']").count() == 1
        page.get_by_role("link", name=letters[2]).click()
        assert letters[2] in page.locator("h1").inner_text()
        assert page.get_by_role("link", name="open in Odoo").count() == 1 and "event.parked" in page.content()
        shot(page, "03-letter-detail")
        page.get_by_label("Reason (required, kept in the audit trail)").fill("confirmed by phone with the customer")
        page.get_by_role("button", name="Resolve: done another way").click()
        page.get_by_text(f"{letters[2]} is resolved").wait_for()
        shot(page, "03-letter-resolved-with-reason")
    finally:
        proxy.come_up()

    page.goto(f"{base}/console/dead-letters?category=odoo_unreachable")
    shot(page, "04-dead-letters")
    page.get_by_role("button", name="Replay every open letter of Odoo unreachable (2)").click()
    summary = page.locator("#replay-progress [data-summary]")
    summary.filter(has_text="Done:").wait_for()
    assert summary.inner_text() == "Done: 2 replayed, 0 already done, 0 failed."
    progress = page.locator("#replay-progress progress")
    assert progress.get_attribute("max") == "2" and progress.evaluate("bar => bar.value") == 2
    assert page.locator("#replay-progress li[data-outcome='replayed']").count() == 2
    shot(page, "05-replay-finished")
    # A replayed event that is decided closes its letter as handled by that decision.
    closed = [letter(stack, letter_id) for letter_id in letters]
    assert [c["status"] for c in closed] == ["resolved", "resolved", "resolved"]
    assert [c["reason"].startswith("document decided in rel_") for c in closed] == [True, True, False]
    assert [seed.order_state(order) for order in orders] == ["sent", "sent", "sent"]  # confirmations wait for the worker

    page.goto(f"{base}/console/dead-letters/{letters[0]}")
    assert page.get_by_role("button", name="Replay this letter").count() == 0  # replayed: nothing left to do

    page.goto(f"{base}/console/audit")
    page.get_by_label("Actor").fill("olive")
    page.get_by_label("Kind (e.g. deadletter. for a family)").fill("deadletter.")
    page.get_by_role("button", name="Search").click()
    kinds = page.locator("tbody tr[data-kind]").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert sorted(kinds) == ["deadletter.replayed", "deadletter.replayed", "deadletter.resolved"]
    page.get_by_role("button", name="Verify the chain").click()
    assert "Chain intact" in page.locator("#verify-result").inner_text()
    shot(page, "06-audit")

    page.get_by_role("link", name="Approvals").click()
    page.locator("h1", has_text="Approvals waiting").wait_for()
    shot(page, "07-approvals")
    page.get_by_role("link", name="Policy").click()
    assert stack["app"].extensions["sidecar"].policy.hash in page.content()
    shot(page, "08-policy")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{base}/console")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "09-overview-phone")


def test_an_unsigned_visitor_sees_nothing_and_a_read_only_user_cannot_replay(stack, page):
    base = stack["url"]
    letter_id = park_missing_order(stack, 2_000_000_000, "evt-browser-unsigned")
    for path in ("/console/dead-letters", f"/console/dead-letters/{letter_id}", "/console/audit"):
        page.goto(base + path)
        assert "/console/sign-in" in page.url and "evt-browser-unsigned" not in page.content()
        assert letter_id not in page.locator("body").inner_text() and page.locator("table").count() == 0
    sign_in(page, base, "rita")
    page.goto(f"{base}/console/dead-letters/{letter_id}")
    assert page.get_by_role("button", name="Replay this letter").count() == 0
    assert page.get_by_role("button", name="Resolve: done another way").count() == 0


def test_a_forged_form_post_is_refused(stack, page):
    base = stack["url"]
    letter_id = park_missing_order(stack, 2_000_000_001, "evt-browser-forged")
    sign_in(page, base, "olive")
    # The signed-in browser's own cookie, but no token of its page: refused.
    no_token = page.request.post(f"{base}/console/dead-letters/{letter_id}/close",
                                 form={"action": "abandon", "reason": "forged"})
    wrong_token = page.request.post(f"{base}/console/dead-letters/{letter_id}/close",
                                    form={"action": "abandon", "reason": "forged", "csrf_token": "forged.token"})
    assert (no_token.status, wrong_token.status) == (403, 403)
    # Another site's page posting a form at the console: refused too.
    page.set_content(f"""<form id="f" method="post" action="{base}/console/dead-letters/{letter_id}/close">
        <input name="action" value="abandon"><input name="reason" value="forged"></form>""")
    with page.expect_navigation():
        page.evaluate("document.getElementById('f').submit()")
    assert "Form refused" in page.content()
    shot(page, "10-forged-post-refused")
    assert letter(stack, letter_id)["status"] == "open"
