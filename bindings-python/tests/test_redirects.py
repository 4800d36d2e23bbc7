"""Every adapter redirects whenever the state has a redirect_location: a development handshake
resolution is signed in *and* redirects (dropping the handshake parameter, setting the session
cookies), not only states whose status is "handshake"."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from djsetup import DEV as DJANGO_DEV, use_urlconf  # configures Django first
from django.test import Client
from fastapi import Depends, FastAPI
from flask import Flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import clerkauth
from clerkauth.asgi import ClerkAuthMiddleware as AsgiMiddleware
from clerkauth.fastapi import ClerkAuth, ClerkHTTPBearer
from clerkauth.flask import Clerk
from clerkauth.testing import DevInstance
from clerkauth.wsgi import ClerkAuthMiddleware as WsgiMiddleware
from helpers import handshake_resolution

DEV = DevInstance("redirect-app.clerk.accounts.dev")
DOC = {"sec-fetch-dest": "document", "accept": "text/html"}


def authenticator(dev: Any = DEV) -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)


def test_the_core_state() -> None:
    state = authenticator().authenticate_request(url="http://app.example.com" + handshake_resolution(DEV, "/dash"), headers=DOC)
    assert state.status == "signed-in" and state.redirect_location == "http://app.example.com/dash?keep=1"


def check(status: int, location: str, cookies: List[str], host: str = "testserver") -> None:
    assert status == 307
    assert location == f"http://{host}/dash?keep=1"
    assert any(c.startswith("__session=") for c in cookies) and any(c.startswith("__client_uat=") for c in cookies)


def app_page(request: Any) -> PlainTextResponse:
    return PlainTextResponse("the page")


def test_asgi_middleware() -> None:
    app = Starlette(routes=[Route("/dash", app_page)])
    app.add_middleware(AsgiMiddleware, authenticator=authenticator())
    r = TestClient(app).get(handshake_resolution(DEV, "/dash"), headers=DOC, follow_redirects=False)
    check(r.status_code, r.headers["location"], r.headers.get_list("set-cookie"))


@pytest.mark.parametrize("kind", ["ClerkAuth", "ClerkHTTPBearer"])
def test_fastapi_dependencies(kind: str) -> None:
    dep: Any = ClerkAuth(authenticator()) if kind == "ClerkAuth" else ClerkHTTPBearer(authenticator())
    app = FastAPI()

    @app.get("/dash")
    def dash(x: Any = Depends(dep)) -> Dict[str, str]:
        return {"page": "the page"}

    r = TestClient(app).get(handshake_resolution(DEV, "/dash"), headers=DOC, follow_redirects=False)
    check(r.status_code, r.headers["location"], r.headers.get_list("set-cookie"))


def test_wsgi_middleware() -> None:
    inner = Flask(__name__)
    inner.get("/dash")(lambda: "the page")
    inner.wsgi_app = WsgiMiddleware(inner.wsgi_app, authenticator())  # type: ignore[method-assign]
    r = inner.test_client(use_cookies=False).get(handshake_resolution(DEV, "/dash"), headers=DOC)
    check(r.status_code, r.headers["location"], r.headers.getlist("set-cookie"), "localhost")


def test_flask_extension() -> None:
    app = Flask(__name__)
    Clerk(app, authenticator())
    app.get("/dash")(lambda: "the page")
    r = app.test_client(use_cookies=False).get(handshake_resolution(DEV, "/dash"), headers=DOC)
    check(r.status_code, r.headers["location"], r.headers.getlist("set-cookie"), "localhost")


def django_page(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("the page")


def drf_page(request: Any) -> Any:
    from rest_framework.response import Response

    return Response({"page": "the page"})


def make_drf_view() -> Any:
    from rest_framework.decorators import api_view, authentication_classes, permission_classes

    from clerkauth.drf import ClerkAuthentication, IsSignedIn

    return api_view(["GET"])(authentication_classes([ClerkAuthentication])(permission_classes([IsSignedIn])(drf_page)))


def urls() -> Any:
    from django.urls import path

    return [path("dash", django_page), path("api/dash", make_drf_view())]


urlpatterns = urls()


@pytest.fixture()
def urlconf() -> Any:
    yield from use_urlconf(__name__)


@pytest.mark.parametrize("target,middleware", [("/dash", True), ("/api/dash", True), ("/api/dash", False)])
def test_django_and_drf(urlconf: Any, target: str, middleware: bool) -> None:
    from django.test.utils import override_settings

    with override_settings(MIDDLEWARE=["clerkauth.django.ClerkAuthMiddleware"] if middleware else []):
        r = Client().get(handshake_resolution(DJANGO_DEV, target), HTTP_SEC_FETCH_DEST="document", HTTP_ACCEPT="text/html")
    assert r.status_code == 307 and r["location"] == f"http://testserver{target}?keep=1"
    assert "__session" in r.cookies and "__client_uat" in r.cookies
