"""Drop-in for ``clerk_backend_api.security.authenticate_request`` (clerk-backend-api 7).

    # before
    from clerk_backend_api.security import authenticate_request
    from clerk_backend_api.security.types import AuthenticateRequestOptions
    # after
    from clerkauth.compat import AuthenticateRequestOptions, authenticate_request

    state = authenticate_request(request, AuthenticateRequestOptions(secret_key=..., jwt_key=...))
    if state.is_signed_in:
        user_id = state.payload["sub"]

The result has clerk-backend-api's fields (``status``, ``reason``, ``token``, ``payload``,
``is_signed_in``, ``message``, ``to_auth()``), with the semantics of clerkauth's full
``authenticateRequest`` (the reference's cookie flow, handshakes, satellites). Differences:

* ``status`` is a :class:`clerkauth.Status` (a string: ``"signed-in"``), not an ``AuthStatus``
  whose ``value`` is the string; ``reason`` is the reason string (a :class:`clerkauth.Reason`)
  rather than an enum whose ``value`` is ``(code, message)``; ``message`` is the reference's.
* A browser document that needs a handshake is ``status == "handshake"`` with the redirect in
  ``headers`` / ``redirect_location`` (clerk-backend-api has no handshake: it says signed-out).
* ``to_auth()`` is clerkauth's auth object (``user_id``, ``org_id``, ``has()`` ...), None unless
  signed in (clerk-backend-api raises there).
* An :class:`~clerkauth.Authenticator` is cached per distinct instance options (the core's
  ``INSTANCE_OPTION_NAMES``: keys, Backend API, cache sizes); the other options
  (``authorized_parties``, ``audience`` ...) apply per call, so options that differ only there
  share one authenticator and its JWKS cache. The environment fills what is not given
  (``CLERK_SECRET_KEY`` ...).
* ``publishable_key`` is an added option (else ``CLERK_PUBLISHABLE_KEY``). The reference's
  cookie flow needs it (the cookie names and the instance's cookies are told apart by it), as do
  handshakes. Without one, as clerk-backend-api, there is no handshake (a request that would get
  one is signed out with the handshake's reason), and only the Authorization header is read.
* An expired session token's reason is the reference's
  ``session-token-expired-refresh-<why no refresh>`` rather than ``token-expired``, a token not
  valid yet ``session-token-nbf`` rather than ``token-not-active-yet``.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from . import AnyAuth, Authenticator, RequestState, _native
from ._env import with_environment
from ._types import Status

__all__ = ["AuthenticateRequestOptions", "CompatRequestState", "authenticate_request", "authenticate_request_async"]


@dataclass(frozen=True)
class AuthenticateRequestOptions:
    """clerk-backend-api's options (same names and defaults; ``accepts_token`` is ``["any"]``)."""

    secret_key: Optional[str] = None
    machine_secret_key: Optional[str] = None
    jwt_key: Optional[str] = None
    audience: Union[str, List[str], None] = None
    authorized_parties: Optional[List[str]] = None
    clock_skew_in_ms: int = 5000
    accepts_token: List[str] = field(default_factory=lambda: ["any"])
    #: Added: the instance's publishable key (handshakes); else ``CLERK_PUBLISHABLE_KEY``.
    publishable_key: Optional[str] = None

    def _options(self) -> Dict[str, Any]:
        accepts = list(self.accepts_token)
        opts: Dict[str, Any] = {
            "secret_key": self.secret_key,
            "machine_secret_key": self.machine_secret_key,
            "jwt_key": self.jwt_key,
            "audience": self.audience,
            "authorized_parties": self.authorized_parties,
            "clock_skew_in_ms": self.clock_skew_in_ms,
            "accepts_token": "any" if "any" in accepts else accepts,
            "publishable_key": self.publishable_key,
        }
        return {k: v for k, v in opts.items() if v is not None}


