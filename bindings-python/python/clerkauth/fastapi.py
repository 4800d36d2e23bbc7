"""FastAPI dependency.

    clerk = Authenticator(secret_key=..., publishable_key=...)
    clerk_auth = ClerkAuth(clerk)                        # any state
    require_user = ClerkAuth(clerk, require_auth=True)   # 401 (HTTP) / 1008 close (WebSocket)

    @app.get("/me")
    async def me(state: RequestState = Depends(require_user)):
        return {"user_id": state.to_auth().user_id}

Works for HTTP routes and WebSocket routes. If :class:`clerkauth.asgi.ClerkAuthMiddleware`
already authenticated the connection, its state is reused. A handshake state raises
``HTTPException(307)`` carrying the state's headers (``location``, ``set-cookie`` ...); a Host
header that is not ``host[:port]`` raises ``HTTPException(400)`` (WebSocket: close 1008).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, List, Mapping, Tuple

from fastapi import HTTPException, WebSocketException
from starlette.requests import HTTPConnection

from . import Authenticator, RequestState, _request, _threads
from ._errors import InvalidRequestError
from .asgi import AUTH_KEY, STATE_KEY

if TYPE_CHECKING:
    import sys

    from ._options import AuthenticateOptions

    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:
        from typing_extensions import Unpack

__all__ = ["ClerkAuth"]


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


class ClerkAuth:
    """A FastAPI dependency returning the :class:`~clerkauth.RequestState`."""

    def __init__(self, authenticator: Authenticator, *, require_auth: bool = False, **options: Unpack[AuthenticateOptions]) -> None:
        self.authenticator = authenticator
        self.require_auth = require_auth
        self._options = authenticator.call_options(**options)

    async def __call__(self, conn: HTTPConnection) -> RequestState:
        scope = conn.scope
        websocket = scope.get("type") == "websocket"
        store = scope.setdefault("state", {})
        state = store.get(STATE_KEY)
        if not isinstance(state, RequestState) or self._options is not None:
            try:
                method, url, headers = _request.from_scope(scope)
            except InvalidRequestError as e:
                if websocket:
                    raise WebSocketException(code=1008, reason="bad request") from e
                raise HTTPException(status_code=400, detail="Bad Request") from e
            state = await _threads.run_sync(self.authenticator._native.authenticate, method, url, list(headers), self._options, None)
            store[STATE_KEY] = state
            store[AUTH_KEY] = state.to_auth()
        if state.status == "handshake":
            if websocket:
                raise WebSocketException(code=1008, reason="clerk handshake required")
            raise HTTPException(status_code=307, headers=_HeaderList(state.headers))  # type: ignore[arg-type]
        if self.require_auth and not state.is_authenticated:
            if websocket:
                raise WebSocketException(code=1008, reason=state.reason or "unauthenticated")
            raise HTTPException(status_code=401, detail=state.reason or "unauthenticated", headers=_HeaderList(state.headers))  # type: ignore[arg-type]
        return state
