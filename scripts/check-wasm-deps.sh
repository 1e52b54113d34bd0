#!/usr/bin/env bash
# Fails if the hydrate (browser) build depends on any server-only crate.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(cargo tree --no-default-features --features hydrate --target wasm32-unknown-unknown \
  -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)
bad=0
for crate in sqlx sqlx-core sqlx-postgres tokio mio argon2 image async-stripe oauth2 axum \
             tower-sessions tower-sessions-sqlx-store leptos_axum hyper reqwest zip lettre openidconnect phonenumber; do
  if grep -qx "$crate" <<<"$tree"; then
    echo "the hydrate build depends on the server crate '$crate':" >&2
    cargo tree --no-default-features --features hydrate --target wasm32-unknown-unknown -e normal -i "$crate" >&2 || true
    bad=1
  fi
done
[ "$bad" = 0 ] && echo "hydrate build: $(wc -l <<<"$tree") crates, none server-only"
exit "$bad"
