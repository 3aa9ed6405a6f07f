#!/usr/bin/env bash
# Runs the product on this machine: the sidecar under gunicorn, its outbox worker, and n8n with
# the project's workflows imported and active.
#
#   With ODOO_URL (and ODOO_DB, ODOO_USER, ODOO_PASSWORD): runs against that Odoo.
#   Without ODOO_URL: starts a DEMO Odoo (the project's Odoo 17 protocol double, seeded with
#   demo quotations; nothing real is touched) and prints how to send a first event.
#
# Secrets not given in the environment (SIDECAR_N8N_API_KEY, SIDECAR_OPS_API_KEY,
# SIDECAR_AUDIT_KEY, SIDECAR_APPROVAL_SECRET, ODOO_WEBHOOK_AUTH: the user:password Odoo's
# Automation Rule puts in the n8n webhook URL, PARTNER_WEBHOOK_TOKEN: what carriers, suppliers and the
# WMS send to the ingest webhooks, CHANNEL_FEED_TOKEN: what the availability feed sends to the channels,
# SIDECAR_CALLBACK_SECRET: the whsec_ secret signing the sidecar's calls to n8n, SIDECAR_N8N_RESUME_TOKEN:
# what n8n's Wait nodes check when the sidecar resumes them, SIDECAR_N8N_OPS_API_KEY: the key of n8n's ops
# workflows, dead-letter replay)
# are generated once into var/secrets.env and reused. n8n is skipped, with a
# warning, when it cannot be installed (no npm) or when RUN_N8N=0. RUN_VAR_DIR moves var/ (the
# store, secrets, logs); RUN_SKIP_BOOTSTRAP=1 skips re-installing .venv (the tests use both).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VAR=${RUN_VAR_DIR:-$ROOT/var}

[ "${RUN_SKIP_BOOTSTRAP:-0}" = 1 ] || bash scripts/bootstrap.sh
PY="$ROOT/.venv/bin/python"
mkdir -p "$VAR"
chmod 700 "$VAR"

# --- secrets: given, or generated once into var/secrets.env -------------------------------------
SECRETS=$VAR/secrets.env
[ -f "$SECRETS" ] || (umask 077 && : >"$SECRETS")
for name in SIDECAR_N8N_API_KEY SIDECAR_OPS_API_KEY SIDECAR_AUDIT_KEY SIDECAR_APPROVAL_SECRET ODOO_WEBHOOK_AUTH \
            PARTNER_WEBHOOK_TOKEN CHANNEL_FEED_TOKEN SIDECAR_CALLBACK_SECRET SIDECAR_N8N_RESUME_TOKEN \
            SIDECAR_N8N_OPS_API_KEY; do
  [ -n "${!name:-}" ] && continue  # given in the environment: that one wins
  value=$(sed -n "s/^$name=//p" "$SECRETS" | tail -n 1)
  if [ -z "$value" ]; then
    value=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')
    [ "$name" != ODOO_WEBHOOK_AUTH ] || value="odoo:$value"
    [ "$name" != SIDECAR_CALLBACK_SECRET ] ||  # Standard Webhooks: whsec_ and base64 of random bytes
      value=$("$PY" -c 'import base64, secrets; print("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())')
    echo "$name=$value" >>"$SECRETS"
    echo "run.sh: generated $name into $SECRETS" >&2
  fi
  printf -v "$name" %s "$value"
  [ "$name" != SIDECAR_AUDIT_KEY ] || [ -z "${ODOO_URL:-}" ] ||
    echo "run.sh: SIDECAR_AUDIT_KEY comes from $SECRETS, beside the store: for production keep it elsewhere" \
         "(a secret manager), so whoever can edit the database cannot re-seal the audit trail" >&2
done
export SIDECAR_N8N_API_KEY SIDECAR_OPS_API_KEY SIDECAR_AUDIT_KEY SIDECAR_APPROVAL_SECRET ODOO_WEBHOOK_AUTH \
       PARTNER_WEBHOOK_TOKEN CHANNEL_FEED_TOKEN SIDECAR_CALLBACK_SECRET SIDECAR_N8N_RESUME_TOKEN \
       SIDECAR_N8N_OPS_API_KEY

# --- Odoo: the one given, or a demo ------------------------------------------------------------
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "${N8N_STARTED:-0}" = 1 ] && bash scripts/n8n.sh stop || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # URL, what, seconds
  local deadline=$((SECONDS + $3))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "run.sh: $2 did not answer at $1" >&2; exit 1; }
    sleep 0.3
  done
}

DEMO=0
if [ -z "${ODOO_URL:-}" ]; then
  DEMO=1
  DEMO_ODOO_PORT=${DEMO_ODOO_PORT:-18069}
  export ODOO_URL="http://127.0.0.1:$DEMO_ODOO_PORT" ODOO_DB=gov17 ODOO_USER=admin ODOO_PASSWORD=admin
  # The demo Odoo starts from its seed every time, so the demo store does too.
  rm -rf "$VAR/demo" && mkdir -p "$VAR/demo"
  export SIDECAR_DATABASE_URL="sqlite:///$VAR/demo/sidecar.db"
  export SIDECAR_AUDIT_CHECKPOINT_FILE="$VAR/demo/audit-checkpoints.jsonl"
  # The shipped policy names no approvers on purpose; the demo routes to the double's users.
  export SIDECAR_POLICY_FILE="${SIDECAR_POLICY_FILE:-$ROOT/sidecar/policy/policies/sales-order-release.demo.json}"
  # Every other flow decides with its demo policy too (each names the flow it governs).
  SIDECAR_FLOW_POLICIES="${SIDECAR_FLOW_POLICIES:-$("$PY" - "$ROOT/sidecar/policy/policies" <<'PYEOF'
