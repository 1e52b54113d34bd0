#!/usr/bin/env bash
# Regenerates .sqlx/ (compile-time query metadata) against a private, migrated Postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" RUSTFLAGS="--cfg erase_components"
dir=.scout/prepare-db
mkdir -p "$dir"
cargo build --features ssr --bin scout
SCOUT_DATA_DIR="$dir" target/debug/scout postgres > "$dir/url" 2> "$dir/runner.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do grep -q '^DATABASE_URL=' "$dir/url" 2>/dev/null && break; sleep 0.2; done
DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$dir/url") cargo sqlx prepare -- --features ssr
