#!/usr/bin/env bash
# The README's run command, as a newcomer runs it, checked end to end (called by test.sh):
#   1. `scripts/run.sh` with no configuration but a free port and a data folder of its own, so
#      it starts its own private Postgres and seeds the demo data, as on a first run;
#   2. a short journey in Chromium against it (end2end/release.config.ts): the home page, a
#      search whose filter changes the results in place (hydrated), a listing page;
#   3. SIGTERM, as Ctrl-C or a service manager sends it: Scout must exit 0 within 30 s and
#      leave no process of its Postgres behind.
# Prints how long the start, the journey and the stop took.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

data=.scout/release-check
rm -rf "$data"
mkdir -p "$data"
log="$data/scout.log"
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
base="http://127.0.0.1:$port"
started=$(date +%s.%N)
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# No DATABASE_URL or other Scout settings from the calling shell (test.sh exports one).
env -u DATABASE_URL -u RUSTFLAGS SCOUT_PORT="$port" SCOUT_DATA_DIR="$data" \
  scripts/run.sh > "$log" 2>&1 &
pid=$!  # run.sh ends with `exec`, so this becomes Scout itself
fail() {
  echo "release check: $*" >&2
  echo "--- last lines of $log:" >&2
  tail -n 40 "$log" >&2
  kill -KILL "$pid" 2>/dev/null || true
  exit 1
}

until curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; do
  kill -0 "$pid" 2>/dev/null || fail "scripts/run.sh exited before Scout served"
  [ "$(secs "$started" | cut -d. -f1)" -lt 900 ] || fail "Scout did not serve within 15 minutes"
  sleep 0.5
done
echo "release check: scripts/run.sh served $base after $(secs "$started") s (set-up check, build check, private Postgres, demo data, search index)"
[ "$(cat /proc/$pid/comm)" = scout ] || fail "the process run.sh left is $(cat /proc/$pid/comm), not scout"

# the private Postgres this run started: Scout's child processes, and its data folder
pg_dir=$(sed -n 's/.*private Postgres is up.*dir=\([^ ]*\).*/\1/p' "$log" | tail -n 1)
[ -n "$pg_dir" ] || fail "the log does not say where the private Postgres runs"
pg_pids=$(pgrep -P "$pid" -x postgres || true)
[ -n "$pg_pids" ] || fail "Scout has no postgres child process"

journey=$(date +%s.%N)
(cd end2end && SCOUT_RELEASE_URL="$base" npx playwright test --config release.config.ts) \
  || fail "the journey against the release server failed"
echo "release check: journey passed in $(secs "$journey") s"

stopping=$(date +%s.%N)
kill -TERM "$pid"
for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "Scout was still running 30 s after SIGTERM"
status=0
wait "$pid" || status=$?
[ "$status" = 0 ] || fail "Scout exited with status $status after SIGTERM"
echo "release check: SIGTERM to exit took $(secs "$stopping") s"
for p in $pg_pids; do
  if kill -0 "$p" 2>/dev/null; then fail "postgres process $p is still running after Scout stopped"; fi
done
if pgrep -f -- "$pg_dir" >/dev/null; then
  pgrep -af -- "$pg_dir" >&2
  fail "a process still runs on $pg_dir after Scout stopped"
fi
grep -q "private Postgres stopped" "$log" || fail "the log does not say the private Postgres stopped"
echo "release check: passed; no process of its Postgres is left"
