"""GET /metrics: Prometheus text exposition, behind the `metrics.read` scope."""
from __future__ import annotations

from flask import Blueprint

from sidecar import metrics
from sidecar.api.common import get_services, requires

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@requires("metrics.read")
def scrape():
    """Every metric of every process sharing PROMETHEUS_MULTIPROC_DIR, and the store's gauges."""
    body, content_type = metrics.render(get_services().db)
    return body, 200, {"Content-Type": content_type}
