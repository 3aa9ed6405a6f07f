"""Inventory positions through /v1/inventory/positions: receipts (Odoo is asked that product and warehouse exist),
moves along the lifecycle, adjustments, idempotent repeats; on the double or a real Odoo 17 (SIDECAR_LIVE=1)."""
from __future__ import annotations

import pytest

from sidecar.flows.inventory_states import LIFECYCLE
from sidecar.store import audit
from tests.conftest import ALL_SCOPES_KEY, bearer

POSITIONS = "/v1/inventory/positions"


@pytest.fixture
def warehouse(odoo_seed):
    """The code of the seeding company's first warehouse, as Odoo shows it."""
    return odoo_seed.search_read("stock.warehouse", [("company_id", "=", odoo_seed.company_id())], ["code"],
                                 limit=1, order="id")[0]["code"]


def receive(client, product, warehouse, quantity, key=None, **extra):
    headers = {**bearer(), **({"Idempotency-Key": key} if key else {})}
    return client.post(POSITIONS, json={"product_id": product, "warehouse": warehouse, "quantity": quantity, **extra},
                       headers=headers)


def move(client, position, source, target, quantity, key=None, **extra):
    headers = {**bearer(), **({"Idempotency-Key": key} if key else {})}
    return client.post(f"{POSITIONS}/{position}/transitions",
                       json={"from": source, "to": target, "quantity": quantity, **extra}, headers=headers)


def adjust(client, position, state, quantity, reason="count", key=None):
    headers = {**bearer(), **({"Idempotency-Key": key} if key else {})}
    return client.post(f"{POSITIONS}/{position}/adjustments",
                       json={"state": state, "quantity": quantity, "reason": reason}, headers=headers)


def test_goods_go_from_received_to_shipped_along_the_lifecycle(client, odoo_seed, warehouse):
    product = odoo_seed.product(cost=1.0, price=2.0)
    first = receive(client, product, warehouse, 10, reference="ASN-1")
    assert first.status_code == 201, first.json
    position = first.json["id"]
    assert first.headers["Location"].endswith(f"{POSITIONS}/{position}")
    assert receive(client, product, warehouse, 2).status_code == 200  # the same position gains them
    for source, target, quantity in [("received", "quality_hold", 12), ("quality_hold", "available", 12),
                                     ("available", "reserved", 5), ("reserved", "available", 1),
                                     ("reserved", "allocated", 4), ("allocated", "shipped", 3)]:
        answer = move(client, position, source, target, quantity, reference="SO-1")
        assert answer.status_code == 200, answer.json
    shown = client.get(f"{POSITIONS}/{position}", headers=bearer(ALL_SCOPES_KEY)).json
    assert shown["quantities"] == {"received": 0, "quality_hold": 0, "available": 8, "reserved": 0,
                                   "allocated": 1, "shipped": 3}
    assert shown["on_hand"] == 9 and shown["lot"] is None and shown["warehouse"] == warehouse
    assert shown["allowed_transitions"]["reserved"] == ["allocated", "available"]
    assert [m["kind"] for m in shown["moves"]][-2:] == ["receipt", "receipt"] and len(shown["moves"]) == 8
    assert shown["moves"][0] == {**shown["moves"][0], "from": "allocated", "to": "shipped", "quantity": 3,
                                 "reference": "SO-1", "actor": "n8n"}


def test_a_transition_the_lifecycle_does_not_allow_is_a_409_listing_the_allowed_ones(client, odoo_seed, warehouse):
    position = receive(client, odoo_seed.product(cost=1.0, price=2.0), warehouse, 5).json["id"]
    answer = move(client, position, "received", "shipped", 1)
    assert answer.status_code == 409 and answer.json["error"]["code"] == "invalid_transition"
    assert answer.json["error"]["details"] == [{"state": "received", "requested": "shipped",
                                                "allowed": ["quality_hold", "available"]}]
    final = move(client, position, "shipped", "available", 1)
    assert final.status_code == 409 and final.json["error"]["details"][0]["allowed"] == []


