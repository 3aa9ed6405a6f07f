"""The approval notes and activities speak in the words of the flow that asked."""
from __future__ import annotations

from sidecar.flows import messages, purchase_approval, registry


def test_the_release_flow_keeps_its_words():
    words = registry.by_name("sales-order-release").words
    assert messages.approval_message(True, "demo", "ok", words) == "Release approved by demo: ok"
    assert messages.approval_message(False, "demo", None, words) == "Release rejected by demo"
    assert messages.reroute_message(["demo"], "finance-director", "away", None, words) == \
        "Release approval re-routed to demo (finance-director) by ops: away"
    assert messages.cancel_message("withdrawn", "ops", words) == \
        "Release approval cancelled by ops: withdrawn. The quotation was not confirmed."
    assert messages.activity_summary("S00042", words) == "Approve release of S00042"


def test_purchase_approval_speaks_of_a_purchase_order():
    words = registry.by_name(purchase_approval.NAME).words
    assert messages.approval_message(True, "admin", None, words) == "Purchase approved by admin"
    assert messages.reroute_message(["demo"], "purchase-manager", "away", "ops", words) == \
        "Purchase approval re-routed to demo (purchase-manager) by ops: away"
    assert messages.cancel_message("withdrawn", None, words) == \
        "Purchase approval cancelled by ops: withdrawn. The purchase order was not approved."
    assert messages.activity_summary("P00012", words) == "Approve purchase of P00012"