class CompatRequestState:
    """clerk-backend-api's ``RequestState`` fields over a clerkauth :class:`~clerkauth.RequestState`."""

    __slots__ = ("state", "_handshakes")

    def __init__(self, state: RequestState, handshakes: bool = True) -> None:
        self.state = state
        self._handshakes = handshakes

    @property
    def status(self) -> Status:
        """``signed-in``, ``signed-out``, or ``handshake`` (with a publishable key only)."""
        status = self.state.status
        return Status.SIGNED_OUT if status is Status.HANDSHAKE and not self._handshakes else status

    @property
    def reason(self) -> Optional[str]:
        return self.state.reason

    @property
    def message(self) -> Optional[str]:
        return self.state.message

    @property
    def token(self) -> Optional[str]:
        return self.state.token if self.state.is_signed_in else None

    @property
    def is_signed_in(self) -> bool:
        return self.state.is_signed_in

    @property
    def is_authenticated(self) -> bool:
        return self.state.is_authenticated

    @property
    def headers(self) -> List[Tuple[str, str]]:
        """The headers to send back (none when handshakes are off and this is one)."""
        return self.state.headers if self._handshakes or self.state.status is not Status.HANDSHAKE else []

    @property
    def redirect_location(self) -> Optional[str]:
        return self.state.redirect_location if self._handshakes else None

    @property
    def payload(self) -> Optional[Dict[str, Any]]:
        """The verified claims as clerk-backend-api gives them: a session token's claims (with
        ``org_id``, ``org_slug``, ``org_role``, ``org_permissions`` added for a v2 token), or a
        machine token's verification result; None unless signed in."""
        auth = self.state.to_auth()
        if auth is None or not auth.is_authenticated:
            return None
        if auth.is_machine:
            machine = {"id": auth.id, "subject": auth.subject, "name": auth.name, "scopes": auth.scopes, "claims": auth.claims, "client_id": auth.client_id}
            return {k: v for k, v in machine.items() if v is not None}
        payload = dict(auth.session_claims or {})
        org = payload.get("o")
        if payload.get("v") == 2 and isinstance(org, dict) and org:
            # clerk-backend-api copies the claims as they are (a role without its `org:` prefix)
            payload["org_id"] = org.get("id")
            payload["org_slug"] = org.get("slg")
            payload["org_role"] = org.get("rol")
            if auth.org_permissions:
                payload["org_permissions"] = auth.org_permissions
        return payload

    def to_auth(self) -> Optional[AnyAuth]:
        return self.state.to_auth() if self.state.is_signed_in else None

    def __repr__(self) -> str:
        return f"CompatRequestState(status={str(self.status)!r}, reason={self.reason!r})"


_cache: Dict[str, Tuple[Authenticator, bool]] = {}
_INSTANCE = frozenset(_native.INSTANCE_OPTION_NAMES)
_lock = threading.Lock()
_MAX_CACHED = 16

# Without a publishable key there are no handshakes (as clerk-backend-api): the core still needs
# one, so it gets a key for a host that does not exist, and handshake states read as signed out.
_NO_FRONTEND_API = "compat.clerkauth.invalid$"


# A production key: no development-browser checks, which need the real Frontend API host.
_PLACEHOLDER_KEY = "pk_live_" + base64.b64encode(_NO_FRONTEND_API.encode()).decode()


def _authenticator(options: AuthenticateRequestOptions) -> Tuple[Authenticator, bool, Dict[str, Any]]:
    """The cached authenticator for the instance options, whether handshakes are on, and the
    per-call options (the core's rule: only instance options key the cache)."""
    full = with_environment(options._options())
    instance = {k: v for k, v in full.items() if k in _INSTANCE}
    per_call = {k: v for k, v in full.items() if k not in _INSTANCE}
    key = repr(sorted(instance.items()))
    with _lock:
        cached = _cache.get(key)
        if cached is None:
            handshakes = instance.get("publishable_key") is not None
            if not handshakes:
                instance["publishable_key"] = _PLACEHOLDER_KEY
            cached = (Authenticator.from_options(instance), handshakes)
            if len(_cache) >= _MAX_CACHED:
                _cache.pop(next(iter(_cache)))
            _cache[key] = cached
        return cached[0], cached[1], per_call


def authenticate_request(request: Any, options: AuthenticateRequestOptions) -> CompatRequestState:
    """``clerk_backend_api.security.authenticate_request``: any request object clerkauth reads
    (httpx/requests/Starlette/Django/Flask ...)."""
    auth, handshakes, per_call = _authenticator(options)
    return CompatRequestState(auth.authenticate_request(request, **per_call), handshakes)


async def authenticate_request_async(request: Any, options: AuthenticateRequestOptions) -> CompatRequestState:
    """``clerk_backend_api.security.authenticate_request_async`` (asyncio or Trio)."""
    auth, handshakes, per_call = _authenticator(options)
    return CompatRequestState(await auth.authenticate_request_async(request, **per_call), handshakes)
