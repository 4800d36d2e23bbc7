"""FastAPI: a security dependency (shown in OpenAPI) returning the auth object, role/permission
requirements, and the request-state dependency.

    clerk = ClerkHTTPBearer()                 # Authenticator() from CLERK_SECRET_KEY ... or pass one
    admin = clerk.require(role="org:admin")

    @app.get("/me")
    async def me(auth: SessionAuth = Depends(clerk)):          # 401 unless authenticated
        return {"user_id": auth.user_id}

    @app.delete("/posts/{id}")
    async def delete(id: str, auth: SessionAuth = Depends(admin)):   # 403 unless an admin
        ...

    # the RequestState instead (any state, or 401 with require_auth=True):
    @app.get("/state")
    async def state(state: RequestState = Depends(ClerkAuth(authenticator))): ...

Works for HTTP routes and WebSocket routes. If :class:`clerkauth.asgi.ClerkAuthMiddleware`
already authenticated the connection, its state is reused. A handshake state raises
``HTTPException(307)`` carrying the state's headers (``location``, ``set-cookie`` ...); a Host
header that is not ``host[:port]`` raises ``HTTPException(400)`` (WebSocket: close 1008).
"""

from __future__ import annotations

import copy

from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from fastapi import HTTPException, WebSocketException
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from . import AnyAuth, Authenticator, RequestState, _threads
from ._errors import InvalidRequestError
from ._request import DEFAULT_WEBSOCKET_TOKEN, WebSocketToken
from .asgi import APPLIED_KEY, AUTH_KEY, REQUEST_KEY, STATE_KEY, SUBPROTOCOL_KEY, read_scope
from .sockets import ClerkSocket

if TYPE_CHECKING:
    import sys

    from ._options import AuthenticateOptions

    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:
        from typing_extensions import Unpack

__all__ = ["ClerkAuth", "ClerkHTTPBearer"]


class _HeaderList(Mapping[str, str]):
    """A read-only header mapping whose ``items()`` keeps repeated names (Set-Cookie)."""

    def __init__(self, pairs: List[Tuple[str, str]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: str) -> str:
        for k, v in self._pairs:
            if k.lower() == key.lower():
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, _ in self._pairs])

    def __len__(self) -> int:
        return len(self._pairs)

    def items(self) -> Any:
        return list(self._pairs)


async def _state(authenticator: Authenticator, options: Optional[Any], conn: HTTPConnection, token: WebSocketToken = DEFAULT_WEBSOCKET_TOKEN) -> RequestState:
    """The connection's state: the middleware's when it ran with the same options, else
    authenticated now (and stored on ``conn.state``). A redirect state raises: HTTP 307 with
    the state's headers, a WebSocket is refused (close 1008)."""
    scope = conn.scope
    websocket = scope.get("type") == "websocket"
    store = scope.setdefault("state", {})
    cached = store.get(STATE_KEY)
    if isinstance(cached, RequestState) and options is None:
        state = cached
    else:
        try:
            method, url, headers = read_scope(scope, token)
        except InvalidRequestError as e:
            if websocket:
                raise WebSocketException(code=1008, reason="bad request") from e
            raise HTTPException(status_code=400, detail="Bad Request") from e
        state = await _threads.authenticate(authenticator._native, method, url, list(headers), options, None)
        store[STATE_KEY] = state
        store[AUTH_KEY] = state.to_auth()
    if state.redirect_location is not None:
        if websocket:
            raise WebSocketException(code=1008, reason="clerk handshake required")
        raise HTTPException(status_code=307, headers=_HeaderList(state.headers))  # type: ignore[arg-type,unused-ignore]
    return state


def _unauthenticated(conn: HTTPConnection, state: RequestState, bearer: bool) -> Exception:
    if conn.scope.get("type") == "websocket":
        return WebSocketException(code=1008, reason=state.reason or "unauthenticated")
    # the state's own headers, unless the middleware adds them to every response
    headers = [] if conn.scope.get("state", {}).get(APPLIED_KEY) else list(state.headers)
    if bearer:
        headers.append(("www-authenticate", 'Bearer realm="clerk"'))
    return HTTPException(status_code=401, detail=state.reason or "unauthenticated", headers=_HeaderList(headers))  # type: ignore[arg-type,unused-ignore]


