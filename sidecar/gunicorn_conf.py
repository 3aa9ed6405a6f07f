"""gunicorn settings for the sidecar (`gunicorn -c python:sidecar.gunicorn_conf`); each value can
be overridden from the environment. Package data, so `sidecar serve` works from a wheel."""
import os
import tempfile

from sidecar import logs

bind = os.environ.get("SIDECAR_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SIDECAR_WORKERS", "2"))
threads = int(os.environ.get("SIDECAR_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("SIDECAR_TIMEOUT", "60"))
graceful_timeout = 20
accesslog = "-"
# gunicorn's default line holds the query string and the Referer: an approver's decision page carries
# its tokens there (`/v1/approvals/{id}/page?approve=...`). Method and path only.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'
errorlog = "-"
loglevel = os.environ.get("SIDECAR_LOG_LEVEL", "info")
# gunicorn's own lines and the app's in one format (SIDECAR_LOG_FORMAT), with the correlation id.
logconfig_dict = logs.gunicorn_logconfig(logs.log_format(), loglevel)
# Metrics of every worker process are added up from files in this directory. It is set here, in the
# master before any worker imports prometheus_client; a directory given is shared with the outbox
# worker (`sidecar worker` with the same variable) and must be emptied before the processes start.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="sidecar-metrics-"))
wsgi_app = "sidecar.wsgi:app"
# gunicorn 23+ opens a control socket at one path per user: a second instance on the host would
# unlink the first one's. The sidecar does not use it.
control_socket_disable = True


def on_starting(server):
    """Make the advice classifier ready once, in the master, before any worker is forked: the workers inherit it
    (copy-on-write) and none of their requests loads or trains it (sidecar/advisory/model_file.py)."""
    from sidecar.advisory import load_advisory
    from sidecar.advisory.classifier import shared_classifier
    from sidecar.errors import ConfigError
    try:
        directory = load_advisory().model_dir
    except ConfigError:
        return  # each worker's app refuses these settings and says why
    shared_classifier(directory)


def worker_exit(server, worker):
    """Stop the in-process outbox worker (if any) before the process goes."""
    from sidecar.app import stop_worker
    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        stop_worker(app)


def child_exit(server, worker):
    """A worker process ended: its live gauges leave the scrape (its counters are kept)."""
    from sidecar.metrics import mark_process_dead
    mark_process_dead(worker.pid)
