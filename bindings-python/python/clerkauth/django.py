"""Django middleware.

settings.py::

    MIDDLEWARE = [..., "clerkauth.django.ClerkAuthMiddleware", ...]
    # optional: options not given here come from CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY ...
    CLERKAUTH = {"secret_key": "...", "publishable_key": "...", "jwt_key": "...",
                 "authorized_parties": ["https://app.example.com"]}
    # optional per-call options (e.g. organization sync):
    CLERKAUTH_REQUEST_OPTIONS = {"organization_sync_options": {"organization_patterns": ["/orgs/:slug"]}}

Each request gets ``request.clerk_state`` (:class:`~clerkauth.RequestState`) and
``request.clerk_auth`` (``state.to_auth()``). A state with a ``redirect_location`` is answered with a 307
redirect carrying the state's headers; ``Set-Cookie`` and other headers of other states are
added to the view's response. Works under WSGI and ASGI (async views are served without
blocking the event loop). A Host header that is not ``host[:port]`` raises Django's
``DisallowedHost`` (a 400 response), as ``request.get_host()`` does.
"""

from __future__ import annotations

from http.cookies import Morsel
from typing import Any, Callable, Dict, Optional

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse

from . import Authenticator, RequestState, _request, _threads
from ._errors import InvalidRequestError
from ._native import Overrides

__all__ = ["ClerkAuthMiddleware", "apply_state_headers", "handshake_response", "get_authenticator", "request_options", "authenticate"]



class _RawSetCookie(Morsel):  # type: ignore[type-arg]
    """A Set-Cookie header kept verbatim (Django writes ``response.cookies`` morsels out with
    ``output(header="")``)."""

    def __init__(self, name: str, header: str) -> None:
        super().__init__()
        self._raw = header
        self._key = name
        self._value = self._coded_value = header.split(";", 1)[0].partition("=")[2]

    def output(self, attrs: Any = None, header: str = "Set-Cookie:") -> str:
        return f"{header} {self._raw}".strip() if header else self._raw

    def OutputString(self, attrs: Any = None) -> str:
        return self._raw


def apply_state_headers(response: HttpResponse, state: RequestState) -> HttpResponse:
    """Adds the state's headers to a Django response (each Set-Cookie kept verbatim)."""
    for name, value in state.headers:
        if name.lower() == "set-cookie":
            cookie = value.split(";", 1)[0].partition("=")[0].strip()
            key = cookie
            n = 1
            while key in response.cookies and isinstance(response.cookies[key], _RawSetCookie):
                n += 1
                key = f"{cookie}\x00{n}"
            dict.__setitem__(response.cookies, key, _RawSetCookie(cookie, value))
        else:
            response[name] = value
    return response


def handshake_response(state: RequestState) -> HttpResponse:
    """The 307 redirect a state with a ``redirect_location`` asks for (a handshake, or a
    development handshake resolution)."""
    return apply_state_headers(HttpResponse(status=307), state)


# The Authenticator and the parsed request options, built on first use.
_shared: Dict[str, Any] = {}


def get_authenticator() -> Authenticator:
    """The project's Authenticator, built once from ``settings.CLERKAUTH`` (optional) with the
    environment filling what it does not give (``CLERK_SECRET_KEY`` ...)."""
    from django.conf import settings

    auth = _shared.get("authenticator")
    if not isinstance(auth, Authenticator):
        auth = _shared["authenticator"] = Authenticator.from_options(dict(getattr(settings, "CLERKAUTH", None) or {}))
    return auth


def request_options() -> Optional[Overrides]:
    """``settings.CLERKAUTH_REQUEST_OPTIONS`` parsed once (None when empty)."""
    from django.conf import settings

    if "options" not in _shared:
        _shared["options"] = get_authenticator().call_options(**dict(getattr(settings, "CLERKAUTH_REQUEST_OPTIONS", None) or {}))
    options: Optional[Overrides] = _shared["options"]
    return options


def _settings_changed(*, setting: str, **_: Any) -> None:
    # override_settings in tests: rebuild from the new settings.
    if setting in ("CLERKAUTH", "CLERKAUTH_REQUEST_OPTIONS"):
        _shared.clear()


setting_changed.connect(_settings_changed)


def authenticate(request: HttpRequest) -> RequestState:
    """The request's state: the middleware's when it ran, else authenticated now (and stored
    as ``request.clerk_state`` / ``request.clerk_auth``)."""
    state = getattr(request, "clerk_state", None)
    if isinstance(state, RequestState):
        return state
    state = ClerkAuthMiddleware._state(get_authenticator(), request, request_options())
    request.clerk_state = state  # type: ignore[attr-defined,unused-ignore]
    request.clerk_auth = state.to_auth()  # type: ignore[attr-defined,unused-ignore]
    return state


class ClerkAuthMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any], authenticator: Optional[Authenticator] = None) -> None:
        self.get_response = get_response
        self.authenticator = authenticator or get_authenticator()
        self._options = request_options() if authenticator is None else None
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    @staticmethod
    def _parts(request: HttpRequest) -> _request.Parts:
        try:
            return _request.from_django(request)
        except InvalidRequestError as e:
            raise DisallowedHost(e.message) from e

    @staticmethod
    def _state(authenticator: Authenticator, request: HttpRequest, options: Optional[Overrides]) -> RequestState:
        try:
            state: RequestState = _request.authenticate_django(authenticator._native, request, options, None)
        except InvalidRequestError as e:
            raise DisallowedHost(e.message) from e
        return state

    def _store(self, request: HttpRequest, state: RequestState) -> None:
        request.clerk_state = state  # type: ignore[attr-defined,unused-ignore]
        request.clerk_auth = state.to_auth()  # type: ignore[attr-defined,unused-ignore]

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        state = self._state(self.authenticator, request, self._options)
        self._store(request, state)
        if state.redirect_location is not None:
            return handshake_response(state)
        return apply_state_headers(self.get_response(request), state)

    async def __acall__(self, request: HttpRequest) -> Any:
        method, url, headers = self._parts(request)
        state = await _threads.authenticate(self.authenticator._native, method, url, headers, self._options, None)
        self._store(request, state)
        if state.redirect_location is not None:
            return handshake_response(state)
        return apply_state_headers(await self.get_response(request), state)
