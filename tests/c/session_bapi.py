#!/usr/bin/env python3
"""Runs a C test with a loopback Backend API for session tokens (`getToken({ template })`).

The server (Python 3 stdlib only) answers `POST /v1/sessions/{sid}/tokens[/{template}]`:
* 401 `authentication_invalid` unless `Authorization: Bearer sk_test_session_good`;
* 404 `resource_not_found` ("JWT template not found") for the template `missing`;
* otherwise 200 `{"object": "token", "jwt": "jwt:<request target>[|<request body>]"}`, so the
  C test can check the exact path (escaping) and body the library sent.

Usage: session_bapi.py COMMAND [ARGS...]   (the server's base URL is appended as the last
argument; the command's output and exit status are passed through)
"""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD_KEY = "sk_test_session_good"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.headers.get("authorization") != "Bearer " + GOOD_KEY:
            return self._reply(401, {"errors": [{"code": "authentication_invalid", "message": "Invalid secret key"}]})
        if not self.path.startswith("/v1/sessions/"):
            return self._reply(404, {"errors": [{"code": "resource_not_found", "message": "not a session route"}]})
        if self.path.endswith("/tokens/missing"):
            return self._reply(404, {"errors": [{"code": "resource_not_found", "message": "JWT template not found"}]})
        jwt = "jwt:" + self.path + ("|" + body if body else "")
        return self._reply(200, {"object": "token", "jwt": jwt})

    def do_GET(self):
        self._reply(405, {"errors": [{"code": "method_not_allowed", "message": "GET"}]})


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    try:
        rc = subprocess.call(sys.argv[1:] + [url])
    finally:
        server.shutdown()
        server.server_close()
    sys.exit(rc)


if __name__ == "__main__":
    main()
