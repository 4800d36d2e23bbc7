#!/usr/bin/env python3
"""Writes the input of test_threads: networkless conformance vectors of one instance
(same publishableKey and jwtKey) as one shared base options object plus, per vector, the
per-call overrides that make up the rest of its options, its request, clock and expected
outcome, and the same call as full options with a plain request (for the JSON entry point's
authenticator cache). Expected values come from the vectors only.

Usage: thread_fixture.py VECTORS_DIR OUT_FILE
"""

import json
import os
import sys
from collections import defaultdict

DEAD_API = "http://127.0.0.1:9"  # never contacted: the jwtKey path is networkless


def frame(fields):
    out = bytearray()
    for f in fields:
        b = f.encode()
        out += b"%d\n" % len(b) + b + b"\n"
    return bytes(out)


def main():
    root, out_path = sys.argv[1], sys.argv[2]
    groups = defaultdict(list)
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if not n.endswith(".json"):
                continue
            with open(os.path.join(d, n)) as fh:
                v = json.load(fh)
            o = v["options"]
            if v.get("backend_api") or "error" in v["expected"] or not o.get("jwtKey") or not o.get("publishableKey"):
                continue
            groups[(o["publishableKey"], o["jwtKey"])].append(v)
    (pk, jwt_key), vectors = max(groups.items(), key=lambda kv: len(kv[1]))
    vectors.sort(key=lambda v: v["id"])
    base = {"publishableKey": pk, "jwtKey": jwt_key, "apiUrl": DEAD_API, "secretKey": vectors[0]["options"].get("secretKey", "")}
    fields = [json.dumps(base), str(len(vectors))]
    for v in vectors:
        overrides = {k: val for k, val in v["options"].items() if k not in ("publishableKey", "jwtKey", "apiUrl")}
        overrides["secretKey"] = v["options"].get("secretKey", base["secretKey"])
        req = v["request"]
        headers = req.get("headers") or []
        e = v["expected"]
        auth = e.get("auth") or {}
        request_json = {"method": req.get("method", "GET"), "url": req["url"], "headers": headers,
                        "nowMs": v["now_ms"], "overrides": overrides}
        fields += [v["id"], json.dumps(overrides), str(v["now_ms"]), req.get("method", "GET"), req["url"], str(len(headers))]
        for name, value in headers:
            fields += [name, value]
        user_id = auth.get("userId") if isinstance(auth.get("userId"), str) else ""
        org_id = auth.get("orgId") if isinstance(auth.get("orgId"), str) else ""
        # The same call with every option in options_json (no overrides): the JSON entry point's
        # cache keys by the instance options only, so these calls share authenticators while
        # their per-call options (authorizedParties, audience, organizationSyncOptions ...) differ.
        full_options = dict(base, **overrides)
        plain_request = {k: val for k, val in request_json.items() if k != "overrides"}
        fields += [e["status"], e.get("reason") or "", user_id, e.get("tokenType") or "", org_id, json.dumps(request_json),
                   json.dumps(full_options), json.dumps(plain_request)]
    with open(out_path, "wb") as fh:
        fh.write(frame(fields))
    signed_in = sum(1 for v in vectors if v["expected"]["status"] == "signed-in")
    print("thread fixture: %d vectors of %s (%d signed-in)" % (len(vectors), pk, signed_in))


if __name__ == "__main__":
    main()
