# Sourced by test.sh and sqlx-prepare.sh: `start_private_postgres DIR` runs
# `$SCOUT_BIN postgres` (default target/debug/scout: a migrated private cluster under DIR),
# waits for it, exports DATABASE_URL and stops the cluster cleanly when the calling script exits.
start_private_postgres() {
  local dir=$1
  mkdir -p "$dir"
  SCOUT_DATA_DIR="$dir" "${SCOUT_BIN:-target/debug/scout}" postgres > "$dir/url" 2> "$dir/postgres-runner.log" &
  _private_pg_pid=$!
  trap stop_private_postgres EXIT
  for _ in $(seq 1 300); do
    grep -q '^DATABASE_URL=' "$dir/url" 2>/dev/null && break
    kill -0 "$_private_pg_pid" 2>/dev/null || break
    sleep 0.2
  done
  DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$dir/url")
  if [ -z "$DATABASE_URL" ]; then
    echo "the private Postgres did not start:" >&2
    cat "$dir/postgres-runner.log" >&2
    exit 1
  fi
  export DATABASE_URL
}

# Stops the cluster start_private_postgres started (its exit trap; a caller with an exit trap
# of its own calls this from it).
stop_private_postgres() {
  kill -TERM "$_private_pg_pid" 2>/dev/null && wait "$_private_pg_pid" 2>/dev/null || true
}
