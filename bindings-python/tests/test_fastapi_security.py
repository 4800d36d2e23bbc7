"""FastAPI: ClerkHTTPBearer (a security scheme in OpenAPI, the auth object as the dependency's
value, require() checks) through FastAPI's TestClient under asyncio and Trio."""

from __future__ import annotations

import time
from typing import Any, Dict, Optional

import pytest
from fastapi import Depends, FastAPI, WebSocket
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

import clerkauth
from clerkauth.fastapi import ClerkHTTPBearer
from clerkauth.testing import DevInstance
from helpers import handshake_cookie, session_cookie, token

DEV = DevInstance("fastapi-app.clerk.accounts.dev")
MEMBER = {"id": "org_1", "slg": "acme", "rol": "member", "per": "read", "fpm": "1"}


def make_app(clerk: ClerkHTTPBearer) -> FastAPI:
    app = FastAPI()
    maybe = ClerkHTTPBearer(clerk.authenticator, auto_error=False)

    @app.get("/me")
    async def me(auth: clerkauth.SessionAuth = Depends(clerk)) -> Dict[str, Any]:
        return {"user": auth.user_id, "kind": type(auth).__name__, "token_type": auth.token_type}

    @app.get("/maybe")
    def optional(auth: Optional[clerkauth.SessionAuth] = Depends(maybe)) -> Dict[str, Any]:
        return {"user": auth.user_id if auth else None}

    @app.get("/admin")
    async def admin(auth: clerkauth.SessionAuth = Depends(clerk.require(role="org:admin"))) -> Dict[str, Any]:
        return {"org": auth.org_id}

    @app.get("/manage")
    async def manage(auth: clerkauth.SessionAuth = Depends(clerk.require(permission="org:posts:manage", feature="posts"))) -> Dict[str, Any]:
        return {"org": auth.org_id}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, auth: clerkauth.SessionAuth = Depends(clerk.require(role="org:admin"))) -> None:
        await websocket.accept()
        await websocket.send_json({"user": auth.user_id})
        await websocket.close()

    return app


@pytest.fixture(scope="module", params=["asyncio", "trio"])
def client(request: pytest.FixtureRequest) -> TestClient:
    auth = clerkauth.Authenticator(secret_key=DEV.secret_key, publishable_key=DEV.publishable_key, jwt_key=DEV.jwt_key)
    return TestClient(make_app(ClerkHTTPBearer(auth)), backend=str(request.param))


def test_openapi_shows_the_security_scheme(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"] == {
        "Clerk": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A Clerk session token (Bearer, or the __session cookie)"},
    }
    for route in ["/me", "/maybe", "/admin", "/manage"]:
        assert doc["paths"][route]["get"]["security"] == [{"Clerk": []}], route


def test_bearer_and_cookie_sessions_give_the_auth_object(client: TestClient) -> None:
    r = client.get("/me", headers={"authorization": f"Bearer {token(DEV)}"})
    assert r.status_code == 200 and r.json() == {"user": "user_1", "kind": "SessionAuth", "token_type": "session_token"}
    r = client.get("/me", headers={"cookie": session_cookie(DEV), "sec-fetch-dest": "empty"})
    assert r.status_code == 200 and r.json()["user"] == "user_1"


def test_unauthenticated_is_401_with_www_authenticate(client: TestClient) -> None:
    r = client.get("/me")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="clerk"'
    expired = DEV.session_token("user_1", "sess_1", int(time.time()) - 3600)
    r = client.get("/me", headers={"authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and r.json()["detail"] == "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    assert client.get("/maybe").json() == {"user": None}
    assert client.get("/maybe", headers={"authorization": f"Bearer {token(DEV)}"}).json() == {"user": "user_1"}


def test_handshake_redirect_for_a_document_only(client: TestClient) -> None:
    r = client.get("/me", headers={"cookie": handshake_cookie(), "sec-fetch-dest": "document"}, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"].startswith("https://fastapi-app.clerk.accounts.dev/v1/client/handshake?")
    assert "__clerk_redirect_count=1" in r.headers["set-cookie"]
    r = client.get("/me", headers={"cookie": handshake_cookie(), "sec-fetch-dest": "empty"}, follow_redirects=False)
    assert r.status_code == 401


def test_require_role_permission_feature(client: TestClient) -> None:
    admin = {"authorization": f"Bearer {token(DEV)}"}
    member = {"authorization": f"Bearer {token(DEV, org=MEMBER)}"}
    assert client.get("/admin", headers=admin).json() == {"org": "org_1"}
    assert client.get("/manage", headers=admin).status_code == 200
    assert client.get("/admin", headers=member).status_code == 403
    assert client.get("/manage", headers=member).status_code == 403
    assert client.get("/admin").status_code == 401


def test_websocket_requirement(client: TestClient) -> None:
    with client.websocket_connect("/ws", headers={"authorization": f"Bearer {token(DEV)}"}) as ws:
        assert ws.receive_json() == {"user": "user_1"}
    member = f"Bearer {token(DEV, org=MEMBER)}"
    for headers in [{"authorization": member}, {}]:
        with pytest.raises(WebSocketDisconnect) as e:
            with client.websocket_connect("/ws", headers=headers) as ws:
                ws.receive_json()
        assert e.value.code == 1008


def test_api_key_over_loopback_backend_api(bapi: Any) -> None:
    bapi.reset([{"method": "POST", "path": "/api_keys/verify", "status": 200, "body": {
        "object": "api_key", "id": "ak_id_1", "type": "api_key", "name": "ci", "subject": "user_9", "scopes": ["read"],
        "claims": None, "revoked": False, "expired": False, "expiration": None, "created_at": 1, "updated_at": 1}}])
    auth = clerkauth.Authenticator(secret_key=DEV.secret_key, publishable_key=DEV.publishable_key, api_url=bapi.url)
    clerk = ClerkHTTPBearer(auth, accepts_token=["session_token", "api_key"])
    app = FastAPI()

    @app.get("/key")
    async def key(auth: clerkauth.MachineAuth = Depends(clerk)) -> Dict[str, Any]:
        return {"subject": auth.subject, "kind": type(auth).__name__, "scopes": auth.scopes}

    r = TestClient(app).get("/key", headers={"authorization": "Bearer ak_live_secret"})
    assert r.status_code == 200 and r.json() == {"subject": "user_9", "kind": "MachineAuth", "scopes": ["read"]}


def test_environment_only_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_SECRET_KEY", DEV.secret_key)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", DEV.publishable_key)
    monkeypatch.setenv("CLERK_JWT_KEY", DEV.jwt_key)
    c = TestClient(make_app(ClerkHTTPBearer()))
    assert c.get("/me", headers={"authorization": f"Bearer {token(DEV)}"}).json()["user"] == "user_1"
    other = DevInstance("other.clerk.accounts.dev")
    assert c.get("/me", headers={"authorization": f"Bearer {token(other)}"}).status_code == 401
