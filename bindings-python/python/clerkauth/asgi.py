"""ASGI middleware (Starlette, FastAPI, Quart, Django-ASGI, plain ASGI apps).

Under asyncio or Trio (directly or through AnyIO), for every HTTP request and WebSocket
connection it authenticates the request (in a worker thread, never blocking the event loop) and
stores the result on ``scope["state"]``: ``request.state.clerk_state`` (the
:class:`~clerkauth.RequestState`) and ``request.state.clerk_auth`` (``state.to_auth()``, or
None for a handshake). It applies what the state asks for: a ``redirect_location`` (a
handshake, or a development handshake resolution) becomes a ``307`` redirect with the state's
headers (for a WebSocket, the connection is refused), and
``Set-Cookie`` and other response headers of a signed-in or signed-out state are added to the
app's response (or to the WebSocket accept). A request whose Host header is not
``host[:port]`` is answered ``400`` (a WebSocket is refused).

Per-call options (e.g. ``organization_sync_options={"organization_patterns": ["/orgs/:slug"],
"on_mismatch": "signed-out"}``) apply to every request; for WebSocket upgrades the
organization named by the URL is reported on ``state.organization_sync``; a token offered as
the subprotocol ``clerk.session.<token>`` is read as a Bearer token (see :mod:`clerkauth.sockets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable, List, MutableMapping, Tuple

from . import Authenticator, RequestState, _request, _threads
from ._errors import InvalidRequestError
from ._request import WebSocketToken

if TYPE_CHECKING:
    import sys

    from ._options import AuthenticateOptions

    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:
        from typing_extensions import Unpack

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["ClerkAuthMiddleware", "STATE_KEY", "AUTH_KEY", "REQUEST_KEY", "SUBPROTOCOL_KEY", "WebSocketToken", "read_scope", "response_headers"]

#: Key of the RequestState in ``scope["state"]`` (``request.state.clerk_state``).
STATE_KEY = "clerk_state"
#: Key of the auth object in ``scope["state"]`` (``request.state.clerk_auth``).
AUTH_KEY = "clerk_auth"


def response_headers(state: RequestState) -> List[Tuple[bytes, bytes]]:
    """The state's headers as ASGI raw header pairs."""
    headers = state.headers
    # Most states (a signed-in request) have none: no comprehension frame for them.
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers] if headers else []


async def _bad_request(kind: str, send: Send) -> None:
    """Answers a request the core cannot read (a Host header that is not ``host[:port]``)."""
    if kind == "http":
        body = b"Bad Request"
        await send({"type": "http.response.start", "status": 400, "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": "bad request"})


#: Set in ``scope["state"]`` when this middleware answers with the state's headers.
APPLIED_KEY = "clerk_headers_applied"
#: Key of the upgraded request ``(method, url, headers)`` of a WebSocket in ``scope["state"]``.
REQUEST_KEY = "clerk_request"
#: Key of the protocol to echo when a WebSocket is accepted (never the token's).
SUBPROTOCOL_KEY = "clerk_subprotocol"


def read_scope(scope: Scope, token: _request.WebSocketToken) -> _request.Parts:
    """The request of an HTTP or WebSocket scope. For a WebSocket the core's upgrade applies:
    a token offered as a subprotocol (or opt-in query parameter) becomes the Authorization
    header; the scope is rewritten so that the application never sees (nor echoes) it."""
    parts = _request.from_scope(scope)
    if scope.get("type") != "websocket":
        return parts
    parts, source, selected = _request.websocket_upgrade(parts, token)
    store = scope.setdefault("state", {})
    store[REQUEST_KEY] = parts
    store[SUBPROTOCOL_KEY] = selected
    if source is not None:
        scope["headers"] = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in parts[2]]
        prefix = token.protocol_prefix
        scope["subprotocols"] = [p for p in scope.get("subprotocols") or [] if not (prefix and p.startswith(prefix))]
        if source == "query":
            scope["query_string"] = parts[1].partition("?")[2].encode("latin-1")
    return parts


class ClerkAuthMiddleware:
    """``app.add_middleware(ClerkAuthMiddleware, authenticator=clerk, **per_call_options)``;
    ``websocket_token=WebSocketToken(...)`` says where an upgrade may carry its token."""

    def __init__(
        self,
        app: ASGIApp,
        authenticator: Authenticator,
        websocket_token: _request.WebSocketToken = _request.DEFAULT_WEBSOCKET_TOKEN,
        **options: Unpack[AuthenticateOptions],
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.websocket_token = websocket_token
        self._options = authenticator.call_options(**options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if kind == "http" and isinstance(scope, dict):
            # The common case in one native call: the scope read and decided without the
            # Backend API (None: the general path below).
            try:
                state = self.authenticator._native.authenticate_scope_inline(scope, self._options)
            except InvalidRequestError:
                await _bad_request(kind, send)
                return
            if state is not None:
                await self._apply(state, scope, receive, send)
                return
        try:
            method, url, headers = read_scope(scope, self.websocket_token)
        except InvalidRequestError:
            await _bad_request(kind, send)
            return
        state = await _threads.authenticate(self.authenticator._native, method, url, list(headers), self._options, None)
        await self._apply(state, scope, receive, send)

    def _apply(self, state: RequestState, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """Stores the state on the scope; what to await next: the app itself when the state adds
        nothing to the response (no coroutine of this middleware between the server and the app
        while it runs), else a redirect or the app with the state's response headers."""
        store = scope.setdefault("state", {})
        store[STATE_KEY] = state
        store[AUTH_KEY] = state.to_auth()
        store[APPLIED_KEY] = True
        extra = response_headers(state)
        subprotocol = store.get(SUBPROTOCOL_KEY)
        if state.redirect_location is None and not extra and subprotocol is None:
            return self.app(scope, receive, send)
        return self._respond(state, extra, subprotocol, scope, receive, send)

    async def _respond(self, state: RequestState, extra: List[Tuple[bytes, bytes]], subprotocol: Any, scope: Scope, receive: Receive, send: Send) -> None:
        """Answers a redirect, or calls the app with the state's response headers (and, for a
        WebSocket, the subprotocol to echo)."""
        kind = scope["type"]
        if state.redirect_location is not None:
            if kind == "http":
                await send({"type": "http.response.start", "status": 307, "headers": extra + [(b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})
            else:
                # Browsers do not follow redirects on WebSocket upgrades: refuse the connection.
                await send({"type": "websocket.close", "code": 1008, "reason": "clerk handshake required"})
            return
        start_type = "http.response.start" if kind == "http" else "websocket.accept"

        async def send_with_headers(message: Message) -> None:
            if message.get("type") == start_type:
                message = dict(message)
                message["headers"] = list(message.get("headers") or []) + extra
                if kind == "websocket" and message.get("subprotocol") is None:
                    message["subprotocol"] = subprotocol
            await send(message)

        await self.app(scope, receive, send_with_headers)
