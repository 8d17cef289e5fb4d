#!/usr/bin/env bash
# The Postgres server the test suite uses.
#   test-postgres.sh start   prints the admin URL of a server that answers: the one at
#                            $TENANTRY_TEST_PG_URL (default: 127.0.0.1:5432, trust auth),
#                            or else a throwaway cluster of our own under /tmp/tenantry-test-pg
#   test-postgres.sh stop    stops the throwaway cluster, if we started one
# Never "skips": if no server can be had, it fails and says why.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

default_url=postgres://postgres@127.0.0.1:5432/postgres
# Outside the repository: when root, the cluster runs as the postgres user, which may
# not be allowed into the directory holding the clone (e.g. under /root).
cluster_dir="${TMPDIR:-/tmp}/tenantry-test-pg"
cluster_port=55432
cluster_url="postgres://postgres@127.0.0.1:$cluster_port/postgres"

answers() { psql "$1" -qtAc 'select 1' >/dev/null 2>&1; }

pg_bin() {
  local candidate
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && { echo "$candidate"; return; }
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return
  die "no initdb found: install the postgresql package (make test does)"
}

# Postgres refuses to run as root; the cluster then belongs to the 'postgres' user.
as_cluster_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  command -v psql >/dev/null 2>&1 || die "psql not found: install postgresql-client (make test does)"
  local url=${TENANTRY_TEST_PG_URL:-$default_url}
  if answers "$url"; then echo "$url"; return; fi
  if [ -n "${TENANTRY_TEST_PG_URL:-}" ]; then
    die "TENANTRY_TEST_PG_URL is set but nothing answers there"
  fi
  if answers "$cluster_url"; then echo "$cluster_url"; return; fi
  local bin; bin=$(pg_bin)
  warn "no Postgres at $default_url; starting a throwaway cluster on port $cluster_port in $cluster_dir"
  mkdir -p "$cluster_dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$cluster_dir"
  if [ ! -f "$cluster_dir/PG_VERSION" ]; then
    as_cluster_owner "$bin/initdb" -D "$cluster_dir" -U postgres --auth=trust --no-sync >/dev/null
  fi
  as_cluster_owner "$bin/pg_ctl" -D "$cluster_dir" -l "$cluster_dir/server.log" -w \
    -o "-p $cluster_port -c listen_addresses=127.0.0.1 -k $cluster_dir -c fsync=off" start >/dev/null
  answers "$cluster_url" || die "the throwaway cluster did not answer; see $cluster_dir/server.log"
  echo "$cluster_url"
}

stop() {
  [ -f "$cluster_dir/postmaster.pid" ] || return 0
  as_cluster_owner "$(pg_bin)/pg_ctl" -D "$cluster_dir" -m fast -w stop >/dev/null
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
