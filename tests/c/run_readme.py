#!/usr/bin/env python3
"""ffi/README.md's C code runs as written (Python 3 stdlib only, offline).

Extracts the ```c blocks under the named headings of the README (a heading without its block, or
a ```c block under a heading not named here, fails: a renamed or new section cannot silently
stop being tested), then:
* the Example (a whole program) is compiled with the given compiler command and run: without a
  token, with a valid session token, an expired one and one signed by another key (options from
  CLERKAUTH_OPTIONS: a production instance with a freshly generated RSA key as jwtKey,
  networkless), and without options; its output is checked (status line and headers);
* each fragment is compiled and linked inside a function given `auth`, `req` and `res`.

The RSA key (2048 bits) and the RS256 tokens are made here, in pure Python: no Python package
and no Clerk instance are needed.

Usage: run_readme.py README WORKDIR CC [ARGS...]
  The compiler command's arguments may contain {src} and {out}; e.g.
  run_readme.py ffi/README.md /tmp/readme gcc -std=c11 -Wall -Wextra -Werror -pedantic \\
      $(pkg-config --cflags clerkauth) {src} $(pkg-config --libs clerkauth) -Wl,-rpath,LIBDIR -o {out}
Prints one line per check and `N passed, M failed`; exits 1 on any failure.
"""

import base64
import hashlib
import json
import math
import os
import re
import secrets
import subprocess
import sys
import time

EXAMPLE = "Example"
FRAGMENTS = [
    "Session tokens from JWT templates (`getToken({ template })`)",
    "WebSockets: the tab's own token, `validUntil` and `continues()`",
]

FRONTEND_API = "clerk.example.com"
PUBLISHABLE_KEY = "pk_live_" + base64.b64encode((FRONTEND_API + "$").encode()).decode()
ORIGIN = "https://app.example.com"
DEAD_API = "http://127.0.0.1:9"  # never contacted: the jwtKey path is networkless


# --- extraction ----------------------------------------------------------------------------------

def c_blocks(text):
    """[(heading, code)] for every ```c block, with the nearest heading above it."""
    blocks, heading, code = [], "", None
    for line in text.splitlines():
        if code is not None:
            if line.strip() == "```":
                blocks.append((heading, "\n".join(code) + "\n"))
                code = None
            else:
                code.append(line)
        elif re.fullmatch(r"```c\s*", line):
            code = []
        elif re.match(r"#{1,6} ", line):
            heading = line.lstrip("#").strip()
    return blocks


# --- RSA and RS256, stdlib only -----------------------------------------------------------------

SMALL_PRIMES = [p for p in range(3, 2000, 2) if all(p % d for d in range(3, int(p ** 0.5) + 1, 2))]


