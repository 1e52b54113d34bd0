#!/usr/bin/env bash
# Lighthouse (mobile: a mid-range phone on slow 4G, simulated) on the pages issue 19 names:
# home, a search and a listing, against a running release server (scripts/run.sh). Not part
# of the test command: a measurement, whose figures go in the issue's notes.
#   scripts/lighthouse.sh [BASE_URL] [RUNS]      (default http://127.0.0.1:3000, 3 runs)
# Prints each category's median score per page and exits 1 when a page misses the issue's
# bar: performance >= 95, accessibility, best practices and SEO 100. The reports (JSON) are
# kept in .scout/lighthouse/reports/. Installs Lighthouse from npm into .scout/lighthouse the
# first time (not in package.json: the tests do not need it).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-http://127.0.0.1:3000}
runs=${2:-3}
version=12.8.2 # 13 needs Node 22; Debian 12 has Node 20
tool=.scout/lighthouse
if [ ! -x "$tool/node_modules/.bin/lighthouse" ] \
  || [ "$(node -p "require('./$tool/node_modules/lighthouse/package.json').version")" != "$version" ]; then
  echo "==> installing Lighthouse $version (npm) into $tool" >&2
  mkdir -p "$tool"
  npm install --prefix "$tool" --no-save --no-audit --no-fund "lighthouse@$version" >&2
fi
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}

# a listing: the first result of a search, as a person would open it
listing=$(curl -fsS "$base/search?q=golf" | grep -o 'href="/listings/[0-9]*' | head -1 | cut -d'"' -f2 || true)
[ -n "$listing" ] || { echo "no listing found on $base/search?q=golf: is Scout running there?" >&2; exit 1; }
pages=("/" "/search?q=golf" "$listing")

reports=$tool/reports
mkdir -p "$reports"
failed=0
printf '%-22s %12s %14s %15s %5s   %s\n' page performance accessibility "best practices" SEO "median of $runs" >&2
for path in "${pages[@]}"; do
  name=$(echo "$path" | tr -c 'a-zA-Z0-9\n' '_')
  for run in $(seq 1 "$runs"); do
    # a second try: Lighthouse now and then fails to record the trace (NO_NAVSTART)
    for try in 1 2; do
      if "$tool/node_modules/.bin/lighthouse" "$base$path" --quiet --output=json \
        --output-path="$reports/$name.$run.json" \
        --only-categories=performance,accessibility,best-practices,seo \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"; then
        break
      elif [ "$try" = 2 ]; then
        echo "lighthouse failed twice on $path" >&2
        exit 1
      fi
    done
  done
  node - "$path" "$reports/$name" "$runs" <<'EOF' || failed=1
const [path, prefix, runs] = process.argv.slice(2);
const fs = require("fs");
const all = [...Array(Number(runs)).keys()].map((i) => JSON.parse(fs.readFileSync(`${prefix}.${i + 1}.json`)));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const score = (id) => Math.round(100 * median(all.map((r) => r.categories[id].score)));
const ms = (id) => Math.round(median(all.map((r) => r.audits[id].numericValue)));
const s = { perf: score("performance"), a11y: score("accessibility"), bp: score("best-practices"), seo: score("seo") };
console.error(
  `${path.padEnd(22)} ${String(s.perf).padStart(12)} ${String(s.a11y).padStart(14)} ${String(s.bp).padStart(15)} ${String(s.seo).padStart(5)}` +
    `   FCP ${ms("first-contentful-paint")} ms, LCP ${ms("largest-contentful-paint")} ms, TBT ${ms("total-blocking-time")} ms, CLS ${median(all.map((r) => r.audits["cumulative-layout-shift"].numericValue)).toFixed(3)}`,
);
// what kept a category from 100, from the last run
const last = all[all.length - 1];
for (const id of ["accessibility", "best-practices", "seo"]) {
  for (const ref of last.categories[id].auditRefs) {
    const a = last.audits[ref.id];
    if (ref.weight > 0 && a.score !== null && a.score < 1) console.error(`    ${id}: ${a.id}: ${a.title}`);
  }
}
process.exit(s.perf >= 95 && s.a11y === 100 && s.bp === 100 && s.seo === 100 ? 0 : 1);
EOF
done
exit $failed
