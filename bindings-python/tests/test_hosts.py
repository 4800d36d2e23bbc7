"""Hostile Host headers never change the path the core sees: the URL of an ASGI scope or a WSGI
environ is its request target parsed against the Host (as the reference's ``new URL(path,
base)``), and a Host that is not ``host[:port]`` raises ``InvalidRequestError`` (the ASGI and
WSGI middlewares and the FastAPI dependency answer 400), never a URL whose path organization
patterns would miss or match for another organization. X-Forwarded-Host never moves the path."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple
from wsgiref.util import setup_testing_defaults

import anyio
import pytest
from fastapi import Depends, FastAPI
from starlette.testclient import TestClient

import clerkauth
from clerkauth.asgi import ClerkAuthMiddleware as AsgiMiddleware
from clerkauth.fastapi import ClerkAuth
from clerkauth.wsgi import ClerkAuthMiddleware as WsgiMiddleware
from helpers import session_cookie

ORG_SYNC = {"organization_patterns": ["/orgs/:slug"], "on_mismatch": "signed-out"}

# Each, glued to "/orgs/acme", would give another path, a query, a fragment or credentials, or
# is no authority at all (latin-1 decoded bytes, as servers hand them over).
HOSTILE_HOSTS = [
    b"app.example.com#", b"app.example.com#/orgs/other", b"app.example.com?", b"app.example.com/orgs/other?",
    b"app.example.com\\", b"app.example.com\\orgs\\other?", b"app.example.com/", b"user@app.example.com",
    b"app.example.com@evil.example", b"app example.com", b"app.example.com:65536",
    b"app.example.com:99999", b"app.example.com:-1", b"app.example.com:", b"[::1", "bücher.example".encode(),
    b"app.example.com,evil.example",
]
HOSTILE_FORWARDED = [
    b"evil.example#", b"evil.example#/orgs/other", b"evil.example?", b"evil.example/orgs/other", b"evil.example\\orgs\\other",
    b"u@evil.example", b"evil example", b"", b"evil.example:99999", "bücher.example".encode(), b"app.example.com/orgs/other, evil.example",
]
# Organization sync runs on the cookie flow: a session cookie whose active org is "acme".


def signed_in(dev: Any) -> List[Tuple[bytes, bytes]]:
    """A session cookie whose active organization is "acme" (organization sync runs on the
    cookie flow), on a non-document request."""
    return [(b"cookie", session_cookie(dev).encode()), (b"sec-fetch-dest", b"empty")]


@pytest.fixture(scope="module")
def clerk(dev: Any) -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)


def scope(host: Optional[bytes], path: str = "/orgs/acme", extra: Optional[List[Tuple[bytes, bytes]]] = None, kind: str = "http") -> Dict[str, Any]:
    headers = ([(b"host", host)] if host is not None else []) + (extra or [])
    return {"type": kind, "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "headers": headers, "server": ("10.0.0.1", 8000)}


def environ(host: bytes, path: str = "/orgs/acme", **extra: str) -> Dict[str, Any]:
    env: Dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_HOST": host.decode("latin-1"), **extra}
    setup_testing_defaults(env)
    return env


def test_a_valid_host_gives_the_target_as_path(clerk: clerkauth.Authenticator, dev: Any) -> None:
    cookies = signed_in(dev)
    for host, want in [(b"app.example.com", "http://app.example.com/orgs/acme"), (b"APP.example.com:8443", "http://app.example.com:8443/orgs/acme"), (b"[::1]:3000", "http://[::1]:3000/orgs/acme")]:
        state = clerk.authenticate_request(scope(host, extra=cookies), organization_sync_options=ORG_SYNC)
        assert clerkauth._request.extract(scope(host))[1] == want
        assert state.is_authenticated and state.organization_sync is not None
        assert (state.organization_sync.organization_slug, state.organization_sync.outcome) == ("acme", "active")
    # Targets stay paths (no scheme-relative host) and dot segments resolve as new URL does.
    assert clerkauth._request.extract(scope(b"app.example.com", "//evil.example/orgs/acme"))[1] == "http://app.example.com//evil.example/orgs/acme"
    assert clerkauth._request.extract(environ(b"app.example.com", "/orgs/other/../acme"))[1] == "http://app.example.com/orgs/acme"
    # An empty Host is no Host: the server's address, the path intact.
    assert clerkauth._request.extract(scope(b""))[1] == "http://10.0.0.1:8000/orgs/acme"


@pytest.mark.parametrize("host", HOSTILE_HOSTS, ids=lambda h: h.decode("latin-1"))
def test_a_host_that_is_not_an_authority_is_an_invalid_request(clerk: clerkauth.Authenticator, host: bytes) -> None:
    for request in (scope(host), environ(host)):
        with pytest.raises(clerkauth.InvalidRequestError, match="Host header") as e:
            clerk.authenticate_request(request)
        assert e.value.code == "invalid-request"


def run_asgi(app: Any, s: Dict[str, Any]) -> List[Dict[str, Any]]:
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(app, s, receive, send)
    return sent


@pytest.mark.parametrize("host", HOSTILE_HOSTS, ids=lambda h: h.decode("latin-1"))
def test_middlewares_answer_400_without_running_the_app(clerk: clerkauth.Authenticator, host: bytes) -> None:
    async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the app ran")

    mw = AsgiMiddleware(asgi_app, authenticator=clerk)
    start = run_asgi(mw, scope(host))[0]
    assert (start["type"], start["status"]) == ("http.response.start", 400)
    assert run_asgi(mw, scope(host, kind="websocket")) == [{"type": "websocket.close", "code": 1008, "reason": "bad request"}]

    statuses: List[str] = []
    body = WsgiMiddleware(lambda env, sr: pytest.fail("the app ran"), clerk)(environ(host), lambda status, headers: statuses.append(status))
    assert statuses == ["400 Bad Request"] and list(body) == [b"Bad Request"]


def test_fastapi_dependency_answers_400(clerk: clerkauth.Authenticator) -> None:
    app = FastAPI()

    @app.get("/orgs/{slug}")
    async def org(slug: str, state: clerkauth.RequestState = Depends(ClerkAuth(clerk))) -> Dict[str, str]:
        return {"status": state.status}

    client = TestClient(app)
    assert client.get("/orgs/acme", headers={"host": "app.example.com"}).json() == {"status": "signed-out"}
    for host in HOSTILE_HOSTS:
        r = client.get("/orgs/acme", headers={"host": host})
        assert r.status_code == 400, host


@pytest.mark.parametrize("forwarded", HOSTILE_FORWARDED, ids=lambda h: h.decode("latin-1"))
def test_hostile_forwarded_hosts_never_move_the_path(clerk: clerkauth.Authenticator, dev: Any, forwarded: bytes) -> None:
    state = clerk.authenticate_request(scope(b"app.example.com", extra=signed_in(dev) + [(b"x-forwarded-host", forwarded)]), organization_sync_options=ORG_SYNC)
    assert state.is_authenticated, state.reason
    sync = state.organization_sync
    assert sync is not None and (sync.organization_slug, sync.outcome, sync.active_org_id) == ("acme", "active", "org_1")
    env = environ(b"app.example.com", HTTP_X_FORWARDED_HOST=forwarded.decode("latin-1"), HTTP_COOKIE=session_cookie(dev), HTTP_SEC_FETCH_DEST="empty")
    state = clerk.authenticate_request(env, organization_sync_options=ORG_SYNC)
    assert state.is_authenticated and state.organization_sync is not None and state.organization_sync.organization_slug == "acme"
