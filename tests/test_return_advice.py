"""Advice in the returns flow: the customer's message classified beside the decision, audited, shown in the
chatter note, and the decision exactly what the rules make without it."""
from __future__ import annotations

from sidecar.flows import pipeline, return_request
from sidecar.store import audit, releases
from tests.conftest import bearer
from tests.test_return_api import notes, shop  # noqa: F401 (the fixture)

MESSAGE = "Two of the mugs arrived broken, please collect them and refund us."


def _submit(client, shop, message):  # noqa: F811
    customer = shop.customer("Gold")
    sold = shop.delivered(customer, [(3, 20.0)])
    event = shop.envelope(shop.request(sold["picking"], [(sold["products"][0], 1)],
                                        **({"message": message} if message else {})))
    answer = client.post("/v1/events", json=event, headers=bearer())
    assert answer.status_code == 201, answer.json
    return sold, answer.json


def test_the_message_is_classified_beside_a_decision_it_does_not_change(client, worker, services, shop):  # noqa: F811
    sold, answer = _submit(client, shop, MESSAGE)
    advice = answer["decision"]["advice"]
    assert advice["kind"] == "classify" and advice["backend"] == "local" and advice["advisory_only"]
    assert advice["result"]["category"] == "returns"
    with services.db.engine.connect() as conn:
        facts = releases.get_release(conn, answer["release_id"])["facts"]
        entry = audit.latest(conn, "advice.given", answer["release_id"])
    assert entry["data"]["input_sha256"] == advice["input_sha256"] and MESSAGE not in str(entry["data"])
    without = {key: value for key, value in answer["decision"].items() if key != "advice"}
    assert without == pipeline.decide(services, return_request.FLOW, facts)
    worker.drain()
    [note] = notes(shop, sold["picking"])
    assert "(local, decides nothing): it reads as returns" in note  # Odoo may escape the apostrophe before


def test_no_message_no_advice(client, services, shop):  # noqa: F811
    _, answer = _submit(client, shop, None)
    assert "advice" not in answer["decision"]