def probable_prime(n):
    if any(n % p == 0 for p in SMALL_PRIMES):
        return n in SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(40):
        x = pow(2 + secrets.randbelow(n - 3), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(bits):
    while True:
        c = secrets.randbits(bits) | (3 << (bits - 2)) | 1  # top two bits set: p*q has 2*bits bits
        if probable_prime(c):
            return c


def rsa_key(bits=2048, e=65537):
    while True:
        p, q = random_prime(bits // 2), random_prime(bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and math.gcd(e, phi) == 1:
            return p * q, e, pow(e, -1, phi)


def der(tag, body):
    n = len(body)
    length = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + body


def der_int(x):
    return der(0x02, x.to_bytes(x.bit_length() // 8 + 1, "big"))


def public_pem(n, e):
    rsa_encryption = der(0x30, der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    spki = der(0x30, rsa_encryption + der(0x03, b"\x00" + der(0x30, der_int(n) + der_int(e))))
    b64 = base64.b64encode(spki).decode()
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n-----END PUBLIC KEY-----\n"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rs256(key, header, claims):
    n, _, d = key
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64url(json.dumps(claims, separators=(",", ":")).encode())).encode()
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(signing_input).digest()
    k = (n.bit_length() + 7) // 8
    em = b"\x00\x01" + b"\xff" * (k - len(digest_info) - 3) + b"\x00" + digest_info
    signature = pow(int.from_bytes(em, "big"), d, n).to_bytes(k, "big")
    return signing_input.decode() + "." + b64url(signature)


def session_token(key, user_id, session_id, iat):
    claims = {"azp": ORIGIN, "exp": iat + 60, "iat": iat, "nbf": iat - 5, "iss": "https://" + FRONTEND_API,
              "sid": session_id, "sub": user_id, "sts": "active", "v": 2, "fva": [0, -1]}
    return rs256(key, {"alg": "RS256", "kid": "ins_readme", "typ": "JWT"}, claims)


# --- checks --------------------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, label, detail=""):
        if ok:
            self.passed += 1
            print("ok   " + label)
        else:
            self.failed += 1
            print("FAIL " + label + (("\n" + detail) if detail else ""))
        return ok


def compile_c(cc, src, out):
    cmd = [a.replace("{src}", src).replace("{out}", out) for a in cc]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode == 0, " ".join(cmd) + "\n" + r.stdout + r.stderr


def run(exe, args, env):
    """(exit status, stdout, stderr); a program that cannot start or hangs is a failure, not a crash."""
    try:
        r = subprocess.run([exe] + args, capture_output=True, text=True, env=env, timeout=60)
        return r.returncode, r.stdout, r.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "", str(e)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    readme, work, cc = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(work, exist_ok=True)
    checks = Checks()
    with open(readme, encoding="utf-8") as fh:
        blocks = c_blocks(fh.read())

    named = [EXAMPLE] + FRAGMENTS
    for heading, _ in blocks:
        checks.check(heading in named, "c block under a tested heading: %s" % heading,
                     "add it to run_readme.py's EXAMPLE/FRAGMENTS")
    by_heading = {h: [code for hh, code in blocks if hh == h] for h in named}
    for h in named:
        checks.check(len(by_heading[h]) == 1, "one c block under '%s' (found %d)" % (h, len(by_heading[h])))

    # The fragments: compiled and linked inside a function given the handles they use.
    for i, h in enumerate(FRAGMENTS):
        if len(by_heading[h]) != 1:
            continue
        src = os.path.join(work, "readme_fragment_%d.c" % (i + 1))
        with open(src, "w") as fh:
            fh.write("/* ffi/README.md, under '%s' */\n#include <clerkauth.h>\n\n"
                     "void readme_fragment(clerkauth_authenticator *auth, clerkauth_request *req, clerkauth_result *res);\n"
                     "void readme_fragment(clerkauth_authenticator *auth, clerkauth_request *req, clerkauth_result *res) {\n"
                     "(void)auth; (void)req; (void)res;\n%s}\n\n"
                     "int main(void) { return 0; }\n" % (h, by_heading[h][0]))
        ok, log = compile_c(cc, src, src[:-2])
        checks.check(ok, "fragment '%s' compiles and links" % h, log)

    # The example: a whole program, compiled as written and run.
    if len(by_heading[EXAMPLE]) == 1:
        src = os.path.join(work, "readme_example.c")
        exe = src[:-2]
        with open(src, "w") as fh:
            fh.write(by_heading[EXAMPLE][0])
        ok, log = compile_c(cc, src, exe)
        if checks.check(ok, "Example compiles as written", log):
            t = time.time()
            key = rsa_key()
            print("     (RSA-2048 key generated in %.1f s)" % (time.time() - t))
            options = {"publishableKey": PUBLISHABLE_KEY, "secretKey": "sk_live_readme", "jwtKey": public_pem(key[0], key[1]),
                       "apiUrl": DEAD_API, "authorizedParties": [ORIGIN]}
            env = {k: v for k, v in os.environ.items() if not k.startswith("CLERK")}
            env["CLERKAUTH_OPTIONS"] = json.dumps(options)
            now = int(time.time())
            runs = [
                ("no token", [], env, 0, "signed-out user=- reason=session-token-and-uat-missing", "x-clerk-auth-status: signed-out"),
                ("a valid token", [session_token(key, "user_readme", "sess_readme", now)], env, 0,
                 "signed-in user=user_readme reason=-", None),
                ("an expired token", [session_token(key, "user_readme", "sess_readme", now - 3600)], env, 0,
                 "signed-out user=- reason=session-token-expired-refresh-non-eligible-no-refresh-cookie",
                 "(reason=token-expired, token-carrier=header)"),
                ("a token signed by another key", [session_token(rsa_key(), "user_readme", "sess_readme", now)], env, 0,
                 "signed-out user=- reason=token-invalid-signature", None),
            ]
            no_options = dict(env)
            del no_options["CLERKAUTH_OPTIONS"]
            for label, args, run_env, want_rc, want_first, want_line in runs:
                rc, out, err = run(exe, args, run_env)
                lines = out.splitlines()
                ok = rc == want_rc and lines[:1] == [want_first] and (want_line is None or any(want_line in l for l in lines))
                checks.check(ok, "Example with %s prints '%s'" % (label, want_first),
                             "exit %s\n--- stdout\n%s--- stderr\n%s" % (rc, out, err))
            rc, out, err = run(exe, [], no_options)
            checks.check(rc == 1 and out == "" and err.startswith("bad options: "),
                         "Example without CLERKAUTH_OPTIONS exits 1 with 'bad options: ...'",
                         "exit %s\n--- stdout\n%s--- stderr\n%s" % (rc, out, err))

    print("%d passed, %d failed" % (checks.passed, checks.failed))
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
