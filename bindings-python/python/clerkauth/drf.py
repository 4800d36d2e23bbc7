"""Django REST framework: an authentication class and permission classes.

settings.py::

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["clerkauth.drf.ClerkAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["clerkauth.drf.IsSignedIn"],
    }
    # optional: options not given come from CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, CLERK_JWT_KEY ...
    CLERKAUTH = {"authorized_parties": ["https://app.example.com"]}
    CLERKAUTH_REQUEST_OPTIONS = {"accepts_token": ["session_token", "api_key"]}  # optional

views.py::

    from clerkauth.drf import HasPermission, HasRole, IsSignedIn

    class Posts(APIView):
        permission_classes = [IsSignedIn & HasRole("org:admin")]

        def get(self, request):
            return Response({"user": request.user.id, "org": request.auth.org_id})

``request.user`` is a :class:`ClerkUser` (``id``, ``is_authenticated``), ``request.auth`` the
auth object (:class:`~clerkauth.SessionAuth` or :class:`~clerkauth.MachineAuth`). A signed-out
request is anonymous, except that a token in the ``Authorization`` header that fails is a 401
(``WWW-Authenticate: Bearer``) even where anonymous access is allowed, as DRF's token
authentication does. A request the core answers with a redirect (a browser document needing a
handshake) is a ``307`` to the state's ``Location`` with its headers. With
:class:`clerkauth.django.ClerkAuthMiddleware` installed, its state is reused.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission, OperationHolderMixin
from rest_framework.request import Request

from . import AnyAuth, RequestState
from .django import authenticate as _django_authenticate
from .django import handshake_response

__all__ = ["ClerkAuthentication", "ClerkUser", "HandshakeRequired", "IsSignedIn", "HasRole", "HasPermission", "Has", "exception_handler"]


class ClerkUser:
    """``request.user`` for a Clerk-authenticated request (no database row behind it).

    ``id`` is the user id (a session, or a machine token acting for a user), else the
    machine token's subject."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, auth: AnyAuth) -> None:
        self.auth = auth
        self.id: str = auth.user_id or auth.subject or auth.id or ""

    @property
    def pk(self) -> str:
        return self.id

    def __str__(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"ClerkUser(id={self.id!r})"


class HandshakeRequired(exceptions.APIException):  # type: ignore[misc]
    """The state asks for a redirect (a browser document needing a handshake): answered
    ``307`` with the state's headers."""

    status_code = 307
    default_detail = "Clerk handshake required."
    default_code = "clerk_handshake"

    def __init__(self, state: RequestState) -> None:
        super().__init__()
        self.state = state


def _bearer_given(request: Request) -> bool:
    return str(request.META.get("HTTP_AUTHORIZATION", "")).strip() != ""


class ClerkAuthentication(BaseAuthentication):  # type: ignore[misc]
    """Authenticates with Clerk (session token in the ``__session`` cookie or a Bearer token,
    and machine tokens that ``accepts_token`` allows)."""

    www_authenticate_realm = "clerk"

    def authenticate(self, request: Request) -> Optional[Tuple[ClerkUser, AnyAuth]]:
        state = _django_authenticate(request._request)
        if state.redirect_location is not None:
            self._redirect(request, state)
        auth = state.to_auth()
        if auth is not None and auth.is_authenticated:
            return ClerkUser(auth), auth
        if _bearer_given(request):
            raise exceptions.AuthenticationFailed(state.reason or "invalid token")
        return None

    @staticmethod
    def _redirect(request: Request, state: RequestState) -> None:
        # DRF builds one view instance per request: its exception handler is swapped for one
        # that answers HandshakeRequired with the redirect (Set-Cookie headers verbatim).
        view = (request.parser_context or {}).get("view")
        if view is not None:
            original = view.get_exception_handler()

            def handler(exc: Exception, context: Any) -> Any:
                if isinstance(exc, HandshakeRequired):
                    return handshake_response(exc.state)
                return original(exc, context)

            view.get_exception_handler = lambda: handler
        raise HandshakeRequired(state)

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


def exception_handler(exc: Exception, context: Any) -> Any:
    """DRF's exception handler, plus the redirect of :class:`HandshakeRequired`. Installed on
    the view by :class:`ClerkAuthentication` when it raises one; can also be set as
    ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "clerkauth.drf.exception_handler"``."""
    from rest_framework.views import exception_handler as drf_exception_handler  # reads settings

    if isinstance(exc, HandshakeRequired):
        return handshake_response(exc.state)
    return drf_exception_handler(exc, context)


class _Check(OperationHolderMixin, BasePermission):  # type: ignore[misc]
    """A permission built with arguments, usable where DRF expects a class: DRF calls each
    permission "class" without arguments, and an instance returns itself."""

    def __call__(self) -> _Check:
        return self

    def _auth(self, request: Request) -> Any:
        auth = request.auth
        return auth if auth is not None and getattr(auth, "is_authenticated", False) else None


class IsSignedIn(BasePermission):  # type: ignore[misc]
    """Allows requests authenticated by Clerk (a signed-in session or an accepted machine token)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        auth = request.auth
        return auth is not None and bool(getattr(auth, "is_authenticated", False))


class Has(_Check):
    """``Has(role=..., permission=..., feature=..., plan=...)``: ``auth.has(...)`` must hold."""

    def __init__(self, **check: Any) -> None:
        self.check = check

    def has_permission(self, request: Request, view: Any) -> bool:
        auth = self._auth(request)
        return auth is not None and bool(auth.has(**self.check))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.check!r})"


class HasRole(Has):
    """``HasRole("org:admin")``: the session's organization role."""

    def __init__(self, role: str) -> None:
        super().__init__(role=role)


class HasPermission(Has):
    """``HasPermission("org:posts:edit")``: the session's organization permission."""

    def __init__(self, permission: str) -> None:
        super().__init__(permission=permission)
