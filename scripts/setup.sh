#!/usr/bin/env bash
# Installs what Scout needs and is missing; safe to run again (a warm machine skips everything).
#   scripts/setup.sh          build + run needs: Rust wasm target, cargo-leptos, wasm-bindgen,
#                             node packages (Tailwind, wasm-opt), PostgreSQL server binaries
#   scripts/setup.sh --test   also test needs: Chromium, leptosfmt, sqlx-cli
# Pinned versions live here and in package.json / rust-toolchain.toml / Cargo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
# must equal the wasm-bindgen version pinned with "=" in Cargo.toml
WASM_BINDGEN_VERSION=0.2.129
LEPTOSFMT_VERSION=0.1.33
SQLX_CLI_VERSION=0.8.6

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  say "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends "$@" \
    || { as_root apt-get update && as_root apt-get install -y --no-install-recommends "$@"; }
}

export PATH="$HOME/.cargo/bin:$PATH"

# Rust: the toolchain in rust-toolchain.toml, with the WASM target and the lint/format tools.
if ! rustc --version >/dev/null 2>&1; then
  say "installing the Rust toolchain from rust-toolchain.toml"
  rustup toolchain install
fi
rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || { say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
for c in rustfmt clippy; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done

# Build tools, compiled in two streams at once (both cores stay busy through each one's serial
# tail), without link-time optimisation and with 16 codegen units: cargo-leptos's own release
# profile (full LTO, one codegen unit) made its install take ~25 of a newcomer's first 50
# minutes. These tools spend their time waiting for rustc, wasm-opt and the network, so
# cargo-leptos is compiled unoptimised (opt-level 0) except the code it runs over every asset
# (brotli and gzip precompression, file hashing), and the others at opt-level 1 (wasm-bindgen
# walks the whole WASM). A stream's output goes to .scout/setup/<crate>.log, shown on failure.
mkdir -p .scout/setup
cargo_tool() { # opt-level crate version check-command... ; installs when the version differs
  local opt=$1 crate=$2 version=$3; shift 3
  if "$@" 2>/dev/null | grep -qF "$version"; then return 0; fi
  local extra=()
  case $crate in
    cargo-leptos)
      local p
      for p in brotli brotli-decompressor alloc-no-stdlib alloc-stdlib libflate libflate_lz77 \
               adler32 crc32fast md-5 seahash; do
        extra+=(--config "profile.release.package.$p.opt-level=3")
      done ;;
    sqlx-cli) extra=(--no-default-features --features postgres,rustls) ;;
  esac
  say "installing $crate $version (cargo install, opt-level $opt; log: .scout/setup/$crate.log)"
  local t0=$SECONDS
  if ! CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
       CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt CARGO_PROFILE_RELEASE_DEBUG=0 \
       cargo install "$crate" --version "$version" --locked "${extra[@]}" \
       >".scout/setup/$crate.log" 2>&1; then
    tail -n 40 ".scout/setup/$crate.log" >&2
    say "installing $crate failed (whole log: .scout/setup/$crate.log)"
    return 1
  fi
  say "installed $crate $version in $((SECONDS - t0))s"
}
stream_a() { cargo_tool 0 cargo-leptos "$CARGO_LEPTOS_VERSION" cargo leptos --version; }
stream_b() {
  cargo_tool 1 wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen --version || return 1
  if $want_test; then
    cargo_tool 1 leptosfmt "$LEPTOSFMT_VERSION" leptosfmt --version || return 1
    cargo_tool 1 sqlx-cli "$SQLX_CLI_VERSION" cargo sqlx --version || return 1
  fi
}
stream_a & pid_a=$!
stream_b & pid_b=$!
# if set-up stops early (an apt failure, Ctrl-C), stop the streams' cargo too
stop_streams() { local p; for p in $pid_a $pid_b; do pkill -TERM -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; true; }
trap stop_streams EXIT

# PostgreSQL server binaries (Scout starts its own private cluster with them).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  apt_install postgresql
fi
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
# the test command's check of scripts/run.sh waits on /readyz with curl and finds processes with pgrep
if $want_test; then
  command -v curl >/dev/null || apt_install curl
  command -v pgrep >/dev/null || apt_install procps
fi
if $want_test && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
# the W3C Nu HTML checker (npm vnu-jar) the journeys run on the server-rendered pages
if $want_test && ! command -v java >/dev/null; then
  apt_install default-jre-headless
fi

# Node tools: Tailwind, wasm-opt (binaryen from npm: Debian's is too old), Playwright.
# `npm install`, not `npm ci` (the mirror lacks other platforms' optional packages), with
# --no-save so a run never rewrites the committed package-lock.json.
if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ ! -d node_modules/@playwright/test ] || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ] \
   || [ package.json -nt node_modules/.package-lock.json ]; then
  say "installing node packages"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund
fi

failed=0
wait "$pid_a" || failed=1
wait "$pid_b" || failed=1
trap - EXIT
[ "$failed" = 0 ] || { say "set-up failed: a build tool did not install (see above)"; exit 1; }
say "set-up complete"
