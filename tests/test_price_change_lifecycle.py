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
