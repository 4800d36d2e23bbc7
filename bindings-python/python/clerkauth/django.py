"""Django middleware.

settings.py::

    MIDDLEWARE = [..., "clerkauth.django.ClerkAuthMiddleware", ...]
    CLERKAUTH = {"secret_key": "...", "publishable_key": "...", "jwt_key": "...",
                 "authorized_parties": ["https://app.example.com"]}
    # optional per-call options (e.g. organization sync):
    CLERKAUTH_REQUEST_OPTIONS = {"organization_sync_options": {"organization_patterns": ["/orgs/:slug"]}}

Each request gets ``request.clerk_state`` (:class:`~clerkauth.RequestState`) and
``request.clerk_auth`` (``state.to_auth()``). A handshake state is answered with a 307
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
from django.http import HttpRequest, HttpResponse

from . import Authenticator, RequestState, _request, _threads
from ._errors import InvalidRequestError

__all__ = ["ClerkAuthMiddleware", "apply_state_headers", "handshake_response"]



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
    """The 307 redirect a handshake state asks for."""
    return apply_state_headers(HttpResponse(status=307), state)


class ClerkAuthMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any], authenticator: Optional[Authenticator] = None) -> None:
        from django.conf import settings

        self.get_response = get_response
        if authenticator is None:
            conf = getattr(settings, "CLERKAUTH", None)
            if conf is None:
                from ._errors import ConfigurationError

                raise ConfigurationError("settings.CLERKAUTH (a dict of options) is required", "invalid-option")
            authenticator = Authenticator.from_options(dict(conf))
        self.authenticator = authenticator
        self._options = authenticator.call_options(**dict(getattr(settings, "CLERKAUTH_REQUEST_OPTIONS", None) or {}))
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    @staticmethod
    def _parts(request: HttpRequest) -> _request.Parts:
        try:
            return _request.from_django(request)
        except InvalidRequestError as e:
            raise DisallowedHost(e.message) from e

    def _store(self, request: HttpRequest, state: RequestState) -> None:
        request.clerk_state = state  # type: ignore[attr-defined]
        request.clerk_auth = state.to_auth()  # type: ignore[attr-defined]

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        method, url, headers = self._parts(request)
        state = self.authenticator._native.authenticate(method, url, headers, self._options, None)
        self._store(request, state)
        if state.status == "handshake":
            return handshake_response(state)
        return apply_state_headers(self.get_response(request), state)

    async def __acall__(self, request: HttpRequest) -> Any:
        method, url, headers = self._parts(request)
        state = await _threads.run_sync(self.authenticator._native.authenticate, method, url, headers, self._options, None)
        self._store(request, state)
        if state.status == "handshake":
            return handshake_response(state)
        return apply_state_headers(await self.get_response(request), state)
