"""Shared fixtures: a real loopback Backend API (http.server in a thread on 127.0.0.1), the
conformance vectors, and a local development instance."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

HERE = Path(__file__).resolve().parent


def vectors_dir() -> Optional[Path]:
    """$CLERKAUTH_VECTORS, else the repository's tests/conformance/vectors; None when that
    directory holds no vector (test_vectors_present then fails)."""
    env = os.environ.get("CLERKAUTH_VECTORS")
    # bindings-python/tests -> repo root
    d = Path(env) if env else HERE.parent.parent / "tests" / "conformance" / "vectors"
    return d if d.is_dir() and any(d.rglob("*.json")) else None


def clerkauth_cli() -> Path:
    """The `clerkauth` command, whose `vectors check` compares results by FORMAT.md:
    $CLERKAUTH_CLI, else built (release) into the repository's cargo target directory."""
    env = os.environ.get("CLERKAUTH_CLI")
    if env:
        return Path(env)
    root = HERE.parent.parent
    target = root / os.environ.get("CARGO_TARGET_DIR", "target")
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "clerkauth-cli"], cwd=root, check=True)
    return target / "release" / "clerkauth"


class MockBapi:
    """The Python tests' one loopback Backend API (like the Node tests' startBackendApi): a real
    HTTP server on 127.0.0.1 (port 0) answering the listed routes, each a dict with "method"
    (default GET) and "path" (the query is ignored unless the path has one: then the whole
    target must match), and either "status" (default 200) and "body" (sent as JSON) or "reply",
    a function of the recorded request returning {"status", "body"}. Requests no route lists
    get a 404 `resource_not_found`. Every request is recorded in `seen`, listed or not. A route
    with a "gate" (helpers.Gate) answers only once the gate is released (503 if it never is).

    The `bapi` fixture is one server for the session (`reset(routes)` per test); `start_bapi`
    starts one for a single test."""

    def __init__(self, routes: Optional[List[Dict[str, Any]]] = None) -> None:
        self.routes: List[Dict[str, Any]] = list(routes or [])
        self.seen: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                route = mock.match(self.command, self.path)
                request = {"method": self.command, "target": self.path, "headers": dict(self.headers), "body": body, "matched": route is not None}
                with mock.lock:
                    mock.seen.append(request)
                if route is None:
                    status, payload = 404, b'{"errors":[{"code":"resource_not_found"}]}'
                elif route.get("gate") is not None and not route["gate"].hold():
                    status, payload = 503, b'{"errors":[{"code":"gate_never_released"}]}'
                else:
                    reply = route["reply"](request) if route.get("reply") is not None else route
                    status, payload = int(reply.get("status", 200)), json.dumps(reply.get("body")).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def match(self, method: str, target: str) -> Optional[Dict[str, Any]]:
        with self.lock:
            routes = list(self.routes)
        for r in routes:
            if r.get("method", "GET").upper() != method.upper():
                continue
            path = r.get("path", "/")
            if ("?" in path and target == path) or ("?" not in path and target.split("?", 1)[0] == path):
                return r
        return None

    def reset(self, routes: List[Dict[str, Any]]) -> None:
        with self.lock:
            self.routes = list(routes)
            self.seen = []

    def unlisted(self) -> List[str]:
        with self.lock:
            return [f"{s['method']} {s['target']}" for s in self.seen if not s["matched"]]

    def count(self) -> int:
        with self.lock:
            return len(self.seen)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def bapi() -> Iterator[MockBapi]:
    m = MockBapi()
    yield m
    m.close()


@pytest.fixture
def start_bapi() -> Iterator[Callable[[List[Dict[str, Any]]], MockBapi]]:
    """Starts a MockBapi with these routes for this test only; stopped when the test ends."""
    started: List[MockBapi] = []

    def start(routes: List[Dict[str, Any]]) -> MockBapi:
        started.append(MockBapi(routes))
        return started[-1]

    yield start
    for m in started:
        m.close()


@pytest.fixture(scope="session")
def dev() -> Any:
    from clerkauth.testing import DevInstance

    return DevInstance("demo-app.clerk.accounts.dev")