import json, pathlib, sys
print(" ".join(f"{json.loads(p.read_text())['flow']}={p}" for p in sorted(pathlib.Path(sys.argv[1]).glob("*.demo.json"))
               if json.loads(p.read_text())["flow"] != "sales-order-release"))
PYEOF
)}"
  export SIDECAR_FLOW_POLICIES
  "$PY" -m tests.odoo_double --port "$DEMO_ODOO_PORT" >"$VAR/demo/odoo.log" 2>&1 &
  pids+=($!)
  wait_for "$ODOO_URL/web/health" "the demo Odoo" 30
fi

# n8n-ops: only what the dead-letter replay workflow does with its credential "Sidecar ops key" (scripts/n8n.sh).
export SIDECAR_API_KEYS="${SIDECAR_API_KEYS:-n8n:${SIDECAR_N8N_API_KEY}:events.write,releases.read,approvals.write,approvals.read,deadletters.write n8n-ops:${SIDECAR_N8N_OPS_API_KEY}:deadletters.read,deadletters.replay ops:${SIDECAR_OPS_API_KEY}:*}"
export SIDECAR_DATABASE_URL="${SIDECAR_DATABASE_URL:-sqlite:///$VAR/sidecar.db}"
export SIDECAR_AUDIT_CHECKPOINT_FILE="${SIDECAR_AUDIT_CHECKPOINT_FILE:-$VAR/audit-checkpoints.jsonl}"
export SIDECAR_BIND="${SIDECAR_BIND:-127.0.0.1:8000}"
export SIDECAR_URL="${SIDECAR_URL:-http://$SIDECAR_BIND}"
export SIDECAR_N8N_URL="${SIDECAR_N8N_URL:-http://127.0.0.1:${N8N_PORT:-5678}}"  # the console's links into n8n
"$PY" -c 'from sidecar.config import load_settings; load_settings()' \
  || { echo "fix the configuration above, then run again" >&2; exit 2; }

# --- n8n (optional on a machine without npm) ---------------------------------------------------
if [ "${RUN_N8N:-1}" != 0 ] && { bash scripts/n8n.sh install && bash scripts/n8n.sh import; } >"$VAR/n8n-setup.log" 2>&1; then
  # The Odoo Governance node package: its build tools come from npm once; without them n8n runs without it.
  bash scripts/n8n.sh package >>"$VAR/n8n-setup.log" 2>&1 ||
    echo "run.sh: the n8n node package was not installed (see $VAR/n8n-setup.log)" >&2
  bash scripts/n8n.sh start && N8N_STARTED=1
else
  echo "run.sh: n8n is not running (RUN_N8N=0, or it could not be installed: see $VAR/n8n-setup.log);" \
       "the sidecar answers on its own" >&2
fi

# --- the sidecar ------------------------------------------------------------------------------
# One metrics directory for gunicorn's workers and the outbox worker: /metrics adds them all up.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$VAR/metrics}"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db  # samples of an earlier run
"$PY" -m sidecar worker &
pids+=($!)
"$PY" -m sidecar serve &
pids+=($!)
wait_for "$SIDECAR_URL/health" "the sidecar" 60

echo
echo "sidecar on $SIDECAR_URL${N8N_STARTED:+, n8n on http://127.0.0.1:${N8N_PORT:-5678}}; Ctrl-C stops everything"
echo "ops console: $SIDECAR_URL/console (sign in with SIDECAR_OPS_API_KEY from $SECRETS, or a SIDECAR_CONSOLE_USERS user)"
if [ "$DEMO" = 1 ]; then
  order=$("$PY" - "$ODOO_URL" <<'EOF'
import sys, requests
def call(model, method, *args, **kw):
    params = {"service": "object", "method": "execute_kw", "args": ["gov17", 2, "admin", model, method, list(args), kw]}
    return requests.post(sys.argv[1] + "/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "params": params},
                         timeout=10).json().get("result")
# Submit one quotation the way Odoo's "Request release" action does: the "Release requested" tag.
tag = (call("crm.tag", "search", [["name", "=", "Release requested"]]) or [None])[0] \
    or call("crm.tag", "create", {"name": "Release requested"})
order = (call("sale.order", "search", [["state", "=", "sent"]], limit=1, order="id") or [""])[0]
if order:
    call("sale.order", "write", [order], {"tag_ids": [[4, tag]]})
print(order)
EOF
)
  cat <<EOF

======================================== DEMO ========================================
No ODOO_URL was given, so this runs against a DEMO Odoo: the project's Odoo 17 protocol
double with demo data at $ODOO_URL (database gov17, admin/admin). Nothing real is
touched; the demo store in $VAR/demo/ starts empty on every run. Set ODOO_URL, ODOO_DB,
ODOO_USER and ODOO_PASSWORD to run against your own Odoo.

Send a first event (quotation $order was submitted with the "Release requested" tag):

  curl -sS -X POST $SIDECAR_URL/v1/events \\
    -H "Authorization: Bearer $SIDECAR_N8N_API_KEY" -H "Content-Type: application/json" \\
    -d '{"id": "demo-1", "type": "sale_order.release_requested", "source": "odoo",
         "data": {"_model": "sale.order", "_id": $order}}'

The answer is the decision (outcome release / approve / reject, with its reasons). See it
again, with the write-back jobs the outbox worker delivers to the demo Odoo:

  curl -sS $SIDECAR_URL/v1/releases/<release_id from the answer> -H "Authorization: Bearer $SIDECAR_OPS_API_KEY"

and check that the audit trail is intact:

  curl -sS $SIDECAR_URL/v1/audit/verify -H "Authorization: Bearer $SIDECAR_OPS_API_KEY"

(the demo keys are kept in $SECRETS)
======================================================================================
EOF
fi
wait -n "${pids[@]}"
