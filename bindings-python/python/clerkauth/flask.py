"""Flask extension.

    from clerkauth.flask import Clerk, current_auth, require_auth

    app = Flask(__name__)
    clerk = Clerk(app)            # or Clerk() then clerk.init_app(app)

    @app.get("/posts")
    @require_auth(permission="org:posts:read")
    def posts():
        return {"user": current_auth.user_id, "org": current_auth.org_id}

Configuration: ``Clerk(app, authenticator)``, else an Authenticator built from
``app.config["CLERKAUTH"]`` (a dict of options, optional), ``app.config`` keys named like the
environment variables (``CLERK_SECRET_KEY`` ..., e.g. from ``app.config.from_prefixed_env()``)
and the environment itself. ``app.config["CLERKAUTH_REQUEST_OPTIONS"]`` holds per-call options.

Every request is authenticated before its view: a state with a ``redirect_location`` (a browser
document needing a handshake, or a development handshake resolution) is answered ``307`` with
the state's headers; the other states' headers (``Set-Cookie``, ``x-clerk-auth-*``) are added to
the view's response. :data:`current_auth` is the request's auth object (None for a handshake),
:func:`current_state` its :class:`~clerkauth.RequestState`. A Host header that is not
``host[:port]`` is answered 400.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Optional, TypeVar, cast, overload

from flask import Flask, Response, abort, g, make_response
from werkzeug.local import LocalProxy

from . import AnyAuth, Authenticator, RequestState, _request
from ._env import ENVIRONMENT_VARIABLES
from ._errors import InvalidRequestError

__all__ = ["Clerk", "current_auth", "current_state", "require_auth"]

F = TypeVar("F", bound=Callable[..., Any])

_EXTENSION = "clerkauth"


class Clerk:
    """The Flask extension: authenticates every request of the app."""

    def __init__(self, app: Optional[Flask] = None, authenticator: Optional[Authenticator] = None) -> None:
        self._authenticator = authenticator
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        authenticator = self._authenticator or Authenticator.from_options(_app_options(app))
        options = authenticator.call_options(**dict(app.config.get("CLERKAUTH_REQUEST_OPTIONS") or {}))
        app.extensions[_EXTENSION] = (authenticator, options)
        app.before_request(_before_request)
        app.after_request(_after_request)


def _app_options(app: Flask) -> Dict[str, Any]:
    options = dict(app.config.get("CLERKAUTH") or {})
    for name, var in ENVIRONMENT_VARIABLES.items():
        value = app.config.get(var)
        if options.get(name) is None and value not in (None, ""):
            options[name] = value
    return options


def _before_request() -> Optional[Response]:
    from flask import current_app, request

    authenticator, options = current_app.extensions[_EXTENSION]
    try:
        state: RequestState = _request.authenticate_environ(authenticator._native, request.environ, options, None)
    except InvalidRequestError:
        return Response("Bad Request", status=400, content_type="text/plain")
    g._clerkauth_state = state
    if state.redirect_location is not None:
        response = Response(status=307)
        _add_headers(response, state)
        g._clerkauth_applied = True
        return response
    return None


def _add_headers(response: Response, state: RequestState) -> None:
    for name, value in state.headers:
        if name.lower() == "set-cookie":
            response.headers.add(name, value)
        else:
            response.headers[name] = value


def _after_request(response: Response) -> Response:
    state = g.get("_clerkauth_state")
    if state is not None and not g.get("_clerkauth_applied"):
        _add_headers(response, state)
    return response


def current_state() -> Optional[RequestState]:
    """The request's :class:`~clerkauth.RequestState` (None outside an authenticated request)."""
    return cast(Optional[RequestState], g.get("_clerkauth_state"))


def _current_auth() -> Optional[AnyAuth]:
    state = current_state()
    return state.to_auth() if state is not None else None


#: The request's auth object (``state.to_auth()``), request-local.
current_auth: Any = LocalProxy(_current_auth)


@overload
def require_auth(view: F) -> F: ...


@overload
def require_auth(
    view: None = None,
    *,
    role: Optional[str] = None,
    permission: Optional[str] = None,
    feature: Optional[str] = None,
    plan: Optional[str] = None,
) -> Callable[[F], F]: ...


def require_auth(
    view: Optional[F] = None,
    *,
    role: Optional[str] = None,
    permission: Optional[str] = None,
    feature: Optional[str] = None,
    plan: Optional[str] = None,
) -> Any:
    """``@require_auth`` or ``@require_auth(role=..., permission=..., feature=..., plan=...)``:
    401 (``WWW-Authenticate: Bearer``) unless authenticated, 403 unless ``auth.has(...)`` holds
    for what is given."""
    check = {k: v for k, v in {"role": role, "permission": permission, "feature": feature, "plan": plan}.items() if v is not None}

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            auth = _current_auth()
            if auth is None or not auth.is_authenticated:
                state = current_state()
                reason = state.reason if state is not None else None
                abort(make_response({"error": "unauthenticated", "reason": reason}, 401, {"WWW-Authenticate": 'Bearer realm="clerk"'}))
            if check and not auth.has(**check):
                abort(make_response({"error": "forbidden"}, 403))
            return fn(*args, **kwargs)

        return cast(F, wrapper)

    return decorate(view) if view is not None else decorate
