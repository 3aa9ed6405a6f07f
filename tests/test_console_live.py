"""A replay from the ops console takes effect in Odoo exactly once: on the double, and against a real
Odoo 17 in the live suite (SIDECAR_LIVE=1), as the least-privilege integration user."""
import pytest

from sidecar.app import create_app
from sidecar.config import load_settings
from sidecar.worker import OutboxWorker
from tests.conftest import ALL_SCOPES_KEY, bearer
from tests.test_console import console_env, csrf_of, park, sign_in


@pytest.fixture
def app(tmp_path, odoo_target, odoo_proxy):
    application = create_app(settings=load_settings(console_env(tmp_path, odoo_proxy, odoo_target)))
    yield application
    application.extensions["sidecar"].close()


def decision_notes(odoo_seed, order_id: int, release_id: str) -> list[dict]:
    """The order's chatter notes the sidecar posted for this decision (each carries its `Ref:` line)."""
    return [m for m in odoo_seed.messages(order_id, ["body"]) if f"Ref: {release_id}/" in (m["body"] or "")]


def test_a_console_replay_confirms_the_order_once_however_often_it_is_replayed(client, app, odoo_proxy, odoo_seed,
                                                                              healthy_quotation):
    letter_id = park(client, odoo_proxy, f"evt-console-live-{healthy_quotation}", order_id=healthy_quotation)
    assert sign_in(client, "olive").status_code == 303
    token = csrf_of(client.get(f"/console/dead-letters/{letter_id}"))
    first = client.post("/console/dead-letters/replay", data={"csrf_token": token, "ids": letter_id})
    assert f'data-outcome="replayed" data-letter="{letter_id}"' in first.get_data(as_text=True)
    worker = OutboxWorker(app.extensions["sidecar"])
    worker.drain()
    assert odoo_seed.order_state(healthy_quotation) == "sale"  # read back from Odoo as its administrator

    again = client.post("/console/dead-letters/replay", data={"csrf_token": token, "ids": letter_id})
    assert f'data-outcome="already_done" data-letter="{letter_id}"' in again.get_data(as_text=True)
    worker.drain()
    releases = [r for r in client.get("/v1/dead-letters/" + letter_id, headers=bearer(ALL_SCOPES_KEY)).json[
        "reason"].split() if r.startswith("rel_")]
    assert len(releases) == 1, releases
    notes = decision_notes(odoo_seed, healthy_quotation, releases[0])
    assert len(notes) == 1, notes  # one decision, one note: nothing was done twice
    assert odoo_seed.order_state(healthy_quotation) == "sale"
