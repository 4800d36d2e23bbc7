"""Django: the middleware with minimal settings, through Django's test Client (WSGI) and
AsyncClient (ASGI)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.http import HttpRequest, JsonResponse
from django.urls import path

from djsetup import DEV, use_urlconf
from helpers import handshake_cookie, outcome, session_cookie, token, view
from django.test import AsyncClient, Client  # noqa: E402


@pytest.fixture(autouse=True)
def urlconf() -> Any:
    yield from use_urlconf(__name__)


def me(request: HttpRequest, **_: str) -> JsonResponse:
    state = request.clerk_state  # type: ignore[attr-defined]
    auth = request.clerk_auth  # type: ignore[attr-defined]
    sync = state.organization_sync
    return JsonResponse({
        "status": state.status, "reason": state.reason, "user_id": auth.user_id if auth else None,
        "admin": state.has(role="org:admin"), "sync": sync.outcome if sync else None,
    })


async def ame(request: HttpRequest) -> JsonResponse:
    return me(request)


urlpatterns = [path("", me), path("orgs/<slug>", me), path("async", ame)]


def test_django_signed_in() -> None:
    r = Client().get("/", HTTP_AUTHORIZATION=f"Bearer {token(DEV)}")
    assert r.status_code == 200
    assert r.json() == {"status": "signed-in", "reason": None, "user_id": "user_1", "admin": True, "sync": None}


def test_django_signed_out_headers() -> None:
    r = Client().get("/", HTTP_AUTHORIZATION="Bearer garbage")
    assert r.json()["status"] == "signed-out" and r.json()["user_id"] is None
    assert r["x-clerk-auth-status"] == "signed-out"


def test_django_handshake_redirect_with_cookie() -> None:
    r = Client().get("/", HTTP_COOKIE=handshake_cookie(), HTTP_SEC_FETCH_DEST="document", HTTP_HOST="app.example.com")
    assert r.status_code == 307
    assert r["location"].startswith("https://django-app.clerk.accounts.dev/v1/client/handshake?")
    assert "redirect_url=http%3A%2F%2Fapp.example.com%2F" in r["location"]
    assert r.cookies["__clerk_redirect_count"].value == "1"
    # the Set-Cookie line is written out verbatim by Django's WSGI handler
    assert r.cookies["__clerk_redirect_count"].output(header="").strip().startswith("__clerk_redirect_count=1;")


def test_django_org_sync() -> None:
    c = Client()
    r = c.get("/orgs/acme", HTTP_COOKIE=session_cookie(DEV), HTTP_SEC_FETCH_DEST="empty")
    assert r.json()["sync"] == "active"
    r = c.get("/orgs/other", HTTP_COOKIE=session_cookie(DEV), HTTP_SEC_FETCH_DEST="empty")
    assert r.json()["status"] == "signed-out" and r.json()["reason"] == "organization-mismatch"


def test_django_async_client() -> None:
    async def go() -> Any:
        return await AsyncClient().get("/async", headers={"authorization": f"Bearer {token(DEV)}"})

    r = asyncio.run(go())
    assert r.status_code == 200 and r.json()["user_id"] == "user_1"


def test_django_host_that_is_not_an_authority_is_a_400() -> None:
    # Glued to the path, each would move it (org patterns would see "/" or "/orgs/other").
    hosts = ["app.example.com#", "app.example.com/orgs/other?", "app.example.com\\orgs\\other?", "user@app.example.com", "app example.com", "app.example.com:99999"]
    for host in hosts:
        r = Client().get("/orgs/acme", HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {token(DEV)}")
        assert r.status_code == 400, host

    async def go() -> Any:
        return await AsyncClient().get("/async", headers={"host": "app.example.com#"})

    assert asyncio.run(go()).status_code == 400


def test_django_forwarded_host_never_moves_the_path() -> None:
    for forwarded in ["evil.example#", "evil.example/orgs/other", "evil.example?", "u@evil.example", ""]:
        r = Client().get("/orgs/acme", HTTP_HOST="app.example.com", HTTP_X_FORWARDED_HOST=forwarded, HTTP_COOKIE=session_cookie(DEV), HTTP_SEC_FETCH_DEST="empty")
        assert r.json()["status"] == "signed-in" and r.json()["sync"] == "active", forwarded


@pytest.mark.parametrize("extra", [
    {},
    {"HTTP_X_FORWARDED_HOST": "proxy.example.com", "HTTP_X_FORWARDED_PROTO": "https"},
    {"SERVER_PORT": "8443", "HTTP_HOST": ""},
    {"QUERY_STRING": "a=1&b=%20", "CONTENT_TYPE": "text/plain"},
    {"HTTP_X_NUMBER": 5},
])
@pytest.mark.parametrize("target", ["/orgs/acme", "/caf%C3%A9?x=1"])
def test_django_one_call_path_answers_as_the_general_path(extra: dict, target: str) -> None:
    # The middleware reads META natively with Django's method, scheme and full path; any META
    # it cannot read goes to the Python reader. Both answer alike.
    from django.test import RequestFactory

    from clerkauth import _request
    from clerkauth.django import get_authenticator, request_options

    request = RequestFactory().get(target, HTTP_AUTHORIZATION=f"Bearer {token(DEV)}", HTTP_COOKIE=session_cookie(DEV, "user_2"), **extra)
    native, options = get_authenticator()._native, request_options()

    def see(state: Any) -> Any:
        return view(state), state.organization_sync and state.organization_sync.outcome

    general = outcome(lambda: native.authenticate(*_request.from_django(request), options, None), see)
    assert outcome(lambda: _request.authenticate_django(native, request, options, None), see) == general
    one_call = native.authenticate_environ(request.META, options, None, (request.method, request.scheme, request.get_full_path()))
    assert (one_call is None) == ("HTTP_X_NUMBER" in extra)
    if "HTTP_X_NUMBER" not in extra:
        assert general[0] == "ok" and general[1][0][0] == "signed-in"
