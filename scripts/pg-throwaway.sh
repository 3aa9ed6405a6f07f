#!/usr/bin/env bash
# A throwaway PostgreSQL server for local runs and CI (n8n's database in queue mode).
#   scripts/pg-throwaway.sh start DIR PORT DB USER PASSWORD_FILE   initdb DIR once, start it on
#                                                  127.0.0.1:PORT, create role USER and database DB
#   scripts/pg-throwaway.sh stop DIR               stop it (fast shutdown)
# PostgreSQL refuses to run as root: as root it runs as the `postgres` system user (Debian's
# `postgresql` package creates it), and DIR must then be reachable by that user. The binaries are
# found on PATH, in /usr/local/bin or in /usr/lib/postgresql/*/bin (Debian's layout).
# Kept small and self-contained so it can merge with the sidecar store's own starter.
set -euo pipefail

pg_bin() {
  local dir
  for dir in "${PG_BIN:-}" /usr/local/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -n "$dir" ] && [ -x "$dir/$1" ]; then echo "$dir/$1"; return 0; fi
  done
  command -v "$1" || { echo "pg-throwaway.sh: $1 not found (apt-get install postgresql)" >&2; return 1; }
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd_start() {
  local dir=$1 port=$2 db=$3 user=$4 pwfile=$5
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir" "$pwfile"
    chmod 700 "$dir"
    # The server's superuser is $user itself, with the password from $pwfile; local socket access is trust
    # for the owner only (the socket lives inside DIR), TCP needs the password.
    as_owner "$(pg_bin initdb)" -D "$dir" -U "$user" --pwfile="$pwfile" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log" >&2; return 1; }
    [ "$(id -u)" = 0 ] && chown root: "$pwfile"
  fi
  if ! as_owner "$(pg_bin pg_ctl)" -D "$dir" status >/dev/null 2>&1; then
    as_owner "$(pg_bin pg_ctl)" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off" start >/dev/null
  fi
  # Over the socket inside DIR (trust for the owner); "already exists" on a second start is fine.
  as_owner "$(pg_bin createdb)" -h "$dir" -p "$port" -U "$user" "$db" 2>/dev/null ||
    as_owner "$(pg_bin psql)" -h "$dir" -p "$port" -U "$user" -d "$db" -Atc 'SELECT 1' >/dev/null
}

cmd_stop() {
  local dir=$1
  [ -f "$dir/PG_VERSION" ] || return 0
  as_owner "$(pg_bin pg_ctl)" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