class ClerkAuth:
    """A FastAPI dependency returning the :class:`~clerkauth.RequestState`."""

    def __init__(self, authenticator: Authenticator, *, require_auth: bool = False, **options: Unpack[AuthenticateOptions]) -> None:
        self.authenticator = authenticator
        self.require_auth = require_auth
        self._options = authenticator.call_options(**options)

    async def __call__(self, conn: HTTPConnection) -> RequestState:
        state = await _state(self.authenticator, self._options, conn)
        if self.require_auth and not state.is_authenticated:
            raise _unauthenticated(conn, state, bearer=False)
        return state


class ClerkHTTPBearer(SecurityBase):
    """A security dependency: ``Depends(clerk)`` is the auth object
    (:class:`~clerkauth.SessionAuth` or :class:`~clerkauth.MachineAuth`, whichever
    ``accepts_token`` allows). OpenAPI documents it as an HTTP Bearer (JWT) scheme; the
    ``__session`` cookie is accepted too, as everywhere.

    Not authenticated: 401 with ``WWW-Authenticate: Bearer`` (WebSocket: close 1008), or None
    with ``auto_error=False``. A browser document needing a handshake: 307 to the state's
    ``Location``. :meth:`require` adds role/permission/feature/plan checks (403)."""

    def __init__(
        self,
        authenticator: Optional[Authenticator] = None,
        *,
        auto_error: bool = True,
        scheme_name: str = "Clerk",
        description: Optional[str] = "A Clerk session token (Bearer, or the __session cookie)",
        websocket_token: WebSocketToken = DEFAULT_WEBSOCKET_TOKEN,
        **options: Unpack[AuthenticateOptions],
    ) -> None:
        self.authenticator = authenticator if authenticator is not None else Authenticator()
        self.model = HTTPBearerModel(bearerFormat="JWT", description=description)
        self.scheme_name = scheme_name
        self.auto_error = auto_error
        self._options = self.authenticator.call_options(**options)
        self._websocket_token = websocket_token
        self._check: Dict[str, str] = {}

    def require(
        self,
        *,
        role: Optional[str] = None,
        permission: Optional[str] = None,
        feature: Optional[str] = None,
        plan: Optional[str] = None,
    ) -> ClerkHTTPBearer:
        """The same dependency that also requires ``auth.has(...)`` for what is given (403
        otherwise; WebSocket: close 1008)."""
        other = copy.copy(self)
        other._check = {**self._check, **{k: v for k, v in {"role": role, "permission": permission, "feature": feature, "plan": plan}.items() if v is not None}}
        other.auto_error = True
        return other

    def socket(self) -> Callable[[WebSocket], Awaitable[ClerkSocket]]:
        """A WebSocket dependency: a :class:`~clerkauth.sockets.ClerkSocket` (token from the
        ``clerk.session.<token>`` subprotocol or a cookie; in-band re-authentication; closed
        when the authentication lapses). Refused (1008) unless authenticated and ``require``'s
        checks hold."""

        async def dependency(websocket: WebSocket) -> ClerkSocket:
            await self(websocket)
            store = websocket.scope["state"]
            return ClerkSocket(websocket, self.authenticator, self._options, store[STATE_KEY], store[REQUEST_KEY], store.get(SUBPROTOCOL_KEY))

        return dependency

    async def __call__(self, conn: HTTPConnection) -> Optional[AnyAuth]:
        state = await _state(self.authenticator, self._options, conn, self._websocket_token)
        auth = state.to_auth()
        if auth is None or not auth.is_authenticated:
            if not self.auto_error:
                return None
            raise _unauthenticated(conn, state, bearer=True)
        if self._check and not auth.has(**self._check):
            if conn.scope.get("type") == "websocket":
                raise WebSocketException(code=1008, reason="forbidden")
            raise HTTPException(status_code=403, detail="forbidden")
        return auth
