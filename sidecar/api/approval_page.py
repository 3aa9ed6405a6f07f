"""The approver's decision page: a signed, expiring, single-use link renders a small form.

No API key: the link's tokens are the credential (and the form's CSRF secret), valid once. The GET
only shows; the POST records the decision through the same checks as the API.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from sidecar.api.common import get_services
from sidecar.errors import SidecarError
from sidecar.flows import approval_page
from sidecar.limits import FORM_TYPES

bp = Blueprint("approval_page", __name__, url_prefix="/v1/approvals")
HEADERS = {
    "Cache-Control": "no-store",              # the page holds credentials
    "Referrer-Policy": "no-referrer",         # the URL holds them too
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "frame-ancestors 'none'"),
}


def _page(status: int = 200, **context):
    context.setdefault("title", "Approval")
    return render_template("approval_page.html", **context), status, HEADERS


@bp.errorhandler(SidecarError)
def _refused(err: SidecarError):
    """A request refused before the view ran (a NUL in the query or the form): said on the page, like the rest."""
    title = "Your decision was not recorded" if request.method == "POST" else "This link cannot be used"
    return _page(err.status, title=title, problem=err.message)


def _tokens() -> dict:
    source = request.form if request.method == "POST" else request.args
    return {name: source.get(f"{name}_token") or source.get(name) or "" for name in ("approve", "reject")}


@bp.get("/<approval_id>/page")
def show_page(approval_id):
    """The decision form for the link's holder; decides nothing."""
    try:
        view = approval_page.view(get_services(), approval_id, _tokens())
    except SidecarError as err:
        return _page(err.status, title="This link cannot be used", problem=err.message)
    return _page(title=f"Decide: {view['approval']['document']}", approval=view["approval"],
                 form={**view["form"], "action": request.path})


@bp.post("/<approval_id>/page")
def submit_page(approval_id):
    """Record the approve or reject chosen on the page, with its comment."""
    if request.mimetype not in FORM_TYPES:
        return _page(415, title="Your decision was not recorded", problem="send the page's form")
    try:
        outcome = approval_page.submit(get_services(), approval_id, _tokens(), request.form.get("decision", ""),
                                       request.form.get("comment", ""))
    except SidecarError as err:
        return _page(err.status, title="Your decision was not recorded", problem=err.message)
    return _page(title="Decision recorded", done=outcome["message"], approval=outcome["approval"])