def test_moving_more_than_a_state_holds_is_a_409_naming_what_it_holds(client, odoo_seed, warehouse):
    position = receive(client, odoo_seed.product(cost=1.0, price=2.0), warehouse, 5).json["id"]
    answer = move(client, position, "received", "available", 6)
    assert answer.status_code == 409 and answer.json["error"]["code"] == "insufficient_quantity"
    assert answer.json["error"]["details"] == [{"state": "received", "holds": 5, "requested": 6}]
    assert "holds 5 received" in answer.json["error"]["message"]
    taken = adjust(client, position, "received", -6, reason="damaged")
    assert taken.status_code == 409 and taken.json["error"]["details"][0]["holds"] == 5
    shown = client.get(f"{POSITIONS}/{position}", headers=bearer(ALL_SCOPES_KEY)).json
    assert shown["quantities"]["received"] == 5 and shown["version"] == 1  # nothing changed


def test_adjustments_carry_their_reason_into_the_audit_log(client, services, odoo_seed, warehouse):
    position = receive(client, odoo_seed.product(cost=1.0, price=2.0), warehouse, 5).json["id"]
    assert adjust(client, position, "received", -2, reason="damaged in transit").status_code == 200
    answer = adjust(client, position, "available", 3, reason="found in a count")
    assert answer.json["quantities"]["received"] == 3 and answer.json["quantities"]["available"] == 3
    with services.db.read() as conn:
        entries = [e for e in audit.entries(conn, subject=position) if e["kind"] == "inventory.adjustment"]
    assert [(e["data"]["to"], e["data"]["quantity"], e["data"]["reason"]) for e in entries] == [
        ("received", -2, "damaged in transit"), ("available", 3, "found in a count")]
    no_reason = client.post(f"{POSITIONS}/{position}/adjustments", json={"state": "available", "quantity": 1},
                            headers=bearer())
    assert no_reason.status_code == 400 and no_reason.json["error"]["details"][0]["pointer"] == ""


def test_a_repeated_move_with_its_idempotency_key_moves_once(client, odoo_seed, warehouse):
    product = odoo_seed.product(cost=1.0, price=2.0)
    position = receive(client, product, warehouse, 10, key="receipt-1").json["id"]
    again = receive(client, product, warehouse, 10, key="receipt-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.status_code == 201
    first = move(client, position, "received", "available", 4, key="move-1")
    second = move(client, position, "received", "available", 4, key="move-1")
    assert second.headers.get("Idempotent-Replayed") == "true" and second.json == first.json
    assert first.json["quantities"]["received"] == 6
    other = move(client, position, "received", "available", 5, key="move-1")
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_key_reused"
    reused = adjust(client, position, "received", 4, key="move-1")  # the same key on another operation
    assert reused.status_code == 409 and reused.json["error"]["code"] == "idempotency_key_reused"


def test_a_receipt_for_what_odoo_does_not_know_is_a_404(client, odoo_seed, warehouse):
    unknown_product = receive(client, 2147483000, warehouse, 1)
    assert unknown_product.status_code == 404 and unknown_product.json["error"]["code"] == "product_not_found"
    unknown_warehouse = receive(client, odoo_seed.product(cost=1.0, price=2.0), "NOPE9", 1)
    assert unknown_warehouse.status_code == 404 and unknown_warehouse.json["error"]["code"] == "warehouse_not_found"


def test_positions_are_listed_by_product_and_warehouse_a_page_at_a_time(client, odoo_seed, warehouse):
    product = odoo_seed.product(cost=1.0, price=2.0)
    made = {receive(client, product, warehouse, 1, lot=lot).json["id"] for lot in ("L1", "L2", "L3")}
    page = client.get(f"{POSITIONS}?product_id={product}&limit=2", headers=bearer(ALL_SCOPES_KEY)).json
    rest = client.get(f"{POSITIONS}?product_id={product}&limit=2&after={page['next']}",
                      headers=bearer(ALL_SCOPES_KEY)).json
    assert {p["id"] for p in page["items"] + rest["items"]} == made and rest["next"] is None
    assert {p["lot"] for p in page["items"] + rest["items"]} == {"L1", "L2", "L3"}
    bad = client.get(f"{POSITIONS}?product_id=x", headers=bearer(ALL_SCOPES_KEY))
    assert bad.status_code == 400


def test_the_lifecycle_allows_each_state_only_its_neighbours():
    assert LIFECYCLE.path("received", "shipped") == ["available", "reserved", "allocated", "shipped"]
    assert LIFECYCLE.is_terminal("shipped") and not LIFECYCLE.can("available", "allocated")
