"""WebSockets through FastAPI's TestClient (asyncio and Trio): the token offered as a
subprotocol, in-band re-authentication, closing when the authentication lapses, the URL's
organization, and the ASGI middleware's upgrade handling."""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest
from fastapi import Depends, FastAPI, WebSocket
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

import clerkauth
from clerkauth.asgi import ClerkAuthMiddleware
from clerkauth.fastapi import ClerkHTTPBearer
from clerkauth.sockets import ClerkSocket
from clerkauth.testing import DevInstance
from helpers import ORG_SYNC, session_cookie, token

DEV = DevInstance("socket-app.clerk.accounts.dev")
OTHER_ORG = {"id": "org_2", "slg": "other", "rol": "admin", "per": "read", "fpm": "1"}


def make_app() -> FastAPI:
    authenticator = clerkauth.Authenticator(secret_key=DEV.secret_key, publishable_key=DEV.publishable_key, jwt_key=DEV.jwt_key)
    clerk = ClerkHTTPBearer(authenticator, organization_sync_options=ORG_SYNC)
    app = FastAPI()

    async def echo(socket: ClerkSocket) -> None:
        await socket.accept()
        while True:
            try:
                message = await socket.receive_json()
            except WebSocketDisconnect:
                return
            auth = socket.auth
            await socket.send_json({"echo": message, "user": auth.user_id, "session": auth.session_id, "org": auth.org_slug})

    @app.websocket("/ws")
    async def ws(socket: ClerkSocket = Depends(clerk.socket())) -> None:
        await echo(socket)

    @app.websocket("/orgs/{slug}/ws")
    async def org_ws(slug: str, socket: ClerkSocket = Depends(clerk.require(role="org:admin").socket())) -> None:
        await echo(socket)

    return app


@pytest.fixture(scope="module", params=["asyncio", "trio"])
def client(request: pytest.FixtureRequest) -> TestClient:
    return TestClient(make_app(), backend=str(request.param))


def fresh(user: str = "user_1", session: str = "sess_1", org: Dict[str, Any] = None, age: int = 0) -> str:  # type: ignore[assignment]
    extra: Dict[str, Any] = {"fea": "o:posts", "o": org or {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}}
    return DEV.session_token(user, session, int(time.time()) - age, "", extra)


def test_token_as_subprotocol(client: TestClient) -> None:
    with client.websocket_connect("/ws", subprotocols=[f"clerk.session.{fresh()}", "chat.v1"]) as ws:
        assert ws.accepted_subprotocol == "chat.v1"
        ws.send_json({"n": 1})
        assert ws.receive_json() == {"echo": {"n": 1}, "user": "user_1", "session": "sess_1", "org": "acme"}
    # only the token offered: accepted without a subprotocol (the token is never echoed)
    with client.websocket_connect("/ws", subprotocols=[f"clerk.session.{fresh()}"]) as ws:
        assert ws.accepted_subprotocol is None
        ws.send_json({"n": 2})
        assert ws.receive_json()["user"] == "user_1"


def test_cookie_session(client: TestClient) -> None:
    with client.websocket_connect("/ws", headers={"cookie": session_cookie(DEV), "sec-fetch-dest": "websocket"}) as ws:
        ws.send_json({"n": 1})
        assert ws.receive_json()["user"] == "user_1"


def test_refused_without_a_valid_token(client: TestClient) -> None:
    for protocols in [[], ["clerk.session.garbage"], [f"clerk.session.{fresh(age=3600)}"]]:
        with pytest.raises(WebSocketDisconnect) as e:
            with client.websocket_connect("/ws", subprotocols=protocols) as ws:
                ws.receive_json()
        assert e.value.code == 1008


def test_in_band_reauthentication(client: TestClient) -> None:
    with client.websocket_connect("/ws", subprotocols=[f"clerk.session.{fresh()}"]) as ws:
        ws.send_json({"type": "clerk.token", "token": fresh()})
        ws.send_json({"n": 1})  # the token message is not the application's
        assert ws.receive_json()["echo"] == {"n": 1}
        ws.send_json({"type": "clerk.token", "token": fresh(user="user_2", session="sess_2")})
        with pytest.raises(WebSocketDisconnect) as e:
            ws.receive_json()
        assert e.value.code == 1008 and e.value.reason == "clerk re-authentication failed: user-changed"


@pytest.mark.parametrize("bad,why", [
    ({"session": "sess_9"}, "session-changed"),
    ({"age": 3600}, "signed-out"),
    ({"org": OTHER_ORG}, "organization-changed"),
])
def test_in_band_reauthentication_refusals(client: TestClient, bad: Dict[str, Any], why: str) -> None:
    with client.websocket_connect("/ws", subprotocols=[f"clerk.session.{fresh()}"]) as ws:
        ws.send_json({"type": "clerk.token", "token": fresh(**bad)})
        with pytest.raises(WebSocketDisconnect) as e:
            ws.receive_json()
        assert e.value.code == 1008 and e.value.reason == f"clerk re-authentication failed: {why}"


def test_closed_when_authentication_lapses(client: TestClient) -> None:
    # a token issued 59 s ago expires in about a second; no fresh token follows
    with client.websocket_connect("/ws", subprotocols=[f"clerk.session.{fresh(age=59)}"]) as ws:
        with pytest.raises(WebSocketDisconnect) as e:
            ws.receive_json()
        assert e.value.code == 1008 and e.value.reason == "clerk session lapsed"


def test_organization_from_the_url(client: TestClient) -> None:
    with client.websocket_connect("/orgs/acme/ws", subprotocols=[f"clerk.session.{fresh()}"]) as ws:
        ws.send_json({"n": 1})
        assert ws.receive_json()["org"] == "acme"
    # the URL names another organization than the token's active one: refused
    with pytest.raises(WebSocketDisconnect) as e:
        with client.websocket_connect("/orgs/other/ws", subprotocols=[f"clerk.session.{fresh()}"]) as ws:
            ws.receive_json()
    assert e.value.code == 1008
    # a fresh token for another organization does not continue the socket
    with client.websocket_connect("/orgs/acme/ws", subprotocols=[f"clerk.session.{fresh()}"]) as ws:
        ws.send_json({"type": "clerk.token", "token": fresh(org=OTHER_ORG)})
        with pytest.raises(WebSocketDisconnect) as e:
            ws.receive_json()
        assert e.value.code == 1008 and e.value.reason.startswith("clerk re-authentication failed: ")


def test_middleware_reads_the_protocol_token(backend: str = "asyncio") -> None:
    authenticator = clerkauth.Authenticator(secret_key=DEV.secret_key, publishable_key=DEV.publishable_key, jwt_key=DEV.jwt_key)
    app = FastAPI()
    seen = []

    @app.websocket("/plain")
    async def plain(websocket: WebSocket) -> None:
        seen.append((websocket.scope["subprotocols"], websocket.headers.get("sec-websocket-protocol")))
        await websocket.accept()  # no subprotocol chosen: the middleware echoes the offered one
        state = websocket.state.clerk_state
        await websocket.send_json({"status": state.status, "user": state.to_auth().user_id})
        await websocket.close()

    app.add_middleware(ClerkAuthMiddleware, authenticator=authenticator)
    tok = fresh()
    with TestClient(app).websocket_connect("/plain", subprotocols=[f"clerk.session.{tok}", "chat"]) as ws:
        assert ws.accepted_subprotocol == "chat"
        assert ws.receive_json() == {"status": "signed-in", "user": "user_1"}
    assert seen == [(["chat"], "chat")]
