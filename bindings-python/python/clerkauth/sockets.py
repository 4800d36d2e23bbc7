"""Authenticated WebSockets (Starlette/FastAPI): the token from ``Sec-WebSocket-Protocol``,
in-band re-authentication and closing when the authentication lapses.

Browsers cannot set headers on a WebSocket; they can offer subprotocols. A client offers
``clerk.session.<token>`` (and its own protocols); the core moves the token into an
``Authorization`` header, drops it from the offered protocols and names the first other offer,
which is echoed when the socket is accepted (the token never is). Cookie sessions work as
everywhere. The URL's organization (``organization_sync_options``) is applied as for HTTP.

A session token lives about a minute, a socket longer. :class:`ClerkSocket` holds the socket's
authentication until ``state.valid_until``; before that the client sends a fresh token in band,
as a text message ``{"type": "clerk.token", "token": "<session token>"}``. It is authenticated
like the upgrade (same URL and options) and must continue the same user, session and
organization (``RequestState.continuation_error``); the socket is closed (1008) when it does
not, or when ``valid_until`` passes without one. The application never sees these messages.

    @app.websocket("/orgs/{slug}/ws")
    async def ws(socket: ClerkSocket = Depends(clerk.socket())):
        await socket.accept()
        while True:
            message = await socket.receive_json()      # raises WebSocketDisconnect when closed
            await socket.send_json({"user": socket.auth.user_id, "echo": message})
"""

from __future__ import annotations

import json
import math
import time
from typing import Any, List, Optional, Tuple

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import AnyAuth, Authenticator, RequestState, _threads
from ._native import Overrides

__all__ = ["ClerkSocket", "TOKEN_MESSAGE_TYPE", "CLOSE_POLICY"]

#: ``type`` of the in-band re-authentication message.
TOKEN_MESSAGE_TYPE = "clerk.token"
#: Close code when authentication lapses or fails (policy violation).
CLOSE_POLICY = 1008


class ClerkSocket:
    """A WebSocket with the Clerk authentication that holds it open."""

    def __init__(
        self,
        websocket: WebSocket,
        authenticator: Authenticator,
        options: Optional[Overrides],
        state: RequestState,
        request: Tuple[str, str, List[Tuple[str, str]]],
        subprotocol: Optional[str],
    ) -> None:
        self.websocket = websocket
        self.state = state
        self._authenticator = authenticator
        self._options = options
        self._request = request
        self._subprotocol = subprotocol

    @property
    def auth(self) -> AnyAuth:
        auth = self.state.to_auth()
        assert auth is not None  # a socket is only made for a signed-in state
        return auth

    async def accept(self) -> None:
        """Accepts, echoing the first offered protocol that is not the token, with the state's
        headers."""
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.state.headers]
        await self.websocket.accept(subprotocol=self._subprotocol, headers=headers)

    def _seconds_left(self) -> float:
        until = self.state.valid_until
        return math.inf if until is None else until / 1000.0 - time.time()

    async def _close(self, reason: str) -> None:
        await self.websocket.close(code=CLOSE_POLICY, reason=reason)
        raise WebSocketDisconnect(code=CLOSE_POLICY, reason=reason)

    async def reauthenticate(self, token: str) -> None:
        """Authenticates ``token`` (same URL and options); closes (1008) and raises
        WebSocketDisconnect unless it continues the same user, session and organization."""
        method, url, headers = self._request
        fresh = [(k, v) for k, v in headers if k.lower() not in ("authorization", "cookie")]
        fresh.append(("authorization", f"Bearer {token}"))
        state: RequestState = await _threads.authenticate(self._authenticator._native, method, url, fresh, self._options, None)
        error = state.continuation_error(self.state)
        if error is not None:
            await self._close(f"clerk re-authentication failed: {error}")
        self.state = state

    async def receive(self) -> Any:
        """The next ASGI message for the application (in-band tokens handled), closing the
        socket when the authentication lapses first."""
        while True:
            left = self._seconds_left()
            if left <= 0:
                await self._close("clerk session lapsed")
            message = None
            with anyio.move_on_after(left):
                message = await self.websocket.receive()
            if message is None:
                continue  # the deadline passed: closed above on the next turn
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
            token = _token_message(message)
            if token is None:
                return message
            await self.reauthenticate(token)

    async def receive_text(self) -> str:
        message = await self.receive()
        return str(message.get("text") or "")

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        return bytes(message.get("bytes") or b"")

    async def receive_json(self) -> Any:
        message = await self.receive()
        data = message.get("text")
        return json.loads(data if data is not None else message.get("bytes") or b"")

    async def send_text(self, data: str) -> None:
        await self.websocket.send_text(data)

    async def send_json(self, data: Any) -> None:
        await self.websocket.send_json(data)

    async def close(self, code: int = 1000, reason: Optional[str] = None) -> None:
        await self.websocket.close(code=code, reason=reason)


def _token_message(message: Any) -> Optional[str]:
    """The token of an in-band ``{"type": "clerk.token", "token": ...}`` text message."""
    text = message.get("text")
    if not text or TOKEN_MESSAGE_TYPE not in text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("type") == TOKEN_MESSAGE_TYPE:
        token = data.get("token")
        return token if isinstance(token, str) else ""
    return None
