#!/usr/bin/env python3
"""Markdown table of the criterion results of `cargo bench -p clerkauth --bench authenticate`.

Reads <target>/criterion/**/new/{benchmark,estimates}.json, where <target> is
$CARGO_TARGET_DIR (relative paths taken from the current directory) or <repo>/target.
Columns: median time per operation (µs), operations per second, and the ratio of the
median to the two bare RS256 verifies of the same token measured in the same run:
aws-lc-rs with a parsed key, and jsonwebtoken::decode.

    python3 bench/criterion-table.py [--target-dir DIR] [--json OUT.json] [--all]

Only results written by the latest run are shown (criterion keeps old benchmarks'
directories): a result is kept when it is at most --window minutes older than the newest
(default 30). --all keeps everything. Rows are in the order the run wrote them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

BARE = "rs256/bare verify (aws-lc-rs, parsed key)"
JWT = "rs256/bare verify (jsonwebtoken::decode)"


def target_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    env = os.environ.get("CARGO_TARGET_DIR")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parent.parent / "target"


def load(root: Path, window_min: float | None) -> list[dict]:
    rows = []
    for est in (root / "criterion").glob("**/new/estimates.json"):
        meta = est.parent / "benchmark.json"
        try:
            e = json.loads(est.read_text())
            m = json.loads(meta.read_text()) if meta.exists() else {}
        except (OSError, ValueError):
            continue
        name = m.get("full_id") or str(est.parent.parent.relative_to(root / "criterion"))
        rows.append({
            "id": name,
            "median_ns": e["median"]["point_estimate"],
            "lo_ns": e["median"]["confidence_interval"]["lower_bound"],
            "hi_ns": e["median"]["confidence_interval"]["upper_bound"],
            "mtime": est.stat().st_mtime,
        })
    if rows and window_min is not None:
        newest = max(r["mtime"] for r in rows)
        rows = [r for r in rows if newest - r["mtime"] <= window_min * 60]
    rows.sort(key=lambda r: r["mtime"])
    return rows


def table(rows: list[dict]) -> str:
    by = {r["id"]: r["median_ns"] for r in rows}
    bare, jwt = by.get(BARE), by.get(JWT)
    out = [
        "| benchmark | median µs | ops/s | × bare verify (aws-lc-rs, parsed key) | × jsonwebtoken::decode |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        m = r["median_ns"]
        ratio = lambda base: f"{m / base:.2f}" if base else "–"  # noqa: E731
        us = m / 1000
        out.append(f"| {r['id']} | {us:.3f} | {1e9 / m:,.0f} | {ratio(bare)} | {ratio(jwt)} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target-dir")
    ap.add_argument("--window", type=float, default=30.0, help="minutes; results older than the newest by more are skipped")
    ap.add_argument("--all", action="store_true", help="keep results of every run")
    ap.add_argument("--json", help="also write the rows as JSON to this file")
    args = ap.parse_args()
    root = target_dir(args.target_dir)
    rows = load(root, None if args.all else args.window)
    if not rows:
        print(f"no criterion results under {root / 'criterion'}", file=sys.stderr)
        return 1
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps([{k: v for k, v in r.items() if k != "mtime"} for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
