"""Flask/Werkzeug (request object and the WSGI middleware), httpx.Request, and explicit
method/url/headers, with each framework's own test client."""

from __future__ import annotations

from typing import Any

import flask
import httpx
import pytest

import clerkauth
from clerkauth.wsgi import ClerkAuthMiddleware
from helpers import handshake_cookie, token


@pytest.fixture(scope="module")
def clerk(dev: Any) -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)


@pytest.fixture(scope="module")
def flask_app(clerk: clerkauth.Authenticator) -> flask.Flask:
    app = flask.Flask("t")

    @app.get("/direct/<path:rest>")
    def direct(rest: str) -> Any:
        state = clerk.authenticate_request(flask.request)
        auth = state.to_auth()
        return {"status": state.status, "user_id": auth.user_id if auth else None, "url": clerkauth._request.extract(flask.request)[1]}

    @app.get("/mw")
    def mw() -> Any:
        state = flask.request.environ["clerkauth.state"]
        return {"status": state.status, "user_id": state.to_auth().user_id}

    app.wsgi_app = ClerkAuthMiddleware(app.wsgi_app, clerk)  # type: ignore[method-assign]
    return app


def test_flask_request_object(flask_app: flask.Flask, dev: Any) -> None:
    r = flask_app.test_client().get("/direct/a%20b?q=1", headers={"Authorization": f"Bearer {token(dev)}"})
    assert r.json["status"] == "signed-in" and r.json["user_id"] == "user_1"
    assert r.json["url"] == "http://localhost/direct/a%20b?q=1"


def test_wsgi_middleware(flask_app: flask.Flask, dev: Any) -> None:
    c = flask_app.test_client()
    r = c.get("/mw", headers={"Authorization": f"Bearer {token(dev)}"})
    assert r.json == {"status": "signed-in", "user_id": "user_1"}
    r = c.get("/mw", headers={"Authorization": "Bearer nope"})
    assert r.json["status"] == "signed-out" and r.headers["x-clerk-auth-status"] == "signed-out"
    r = c.get("/mw", headers={"Cookie": handshake_cookie(), "Sec-Fetch-Dest": "document"})
    assert r.status_code == 307 and "/v1/client/handshake?" in r.headers["Location"]
    assert any(v.startswith("__clerk_redirect_count=1") for v in r.headers.getlist("Set-Cookie"))


def test_httpx_request(clerk: clerkauth.Authenticator, dev: Any) -> None:
    req = httpx.Request("GET", "https://app.example.com/x?y=1", headers={"Authorization": f"Bearer {token(dev)}"})
    state = clerk.authenticate_request(req)
    assert state.is_authenticated and state.to_auth().user_id == "user_1"


def test_httpx_through_mock_transport(clerk: clerkauth.Authenticator, dev: Any) -> None:
    """An httpx client whose transport authenticates each outgoing request (e.g. a gateway)."""

    def handler(request: httpx.Request) -> httpx.Response:
        state = clerk.authenticate_request(request)
        return httpx.Response(200 if state.is_authenticated else 401, json={"reason": state.reason})

    with httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.example.com") as client:
        assert client.get("/", headers={"authorization": f"Bearer {token(dev)}"}).status_code == 200
        assert client.get("/").status_code == 401


def test_explicit_and_mapping_requests(clerk: clerkauth.Authenticator, dev: Any) -> None:
    t = token(dev)
    for kwargs in (
        {"url": "https://app.example.com/", "headers": {"authorization": f"Bearer {t}"}},
        {"url": "https://app.example.com/", "headers": [("authorization", f"Bearer {t}")], "method": "POST"},
        {"url": "https://app.example.com/", "headers": [(b"authorization", f"Bearer {t}".encode())]},
    ):
        assert clerk.authenticate_request(**kwargs).is_authenticated
    assert clerk.authenticate_request({"method": "GET", "url": "https://app.example.com/", "headers": {"authorization": f"Bearer {t}"}}).is_authenticated
    environ = {"REQUEST_METHOD": "GET", "wsgi.url_scheme": "https", "HTTP_HOST": "app.example.com", "PATH_INFO": "/", "HTTP_AUTHORIZATION": f"Bearer {t}"}
    assert clerk.authenticate_request(environ).is_authenticated
