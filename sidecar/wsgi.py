"""WSGI entry point for gunicorn: the app built from the environment, its classifier ready before any request."""
from sidecar.advisory.classifier import shared_classifier
from sidecar.api.common import EXTENSION
from sidecar.app import create_app

app = create_app()
# Under sidecar.gunicorn_conf the master made the classifier ready before forking and this finds it; a gunicorn
# started with other settings loads it here, as each worker boots, so that its first event pays nothing.
shared_classifier(app.extensions[EXTENSION].settings.advisory.model_dir)
