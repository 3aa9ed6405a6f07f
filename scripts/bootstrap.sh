#!/usr/bin/env bash
# Creates .venv and installs the sidecar with its test dependencies. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
# constraints.txt pins every package to the versions the suite last passed with.
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,postgres]'
# The advice classifier, fitted once and stored (var/advisory-model) so that no process trains it on first use.
.venv/bin/python -m sidecar advisory train >/dev/null
