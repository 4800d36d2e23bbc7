#!/usr/bin/env python3
"""Runs a C test with a loopback Backend API for session tokens (`getToken({ template })`).

The server (backend_api.py, the C tests' one loopback Backend API) answers `POST /v1/sessions/{sid}/tokens[/{template}]`:
* 401 `authentication_invalid` unless `Authorization: Bearer sk_test_session_good`;
* 404 `resource_not_found` ("JWT template not found") for the template `missing`;
* otherwise 200 `{"object": "token", "jwt": "jwt:<request target>[|<request body>]"}`, so the
  C test can check the exact path (escaping) and body the library sent.

Usage: session_bapi.py COMMAND [ARGS...]   (the server's base URL is appended as the last
argument; the command's output and exit status are passed through)
"""

import subprocess
import sys

from backend_api import BackendApi

GOOD_KEY = "sk_test_session_good"


def error(status, code, message):
    return {"status": status, "body": {"errors": [{"code": code, "message": message}]}}


def answer(call):
    """Every request (the routes as a function: session ids and templates vary)."""
    if call["method"] != "POST":
        return error(405, "method_not_allowed", call["method"])
    if call["authorization"] != "Bearer " + GOOD_KEY:
        return error(401, "authentication_invalid", "Invalid secret key")
    if not call["target"].startswith("/v1/sessions/"):
        return error(404, "resource_not_found", "not a session route")
    if call["target"].endswith("/tokens/missing"):
        return error(404, "resource_not_found", "JWT template not found")
    jwt = "jwt:" + call["target"] + ("|" + call["body"] if call["body"] else "")
    return {"status": 200, "body": {"object": "token", "jwt": jwt}}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    api = BackendApi(answer)
    try:
        rc = subprocess.call(sys.argv[1:] + [api.url])
    finally:
        api.close()
    sys.exit(rc)


if __name__ == "__main__":
    main()
