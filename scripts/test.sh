#!/usr/bin/env bash
# Runs every test Scout has, installing what is missing first; exits non-zero on any failure.
#   format (rustfmt, leptosfmt) -> cargo-leptos build (server, WASM, CSS) -> hydrate build has
#   no server crates -> private Postgres -> .sqlx/ is current -> clippy (ssr + hydrate/wasm32)
#   -> Rust unit + integration tests -> browser journeys (Playwright + Debian's Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n\033[1m==> [%ss] %s\033[0m\n' "$(( $(date +%s) - started ))" "$*" >&2; }

step "set-up"
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
export SQLX_OFFLINE=true
# cargo-leptos adds `--cfg erase_components` to RUSTFLAGS for debug builds (so it is unset for
# it below); the plain cargo commands get the same flag so all of them share one build cache
export RUSTFLAGS="--cfg erase_components"
# cargo-leptos bakes the output name into leptos_config at compile time; setting it for the
# plain cargo commands too keeps them from rebuilding leptos and everything above it
export LEPTOS_OUTPUT_NAME=scout

step "formatting (rustfmt, leptosfmt)"
cargo fmt --check
leptosfmt --check src

step "build with cargo-leptos (server, WASM bundle, Tailwind CSS)"
env -u RUSTFLAGS cargo leptos build

step "the hydrate (WASM) build pulls in no server crates"
scripts/check-wasm-deps.sh

step "private Postgres for the tests"
. scripts/private-postgres.sh
start_private_postgres .scout/test-db

step ".sqlx/ matches the queries and the schema"
cargo sqlx prepare --check -- --features ssr

step "clippy -D warnings (ssr, all targets)"
cargo clippy --features ssr --all-targets -- -D warnings
step "clippy -D warnings (hydrate, wasm32)"
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "Rust unit and integration tests (each integration test gets its own database)"
cargo test --features ssr

step "browser journeys (Playwright, Chromium; hydrated and without JavaScript; desktop and phone)"
rm -rf .scout/e2e
# The journeys' server must start its own private Postgres with the demo data, as the README's
# run command does: it must not inherit the test database's DATABASE_URL exported above.
(cd end2end && env -u DATABASE_URL npx playwright test)

step "all tests passed"
