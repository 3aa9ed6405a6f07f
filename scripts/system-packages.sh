#!/usr/bin/env bash
# Debian packages the tests start for real (each test starts and stops its own server):
# redis-server for shared rate-limit counters and n8n's queue mode, PostgreSQL (pg_ctlcluster comes
# with it; the servers are started by scripts/pg-throwaway.sh) for n8n's database in queue mode, and
# Chromium with its driver for the ops console's browser tests (Playwright drives /usr/bin/chromium).
# Installs only what is missing; needs root or sudo.
set -euo pipefail
wanted=(redis-server:redis-server pg_ctlcluster:postgresql chromium:chromium chromedriver:chromium-driver)   # command:package
missing=()
for entry in "${wanted[@]}"; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "== installing ${missing[*]} from Debian's packages" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
