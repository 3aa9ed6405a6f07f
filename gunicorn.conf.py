"""For a bare `gunicorn` started in the checkout: the settings live in the package."""
from sidecar.gunicorn_conf import *  # noqa: F401,F403
