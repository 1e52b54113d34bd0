#!/usr/bin/env python3
"""What a browser downloads to run each page: the release WASM as split by scripts/build.sh.

Every page loads the app's module (scout.<hash>.js, .wasm) and the chunks' loader
(__wasm_split.<hash>.js); a lazily loaded page (src/app.rs, lazy_pages) also loads its group's
WASM and the chunks it shares with other groups, as listed in __wasm_split_manifest.<hash>.json.
Sizes are of the brotli files the server sends (cargo-leptos --precompress).

    scripts/wasm-sizes.py [SITE_PKG_DIR] [--budget BYTES] [--home-budget BYTES]

Prints one line per page group, heaviest first; exits 1 when a page's total is over a budget
given.
"""
import argparse
import glob
import json
import os
import sys


def one(pattern):
    found = glob.glob(pattern)
    if len(found) != 1:
        sys.exit(f"expected one file like {pattern}, found {found}")
    return found[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pkg", nargs="?", default="target/site/pkg")
    parser.add_argument("--budget", type=int, help="most bytes any page may load")
    parser.add_argument("--home-budget", type=int, help="most bytes the home page may load")
    args = parser.parse_args()
    pkg = args.pkg

    def br(path):
        return os.path.getsize(path + ".br")

    app_wasm = br(one(os.path.join(pkg, "scout.*.wasm")))
    app_js = br(one(os.path.join(pkg, "scout.*.js")))
    loader = br(one(os.path.join(pkg, "__wasm_split.*.js")))
    first = app_wasm + app_js + loader
    manifest = json.load(open(one(os.path.join(pkg, "__wasm_split_manifest.*.json"))))

    def chunk(stem):
        # the manifest names each file as written, hash included, without `.wasm`
        return br(os.path.join(pkg, stem + ".wasm"))

    rows = [("home page and the layout (no chunk)", 0, 0)]
    for split, stems in manifest.items():
        # `__browse_pages_<hash of where it is declared>` -> `browse_pages`
        name = split.strip("_").rsplit("_", 1)[0]
        rows.append((name, len(stems), sum(chunk(s) for s in stems)))
    rows.sort(key=lambda r: -r[2])

    all_wasm = sum(br(f) for f in glob.glob(os.path.join(pkg, "*.wasm")))
    print(
        f"release WASM (brotli): app module {app_wasm:,} B + JS {app_js:,} B + chunk loader "
        f"{loader:,} B = {first:,} B before any page's chunks; all WASM files {all_wasm:,} B"
    )
    worst = 0
    for name, files, size in rows:
        total = first + size
        worst = max(worst, total)
        print(f"  {name:40} {files:3} chunk files {size:9,} B  page total {total:9,} B")
    over = False
    if args.home_budget is not None:
        print(f"home page {first:,} B (budget {args.home_budget:,} B)")
        over |= first > args.home_budget
    if args.budget is not None:
        print(f"heaviest page {worst:,} B (budget {args.budget:,} B)")
        over |= worst > args.budget
    if over:
        print("the WASM a page loads grew past its budget: see WASM_BR_BUDGET in scripts/test.sh")
        sys.exit(1)


if __name__ == "__main__":
    main()
