#!/usr/bin/env python3
"""Replays every conformance vector through libclerkauth's C API.

The authentication itself runs in the C program `vector_runner` (linked against the library);
this driver (Python 3 stdlib only) plays the Backend API on a real loopback HTTP server (the C
tests' one helper, backend_api.py) and feeds the runner one vector at a time over a pipe. What the C library returned is written as
one results file (FORMAT.md) per entry point (the typed one; the JSON one's first and second
call) and compared with the vectors by `clerkauth vectors check`, the one implementation of
FORMAT.md's rules. This driver checks only what is particular to the C API: every typed getter
agrees with the library's own state JSON, configuration errors carry a configuration code, no
has() without an auth object, no unlisted Backend API call.

Usage: run_vectors.py RUNNER VECTORS_DIR --cli CLERKAUTH [--modes typed,json] [--valgrind]
Prints the checker's per-family counts and ends with `N passed, M failed` (N: vectors x results
files); exit status 1 on any failure.
"""

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

from backend_api import BackendApi

VALGRIND = ["valgrind", "--quiet", "--leak-check=full", "--show-possibly-lost=no", "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=3", "--track-fds=no"]


# --------------------------------------------------------------------------------------------
# Loopback Backend API
# --------------------------------------------------------------------------------------------

class VectorBapi:
    """The vectors' Backend API on backend_api.BackendApi: answers a vector's `backend_api`
    routes (method + path, the query ignored unless the route has one; the first listed route
    wins) and remembers which requests no route listed."""

    def __init__(self):
        self.api = BackendApi()
        self.url = self.api.url

    def reset(self, routes):
        routes = routes or []

        def answer(call):
            for r in routes:
                if r.get("method", "GET").upper() != call["method"].upper():
                    continue
                path = r.get("path", "/")
                if ("?" in path and path == call["target"]) or ("?" not in path and call["path"] == path):
                    call["matched"] = True
                    return {"status": int(r.get("status", 200)), "body": r.get("body")}
            call["matched"] = False
            return {"status": 404, "body": {"errors": [{"code": "resource_not_found", "message": "not listed in the vector"}]}}

        self.api.set_routes(answer)

    def unlisted(self):
        return ["%s %s" % (c["method"], c["target"]) for c in list(self.api.calls) if not c.get("matched")]


# --------------------------------------------------------------------------------------------
# Typed getters vs the state JSON
# --------------------------------------------------------------------------------------------

STATUS_CODES = {"signed-in": 1, "signed-out": 2, "handshake": 3}
TOKEN_TYPE_CODES = {None: 0, "session_token": 1, "api_key": 2, "m2m_token": 3, "oauth_token": 4}


def auth_kind(auth):
    if auth is None:
        return 0
    tt = auth.get("tokenType")
    if tt is None:
        return 4
    if tt == "session_token":
        return 1 if auth.get("isAuthenticated") else 2
    return 3


def cross_check(typed, state):
    """Every typed getter must agree with the library's state JSON."""
    auth = state.get("auth")
    a = auth if isinstance(auth, dict) else {}
    want = {
        "status": state["status"], "statusCode": STATUS_CODES[state["status"]],
        "isAuthenticated": state["isAuthenticated"], "reason": state["reason"], "message": state["message"],
        "token": state["token"], "tokenType": state["tokenType"], "tokenTypeCode": TOKEN_TYPE_CODES[state["tokenType"]],
        "headers": state["headers"], "headerOutOfRangeOk": True,
        "location": next((v for k, v in state["headers"] if k.lower() == "location"), None),
        "authKind": auth_kind(auth), "authJson": auth,
        "organizationSync": state.get("organizationSync"),
        "organizationSyncOutcome": (state.get("organizationSync") or {}).get("outcome"),
        "trace": state.get("trace"),
    }
    for f in ("userId", "sessionId", "sessionStatus", "orgId", "orgRole", "orgSlug", "machineId", "subject", "id", "name", "clientId"):
        want[f] = a.get(f) if isinstance(a.get(f), str) else None
    for f in ("orgPermissions", "scopes"):
        want[f] = [x for x in a.get(f) or [] if isinstance(x, str)] if isinstance(a.get(f), list) else []
    for f in ("actor", "sessionClaims", "claims", "factorVerificationAge"):
        want[f] = a.get(f)
    fva = a.get("factorVerificationAge")
    ok_pair = (auth_kind(auth) == 1 and isinstance(fva, list) and len(fva) == 2
               and all(isinstance(x, int) and not isinstance(x, bool) for x in fva))
    want["fvaPair"] = fva if ok_pair else None
    for k, v in want.items():
        if typed.get(k, "<missing>") != v:
            return "typed getter %s: got %r, state JSON says %r" % (k, typed.get(k, "<missing>"), v)
    return None


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

def frame(*fields):
    out = bytearray()
    for f in fields:
        b = f.encode() if isinstance(f, str) else f
        out += b"%d\n" % len(b) + b + b"\n"
    return bytes(out)


