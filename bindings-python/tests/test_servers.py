"""The ASGI middleware and the FastAPI dependency behind real servers on loopback: uvicorn
(asyncio) and hypercorn (asyncio and Trio), reached over TCP with httpx and websockets."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from typing import Any, Callable, Dict, Iterator

import httpx
import pytest
from fastapi import Depends, FastAPI, Request, WebSocket
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

import clerkauth
from clerkauth.asgi import ClerkAuthMiddleware
from clerkauth.fastapi import ClerkHTTPBearer
from clerkauth.sockets import ClerkSocket
from clerkauth.testing import DevInstance
from helpers import handshake_cookie, session_cookie, token

DEV = DevInstance("server-app.clerk.accounts.dev")
MEMBER = {"id": "org_1", "slg": "acme", "rol": "member", "per": "read", "fpm": "1"}


def make_app(bapi_url: str) -> FastAPI:
    authenticator = clerkauth.Authenticator(secret_key=DEV.secret_key, publishable_key=DEV.publishable_key, jwt_key=DEV.jwt_key, api_url=bapi_url)
    clerk = ClerkHTTPBearer(authenticator, accepts_token="any")
    app = FastAPI()
    app.add_middleware(ClerkAuthMiddleware, authenticator=authenticator, accepts_token="any")

    @app.get("/me")
    async def me(request: Request, auth: Any = Depends(clerk)) -> Dict[str, Any]:
        return {"id": auth.user_id or auth.subject, "kind": type(auth).__name__, "middleware": request.state.clerk_state.status}

    @app.get("/admin")
    async def admin(auth: Any = Depends(clerk.require(role="org:admin"))) -> Dict[str, Any]:
        return {"org": auth.org_id}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, auth: Any = Depends(clerk)) -> None:
        await websocket.accept()
        await websocket.send_json({"user": auth.user_id})
        await websocket.close()

    @app.websocket("/socket")
    async def sock(socket: ClerkSocket = Depends(clerk.socket())) -> None:
        await socket.accept()
        while True:
            try:
                message = await socket.receive_json()
            except WebSocketDisconnect:
                return
            await socket.send_json({"echo": message, "user": socket.auth.user_id})

    return app


def free_socket() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    s.setblocking(False)
    return s


def wait_until_listening(port: int) -> None:
    # The socket is bound and listening before the server starts: connections queue until it
    # accepts. One request that gets an answer shows the server is serving.
    with httpx.Client(timeout=30) as c:
        c.get(f"http://127.0.0.1:{port}/openapi.json")


def run_uvicorn(app: Any, sock: socket.socket) -> Callable[[], None]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()

    def stop() -> None:
        server.should_exit = True
        thread.join()

    return stop


def run_hypercorn(app: Any, sock: socket.socket, worker: str) -> Callable[[], None]:
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"fd://{os.dup(sock.fileno())}"]  # hypercorn closes the descriptor it is given
    config.loglevel = "WARNING"
    stopped = threading.Event()

    if worker == "asyncio":
        from hypercorn.asyncio import serve as aserve

        async def main() -> None:
            async def trigger() -> None:
                while not stopped.is_set():
                    await asyncio.sleep(0.05)

            await aserve(app, config, shutdown_trigger=trigger)  # type: ignore[arg-type]

        target: Callable[[], None] = lambda: asyncio.run(main())  # noqa: E731
    else:
        import trio
        from hypercorn.trio import serve as tserve

        async def trio_main() -> None:
            async def trigger() -> None:
                while not stopped.is_set():
                    await trio.sleep(0.05)

            await tserve(app, config, shutdown_trigger=trigger)  # type: ignore[arg-type]

        target = lambda: trio.run(trio_main)  # noqa: E731
    thread = threading.Thread(target=target, daemon=True)
    thread.start()

    def stop() -> None:
        stopped.set()
        thread.join()

    return stop


@pytest.fixture(scope="module", params=["uvicorn", "hypercorn-asyncio", "hypercorn-trio"])
def server(request: pytest.FixtureRequest, bapi: Any) -> Iterator[str]:
    sock = free_socket()
    port = sock.getsockname()[1]
    app = make_app(bapi.url)
    if request.param == "uvicorn":
        stop = run_uvicorn(app, sock)
    else:
        stop = run_hypercorn(app, sock, request.param.split("-")[1])
    wait_until_listening(port)
    yield f"127.0.0.1:{port}"
    stop()
    sock.close()


def get(server: str, path: str, headers: Dict[str, str]) -> httpx.Response:
    with httpx.Client(timeout=30) as c:
        return c.get(f"http://{server}{path}", headers=headers, follow_redirects=False)


def test_bearer_and_cookie_sessions(server: str) -> None:
    r = get(server, "/me", {"authorization": f"Bearer {token(DEV)}"})
    assert r.status_code == 200 and r.json() == {"id": "user_1", "kind": "SessionAuth", "middleware": "signed-in"}
    r = get(server, "/me", {"cookie": session_cookie(DEV), "sec-fetch-dest": "empty"})
    assert r.status_code == 200 and r.json()["id"] == "user_1"


def test_api_key_over_loopback_backend_api(server: str, bapi: Any) -> None:
    bapi.reset([{"method": "POST", "path": "/api_keys/verify", "status": 200, "body": {
        "object": "api_key", "id": "ak_id_1", "type": "api_key", "name": "ci", "subject": "user_9", "scopes": ["read"],
        "claims": None, "revoked": False, "expired": False, "expiration": None, "created_at": 1, "updated_at": 1}}])
    r = get(server, "/me", {"authorization": "Bearer ak_live_secret"})
    assert r.status_code == 200 and r.json() == {"id": "user_9", "kind": "MachineAuth", "middleware": "signed-in"}


def test_handshake_redirect_and_401(server: str) -> None:
    r = get(server, "/me", {"cookie": handshake_cookie(), "sec-fetch-dest": "document"})
    assert r.status_code == 307
    assert r.headers["location"].startswith("https://server-app.clerk.accounts.dev/v1/client/handshake?")
    assert "__clerk_redirect_count=1" in r.headers["set-cookie"]
    r = get(server, "/me", {"cookie": handshake_cookie(), "sec-fetch-dest": "empty"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="clerk"'
    assert r.headers["x-clerk-auth-status"] == "signed-out"


def test_role_denial(server: str) -> None:
    assert get(server, "/admin", {"authorization": f"Bearer {token(DEV)}"}).json() == {"org": "org_1"}
    assert get(server, "/admin", {"authorization": f"Bearer {token(DEV, org=MEMBER)}"}).status_code == 403


def test_websocket(server: str) -> None:
    with connect(f"ws://{server}/ws", additional_headers={"authorization": f"Bearer {token(DEV)}"}) as ws:
        assert ws.recv(timeout=30) == '{"user":"user_1"}'
    # refused before it is accepted: the server answers the upgrade 403
    with pytest.raises(InvalidStatus) as e:
        with connect(f"ws://{server}/ws") as ws:
            ws.recv(timeout=30)
    assert e.value.response.status_code == 403


def test_websocket_token_subprotocol_and_in_band_reauthentication(server: str) -> None:
    with connect(f"ws://{server}/socket", subprotocols=[f"clerk.session.{token(DEV)}", "chat.v1"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "chat.v1"
        ws.send('{"type": "clerk.token", "token": "%s"}' % token(DEV))
        ws.send('{"n": 1}')
        assert ws.recv(timeout=30) == '{"echo":{"n":1},"user":"user_1"}'
        ws.send('{"type": "clerk.token", "token": "%s"}' % token(DEV, user="user_2"))
        with pytest.raises(ConnectionClosedError) as e:
            ws.recv(timeout=30)
    assert e.value.rcvd is not None and e.value.rcvd.code == 1008
    assert e.value.rcvd.reason == "clerk re-authentication failed: user-changed"
