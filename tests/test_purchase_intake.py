"""What Odoo posts when a purchase order waits for approval, and the Automation Rule that posts it."""
from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path

import pytest

from sidecar import contracts
from sidecar.errors import InvalidPayload
from sidecar.odoo import OdooGateway
from sidecar.odoo.setup import PURCHASE_RULE_NAME
from sidecar.flows.purchase_approval import FLOW
from tests.support.provisioning import provision_flow
from tests.support.purchase_seed import PurchaseSeed

# Recorded from a real Odoo 17: the rule `sidecar odoo provision` makes, Marc Demo (a
# purchase user) confirming P00006 with the company's two-step approval at amount 0.
RECORDED = json.loads((Path(__file__).parent / "data" / "odoo17-purchase-to-approve-webhook.json").read_text())
CONTRACT = "purchase_order.approval_requested.v1"


def test_the_recorded_webhook_matches_the_contract():
    contracts.validate(CONTRACT, RECORDED)
    assert FLOW.request(RECORDED) == {"id": 6, "write_date": "2026-11-25 05:51:33.115390"}


@pytest.mark.parametrize("body, pointer", [
    ({**RECORDED, "_model": "sale.order"}, "/_model"),
    ({**RECORDED, "_id": 0}, "/_id"),
    ({**RECORDED, "write_date": "yesterday"}, "/write_date"),
    ({**RECORDED, "state": "approved"}, "/state"),
])
def test_bad_webhooks_break_the_contract(body, pointer):
    with pytest.raises(InvalidPayload) as caught:
        contracts.validate(CONTRACT, body)
    assert pointer in [d["pointer"] for d in caught.value.details]


def test_only_the_id_and_write_date_are_taken_from_the_body():
    request = FLOW.request({**RECORDED, "write_uid": 2, "amount_total": 1.0, "state": "purchase"})
    assert request == {"id": 6, "write_date": RECORDED["write_date"]}


class _Receiver:
    """A local endpoint standing in for n8n's webhook: keeps every body Odoo posts."""

    def __init__(self, flow: str = "purchase-approval"):
        self.bodies: list[dict] = []
        bodies = self.bodies

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                bodies.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0)))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhook/odoo/{flow}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, seconds: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + seconds
        while len(self.bodies) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.bodies


def test_odoo_posts_an_order_entering_to_approve(real_odoo, odoo_seed):
    """Installed twice (idempotent), the rule posts once when a buyer's confirmation leaves an order waiting."""
    admin = OdooGateway(real_odoo.url, real_odoo.db, real_odoo.admin_login, real_odoo.admin_password)
    receiver, purchase = _Receiver(), PurchaseSeed(odoo_seed)
    first = {"rule_id": provision_flow(admin, "purchase-approval", receiver.url)["purchase-approval/rule"]}
    try:
        order_id = purchase.to_approve(purchase.vendor(classes=["New"]), [(purchase.product(), 3, 50.0)])
        [body] = [b for b in receiver.wait(1) if b.get("_id") == order_id]
        contracts.validate(CONTRACT, body)
        assert body["_model"] == "purchase.order" and body["state"] == "to approve"
        assert body["write_uid"] == purchase.seed.user_id(purchase.buyer_login)
        assert len(body["write_date"]) > 19  # microseconds: read inside the writing transaction
        rule = admin.read("base.automation", [first["rule_id"]], ["name", "trigger", "trg_selection_field_id"])[0]
        assert (rule["name"], rule["trigger"]) == (PURCHASE_RULE_NAME, "on_state_set")
    finally:
        admin.execute("base.automation", "write", [first["rule_id"]], {"active": False})
        receiver.server.shutdown()
        purchase.close()
        admin.close()


def test_the_flow_is_registered_for_the_event_and_takes_the_recorded_webhook():
    from sidecar.flows import purchase_approval, registry
    assert registry.by_type("purchase_order.approval_requested") is purchase_approval.FLOW
    envelope = {"id": "odoo:purchase.order:6:x", "type": "purchase_order.approval_requested", "source": "odoo",
                "data": RECORDED}
    assert registry.validate_event(envelope) is purchase_approval.FLOW
    assert purchase_approval.FLOW.request(RECORDED) == {"id": 6, "write_date": RECORDED["write_date"]}
    assert registry.event_problems({**envelope, "data": {**RECORDED, "_model": "sale.order"}})[0]["pointer"] == \
        "/data/_model"
