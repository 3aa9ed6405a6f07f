"""Odoo or the store down: a 503 in the JSON error shape with Retry-After, wherever it shows."""
import sqlite3

from sqlalchemy.exc import OperationalError

from sidecar.odoo.errors import VALIDATION, OdooError, unreachable
from tests.conftest import ALL_SCOPES_KEY, bearer


def test_ready_is_503_with_retry_after_when_odoo_is_down(app_without_odoo):
    answer = app_without_odoo.test_client().get("/ready")
    assert answer.status_code == 503 and answer.json["status"] == "not_ready"
    assert answer.headers["Retry-After"].isdigit()


def test_an_unreachable_odoo_no_flow_caught_is_503_not_500(app_without_odoo, monkeypatch):
    from sidecar.flows import approvals

    def odoo_down(*args, **kwargs):
        raise unreachable("connection refused")

    monkeypatch.setattr(approvals, "list_approvals", odoo_down)
    answer = app_without_odoo.test_client().get("/v1/approvals", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 503 and answer.json["error"]["code"] == "odoo_unreachable"
    assert answer.headers["Retry-After"].isdigit()


def test_other_odoo_errors_no_flow_caught_stay_bugs(app_without_odoo, monkeypatch):
    from sidecar.flows import approvals

    def refused(*args, **kwargs):
        raise OdooError(VALIDATION, "the flow should have turned this into an answer")

    monkeypatch.setattr(approvals, "list_approvals", refused)
    answer = app_without_odoo.test_client().get("/v1/approvals", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 500 and answer.json["error"]["code"] == "internal_error"


def test_a_locked_store_is_503_with_retry_after(app_without_odoo, monkeypatch):
    from sidecar.flows import approvals

    def locked(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(approvals, "list_approvals", locked)
    answer = app_without_odoo.test_client().get("/v1/approvals", headers=bearer(ALL_SCOPES_KEY))
    assert answer.status_code == 503 and answer.json["error"]["code"] == "store_unavailable"
    assert answer.headers["Retry-After"].isdigit()
