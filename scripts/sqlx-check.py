#!/usr/bin/env python3
"""Compares the committed query metadata (.sqlx/) with what the query macros just wrote.

Usage: sqlx-check.py COMMITTED_DIR FRESH_DIR. Fails when a query is missing from, differs
from, or is left over in the committed folder (as `cargo sqlx prepare --check` does, but a
leftover fails here instead of warning: stale files hide what the code really runs)."""
import json
import pathlib
import sys

committed, fresh = (pathlib.Path(d) for d in sys.argv[1:3])


def queries(folder: pathlib.Path) -> dict:
    return {p.name: json.loads(p.read_text()) for p in folder.glob("query-*.json")}


have, want = queries(committed), queries(fresh)
if not want:
    sys.exit(f"no query metadata was written to {fresh}: did the query macros run?")
problems = [f"missing from {committed}: {n}" for n in sorted(want.keys() - have.keys())]
problems += [f"left over in {committed}: {n}" for n in sorted(have.keys() - want.keys())]
problems += [f"differs: {n}" for n in sorted(want.keys() & have.keys()) if want[n] != have[n]]
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(f"{committed} does not match the queries: run scripts/sqlx-prepare.sh and commit it")
print(f"{committed} matches all {len(want)} queries")
