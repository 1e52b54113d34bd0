#!/usr/bin/env bash
# Runs every test Scout has, installing what is missing first; exits non-zero on any failure.
#   format (rustfmt, leptosfmt) -> the release build scripts/run.sh serves (scripts/build.sh)
#   -> hydrate build has no server crates -> scripts/run.sh itself, as a newcomer runs it
#   (journey, SIGTERM, no Postgres left) -> private Postgres -> clippy, with .sqlx/ checked
#   in the same pass (ssr) + clippy (hydrate/wasm32) -> Rust unit + integration tests -> browser journeys against the
#   release server (Playwright + Debian's Chromium). Ends with how long each phase took.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
phase_started=$started
phase_name=""
phases=()
end_phase() {
  if [ -n "$phase_name" ]; then
    phases+=("$(printf '%6ss  %s' "$(( $(date +%s) - phase_started ))" "$phase_name")")
  fi
}
step() {
  end_phase
  phase_name=$*
  phase_started=$(date +%s)
  printf '\n\033[1m==> [%ss] %s\033[0m\n' "$(( phase_started - started ))" "$*" >&2
}
summary() {
  local status=${1:-$?}
  end_phase
  printf '\n\033[1m==> phase times (total %ss, exit %s)\033[0m\n' "$(( $(date +%s) - started ))" "$status" >&2
  printf '%s\n' "${phases[@]}" >&2
}
trap summary EXIT

step "set-up"
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
export SQLX_OFFLINE=true

step "formatting (rustfmt, leptosfmt)"
cargo fmt --check
leptosfmt --check src

step "release build, exactly what scripts/run.sh serves (scripts/build.sh: server, WASM, CSS)"
scripts/build.sh
# The release WASM as browsers download it (brotli), per page: the app's module and JS, and a
# lazily loaded page's group of chunks (scripts/wasm-sizes.py). A change that needs more raises
# a budget in the same commit and says why.
# 2026-12-07: split by page group (src/app.rs, lazy_pages): the home page 238,509 B, the
# heaviest page (Settings, Account, Alerts, Inbox, Billing) 510,908 B, search and listings
# 463,521 B; unsplit, every page loaded 587,905 B. Issue 19 asks for under 400 KB.
# 2026-12-08: Bulgarian and English (leptos_i18n, ICU4X plural rules, the layout's, home and
# search pages' strings in both languages): the home page 260,663 B (+22,154), the heaviest
# 530,029 B (+19,121). Every page translated adds its strings again in the other language.
WASM_BR_BUDGET=545000      # bytes, the heaviest page
WASM_BR_HOME_BUDGET=270000 # bytes, the home page
scripts/wasm-sizes.py target/site/pkg --budget "$WASM_BR_BUDGET" --home-budget "$WASM_BR_HOME_BUDGET" >&2

# The debug-profile commands below (sqlx check, clippy, tests) share one build cache, built
# with the flag cargo-leptos uses for debug builds.
export RUSTFLAGS="--cfg erase_components"
# cargo-leptos bakes the output name into leptos_config at compile time; setting it for the
# plain cargo commands too keeps them from rebuilding leptos and everything above it
export LEPTOS_OUTPUT_NAME=scout

step "the hydrate (WASM) build pulls in no server crates"
scripts/check-wasm-deps.sh

step "the run command as a newcomer runs it (scripts/run.sh: own Postgres, demo data, journey, SIGTERM)"
scripts/release-check.sh

step "private Postgres for the tests"
. scripts/private-postgres.sh
SCOUT_BIN=target/release/scout start_private_postgres .scout/test-db
# start_private_postgres set its own exit trap (stop the cluster): keep the phase times too
trap 'status=$?; stop_private_postgres; summary "$status"' EXIT

# One pass checks the code twice over: clippy, and every query!/query_as! against the live,
# migrated schema. The macros write what they found to SQLX_OFFLINE_DIR, which must match the
# committed .sqlx/ (what `cargo sqlx prepare --check` compares, without a second cargo check).
step "clippy -D warnings (ssr, all targets) + .sqlx/ matches the queries and the schema"
rm -rf target/sqlx-check && mkdir -p target/sqlx-check
touch src/lib.rs # the query macros must run again, not come from the cache
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/target/sqlx-check" \
  cargo clippy --features ssr --all-targets -- -D warnings
scripts/sqlx-check.py .sqlx target/sqlx-check
step "clippy -D warnings (hydrate, wasm32)"
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "Rust unit and integration tests (each integration test gets its own database)"
cargo test --features ssr

step "browser journeys against the release server (Playwright, Chromium; hydrated and without JavaScript; desktop and phone)"
rm -rf .scout/e2e
# The journeys' server must start its own private Postgres with the demo data, as the README's
# run command does: it must not inherit the test database's DATABASE_URL exported above.
(cd end2end && env -u DATABASE_URL npx playwright test)

step "all tests passed"
