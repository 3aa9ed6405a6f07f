"""GET /v1/advice/fairness: the advised priority's scores per customer tier, so a bias is visible; it decides nothing.

Apart from the advice blueprint, whose modules may import nothing beyond the advisory package: this report reads
dead letters and their decisions from the store.
"""
from __future__ import annotations

from flask import Blueprint

from sidecar.api.common import get_services, query_int, requires
from sidecar.flows import letter_advice

bp = Blueprint("fairness", __name__, url_prefix="/v1")


@bp.get("/advice/fairness")
@requires("advice.use")
def fairness():
    """Priority scores of recent dead letters per customer tier, with the gap between tiers."""
    days = query_int("days", letter_advice.DEFAULT_WINDOW_DAYS, letter_advice.MAX_WINDOW_DAYS)
    return letter_advice.fairness_report(get_services(), days)
