#!/usr/bin/env bash
# Feeds random input to the parsers a stranger's text reaches (search URL codec, smart box,
# listing form, alert keyword expressions) for SECONDS each (default 60): nothing may panic
# and what comes out must stay bounded by what went in. Not part of the test command.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=scout SQLX_OFFLINE=true
SCOUT_FUZZ_SECS="${1:-60}" cargo test --features ssr --lib fuzz:: -- --ignored --test-threads=1 --nocapture
