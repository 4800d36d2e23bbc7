"""clerkauth: Clerk backend request authentication (``authenticateRequest``) in Rust.

>>> from clerkauth import Authenticator
>>> clerk = Authenticator(secret_key="sk_test_...", publishable_key="pk_test_...")  # doctest: +SKIP
>>> state = clerk.authenticate_request(request)  # any framework request  # doctest: +SKIP
>>> if state.is_authenticated:  # doctest: +SKIP
...     auth = state.to_auth()
...     print(auth.user_id, auth.org_id, auth.has(role="org:admin"))
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Union

from . import _native, _options, _request, _threads
from ._env import ENVIRONMENT_VARIABLES, with_environment
from ._errors import (
    ERROR_CODES,
    ClerkAuthError,
    ConfigurationError,
    HandshakeVerificationError,
    InvalidRequestError,
    TokenVerificationError,
    UnexpectedError,
)
from ._native import Auth, InvalidTokenAuth, MachineAuth, OrganizationSync, RequestState, SessionAuth
from ._options import AuthenticateOptions, OrganizationSyncOptions
from ._types import Reason, Status, TokenType

#: What ``RequestState.to_auth()`` returns (besides None): narrow with ``isinstance`` or on
#: ``token_type``.
AnyAuth = Union[SessionAuth, MachineAuth, InvalidTokenAuth]

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:
        from typing_extensions import Unpack

__version__: str = _native.__version__

__all__ = [
    "Authenticator",
    "RequestState",
    "Auth",
    "SessionAuth",
    "MachineAuth",
    "InvalidTokenAuth",
    "AnyAuth",
    "Status",
    "Reason",
    "TokenType",
    "OrganizationSync",
    "AuthenticateOptions",
    "OrganizationSyncOptions",
    "ClerkAuthError",
    "ConfigurationError",
    "InvalidRequestError",
    "HandshakeVerificationError",
    "UnexpectedError",
    "TokenVerificationError",
    "verify_token",
    "ERROR_CODES",
    "ENVIRONMENT_VARIABLES",
    "__version__",
]

_MAX_CACHED_OVERRIDES = 64


class Authenticator:
    """A long-lived, thread-safe authenticator: build it once per Clerk instance and share it.

    Options are the reference's (``@clerk/backend``) option names in snake_case, e.g.
    ``secret_key``, ``publishable_key``, ``jwt_key``, ``authorized_parties``,
    ``organization_sync_options={"organization_patterns": [...], "on_mismatch": "signed-out"}``.
    Configuration mistakes raise :class:`ConfigurationError`.

    Options not given are read from the environment as ``@clerk/express`` reads them
    (``CLERK_SECRET_KEY``, ``CLERK_PUBLISHABLE_KEY``, ``CLERK_JWT_KEY`` ...; see
    :data:`ENVIRONMENT_VARIABLES`), so ``Authenticator()`` alone is a complete configuration.
    """

    __slots__ = ("_native", "_overrides")

    def __init__(self, **options: Unpack[AuthenticateOptions]) -> None:
        self._native = _native.NativeAuthenticator(_options.dumps(with_environment(options)))
        self._overrides: Dict[str, _native.Overrides] = {}

    @classmethod
    def from_options(cls, options: Dict[str, Any]) -> Authenticator:
        """Builds from a mapping with snake_case or reference camelCase option names (the
        environment fills the options it does not give)."""
        self = cls.__new__(cls)
        self._native = _native.NativeAuthenticator(_options.dumps(with_environment(options)))
        self._overrides = {}
        return self

    def call_options(self, **options: Unpack[AuthenticateOptions]) -> Optional[_native.Overrides]:
        """Per-call options parsed once (None when empty); reuse on hot paths."""
        if not options:
            return None
        text = _options.dumps(options)
        cached = self._overrides.get(text)
        if cached is None:
            cached = _native.Overrides(text)
            if len(self._overrides) < _MAX_CACHED_OVERRIDES:
                self._overrides[text] = cached
        return cached

    def _parts(
        self,
        request: Any,
        method: Optional[str],
        url: Optional[str],
        headers: Any,
    ) -> _request.Parts:
        if request is not None:
            if method is not None or url is not None or headers is not None:
                raise InvalidRequestError("pass either a request object or method/url/headers, not both", "invalid-request")
            return _request.extract(request)
        if url is None:
            raise InvalidRequestError("a request object or url= is required", "invalid-request")
        return method or "GET", url, _request.header_pairs(headers)

    def authenticate_request(
        self,
        request: Any = None,
        /,
        *,
        method: Optional[str] = None,
        url: Optional[str] = None,
        headers: Union[Dict[str, str], Sequence[Any], None] = None,
        now_ms: Optional[float] = None,
        **options: Unpack[AuthenticateOptions],
    ) -> RequestState:
        """Authenticates a request: any framework request object, or explicit
        ``method=``, ``url=`` (absolute) and ``headers=``. Per-call ``options`` override the
        instance's. ``now_ms`` overrides the clock (ms since the Unix epoch), for tests.

        The GIL is released while tokens are verified and the Backend API is called.
        Authentication failures are signed-out states, never exceptions.
        """
        overrides = self.call_options(**options) if options else None
        if request is not None and method is None and url is None and headers is None:
            if type(request) in _request.OBJECT_CLASSES:  # httpx requests ...: one native call
                state = self._native.authenticate_object(request, overrides, now_ms)
                if state is not None:
                    return state
                return self._native.authenticate(*_request.plain_parts(request), overrides, now_ms)
            return _request.authenticate(self._native, request, overrides, now_ms)
        m, u, h = self._parts(request, method, url, headers)
        return self._native.authenticate(m, u, h, overrides, now_ms)

    async def authenticate_request_async(
        self,
        request: Any = None,
        /,
        *,
        method: Optional[str] = None,
        url: Optional[str] = None,
        headers: Union[Dict[str, str], Sequence[Any], None] = None,
        now_ms: Optional[float] = None,
        **options: Unpack[AuthenticateOptions],
    ) -> RequestState:
        """Like :meth:`authenticate_request`, without blocking the event loop: decided on the
        calling thread when no Backend API is needed (a ``jwt_key``, warm JWKS), else in one of
        clerkauth's worker threads (JWKS and Backend API calls). Works under asyncio and Trio
        (directly or through AnyIO)."""
        m, u, h = self._parts(request, method, url, headers)
        if not isinstance(h, list):
            h = list(h)
        return await _threads.authenticate(self._native, m, u, h, self.call_options(**options), now_ms)

    def verify_token(self, token: str, /, *, now_ms: Optional[float] = None, **options: Unpack[AuthenticateOptions]) -> Dict[str, Any]:
        """``verifyToken``: a session token's verified claims, with the instance's key
        (``jwt_key`` networkless, else the JWKS of ``secret_key`` + ``api_url``),
        ``authorized_parties``, ``audience``, ``issuer`` and ``clock_skew_in_ms`` (overridable
        here). Raises :class:`TokenVerificationError` (``.reason``) when the token is refused."""
        return self._native.verify_token(token, self.call_options(**options), now_ms)

    def __repr__(self) -> str:
        return "Authenticator()"


_verifiers: Dict[str, Authenticator] = {}


def verify_token(token: str, /, **options: Unpack[AuthenticateOptions]) -> Dict[str, Any]:
    """``verifyToken(token, options)`` of ``@clerk/backend``: the claims of a session token, or
    :class:`TokenVerificationError`. Options as :class:`Authenticator`'s (the environment fills
    what is not given: ``CLERK_JWT_KEY``, ``CLERK_SECRET_KEY`` ...); an Authenticator is built
    once per distinct options (and reused, JWKS cache included)."""
    full = with_environment(options)
    key = _options.dumps(full)
    auth = _verifiers.get(key)
    if auth is None:
        auth = Authenticator.from_options(full)
        if len(_verifiers) < _MAX_CACHED_OVERRIDES:
            _verifiers[key] = auth
    return auth.verify_token(token)
