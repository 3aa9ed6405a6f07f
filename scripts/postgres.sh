#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, from Debian's packages (installed when missing).
#   out=$(bash scripts/postgres.sh) && eval "$out"      # prints SIDECAR_TEST_DATABASE_URL=... and SIDECAR_TEST_PGDATA=...
#   bash scripts/postgres.sh stop "$SIDECAR_TEST_PGDATA"
#   bash scripts/postgres.sh down|up "$SIDECAR_TEST_PGDATA"   # a restart in two steps, data kept (fault tests)
# PostgreSQL refuses to run as root: as root it runs as the `postgres` user (or `nobody`), its data
# directory under /tmp. Durability is switched off (fsync, synchronous_commit): the data is thrown away.
set -euo pipefail

as_owner() {  # run a command as the server's user
  if [ "$(id -u)" = 0 ]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi
}

bindir() {
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)"
}

PGUSER_OS=$(id -un)
if [ "$(id -u)" = 0 ]; then
  PGUSER_OS=postgres
  getent passwd postgres >/dev/null || PGUSER_OS=nobody
fi

if [ "${1:-}" = stop ]; then
  data=${2:?usage: postgres.sh stop DATADIR}
  if as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1; then  # a server taken down is only removed
    as_owner "$(bindir)/pg_ctl" -D "$data" -m fast stop >/dev/null
  fi
  rm -rf "$data"
  exit 0
fi

case "${1:-}" in
  down) as_owner "$(bindir)/pg_ctl" -D "${2:?usage: postgres.sh down DATADIR}" -m fast -w stop >/dev/null; exit 0 ;;
  # restart starts a stopped server with the options of its last start (postmaster.opts): the same port
  up) as_owner "$(bindir)/pg_ctl" -D "${2:?usage: postgres.sh up DATADIR}" -l "$2/server.log" -w -t 60 restart \
        >/dev/null 2>&1 || { tail -20 "$2/server.log" >&2; exit 1; }; exit 0 ;;
esac

bin=$(bindir || true)
if [ -z "$bin" ]; then
  echo "postgres.sh: installing Debian's postgresql package" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >&2
  bin=$(bindir)
fi

data=$(mktemp -d /tmp/sidecar-pg.XXXXXX)
chmod 700 "$data"
[ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$data"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_owner "$bin/initdb" -D "$data" -U sidecar --auth=trust -E UTF8 --no-locale >"$data.initdb.log" 2>&1 \
  || { cat "$data.initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >&2 || { cat "$data/server.log" >&2; exit 1; }
as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U sidecar sidecar_test
rm -f "$data.initdb.log"

echo "SIDECAR_TEST_DATABASE_URL=postgresql+psycopg://sidecar@127.0.0.1:$port/sidecar_test"
echo "SIDECAR_TEST_PGDATA=$data"
