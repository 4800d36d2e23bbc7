#!/usr/bin/env python3
"""Replays every conformance vector through libclerkauth's C API.

The authentication itself runs in the C program `vector_runner` (linked against the library);
this driver (Python 3 stdlib only) plays the Backend API on a real loopback HTTP server,
feeds the runner one vector at a time over a pipe and compares what the C library returned
with the vector's `expected` by the rules of FORMAT.md. It also cross-checks every typed
getter of the C API against the library's own state JSON.

Usage: run_vectors.py RUNNER VECTORS_DIR [--modes typed,json] [--stride N] [--valgrind]
Prints per-family counts and ends with `N passed, M failed`; exit status 1 on any failure.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

VALGRIND = ["valgrind", "--quiet", "--leak-check=full", "--show-possibly-lost=no", "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=3", "--track-fds=no"]


# --------------------------------------------------------------------------------------------
# Loopback Backend API
# --------------------------------------------------------------------------------------------

class MockBapi:
    def __init__(self):
        self.lock = threading.Lock()
        self.routes = []
        self.seen = []  # (method, target, matched)
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                status, body = mock.answer(self.command, self.path)
                payload = body.encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, routes):
        with self.lock:
            self.routes = routes or []
            self.seen = []

    def answer(self, method, target):
        with self.lock:
            found = None
            for r in self.routes:
                if r.get("method", "GET").upper() != method.upper():
                    continue
                path = r.get("path", "/")
                if ("?" in path and path == target) or ("?" not in path and target.split("?")[0] == path):
                    found = r
                    break
            self.seen.append((method, target, found is not None))
        if found is None:
            return 404, '{"errors":[{"code":"resource_not_found","message":"not listed in the vector"}]}'
        return int(found.get("status", 200)), json.dumps(found.get("body"))

    def unlisted(self):
        with self.lock:
            return ["%s %s" % (m, t) for (m, t, ok) in self.seen if not ok]


# --------------------------------------------------------------------------------------------
# FORMAT.md comparison
# --------------------------------------------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def same_location(a, b):
    try:
        x, y = urlsplit(a), urlsplit(b)
        xp = x.port or DEFAULT_PORTS.get(x.scheme)
        yp = y.port or DEFAULT_PORTS.get(y.scheme)
    except ValueError:
        return a == b
    if (x.scheme, x.hostname, xp, x.path) != (y.scheme, y.hostname, yp, y.path):
        return False
    return Counter(parse_qsl(x.query, keep_blank_values=True)) == Counter(parse_qsl(y.query, keep_blank_values=True))


def parse_set_cookie(s):
    parts = s.split(";")
    first = parts[0]
    name, _, value = first.partition("=")
    attrs = []
    for p in parts[1:]:
        p = p.strip()
        if not p:
            continue
        if "=" in p:
            k, _, v = p.partition("=")
            attrs.append("%s=%s" % (k.strip().lower(), v.strip()))
        else:
            attrs.append(p.lower())
    return (name.strip(), value.strip(), tuple(sorted(attrs)))


def compare_headers(got, want):
    def group(hs):
        g = defaultdict(list)
        for h in hs or []:
            g[h[0].lower()].append(h[1])
        return g

    g, w = group(got), group(want)
    gn = sorted((k, len(v)) for k, v in g.items())
    wn = sorted((k, len(v)) for k, v in w.items())
    if gn != wn:
        return "header names %s != %s" % (gn, wn)
    for name, wv in w.items():
        gv = g[name]
        if name == "location":
            for a, b in zip(gv, wv):
                if not same_location(a, b):
                    return "location %s != %s" % (a, b)
        elif name == "set-cookie":
            if sorted(map(parse_set_cookie, gv)) != sorted(map(parse_set_cookie, wv)):
                return "set-cookie %s != %s" % (gv, wv)
        elif name == "x-clerk-auth-message":
            continue
        elif gv != wv:
            return "header %s: %s != %s" % (name, gv, wv)
    return None


def compare_state(state, has, expected):
    """state: the library's state JSON; has: list/None. Returns None or a difference."""
    for k in ("status", "reason", "isAuthenticated", "tokenType"):
        if state.get(k) != expected.get(k):
            return "%s: got %r expected %r" % (k, state.get(k), expected.get(k))
    d = compare_headers(state.get("headers"), expected.get("headers"))
    if d:
        return d
    if "auth" in expected and state.get("auth") != expected["auth"]:
        g, w = state.get("auth"), expected["auth"]
        if isinstance(g, dict) and isinstance(w, dict):
            for k in sorted(set(g) | set(w)):
                if g.get(k) != w.get(k):
                    return "auth.%s: got %r expected %r" % (k, g.get(k), w.get(k))
        return "auth: got %r expected %r" % (g, w)
    if "has" in expected and has != expected["has"]:
        return "has: got %r expected %r" % (has, expected["has"])
    return None


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runner")
    ap.add_argument("vectors")
    ap.add_argument("--modes", default="typed,json")
    ap.add_argument("--stride", type=int, default=1, help="run every Nth vector only")
    ap.add_argument("--valgrind", action="store_true")
    args = ap.parse_args()

    bapi = MockBapi()
    cmd = (VALGRIND if args.valgrind else []) + [args.runner]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    modes = args.modes.split(",")
    passed = failed = 0
    families = defaultdict(lambda: [0, 0])
    files = find_vectors(args.vectors)[:: args.stride]
    if not files:
        print("no vectors under %s" % args.vectors)
        print("0 passed, 1 failed")
        return 1
    crashed = False
    for path in files:
        with open(path) as fh:
            v = json.load(fh)
        fam = v["id"].split("/")[0]
        options = json.dumps(v["options"]).replace("{{BAPI}}", bapi.url)
        req = v["request"]
        checks = v.get("has_checks") or []
        expected = v["expected"]
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
            diff = None
            unlisted = bapi.unlisted()
            if unlisted:
                diff = "requests not listed in backend_api: %s" % unlisted
            elif "error" in expected:
                if got.get("ok"):
                    diff = "expected an error, the library returned a state"
                elif got.get("code", 0) < 100:
                    diff = "expected a configuration error code (>= 100), got %s" % got.get("codeText")
            elif not got.get("ok"):
                diff = "library error %s: %s" % (got.get("codeText"), got.get("error"))
            elif mode == "typed":
                diff = compare_state(got["state"], got["has"] if got["state"].get("auth") is not None else None, expected) \
                    or cross_check(got["typed"], got["state"])
                if not diff and got["state"].get("auth") is None and any(got["has"]):
                    diff = "has() true without an auth object"
            else:
                for which in ("first", "second"):
                    s = got[which]
                    diff = compare_state(s, s.get("has"), expected)
                    if diff:
                        diff = "%s call: %s" % (which, diff)
                        break
            if diff:
                failed += 1
                families[fam][1] += 1
                print("FAIL [%s] %s: %s" % (mode, v["id"], diff))
            else:
                passed += 1
                families[fam][0] += 1
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
    for fam in sorted(families):
        p, f = families[fam]
        print("  %-14s %4d passed %3d failed" % (fam, p, f))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
