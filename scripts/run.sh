#!/usr/bin/env bash
# `make run`: the desktop app on its embedded SQLite mirror, next to a local sandbox of
# the platform server (SQLite, loopback) so that sync works out of the box.
#
# The sandbox keeps its data in <data dir>/tenantry-server/sandbox.db. The first time,
# your own signing key (from the OS keyring, created if needed) becomes the sandbox's
# admin and its token is kept in the keyring, so "Sync now" works at once. Without a
# keyring (a bare server), the app still starts; sync then says what is missing.
# TENANTRY_SERVER_URL set by you wins: no sandbox is started.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

cargo build --locked -p tenantry-desktop -p tenantry-cli -p tenantry-server
bin="$REPO_ROOT/target/debug"

server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${TENANTRY_SERVER_URL:-}" ]; then
  port=${TENANTRY_SANDBOX_PORT:-8480}
  url="http://127.0.0.1:$port"
  data_home=${XDG_DATA_HOME:-$HOME/.local/share}
  sandbox_dir="$data_home/tenantry-server"
  mkdir -p "$sandbox_dir"
  database="sqlite://$sandbox_dir/sandbox.db"
  ready() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url/readyz" 2>/dev/null; }

  if ready; then
    say "A server already answers at $url; the app will use it"
  else
    # The first admin is you: your key, from the keyring. Refused when the sandbox
    # already has an admin, which is the normal case after the first run.
    if public_key=$("$bin/tenantry" key show --format json 2>/dev/null || "$bin/tenantry" key create --format json 2>/dev/null); then
      public_key=$(printf '%s' "$public_key" | python3 -c 'import json, sys; print(json.load(sys.stdin)["public_key"]["keyval"]["public"])')
      if token=$("$bin/tenantry-server" bootstrap-admin --name "${USER:-me} (sandbox)" \
          --public-key "$public_key" --database-url "$database" 2>/dev/null | awk '/^token:/ {print $2}') && [ -n "$token" ]; then
        printf '%s\n' "$token" | "$bin/tenantry" server use-token --server "$url" >/dev/null
        say "Sandbox server: your key is its admin; the token is in your keyring"
      fi
    else
      warn "no OS keyring here: the sandbox runs, but the app cannot sign or sync until a keyring is available"
    fi
    log="$REPO_ROOT/target/sandbox-server.log"
    "$bin/tenantry-server" serve --listen "127.0.0.1:$port" --database-url "$database" >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do ready && break; sleep 0.1; done
    if ready; then
      say "Sandbox server at $url (log: $log)"
    else
      warn "the sandbox server did not start (see $log); the app runs offline"
      server_pid=""
    fi
  fi
  export TENANTRY_SERVER_URL="$url"
fi

"$bin/tenantry-desktop"
