"""Django REST framework: ClerkAuthentication and the permission classes through Django's test
Client, with and without clerkauth's Django middleware."""

from __future__ import annotations

import time
from typing import Any, Iterator

import pytest

from djsetup import DEV, use_urlconf  # configures Django first
from django.test import Client
from django.test.utils import override_settings
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import clerkauth
from clerkauth.testing import DevInstance
from clerkauth.drf import ClerkAuthentication, ClerkUser, HasPermission, HasRole, IsSignedIn
from helpers import handshake_cookie, session_cookie, token


def describe(request: Request) -> Response:
    user = request.user
    auth = request.auth
    return Response({
        "user": user.id if isinstance(user, ClerkUser) else None,
        "anonymous": not user.is_authenticated,
        "auth_class": type(auth).__name__,
        "org": getattr(auth, "org_id", None),
    })


class Base(APIView):
    authentication_classes = [ClerkAuthentication]

    def get(self, request: Request) -> Response:
        return describe(request)


class Public(Base):
    permission_classes = [AllowAny]


class Me(Base):
    permission_classes = [IsSignedIn]


class Admin(Base):
    permission_classes = [IsSignedIn & HasRole("org:admin")]  # type: ignore[operator]


class Owner(Base):
    permission_classes = [HasRole("org:owner")]


class Manage(Base):
    permission_classes = [HasPermission("org:posts:manage")]


class Delete(Base):
    permission_classes = [HasPermission("org:posts:delete") | HasRole("org:admin")]


urlpatterns = [path("public", Public.as_view()), path("me", Me.as_view()), path("admin", Admin.as_view()),
               path("owner", Owner.as_view()), path("manage", Manage.as_view()), path("delete", Delete.as_view())]


@pytest.fixture(autouse=True)
def urlconf() -> Iterator[Any]:
    yield from use_urlconf(__name__)


# Every test runs with clerkauth's Django middleware (its state reused) and without it.
@pytest.fixture(params=["middleware", "standalone"], autouse=True)
def middleware(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "standalone":
        with override_settings(MIDDLEWARE=[]):
            yield request.param
    else:
        yield request.param


def test_bearer_session() -> None:
    r = Client().get("/me", HTTP_AUTHORIZATION=f"Bearer {token(DEV)}")
    assert r.status_code == 200
    assert r.json() == {"user": "user_1", "anonymous": False, "auth_class": "SessionAuth", "org": "org_1"}


def test_cookie_session() -> None:
    r = Client().get("/me", HTTP_COOKIE=session_cookie(DEV), HTTP_SEC_FETCH_DEST="empty")
    assert r.status_code == 200 and r.json()["user"] == "user_1"


def test_no_credentials_is_401_with_www_authenticate() -> None:
    r = Client().get("/me")
    assert r.status_code == 401
    assert r["www-authenticate"] == 'Bearer realm="clerk"'
    # anonymous access where allowed
    r = Client().get("/public")
    assert r.status_code == 200 and r.json() == {"user": None, "anonymous": True, "auth_class": "NoneType", "org": None}


def test_bad_bearer_token_is_401_even_where_anonymous_is_allowed() -> None:
    expired = DEV.session_token("user_1", "sess_1", int(time.time()) - 3600)
    for bad in ["garbage", expired]:
        for url in ["/me", "/public"]:
            r = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {bad}")
            assert r.status_code == 401, (bad, url)
            assert r["www-authenticate"] == 'Bearer realm="clerk"'
    r = Client().get("/public", HTTP_AUTHORIZATION=f"Bearer {expired}")
    assert r.json()["detail"] == "session-token-expired-refresh-non-eligible-no-refresh-cookie"


def test_handshake_redirect_only_for_documents() -> None:
    r = Client().get("/me", HTTP_COOKIE=handshake_cookie(), HTTP_SEC_FETCH_DEST="document", HTTP_HOST="app.example.com")
    assert r.status_code == 307
    assert r["location"].startswith("https://django-app.clerk.accounts.dev/v1/client/handshake?")
    assert r.cookies["__clerk_redirect_count"].value == "1"
    # the same browser state on an API call (fetch): no redirect, 401
    r = Client().get("/me", HTTP_COOKIE=handshake_cookie(), HTTP_SEC_FETCH_DEST="empty", HTTP_HOST="app.example.com")
    assert r.status_code == 401 and "location" not in r


def test_roles_and_permissions() -> None:
    admin = {"HTTP_AUTHORIZATION": f"Bearer {token(DEV)}"}
    member = {"HTTP_AUTHORIZATION": f"Bearer {token(DEV, org={'id': 'org_1', 'slg': 'acme', 'rol': 'member', 'per': 'read', 'fpm': '1'})}"}
    assert Client().get("/admin", **admin).status_code == 200
    assert Client().get("/manage", **admin).status_code == 200
    assert Client().get("/delete", **admin).status_code == 200
    assert Client().get("/owner", **admin).status_code == 403
    assert Client().get("/admin", **member).status_code == 403
    assert Client().get("/manage", **member).status_code == 403
    assert Client().get("/delete", **member).status_code == 403
    # not signed in: 401, not 403
    assert Client().get("/admin").status_code == 401


def test_api_key_over_loopback_backend_api(bapi: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bapi.reset([{"method": "POST", "path": "/api_keys/verify", "status": 200, "body": {
        "object": "api_key", "id": "ak_id_1", "type": "api_key", "name": "ci", "subject": "user_9", "scopes": ["read"],
        "claims": None, "revoked": False, "revocation_reason": None, "expired": False, "expiration": None,
        "created_by": "user_9", "description": None, "last_used_at": None, "created_at": 1, "updated_at": 1}}])
    conf = {"secret_key": DEV.secret_key, "publishable_key": DEV.publishable_key, "jwt_key": DEV.jwt_key, "api_url": bapi.url}
    with override_settings(CLERKAUTH=conf, CLERKAUTH_REQUEST_OPTIONS={"accepts_token": ["session_token", "api_key"]}):
        r = Client().get("/me", HTTP_AUTHORIZATION="Bearer ak_live_secret")
        assert r.status_code == 200, r.content
        assert r.json() == {"user": "user_9", "anonymous": False, "auth_class": "MachineAuth", "org": None}
        assert [s["target"] for s in bapi.seen] == ["/api_keys/verify"]
        # the role check fails closed for a machine token
        assert Client().get("/admin", HTTP_AUTHORIZATION="Bearer ak_live_secret").status_code == 403
    # without api_key in accepts_token the same key is refused
    r = Client().get("/me", HTTP_AUTHORIZATION="Bearer ak_live_secret")
    assert r.status_code == 401


def test_environment_only_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    other = DevInstance("env-app.clerk.accounts.dev")
    monkeypatch.setenv("CLERK_SECRET_KEY", other.secret_key)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", other.publishable_key)
    monkeypatch.setenv("CLERK_JWT_KEY", other.jwt_key)
    with override_settings(CLERKAUTH=None, CLERKAUTH_REQUEST_OPTIONS=None):
        r = Client().get("/me", HTTP_AUTHORIZATION=f"Bearer {token(other)}")
        assert r.status_code == 200 and r.json()["user"] == "user_1"
        # the settings' instance's tokens are not this instance's
        assert Client().get("/me", HTTP_AUTHORIZATION=f"Bearer {token(DEV)}").status_code == 401