def find_vectors(root):
    files = []
    for d, _, names in os.walk(root):
        files += [os.path.join(d, n) for n in names if n.endswith(".json")]
    return sorted(files)


def result_line(vid, state, has):
    """A results-file line (FORMAT.md) from the library's state JSON."""
    line = {"id": vid}
    for k in ("status", "reason", "isAuthenticated", "tokenType", "headers", "auth"):
        line[k] = state.get(k)
    line["has"] = has if state.get("auth") is not None else None
    return line


def check_results(cli, vectors, results, label):
    """`clerkauth vectors check` on one results file; returns (passed, failed)."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "clerkauth-c-%d-%s.jsonl" % (os.getpid(), label))
    with open(path, "w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in results)
    run = subprocess.run([cli, "vectors", "check", vectors, path], capture_output=True, text=True)
    os.unlink(path)
    out = run.stdout + run.stderr
    for line in out.splitlines():
        print("[%s] %s" % (label, line))
    if run.returncode != 0:
        return 0, max(1, sum(1 for r in results))
    return len(results), 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runner")
    ap.add_argument("vectors")
    ap.add_argument("--cli", required=True, help="the clerkauth command (its `vectors check` compares the results)")
    ap.add_argument("--modes", default="typed,json")
    ap.add_argument("--valgrind", action="store_true")
    args = ap.parse_args()

    bapi = VectorBapi()
    cmd = (VALGRIND if args.valgrind else []) + [args.runner]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    modes = args.modes.split(",")
    failed = 0
    results = defaultdict(list)  # results-file label -> lines
    files = find_vectors(args.vectors)
    if not files:
        print("no vectors under %s" % args.vectors)
        print("0 passed, 1 failed")
        return 1
    crashed = False
    no_network = 0  # typed vectors the no-network entry point decided
    for path in files:
        with open(path) as fh:
            v = json.load(fh)
        options = json.dumps(v["options"]).replace("{{BAPI}}", bapi.url)
        req = v["request"]
        checks = v.get("has_checks") or []
        for mode in modes:
            bapi.reset(v.get("backend_api"))
            if mode == "typed":
                fields = ["typed", options, req.get("method", "GET"), req.get("url", ""), str(len(req.get("headers") or []))]
                for name, value in req.get("headers") or []:
                    fields += [name, value]
                fields += [str(v["now_ms"]), str(len(checks))] + [json.dumps(c) for c in checks]
            else:
                rj = {"method": req.get("method", "GET"), "url": req.get("url", ""), "headers": req.get("headers") or [],
                      "nowMs": v["now_ms"], "hasChecks": checks}
                fields = ["json", options, json.dumps(rj)]
            proc.stdin.write(frame(*fields))
            proc.stdin.flush()
            line = proc.stdout.readline()
            if not line:
                crashed = True
                break
            got = json.loads(line)
            labels = ["typed"] if mode == "typed" else ["json-first", "json-second"]
            diff = None
            unlisted = bapi.unlisted()
            if unlisted:
                diff = "requests not listed in backend_api: %s" % unlisted
            if not got.get("ok"):
                if got.get("code", 0) < 100 and "error" in v["expected"]:
                    diff = diff or "expected a configuration error code (>= 100), got %s" % got.get("codeText")
                for label in labels:
                    results[label].append({"id": v["id"], "error": "%s: %s" % (got.get("codeText"), got.get("error"))})
            elif mode == "typed":
                state = got["state"]
                results["typed"].append(result_line(v["id"], state, got["has"]))
                diff = diff or cross_check(got["typed"], state)
                if got.get("noNetwork"):
                    no_network += 1
                    if not got.get("noNetworkSame"):
                        diff = diff or "clerkauth_authenticate_without_network answered differently from clerkauth_authenticate"
                if not diff and state.get("auth") is None and any(got["has"]):
                    diff = "has() true without an auth object"
            else:
                for label, which in zip(labels, ("first", "second")):
                    results[label].append(result_line(v["id"], got[which], got[which].get("has")))
            if diff:
                failed += 1
                print("FAIL [%s] %s: %s" % (mode, v["id"], diff))
        if crashed:
            break
    proc.stdin.close()
    rc = proc.wait()
    if crashed:
        print("FAIL runner died (exit %s) while running %s" % (rc, path))
        failed += 1
    elif rc != 0:
        print("FAIL runner exited with %d%s" % (rc, " (valgrind found errors)" if args.valgrind and rc == 3 else ""))
        failed += 1
    if "typed" in modes and not crashed:
        print("no-network entry point: decided %d of %d vectors, each the same as clerkauth_authenticate" % (no_network, len(files)))
        if no_network == 0:
            print("FAIL the no-network entry point decided no vector")
            failed += 1
    passed = 0
    for label in sorted(results):
        p, f = check_results(args.cli, args.vectors, results[label], label)
        passed += p
        failed += f
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
