#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs the sidecar and n8n, then runs pytest
# (unit, contract, integration against the Odoo 17 double or ODOO_URL, and end-to-end in n8n).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/system-packages.sh
bash scripts/install-n8n.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
