#!/usr/bin/env bash
# Runs the product on this machine: the sidecar under gunicorn, its outbox worker, and n8n with
# the project's workflows imported and active. Needs ODOO_URL, ODOO_DB, ODOO_USER, ODOO_PASSWORD
# SIDECAR_N8N_API_KEY (the key n8n uses to call the sidecar), SIDECAR_APPROVAL_SECRET (signs
# approvers' decision tokens) and ODOO_WEBHOOK_AUTH (user:password Odoo's webhook sends to n8n).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SIDECAR_N8N_API_KEY:?set SIDECAR_N8N_API_KEY (16+ characters): the key n8n uses to call the sidecar}"
: "${ODOO_WEBHOOK_AUTH:?set ODOO_WEBHOOK_AUTH=user:password, also put in the Automation Rule URL as user:password@}"
export SIDECAR_API_KEYS="${SIDECAR_API_KEYS:-n8n:${SIDECAR_N8N_API_KEY}:events.write,releases.read,approvals.write,approvals.read,deadletters.write}"
export SIDECAR_DATABASE_URL="${SIDECAR_DATABASE_URL:-sqlite:///$PWD/var/sidecar.db}"
export SIDECAR_BIND="${SIDECAR_BIND:-127.0.0.1:8000}"
export SIDECAR_URL="${SIDECAR_URL:-http://$SIDECAR_BIND}"
bash scripts/bootstrap.sh
.venv/bin/python -c 'from sidecar.config import load_settings; load_settings()' \
  || { echo "fix the configuration above, then run again" >&2; exit 2; }
bash scripts/n8n.sh install
bash scripts/n8n.sh import
bash scripts/n8n.sh start
trap 'kill $(jobs -p) 2>/dev/null; bash scripts/n8n.sh stop' EXIT
.venv/bin/python -m sidecar worker &
.venv/bin/python -m sidecar serve &
echo "sidecar on $SIDECAR_URL, n8n on http://127.0.0.1:${N8N_PORT:-5678}; Ctrl-C stops everything"
wait
