#!/usr/bin/env bash
# Regenerates .sqlx/ (compile-time query metadata) against a private, migrated Postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=scout
cargo build --features ssr --bin scout
. scripts/private-postgres.sh
start_private_postgres .scout/prepare-db
cargo sqlx prepare -- --features ssr
