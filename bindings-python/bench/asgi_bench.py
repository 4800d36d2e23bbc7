"""Benchmark: what ``clerkauth.asgi.ClerkAuthMiddleware`` costs a Starlette app (Bearer, jwt_key).

1. In-process: the same Starlette app called directly (no server, no sockets) with a fresh
   HTTP scope per request, without and with the middleware; the difference is what the
   middleware adds per request, authentication included.
2. Under uvicorn: the app (``asgi_app.py``) served on a loopback port, without and with the
   middleware, loaded by the same HTTP/1.1 keep-alive client (``--concurrency`` connections,
   ``--requests`` requests); every answer must be a 200 (with the middleware: signed in). The
   middleware runs twice: with the verified-token cache off (every request pays for its RSA
   check) and with the defaults (the cache on; the client sends one token, as a browser tab does
   for up to a minute). The three servers are measured in
   turn, ``--rounds`` times (a slow moment of the machine then hits every server, not one), and
   each one's median is reported with the range; on Linux also the server process's CPU time per
   request (user + system, from ``/proc``), which is what the middleware costs the server
   whatever the load client does on the other cores.

    pip install starlette uvicorn   # plus the clerkauth wheel
    python bench/asgi_bench.py [--seconds 2] [--requests 20000] [--concurrency 32] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from starlette.applications import Starlette

import clerkauth
from clerkauth.asgi import ClerkAuthMiddleware
from clerkauth.testing import DevInstance

HERE = Path(__file__).resolve().parent
AZP = "https://app.example.com"
sys.path.insert(0, str(HERE))
from asgi_app import build_app  # noqa: E402


def scope_for(token: str) -> Dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "https",
        "path": "/api/data", "raw_path": b"/api/data", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"app.example.com"), (b"authorization", f"Bearer {token}".encode()), (b"accept", b"application/json")],
        "server": ("app.example.com", 443), "client": ("127.0.0.1", 50000),
    }


async def per_request_us(app: Starlette, token: str, seconds: float) -> float:
    """Microseconds per request, calling the app in-process (best of three rounds)."""
    body = {"type": "http.request", "body": b"", "more_body": False}
    statuses: List[int] = []

    async def receive() -> Dict[str, Any]:
        return body

    async def send(message: Dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(200):  # warm-up
        await app(scope_for(token), receive, send)
    best = float("inf")
    for _ in range(3):
        n = 0
        t0 = time.perf_counter()
        deadline = t0 + seconds / 3
        while True:
            for _ in range(100):
                await app(scope_for(token), receive, send)
            n += 100
            if time.perf_counter() >= deadline:
                break
        best = min(best, (time.perf_counter() - t0) / n * 1e6)
    bad = [s for s in statuses if s != 200]
    assert not bad, f"{len(bad)} answers were not 200 (first: {bad[0]})"
    return best


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(port: int, token: str, requests: int, concurrency: int) -> float:
    """Requests per second over `concurrency` keep-alive connections; every answer a 200."""
    request = (f"GET /api/data HTTP/1.1\r\nhost: app.example.com\r\nauthorization: Bearer {token}\r\n"
               "accept: application/json\r\n\r\n").encode()
    per_conn = requests // concurrency

    async def conn() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(per_conn):
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = head[9:12]
                if status != b"200":
                    raise AssertionError(f"answer {head[:60]!r}")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(conn() for _ in range(concurrency)))
    return per_conn * concurrency / (time.perf_counter() - t0)


def cpu_seconds(pid: int) -> Optional[float]:
    """User + system CPU time of a process (Linux ``/proc``), None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def serve_and_load(env: Dict[str, str], token: str, requests: int, concurrency: int) -> Tuple[float, Optional[float]]:
    """Requests per second, and the server's CPU µs per request (None when unknown)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "asgi_app:app", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=HERE, env=env,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.05)
        asyncio.run(load(port, token, concurrency * 20, concurrency))  # warm-up
        cpu0 = cpu_seconds(server.pid)
        rps = asyncio.run(load(port, token, requests, concurrency))
        cpu1 = cpu_seconds(server.pid)
        done = requests // concurrency * concurrency
        return rps, (cpu1 - cpu0) / done * 1e6 if cpu0 is not None and cpu1 is not None else None
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import starlette
    import uvicorn

    dev = DevInstance("bench-app.clerk.accounts.dev")
    keys = {"CLERK_SECRET_KEY": dev.secret_key, "CLERK_PUBLISHABLE_KEY": dev.publishable_key, "CLERK_JWT_KEY": dev.jwt_key, "CLERK_AUTHORIZED_PARTIES": AZP}

    def fresh_token() -> str:  # valid 60 s: one per measurement
        return dev.session_token("user_1", "sess_1", int(time.time()), AZP, None)

    # In-process: what the middleware adds when it verifies every request (the cache off).
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key, authorized_parties=[AZP], verified_token_cache_size=0)
    plain, with_auth = build_app(None), build_app(clerk)

    async def in_process() -> Dict[str, float]:
        t = fresh_token()
        # The core's own cost in this process, for scale: the explicit call, no framework.
        headers = [("host", "app.example.com"), ("authorization", f"Bearer {t}")]
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < args.seconds / 2:
            for _ in range(100):
                clerk.authenticate_request(method="GET", url="https://app.example.com/api/data", headers=headers)
            n += 100
        core_us = (time.perf_counter() - t0) / n * 1e6
        return {"plain_us": await per_request_us(plain, t, args.seconds), "auth_us": await per_request_us(with_auth, t, args.seconds), "authenticate_us": core_us}

    inproc = asyncio.run(in_process())
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CLERK")}
    modes = {"no_auth": "0", "auth": "verify", "cached": "default"}
    runs: Dict[str, List[Tuple[float, Optional[float]]]] = {m: [] for m in modes}
    for _ in range(max(1, args.rounds)):
        for name, mode in modes.items():
            runs[name].append(serve_and_load({**base_env, **keys, "CLERKAUTH_BENCH_AUTH": mode}, fresh_token(), args.requests, args.concurrency))
    rps = {m: statistics.median(r for r, _ in v) for m, v in runs.items()}
    cpus = {m: [c for _, c in v if c is not None] for m, v in runs.items()}
    no_auth, auth, cached = rps["no_auth"], rps["auth"], rps["cached"]
    out = {
        "runtime": f"Python {platform.python_version()}",
        "starlette": starlette.__version__,
        "uvicorn": uvicorn.__version__,
        "cpus": os.cpu_count(),
        "in_process": {**inproc, "added_us": inproc["auth_us"] - inproc["plain_us"]},
        "uvicorn_run": {"requests": args.requests, "concurrency": args.concurrency, "rounds": max(1, args.rounds),
                        "no_auth_rps": no_auth, "auth_rps": auth, "kept": auth / no_auth, "cached_rps": cached, "cached_kept": cached / no_auth,
                        "rps_all": {m: [r for r, _ in v] for m, v in runs.items()},
                        "server_cpu_us": {m: statistics.median(c) if c else None for m, c in cpus.items()}},
    }
    if args.json:
        print(json.dumps(out))
        return
    ip, uv = out["in_process"], out["uvicorn_run"]
    print(f"{out['runtime']}, Starlette {out['starlette']}, uvicorn {out['uvicorn']}, {out['cpus']} CPUs")
    print(f"in-process: {ip['plain_us']:.1f} µs/request without the middleware, {ip['auth_us']:.1f} µs with it: "
          f"+{ip['added_us']:.1f} µs (authenticate_request alone: {ip['authenticate_us']:.1f} µs)")
    print(f"uvicorn, {uv['requests']} requests at concurrency {uv['concurrency']}, median of {uv['rounds']} rounds: "
          f"{uv['no_auth_rps']:,.0f} req/s without, {uv['auth_rps']:,.0f} req/s with every request verified ({uv['kept']:.0%} kept); "
          f"with the defaults (verified-token cache on) {uv['cached_rps']:,.0f} req/s ({uv['cached_kept']:.0%} kept)")
    for m, v in uv["rps_all"].items():
        cpu = uv["server_cpu_us"][m]
        print(f"  {m:<8} req/s per round: {', '.join(f'{r:,.0f}' for r in v)}" + (f"; server CPU {cpu:.1f} µs/request" if cpu is not None else ""))


if __name__ == "__main__":
    main()
