"""The reusable lifecycle (sidecar/lifecycle.py) with the price change's table: allowed moves, 409s listing what is allowed."""
from __future__ import annotations

import pytest

from sidecar.errors import Conflict
from sidecar.flows.price_change import LIFECYCLE
from sidecar.lifecycle import Lifecycle


@pytest.mark.parametrize("state, target", [
    ("draft", "approved"), ("draft", "rejected"), ("draft", "withdrawn"), ("approved", "effective"),
    ("approved", "withdrawn"), ("effective", "published"), ("published", "reconciled"),
])
def test_the_lifecycle_allows_its_transitions(state, target):
    LIFECYCLE.check(state, target)
    assert LIFECYCLE.can(state, target)


@pytest.mark.parametrize("state, target, allowed", [
    ("draft", "effective", ["approved", "rejected", "withdrawn"]),
    ("approved", "published", ["effective", "withdrawn"]),
    ("effective", "reconciled", ["published"]),
    ("effective", "withdrawn", ["published"]),
    ("published", "withdrawn", ["reconciled"]),
    ("reconciled", "published", []),
    ("rejected", "approved", []),
    ("withdrawn", "draft", []),
])
def test_any_other_move_is_a_409_listing_the_allowed_ones(state, target, allowed):
    with pytest.raises(Conflict) as err:
        LIFECYCLE.check(state, target, "pc_1")
    assert err.value.status == 409 and err.value.code == "invalid_transition"
    assert err.value.details == [{"state": state, "requested": target, "allowed": allowed}]
    assert ("final" in err.value.message) == (not allowed)


def test_terminal_states_and_paths():
    assert [s for s in LIFECYCLE.values if LIFECYCLE.is_terminal(s)] == ["reconciled", "rejected", "withdrawn"]
    assert LIFECYCLE.path("draft", "reconciled") == ["approved", "effective", "published", "reconciled"]
    assert LIFECYCLE.path("effective", "draft") is None
    assert LIFECYCLE.label("effective") == "Effective"


def test_a_table_naming_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown states"):
        Lifecycle("count", states=(("counted", "Counted"),), transitions={"counted": ("applied",)})


@pytest.fixture
def db(tmp_path):
    from sidecar.store import Database
    from sidecar.store.audit import AuditSeal

    database = Database(f"sqlite:///{tmp_path}/store.db", AuditSeal(b"k" * 32, tmp_path / "checkpoints.jsonl"))
    database.create_schema()
    yield database
    database.dispose()


def test_the_store_moves_a_price_change_only_from_the_state_it_is_in(db):
    from sidecar.store import price_changes

    with db.transaction() as conn:
        price_changes.insert(conn, price_change_id="rel_1", release_id="rel_1", product_tmpl_id=7, product_id=None,
                             pricelist_id=3, name="Chair on Retail: 60.00", state="draft", proposal={"fixed_price": 60})
        assert price_changes.move(conn, "rel_1", "draft", "approved", actor="policy", detail={})
        assert not price_changes.move(conn, "rel_1", "draft", "rejected", actor="x", detail={})  # moved meanwhile
        assert price_changes.move(conn, "rel_1", "approved", "effective", actor="worker", detail={"item_id": 5},
                                  item_id=5)
        stored = price_changes.get(conn, "rel_1")
    assert (stored["state"], stored["item_id"]) == ("effective", 5)
    assert [(h["from"], h["to"], h["actor"]) for h in stored["history"]] == [
        (None, "draft", None), ("draft", "approved", "policy"), ("approved", "effective", "worker")]
