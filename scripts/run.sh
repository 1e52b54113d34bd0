#!/usr/bin/env bash
# Runs Scout on this machine: installs what is missing, builds (release), serves on
# http://127.0.0.1:${SCOUT_PORT:-3000}. With no DATABASE_URL it starts its own private
# Postgres under .scout/ and seeds demo accounts (printed in the log).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
echo "==> building Scout (release: server, WASM, CSS; scripts/build.sh)" >&2
scripts/build.sh
# exec: Ctrl-C and SIGTERM reach Scout itself, which stops its Postgres cleanly.
exec target/release/scout "$@"
