"""Benchmark: clerkauth vs clerk-backend-api (PyPI) authenticate_request, same tokens, same key.

Both verify the same fresh RS256 session tokens (minted once from one local development
instance; valid 60 s, the run takes ~15 s) networklessly with the same RSA public key as
``jwt_key`` and the same authorized party, from the same ``httpx.Request`` objects.

    pip install clerk-backend-api httpx   # plus the clerkauth wheel
    python bench/bench.py [--seconds 2] [--json]

--json prints one JSON object (the same measurements, machine-readable) instead of the text.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List

import httpx

import clerkauth
from clerkauth.testing import DevInstance

AZP = "https://app.example.com"


def rate(fn: Callable[[int], Any], seconds: float, n_items: int) -> float:
    for i in range(200):  # warm-up
        fn(i % n_items)
    done = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        for i in range(500):
            fn(i % n_items)
        done += 500
        if time.perf_counter() >= deadline:
            break
    return done / (time.perf_counter() - t0)


def rate_threads(fn: Callable[[int], Any], seconds: float, n_items: int, threads: int) -> float:
    stop = threading.Event()
    counts = [0] * threads

    def worker(w: int) -> None:
        i = 0
        while not stop.is_set():
            for _ in range(100):
                fn(i % n_items)
                i += 1
            counts[w] += 100

    with ThreadPoolExecutor(threads) as pool:
        for w in range(threads):
            pool.submit(worker, w)
        t0 = time.perf_counter()
        time.sleep(seconds)
        stop.set()
    return sum(counts) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = ap.parse_args()

    from clerk_backend_api import Clerk
    from clerk_backend_api.security.types import AuthenticateRequestOptions

    dev = DevInstance("bench-app.clerk.accounts.dev")
    now = int(time.time())
    org = {"o": {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}, "fea": "o:posts"}
    tokens = [dev.session_token(f"user_{i}", f"sess_{i}", now, AZP, org) for i in range(64)]
    requests: List[httpx.Request] = [
        httpx.Request("GET", "https://app.example.com/api/data", headers={"authorization": f"Bearer {t}", "accept": "application/json"})
        for t in tokens
    ]
    explicit = [("GET", str(r.url), list(r.headers.multi_items())) for r in requests]

    # The verified-token cache (on by default) off: every call pays for its RSA check, as the
    # reference's do.
    ours = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key, authorized_parties=[AZP], verified_token_cache_size=0)
    sdk = Clerk(bearer_auth=dev.secret_key)
    theirs_opts = AuthenticateRequestOptions(secret_key=dev.secret_key, jwt_key=dev.jwt_key, authorized_parties=[AZP])

    # Same answers first.
    for i, r in enumerate(requests[:8]):
        a = ours.authenticate_request(r)
        b = sdk.authenticate_request(r, theirs_opts)
        assert a.is_authenticated and a.to_auth().user_id == f"user_{i}", a
        assert b.is_signed_in and b.payload["sub"] == f"user_{i}", b
        assert a.to_auth().org_id == b.payload["org_id"] == "org_1"

    def ours_request(i: int) -> Any:
        return ours.authenticate_request(requests[i]).to_auth()

    def ours_explicit(i: int) -> Any:
        m, u, h = explicit[i]
        return ours.authenticate_request(method=m, url=u, headers=h)

    def theirs(i: int) -> Any:
        return sdk.authenticate_request(requests[i], theirs_opts)

    n = len(requests)
    rows = []
    for name, fn in [
        ("clerkauth  authenticate_request(httpx.Request) + to_auth()", ours_request),
        ("clerkauth  authenticate_request(method=, url=, headers=)", ours_explicit),
        ("clerk-backend-api 7  sdk.authenticate_request(httpx.Request)", theirs),
    ]:
        rows.append((name, rate(fn, args.seconds, n)))
    rows.append((f"clerkauth  {args.threads} threads, one Authenticator", rate_threads(ours_request, args.seconds, n, args.threads)))
    rows.append((f"clerk-backend-api 7  {args.threads} threads", rate_threads(theirs, args.seconds, n, args.threads)))

    import clerk_backend_api

    if args.json:
        ref_version = getattr(clerk_backend_api, "__version__", "?")
        scenario = "Bearer signed-in (jwtKey)"
        t = f"{args.threads} threads"
        out = {
            "language": "python",
            "runtime": f"Python {platform.python_version()}",
            "clerkauth": clerkauth.__version__,
            "reference": f"clerk-backend-api {ref_version}",
            "cpus": os.cpu_count(),
            "seconds": args.seconds,
            "results": [
                {"scenario": scenario, "mode": "1 thread", "impl": "clerkauth", "variant": "authenticate_request(httpx.Request) + to_auth()", "ops_per_s": rows[0][1]},
                {"scenario": scenario, "mode": "1 thread", "impl": "clerkauth", "variant": "authenticate_request(method=, url=, headers=)", "ops_per_s": rows[1][1]},
                {"scenario": scenario, "mode": "1 thread", "impl": "reference", "variant": "sdk.authenticate_request(httpx.Request)", "ops_per_s": rows[2][1]},
                {"scenario": scenario, "mode": t, "impl": "clerkauth", "variant": "one Authenticator, httpx.Request + to_auth()", "ops_per_s": rows[3][1]},
                {"scenario": scenario, "mode": t, "impl": "reference", "variant": "sdk.authenticate_request(httpx.Request)", "ops_per_s": rows[4][1]},
            ],
        }
        print(json.dumps(out))
        return

    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; clerkauth {clerkauth.__version__}, "
          f"clerk-backend-api {getattr(clerk_backend_api, '__version__', '?')}; RS256 (RSA-2048) session tokens, jwt_key, networkless")
    base = rows[2][1]
    for name, r in rows:
        print(f"  {name:<64} {r:>9,.0f} ops/s  {1e6 / r:>7.1f} µs/op  x{r / base:.2f} vs clerk-backend-api (1 thread)")
    print(f"single-thread ratio clerkauth/clerk-backend-api: {rows[0][1] / base:.2f}x (request object), {rows[1][1] / base:.2f}x (explicit)")
    print(f"{args.threads}-thread ratio: {rows[3][1] / rows[4][1]:.2f}x")


if __name__ == "__main__":
    main()
