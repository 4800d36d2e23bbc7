#!/usr/bin/env python3
"""Merges the benchmark results into one markdown report (used by bench/run.sh).

    python3 bench/report.py [--rust] [--target-dir DIR] [--python py.json] [--node node.json]
                            [--asgi asgi.json] [--note TEXT ...]

--python / --node: the JSON printed by `bindings-python/bench/bench.py --json` and
`bindings-node/bench/bench.mjs --json` (the last line of the file starting with "{" is read,
so a log with other lines before it is fine).
--asgi: the JSON printed by `bindings-python/bench/asgi_bench.py --json` (what the ASGI
middleware adds to a Starlette app, in-process and under uvicorn).
--rust: include the criterion results (see bench/criterion-table.py for where they are read).

The first table has one row per scenario and language: clerkauth's ops/s, the reference's
ops/s in the same run, and their ratio (>1: clerkauth is faster). For Rust there is no
reference SDK; the baseline is a bare `jsonwebtoken::decode` of the same token (signature
and JSON only: no request parsing, no claims policy), so a ratio < 1 is expected there.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def criterion_rows(target: str | None) -> list[dict]:
    spec = importlib.util.spec_from_file_location("criterion_table", HERE / "criterion-table.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load(mod.target_dir(target), 30.0), mod


def read_json(path: str) -> dict:
    lines = [l for l in Path(path).read_text().splitlines() if l.startswith("{")]
    if not lines:
        raise SystemExit(f"{path}: no JSON object found")
    return json.loads(lines[-1])


def fmt_ops(x: float) -> str:
    return f"{x:,.0f}"


def binding_rows(doc: dict) -> list[list[str]]:
    lang = f"{doc['language']} ({doc['runtime']})"
    res = doc["results"]
    refs = {(r["scenario"], r["mode"]): r for r in res if r["impl"] == "reference"}
    out = []
    for r in res:
        if r["impl"] != "clerkauth":
            continue
        base_mode = r.get("baseline_mode", r["mode"])
        ref = refs.get((r["scenario"], base_mode))
        mode = r["mode"] if base_mode == r["mode"] else f"{r['mode']} (vs reference {base_mode})"
        out.append([
            lang,
            r["scenario"],
            mode,
            f"clerkauth: {r['variant']}",
            fmt_ops(r["ops_per_s"]),
            f"{doc['reference']}" + (f": {ref['variant']}" if ref else ""),
            fmt_ops(ref["ops_per_s"]) if ref else "–",
            f"**{r['ops_per_s'] / ref['ops_per_s']:.2f}×**" if ref else "–",
        ])
    return out


RUST_SCENARIOS = [
    ("authenticate/bearer signed-in (jwtKey)", "Bearer signed-in (jwtKey)", "1 thread"),
    ("authenticate/cookie signed-in (jwtKey)", "cookie signed-in (jwtKey)", "1 thread"),
    ("authenticate/bearer signed-in (JWKS warm)", "Bearer signed-in, JWKS warm (loopback)", "1 thread"),
    ("authenticate/cookie signed-in (JWKS warm)", "cookie signed-in, JWKS warm (loopback)", "1 thread"),
    ("authenticate/bearer signed-in (token cache warm)", "Bearer signed-in (token cache warm)", "1 thread"),
    ("authenticate/cookie signed-in (token cache warm)", "cookie signed-in (token cache warm)", "1 thread"),
    ("authenticate/m2m JWT (acceptsToken m2m_token, jwtKey)", "M2M JWT (jwtKey)", "1 thread"),
    ("authenticate/oauth JWT (acceptsToken oauth_token, jwtKey)", "OAuth JWT (jwtKey)", "1 thread"),
    ("scaling/cookie signed-in (jwtKey), 2 threads", "cookie signed-in (jwtKey)", "2 threads, one Arc<Authenticator>"),
    ("scaling/bearer signed-in (JWKS warm), 2 threads", "Bearer signed-in, JWKS warm (loopback)", "2 threads, one Arc<Authenticator>"),
]


def rust_rows(rows: list[dict]) -> list[list[str]]:
    by = {r["id"]: r["median_ns"] for r in rows}
    jwt = by.get("rs256/bare verify (jsonwebtoken::decode)")
    out = []
    for bench_id, scenario, mode in RUST_SCENARIOS:
        if bench_id not in by:
            continue
        ops = 1e9 / by[bench_id]
        out.append([
            "rust (criterion median)",
            scenario,
            mode,
            f"clerkauth: `Authenticator::authenticate_with`",
            fmt_ops(ops),
            "bare `jsonwebtoken::decode` (1 thread)",
            fmt_ops(1e9 / jwt) if jwt else "–",
            f"{ops / (1e9 / jwt):.2f}×" if jwt else "–",
        ])
    return out


BEARER_SCENARIOS = ("Bearer (jwtKey)", "Bearer signed-in (jwtKey)")


def overhead_lines(docs: list[dict], core_ops: float) -> list[str]:
    """One line per host path of the Bearer (jwtKey) scenario."""
    out = []
    for d in docs:
        res = [r for r in d["results"] if r["scenario"] in BEARER_SCENARIOS]
        refs = {r["mode"]: r for r in res if r["impl"] == "reference"}
        for r in res:
            if r["impl"] != "clerkauth":
                continue
            ref = refs.get(r.get("baseline_mode", r["mode"]))
            vs_ref = f", {r['ops_per_s'] / ref['ops_per_s']:.1f}× the reference ({ref['variant']})" if ref else ""
            out.append(f"{d['language']} {r['mode']}, {r['variant']}: {fmt_ops(r['ops_per_s'])} ops/s = **{r['ops_per_s'] / core_ops:.2f}** of the core{vs_ref}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rust", action="store_true")
    ap.add_argument("--target-dir")
    ap.add_argument("--python")
    ap.add_argument("--node")
    ap.add_argument("--asgi")
    ap.add_argument("--note", action="append", default=[])
    args = ap.parse_args()

    table = []
    crit, mod = (criterion_rows(args.target_dir) if args.rust else ([], None))
    table += rust_rows(crit)
    docs = [read_json(p) for p in (args.python, args.node) if p]
    for d in docs:
        table += binding_rows(d)

    print("| language | scenario | mode | clerkauth | clerkauth ops/s | reference | reference ops/s | clerkauth / reference |")
    print("|---|---|---|---|---:|---|---:|---:|")
    for r in table:
        print("| " + " | ".join(r) + " |")
    print()
    for d in docs:
        extra = f", JWKS server hits in the JWKS scenario: {d['jwks_hits']}" if "jwks_hits" in d else ""
        print(f"- {d['language']}: clerkauth {d['clerkauth']} vs {d['reference']}, {d['runtime']}, {d['cpus']} CPUs, {d['seconds']} s per measurement{extra}")
    for n in args.note:
        print(f"- {n}")
    core = {r["id"]: r["median_ns"] for r in crit}.get("authenticate/bearer signed-in (jwtKey)")
    if core and docs:
        print()
        print("Binding overhead (Bearer, jwtKey): each host path's ops/s as a share of the core's single-thread")
        print(f"throughput in this run ({fmt_ops(1e9 / core)} ops/s, criterion median), and the ratio to the reference SDK:")
        print()
        for line in overhead_lines(docs, 1e9 / core):
            print(f"- binding overhead: {line}")
    if args.asgi:
        a = read_json(args.asgi)
        ip, uv = a["in_process"], a["uvicorn_run"]
        print()
        print(f"ASGI middleware (Bearer, jwtKey; {a['runtime']}, Starlette {a['starlette']}, uvicorn {a['uvicorn']}):")
        print()
        print(f"- binding overhead: ASGI in-process, Starlette app called directly: {ip['plain_us']:.1f} µs/request without "
              f"ClerkAuthMiddleware, {ip['auth_us']:.1f} µs with it: **+{ip['added_us']:.1f} µs** per request "
              f"(`authenticate_request` alone in that process: {ip['authenticate_us']:.1f} µs)")
        rounds = f", median of {uv['rounds']} rounds" if uv.get("rounds", 1) > 1 else ""
        print(f"- binding overhead: ASGI under uvicorn, {uv['requests']} keep-alive requests at concurrency {uv['concurrency']} "
              f"(same load client{rounds}): {fmt_ops(uv['no_auth_rps'])} req/s without, {fmt_ops(uv['auth_rps'])} req/s with, every request verified (cache off) "
              f"= **{uv['kept']:.0%}** of the no-auth throughput kept; with the defaults (verified-token cache on, "
              f"one token per client as a browser tab sends) {fmt_ops(uv['cached_rps'])} req/s "
              f"= **{uv['cached_kept']:.0%}**")
        cpu = uv.get("server_cpu_us") or {}
        if all(cpu.get(m) is not None for m in ("no_auth", "auth", "cached")):
            print(f"  - uvicorn's CPU per request (user + system, median): {cpu['no_auth']:.1f} µs without, {cpu['auth']:.1f} µs with "
                  f"(+{cpu['auth'] - cpu['no_auth']:.1f} µs), {cpu['cached']:.1f} µs with the defaults (token cache) (+{cpu['cached'] - cpu['no_auth']:.1f} µs)")
        for m, v in (uv.get("rps_all") or {}).items():
            print(f"  - {m.replace('_', '-')} req/s per round: {', '.join(fmt_ops(r) for r in v)}")
    if crit and mod:
        print()
        print("Rust, every criterion benchmark of the run (median; ratios of the medians):")
        print()
        print(mod.table(crit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
