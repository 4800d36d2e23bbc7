"""The C tests' one loopback Backend API (Python 3 stdlib only), shaped like the Node tests'
`startBackendApi` (bindings-node/test/helpers.mjs): a real HTTP server on 127.0.0.1 (port 0,
a free port) playing Clerk's Backend API, so requests go through libclerkauth's own HTTP
client. Imported by session_bapi.py and run_vectors.py.

`routes` is either
  - a function `(call) -> reply` answering every request, or
  - a dict `{"GET /v1/jwks": reply or (call) -> reply, ..., "*": ...}`: a key names the method
    and the path (the query is ignored unless the key has one: then the whole target must
    match); "*" answers the requests no key names, else they get a 404 `resource_not_found`.
`call` is a dict `{method, target, path, headers, authorization, body, json}`: `target` the
request target as sent, `path` its part before any '?', `body` the body as text, `json` the
body parsed (None when empty or not JSON).
A reply is `{"status": 200, "body": ...}` (the body sent as JSON). A route that raises is
answered 500, and `close()` raises its error.

`BackendApi(routes)` starts the server; `.url` its base URL, `.calls` every request (in
order), `.set_routes(routes)` replaces the routes and clears the calls, `.close()` stops it.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NOT_FOUND = {"status": 404, "body": {"errors": [{"code": "resource_not_found", "message": "not found"}]}}


class BackendApi:
    def __init__(self, routes=None):
        self._lock = threading.Lock()
        self._routes = routes if routes is not None else {}
        self.calls = []
        self.errors = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                call = {"method": self.command, "target": self.path, "path": self.path.split("?", 1)[0],
                        "headers": dict(self.headers), "authorization": self.headers.get("authorization"),
                        "body": body, "json": parsed}
                with api._lock:
                    api.calls.append(call)
                    routes = api._routes
                try:
                    reply = api._answer(routes, call)
                except Exception as e:  # reported by close()
                    with api._lock:
                        api.errors.append(e)
                    reply = {"status": 500, "body": {"errors": [{"code": "test_route_failed", "message": str(e)}]}}
                payload = json.dumps(reply.get("body")).encode()
                self.send_response(int(reply.get("status", 200)))
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _answer(routes, call):
        if callable(routes):
            return routes(call)
        r = routes.get("%s %s" % (call["method"], call["target"]))
        if r is None:
            r = routes.get("%s %s" % (call["method"], call["path"]))
        if r is None:
            r = routes.get("*", NOT_FOUND)
        return r(call) if callable(r) else r

    def set_routes(self, routes):
        with self._lock:
            self._routes = routes
            self.calls = []

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        if self.errors:
            raise self.errors[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
