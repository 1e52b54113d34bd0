#!/usr/bin/env bash
# Builds what scripts/run.sh serves, and nothing else: the release server (target/release/scout),
# the release WASM bundle (profile wasm-release, split into a chunk per page, then wasm-opt) and the Tailwind CSS in
# target/site, each asset also precompressed as .br and .gz for the server to send as they are.
# scripts/run.sh and scripts/test.sh both build through this file, so the tests always build
# exactly what people run. Expects scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# A debug-style RUSTFLAGS from the calling shell (`--cfg erase_components`) would change what
# is built: release builds choose their own (see Cargo.toml, [package.metadata.leptos]).
unset RUSTFLAGS
# --split: every page but the home page is a WASM chunk of its own (src/app.rs, lazy_pages);
# a build without it would leave the chunks' imports unresolved.
exec cargo leptos build --release --precompress --split "$@"
