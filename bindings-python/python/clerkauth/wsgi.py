"""WSGI middleware (Flask, Bottle, Pyramid, any WSGI app).

    app.wsgi_app = ClerkAuthMiddleware(app.wsgi_app, clerk)     # Flask

Each request's environ gets ``environ["clerkauth.state"]`` (:class:`~clerkauth.RequestState`)
and ``environ["clerkauth.auth"]`` (``state.to_auth()``); in Flask, read them with
``request.environ["clerkauth.state"]`` (or use :mod:`clerkauth.flask`). A state with a
``redirect_location`` (a handshake, or a development handshake resolution) is answered with a
307 redirect carrying the state's headers; Set-Cookie and other headers of other states are appended to the
app's response headers. A request whose Host header is not ``host[:port]`` is answered 400.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Optional, Tuple

from . import Authenticator, _request
from ._errors import InvalidRequestError

if TYPE_CHECKING:
    import sys

    from ._options import AuthenticateOptions

    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:
        from typing_extensions import Unpack

__all__ = ["ClerkAuthMiddleware", "STATE_KEY", "AUTH_KEY"]

STATE_KEY = "clerkauth.state"
AUTH_KEY = "clerkauth.auth"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[Any, StartResponse], Iterable[bytes]]


class ClerkAuthMiddleware:
    def __init__(self, app: WSGIApp, authenticator: Authenticator, **options: Unpack[AuthenticateOptions]) -> None:
        self.app = app
        self.authenticator = authenticator
        self._options = authenticator.call_options(**options)

    def __call__(self, environ: Any, start_response: StartResponse) -> Iterable[bytes]:
        try:
            state = _request.authenticate_environ(self.authenticator._native, environ, self._options, None)
        except InvalidRequestError:
            start_response("400 Bad Request", [("Content-Type", "text/plain"), ("Content-Length", "11")])
            return [b"Bad Request"]
        environ[STATE_KEY] = state
        environ[AUTH_KEY] = state.to_auth()
        extra: List[Tuple[str, str]] = list(state.headers)
        if state.redirect_location is not None:
            start_response("307 Temporary Redirect", extra + [("Content-Length", "0")])
            return [b""]
        if not extra:
            return self.app(environ, start_response)

        def start_with_headers(status: str, response_headers: List[Tuple[str, str]], exc_info: Optional[Any] = None) -> Any:
            return start_response(status, list(response_headers) + extra, exc_info) if exc_info else start_response(status, list(response_headers) + extra)

        return self.app(environ, start_with_headers)
