#!/usr/bin/env python3
"""Builds the committed seed corpora in fuzz/corpus/<target>/ from the conformance vectors
(requests, cookies, Authorization values, tokens, organization patterns) plus a few
hand-written edge cases. Deterministic: re-running it rewrites the same files.

    python3 fuzz/seed.py [VECTORS_DIR]

VECTORS_DIR defaults to $CLERKAUTH_VECTORS, else the repository's tests/conformance/vectors.
Each target gets at most MAX_PER_TARGET files; the whole corpus stays small.
"""
import base64
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
MAX_PER_TARGET = 40


def vectors_dir():
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    if os.environ.get("CLERKAUTH_VECTORS"):
        return Path(os.environ["CLERKAUTH_VECTORS"])
    return HERE.parent / "tests" / "conformance" / "vectors"


def load_vectors(root):
    """All vectors, ordered round-robin over families so a truncated list stays varied."""
    families = {}
    for f in sorted(root.rglob("*.json")):
        v = json.loads(f.read_text())
        families.setdefault(v["id"].split("/")[0], []).append(v)
    out, i = [], 0
    while any(i < len(l) for l in families.values()):
        for fam in sorted(families):
            if i < len(families[fam]):
                out.append(families[fam][i])
        i += 1
    return out


def headers(req):
    h = req.get("headers") or []
    if isinstance(h, dict):
        return [(k, x) for k, v in h.items() for x in (v if isinstance(v, list) else [v])]
    return [tuple(p) for p in h]


def header(req, name):
    return next((v for k, v in headers(req) if k.lower() == name), None)


def b64d(seg):
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


def jwts_in(v):
    """Every JWT-looking token in a vector's request (cookies, Authorization, query)."""
    req, found = v["request"], []
    texts = [val for _, val in headers(req)] + [req["url"]]
    for t in texts:
        for word in t.replace(";", " ").replace("&", " ").replace("?", " ").replace("=", " ").split():
            if word.count(".") == 2 and word.startswith("eyJ"):
                found.append(word)
    return found


def write(target, items):
    d = HERE / "corpus" / target
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    seen = set()
    for item in items:
        data = item if isinstance(item, bytes) else item.encode()
        h = hashlib.sha1(data).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        (d / f"seed-{h[:16]}").write_bytes(data)
        if len(seen) >= MAX_PER_TARGET:
            break
    print(f"{target}: {len(seen)} seeds, {sum(p.stat().st_size for p in d.iterdir())} bytes")


def config_for(opts):
    """The url_headers option set closest to a vector's options."""
    if opts.get("isSatellite"):
        return "3" if opts.get("proxyUrl") else "2"
    if opts.get("proxyUrl") or opts.get("organizationSyncOptions"):
        return "4"
    if not opts.get("jwtKey"):
        return "5"
    return "1" if str(opts.get("publishableKey", "")).startswith("pk_live_") else "0"


FIXED = ["host", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "origin", "referer", "sec-fetch-dest", "cookie"]


def url_headers_seed(v):
    req = v["request"]
    lines = [config_for(v.get("options", {})), req.get("method", "GET"), req["url"]]
    lines += [header(req, n) or "" for n in FIXED]
    extra = [f"{k}: {val}" for k, val in headers(req) if k.lower() not in FIXED and k.lower() not in ("user-agent", "accept")]
    return "\n".join(lines + extra)


