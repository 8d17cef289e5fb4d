#!/usr/bin/env bash
# `make test`: installs what the tests need, then runs every check and test suite in
# order, failing on the first red step. Logs of each step: target/test-logs/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

logs="$REPO_ROOT/target/test-logs"
mkdir -p "$logs"
: >"$logs/timings.txt"
: >"$logs/summaries.txt"

# step NAME COMMAND…: runs and times one step, keeping its output in a log as well.
step() {
  local name=$1; shift
  say "$name"
  local started=$SECONDS status=0
  "$@" 2>&1 | tee "$logs/$name.log" || status=${PIPESTATUS[0]}
  printf '%-16s %4ss\n' "$name" $((SECONDS - started)) >>"$logs/timings.txt"
  # Keep each runner's own closing lines, to repeat them at the very end.
  sed 's/\x1b\[[0-9;]*m//g' "$logs/$name.log" \
    | grep -E '^test result:|^ +Tests +[0-9]+ (passed|failed)|^[0-9]+ passed, [0-9]+ failed' \
    | sed -E "s/^ +//; s/^/$name: /" >>"$logs/summaries.txt" || true
  [ "$status" -eq 0 ] || die "step '$name' failed (exit $status); its log: $logs/$name.log"
}

pg_started=""
cleanup() { [ -n "$pg_started" ] && scripts/test-postgres.sh stop || true; }
trap cleanup EXIT

step deps scripts/install-deps.sh test
step npm-ci npm --prefix ui ci --no-audit --no-fund
step ui-check npm --prefix ui run check
step ui-lint npm --prefix ui run lint
step ui-unit npm --prefix ui run test:unit
step ui-build npm --prefix ui run build
step fmt cargo fmt --all --check
step clippy cargo clippy --workspace --all-targets --locked -- -D warnings
step build cargo build --workspace --locked

export TENANTRY_TEST_PG_URL
TENANTRY_TEST_PG_URL=$(scripts/test-postgres.sh start)
[ "$TENANTRY_TEST_PG_URL" = "postgres://postgres@127.0.0.1:55432/postgres" ] && pg_started=yes
say "Postgres for tests: $TENANTRY_TEST_PG_URL"

# --all-targets: unit, integration and e2e tests (the e2e test starts its own Xvfb and
# tauri-driver); doc tests hold nothing yet.
# Under a private D-Bus session with an unlocked GNOME Keyring: the key-store tests use
# the real Secret Service, never keyring's in-memory mock.
step cargo-test dbus-run-session -- scripts/with-keyring.sh cargo test --workspace --all-targets --locked
step ui-browser npm --prefix ui run test:browser
step schemathesis scripts/schemathesis.sh

say "Step times (seconds)"
cat "$logs/timings.txt"
say "Screenshots: target/e2e-artifacts/ (desktop app), target/ui-artifacts/ (UI in Chromium)"
say "Test runners' summaries"
cat "$logs/summaries.txt"
