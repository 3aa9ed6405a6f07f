"""gunicorn settings for the sidecar (`gunicorn -c python:sidecar.gunicorn_conf`); each value can
be overridden from the environment. Package data, so `sidecar serve` works from a wheel."""
import os

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
wsgi_app = "sidecar.wsgi:app"
# gunicorn 23+ opens a control socket at one path per user: a second instance on the host would
# unlink the first one's. The sidecar does not use it.
control_socket_disable = True


def worker_exit(server, worker):
    """Stop the in-process outbox worker (if any) before the process goes."""
    from sidecar.app import stop_worker
    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        stop_worker(app)