def main():
    vecs = load_vectors(vectors_dir())

    cookies = [header(v["request"], "cookie") for v in vecs]
    write("cookies", [c for c in cookies if c] + [
        "a=1; a=2; b=%20x%3By; c=\"quoted\"; d=%zz; e=%C0; novalue; =empty",
        "__session=; __client_uat=0; __client_uat_Zm9v=1767222000; __session_Zm9v=e30.e30.AA",
        "__clerk_db_jwt=dvb_x; __refresh_Zm9v=r; __clerk_handshake=abc; __clerk_synced=true",
        "Set-Cookie-like=v=w; Path=/; Max-Age=0",
    ])

    auths = [header(v["request"], "authorization") for v in vecs]
    write("authorization", [a for a in auths if a] + [
        "Bearer", "Bearer ", "Bearer  x", "bearer eyJ.eyJ.sig", "Basic dXNlcjpwYXNz", "ak_live_abc", "mt_123", "oat_x y", " ",
    ])

    write("url_headers", [url_headers_seed(v) for v in vecs] + [
        "4\nGET\nhttps://app.example.com/orgs/acme/settings\n\nproxy.example.net, other\nhttps, http\n8443\nhttps://app.example.com\n\ndocument\n__client_uat=1767222000",
        "2\nGET\nhttps://satellite.example.com/?__clerk_synced=false&__clerk_db_jwt=dvb_1\n\n\n\n\n\nhttps://primary.example.com/\ndocument\n__client_uat=0",
        "6\nGET\nhttps://app.example.com/o/org_1\n\n\n\n\n\n\ndocument\n__session=e30.e30.AA; __client_uat=1\nx-clerk-tab: 1\nx-expected-session: sess_1",
        "0\nget\nhttp://[::1]:3000/%2e%2e/a?redirect_url=//evil\nlocalhost:3000\n\nws\n0\nnull\nnot a url\niframe\n",
    ])

    tokens = []
    for v in vecs:
        tokens += jwts_in(v)
    tokens += ["e30.e30.AA", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.", "a.b.c.d", "ak_test_x", "mt_x", "oat_x", "e30=.e30=.AA==", "....."]
    write("jwt_decode", tokens[:30] + tokens[-8:])

    pats = []
    for v in vecs:
        so = v.get("options", {}).get("organizationSyncOptions")
        if not so:
            continue
        path = urlsplit(v["request"]["url"]).path or "/"
        lines = [path] + list(so.get("organizationPatterns") or []) + ["~" + p for p in so.get("personalAccountPatterns") or []]
        pats.append("\n".join(lines))
    write("org_patterns", pats + [
        "/users/42/books/7\n/users/:id(\\d+)/books/:slug?",
        "/a/b/c\n/:id*\n/:slug+",
        "/icon-12.png\n/icon-:id(\\d+).png",
        "/x-y-z\n{/:id}?{-:slug}?{-:other}?",
        "/files/a/b/c.txt\n/files/(.*)\n~/(.*)",
        "/orgs/ACME\n/orgs/:slug\\:escaped\n/orgs/(?:[a-z]+)",
        "/\n\n~/",
    ])

    def trimmed(v):
        out = {k: v[k] for k in ("request", "options", "backend_api", "has_checks") if k in v}
        return json.dumps(out, separators=(",", ":"))

    # Regression seeds: every reproducer in artifacts-found/json_entry/ (fixed in core since).
    found = [p.read_text() for p in sorted((HERE / "artifacts-found" / "json_entry").glob("*.json"))]
    write("json_entry", found + [trimmed(v) for v in vecs[:34]] + [
        '{"request":{"url":"https://app.example.com/"},"options":{}}',
        '{"request":{"method":"POST","url":"https://a.test/x","headers":{"cookie":["a=1","b=2"],"host":"b.test"}},"options":{"publishableKey":"pk_test_ZnV6ei0xLmNsZXJrLmFjY291bnRzLmRldiQ","verifiedTokenCacheSize":4}}',
        '{"request":{"url":"https://app.example.com/","headers":[["authorization","Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1In0.AA"]]},"options":{"publishableKey":"pk_test_ZnV6ei0xLmNsZXJrLmFjY291bnRzLmRldiQ","secretKey":"sk_test_a","jwksCacheTtlInMs":300000},"overrides":{"secretKey":"sk_test_b","skipJwksCache":true},"backend_api":[{"method":"GET","path":"/v1/jwks","status":200,"body":{"keys":[]}}]}',
        '{"request":{"url":"/relative"},"options":{"acceptsToken":["api_key","oauth_token"],"organizationSyncOptions":{"onMismatch":"signed-out","organizationPatterns":["/o/:id"]}},"overrides":{"isSatellite":true,"domain":"d.test"}}',
    ])

    signed = []
    for v in vecs:
        for t in jwts_in(v):
            try:
                header_, claims = json.loads(b64d(t.split(".")[0])), json.loads(b64d(t.split(".")[1]))
            except Exception:
                continue
            header_ = {k: x for k, x in header_.items() if k not in ("alg", "kid")}
            entry = {"header": header_, "claims": claims, "path": urlsplit(v["request"]["url"]).path or "/"}
            if v.get("has_checks"):
                entry["has_checks"] = v["has_checks"]
            signed.append(json.dumps(entry, separators=(",", ":")))
    write("signed_claims", signed[:34] + [
        '{"claims":{"sub":"user_1","sid":"sess_1","exp":1767225660,"iat":1767225590,"v":2,"o":{"id":"org_1","slg":"acme","rol":"admin","per":"read,manage","fpm":"3,1"},"fea":"o:posts,o:members","pla":"u:pro"},"path":"/orgs/acme"}',
        '{"claims":{"sub":"user_1","exp":1767225660,"org_id":"org_1","org_role":"org:admin","org_permissions":["org:posts:edit"],"fva":[1,-1]},"has_checks":[{"reverification":{"level":"second_factor","afterMinutes":10}}]}',
        '{"header":{"typ":"at+jwt"},"claims":{"sub":"mch_1","exp":1767225660,"scp":"a b"}}',
    ])

    # Header and payload JSON texts of the vectors' tokens, plus duplicates, escapes, numbers at
    # the edges of the double range and nesting for the decoder-vs-serde_json comparison.
    texts = []
    for v in vecs:
        for t in jwts_in(v):
            for seg in t.split(".")[:2]:
                try:
                    texts.append(b64d(seg).decode())
                except Exception:
                    continue
    write("claims_json", texts[:34] + [
        '{"sub":"a","sub":"b","o":{"id":"x"},"o":"y","s\\u0069d":"s\\"1","exp":1e308,"nbf":-0,"iat":18446744073709551616,"org_permissions":["a"],"act":{"sub":"x"},"aud":["a",1,null]}',
        '{"v":2,"o":{"id":"org_1","rol":"","slg":null,"per":"a,b","fpm":"3,1","x":[{"y":{}}]},"fea":"o:a,u:b","pla":"u:pro","sts":"pending"}',
        ' { "org_id" : "org_1" , "org_role" : "admin" , "org_slug" : "acme" , "fva" : [ 1 , -1 ] } ',
        '{"a":1e400,"sub":"\\ud800"}',
    ])


if __name__ == "__main__":
    main()
