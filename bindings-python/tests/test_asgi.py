"""Starlette and FastAPI: the ASGI middleware (HTTP and WebSocket, incl. organization sync on a
WebSocket upgrade) and the FastAPI dependency, each through the framework's own TestClient."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import Depends, FastAPI, WebSocket
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

import clerkauth
from clerkauth.asgi import ClerkAuthMiddleware
from clerkauth.fastapi import ClerkAuth
from helpers import ORG_SYNC, handshake_cookie, session_cookie, token


@pytest.fixture(scope="module")
def clerk(dev: Any) -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)


def describe(state: clerkauth.RequestState) -> dict:
    auth = state.to_auth()
    sync = state.organization_sync
    return {
        "status": state.status,
        "reason": state.reason,
        "user_id": auth.user_id if auth else None,
        "org_slug": auth.org_slug if auth else None,
        "sync": sync.to_dict() if sync else None,
    }


# Every Starlette/FastAPI test runs under asyncio and under Trio (AnyIO's two backends).
@pytest.fixture(scope="module", params=["asyncio", "trio"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def starlette_client(clerk: clerkauth.Authenticator, backend: str) -> TestClient:
    async def home(request: Request) -> JSONResponse:
        assert isinstance(request.state.clerk_auth, (clerkauth.Auth, type(None)))
        return JSONResponse(describe(request.state.clerk_state))

    async def ws(websocket: Any) -> None:
        await websocket.accept()
        await websocket.send_json(describe(websocket.state.clerk_state))
        await websocket.close()

    app = Starlette(routes=[Route("/", home), Route("/orgs/{slug}", home), WebSocketRoute("/orgs/{slug}/ws", ws)])
    app.add_middleware(ClerkAuthMiddleware, authenticator=clerk, organization_sync_options=ORG_SYNC)
    return TestClient(app, base_url="http://testserver", backend=backend)


def test_starlette_http_signed_in_header(starlette_client: TestClient, dev: Any) -> None:
    r = starlette_client.get("/", headers={"authorization": f"Bearer {token(dev)}"})
    assert r.status_code == 200
    assert r.json()["status"] == "signed-in" and r.json()["user_id"] == "user_1" and r.json()["org_slug"] == "acme"


def test_starlette_http_signed_out_headers_applied(starlette_client: TestClient) -> None:
    r = starlette_client.get("/", headers={"authorization": "Bearer not-a-jwt"})
    assert r.status_code == 200
    assert r.json()["status"] == "signed-out"
    assert r.headers["x-clerk-auth-status"] == "signed-out"
    assert r.headers["x-clerk-auth-reason"] == r.json()["reason"]


def test_starlette_handshake_redirect(starlette_client: TestClient) -> None:
    r = starlette_client.get("/", headers={"cookie": handshake_cookie(), "sec-fetch-dest": "document"}, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"].startswith("https://demo-app.clerk.accounts.dev/v1/client/handshake?")
    assert "redirect_url=http%3A%2F%2Ftestserver%2F" in r.headers["location"]
    assert r.headers["x-clerk-auth-status"] == "handshake"
    assert "__clerk_redirect_count=1" in r.headers["set-cookie"]


def test_starlette_http_org_sync_handshake(starlette_client: TestClient, dev: Any) -> None:
    r = starlette_client.get("/orgs/other", headers={"cookie": session_cookie(dev), "sec-fetch-dest": "document"}, follow_redirects=False)
    assert r.status_code == 307 and "organization_id=other" in r.headers["location"]
    r = starlette_client.get("/orgs/acme", headers={"cookie": session_cookie(dev), "sec-fetch-dest": "document"})
    assert r.json()["sync"]["outcome"] == "active"


def test_starlette_websocket_org_from_url(starlette_client: TestClient, dev: Any) -> None:
    headers = {"cookie": session_cookie(dev), "sec-fetch-dest": "websocket"}
    with starlette_client.websocket_connect("/orgs/acme/ws", headers=headers) as ws:
        got = ws.receive_json()
    assert got["status"] == "signed-in" and got["user_id"] == "user_1"
    assert got["sync"] == {"target": {"type": "organization", "organizationSlug": "acme"}, "outcome": "active", "activeOrgId": "org_1"}
    with starlette_client.websocket_connect("/orgs/other/ws", headers=headers) as ws:
        got = ws.receive_json()
    assert got["status"] == "signed-out" and got["reason"] == "organization-mismatch"
    assert got["sync"]["outcome"] == "mismatch" and got["sync"]["target"]["organizationSlug"] == "other"


def test_starlette_websocket_handshake_refused(starlette_client: TestClient, dev: Any) -> None:
    headers = {"cookie": session_cookie(dev), "sec-fetch-dest": "document"}
    with pytest.raises(WebSocketDisconnect) as e:
        with starlette_client.websocket_connect("/orgs/other/ws", headers=headers) as ws:
            ws.receive_json()
    assert e.value.code == 1008


@pytest.fixture(scope="module")
def fastapi_client(clerk: clerkauth.Authenticator, backend: str) -> TestClient:
    app = FastAPI()
    require_user = ClerkAuth(clerk, require_auth=True)
    any_state = ClerkAuth(clerk)

    @app.get("/me")
    async def me(state: clerkauth.RequestState = Depends(require_user)) -> dict:
        auth = state.to_auth()
        assert auth is not None
        return {"user_id": auth.user_id, "admin": auth.has(role="org:admin"), "manage": auth.has(permission="org:posts:manage")}

    @app.get("/maybe")
    def maybe(state: clerkauth.RequestState = Depends(any_state)) -> dict:
        return {"status": state.status}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, state: clerkauth.RequestState = Depends(require_user)) -> None:
        await websocket.accept()
        auth = state.to_auth()
        await websocket.send_json({"user_id": auth.user_id if auth else None})
        await websocket.close()

    return TestClient(app, backend=backend)


def test_fastapi_dependency(fastapi_client: TestClient, dev: Any) -> None:
    r = fastapi_client.get("/me", headers={"authorization": f"Bearer {token(dev)}"})
    assert r.status_code == 200 and r.json() == {"user_id": "user_1", "admin": True, "manage": True}
    r = fastapi_client.get("/me")
    assert r.status_code == 401
    assert fastapi_client.get("/maybe").json() == {"status": "signed-out"}


def test_fastapi_dependency_handshake(fastapi_client: TestClient) -> None:
    r = fastapi_client.get("/maybe", headers={"cookie": handshake_cookie(), "sec-fetch-dest": "document"}, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"].startswith("https://demo-app.clerk.accounts.dev/v1/client/handshake?")
    assert "__clerk_redirect_count=1" in r.headers["set-cookie"]


def test_fastapi_websocket_dependency(fastapi_client: TestClient, dev: Any) -> None:
    with fastapi_client.websocket_connect("/ws", headers={"authorization": f"Bearer {token(dev)}"}) as ws:
        assert ws.receive_json() == {"user_id": "user_1"}
    with pytest.raises(WebSocketDisconnect) as e:
        with fastapi_client.websocket_connect("/ws") as ws:
            ws.receive_json()
    assert e.value.code == 1008


def test_fastapi_with_middleware_reuses_state(clerk: clerkauth.Authenticator, dev: Any, backend: str) -> None:
    app = FastAPI()
    dep = ClerkAuth(clerk)
    seen = []

    @app.get("/")
    async def home(request: Request, state: clerkauth.RequestState = Depends(dep)) -> dict:
        seen.append(state is request.state.clerk_state)
        return {"status": state.status}

    app.add_middleware(ClerkAuthMiddleware, authenticator=clerk)
    r = TestClient(app, backend=backend).get("/", headers={"authorization": f"Bearer {token(dev)}"})
    assert r.json() == {"status": "signed-in"} and seen == [True]


def test_starlette_request_object_directly(clerk: clerkauth.Authenticator, dev: Any) -> None:
    scope = {
        "type": "http", "method": "GET", "scheme": "https", "path": "/a b", "raw_path": b"/a%20b", "query_string": b"x=1",
        "headers": [(b"host", b"app.example.com"), (b"authorization", f"Bearer {token(dev)}".encode())], "server": ("10.0.0.1", 443),
    }
    req = Request(scope)
    state = clerk.authenticate_request(req)
    assert state.is_authenticated and state.to_auth().user_id == "user_1"
    assert clerkauth._request.extract(req)[1] == "https://app.example.com/a%20b?x=1"
    # the bare scope works too
    assert clerk.authenticate_request(scope).is_authenticated
