"""gunicorn settings for the sidecar; each value can be overridden from the environment."""
import os

bind = os.environ.get("SIDECAR_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SIDECAR_WORKERS", "2"))
threads = int(os.environ.get("SIDECAR_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("SIDECAR_TIMEOUT", "60"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("SIDECAR_LOG_LEVEL", "info")
wsgi_app = "sidecar.wsgi:app"
