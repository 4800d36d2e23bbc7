"""Flask: the Clerk extension, current_auth and @require_auth through Flask's test client."""

from __future__ import annotations

import time
from typing import Any, Dict, Optional

import pytest
from flask import Flask

import clerkauth
from clerkauth.flask import Clerk, current_auth, current_state, require_auth
from clerkauth.testing import DevInstance
from helpers import handshake_cookie, session_cookie, token

DEV = DevInstance("flask-app.clerk.accounts.dev")
MEMBER = {"id": "org_1", "slg": "acme", "rol": "member", "per": "read", "fpm": "1"}


def make_app(config: Optional[Dict[str, Any]] = None, authenticator: Optional[clerkauth.Authenticator] = None, factory: bool = False) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    if factory:
        ext = Clerk(authenticator=authenticator)
        ext.init_app(app)
    else:
        Clerk(app, authenticator)

    @app.get("/public")
    def public() -> Any:
        state = current_state()
        assert state is not None
        return {"status": state.status, "user": current_auth.user_id if current_auth else None}

    @app.get("/me")
    @require_auth
    def me() -> Any:
        return {"user": current_auth.user_id, "kind": type(current_auth._get_current_object()).__name__}

    @app.get("/admin")
    @require_auth(role="org:admin")
    def admin() -> Any:
        return {"ok": True}

    @app.get("/manage")
    @require_auth(permission="org:posts:manage")
    def manage() -> Any:
        return {"ok": True}

    return app


@pytest.fixture(scope="module", params=["direct", "factory"])
def client(request: pytest.FixtureRequest) -> Any:
    conf = {"CLERKAUTH": {"secret_key": DEV.secret_key, "publishable_key": DEV.publishable_key, "jwt_key": DEV.jwt_key}}
    return make_app(conf, factory=request.param == "factory").test_client(use_cookies=False)


def test_bearer_and_cookie_sessions(client: Any) -> None:
    r = client.get("/me", headers={"authorization": f"Bearer {token(DEV)}"})
    assert r.status_code == 200 and r.json == {"user": "user_1", "kind": "SessionAuth"}
    r = client.get("/me", headers={"cookie": session_cookie(DEV), "sec-fetch-dest": "empty"})
    assert r.status_code == 200 and r.json["user"] == "user_1"


def test_unauthenticated_api_call_is_401(client: Any) -> None:
    r = client.get("/me")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="clerk"'
    expired = DEV.session_token("user_1", "sess_1", int(time.time()) - 3600)
    r = client.get("/me", headers={"authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and r.json["reason"] == "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    # the state's headers are on every response
    assert r.headers["x-clerk-auth-status"] == "signed-out"
    r = client.get("/public")
    assert r.status_code == 200 and r.json == {"status": "signed-out", "user": None}


def test_handshake_redirect_for_a_document_only(client: Any) -> None:
    r = client.get("/me", headers={"cookie": handshake_cookie(), "sec-fetch-dest": "document", "host": "app.example.com"})
    assert r.status_code == 307
    assert r.headers["location"].startswith("https://flask-app.clerk.accounts.dev/v1/client/handshake?")
    assert "redirect_url=http%3A%2F%2Fapp.example.com%2Fme" in r.headers["location"]
    assert any(c.startswith("__clerk_redirect_count=1;") for c in r.headers.getlist("set-cookie"))
    r = client.get("/me", headers={"cookie": handshake_cookie(), "sec-fetch-dest": "empty"})
    assert r.status_code == 401 and "location" not in r.headers


def test_roles_and_permissions(client: Any) -> None:
    admin = {"authorization": f"Bearer {token(DEV)}"}
    member = {"authorization": f"Bearer {token(DEV, org=MEMBER)}"}
    assert client.get("/admin", headers=admin).status_code == 200
    assert client.get("/manage", headers=admin).status_code == 200
    assert client.get("/admin", headers=member).status_code == 403
    assert client.get("/manage", headers=member).status_code == 403
    assert client.get("/admin").status_code == 401


def test_bad_host_is_400(client: Any) -> None:
    assert client.get("/public", headers={"host": "app.example.com#"}).status_code == 400


def test_api_key_over_loopback_backend_api(bapi: Any) -> None:
    bapi.reset([{"method": "POST", "path": "/api_keys/verify", "status": 200, "body": {
        "object": "api_key", "id": "ak_id_1", "type": "api_key", "name": "ci", "subject": "user_9", "scopes": ["read"],
        "claims": None, "revoked": False, "expired": False, "expiration": None, "created_at": 1, "updated_at": 1}}])
    conf = {"CLERKAUTH": {"secret_key": DEV.secret_key, "publishable_key": DEV.publishable_key, "api_url": bapi.url},
            "CLERKAUTH_REQUEST_OPTIONS": {"accepts_token": "any"}}
    c = make_app(conf).test_client(use_cookies=False)
    r = c.get("/me", headers={"authorization": "Bearer ak_live_secret"})
    assert r.status_code == 200 and r.json == {"user": "user_9", "kind": "MachineAuth"}
    assert c.get("/admin", headers={"authorization": "Bearer ak_live_secret"}).status_code == 403


def test_configuration_from_environment_and_config_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    other = DevInstance("env-app.clerk.accounts.dev")
    monkeypatch.setenv("CLERK_SECRET_KEY", other.secret_key)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", other.publishable_key)
    monkeypatch.setenv("CLERK_JWT_KEY", other.jwt_key)
    c = make_app().test_client(use_cookies=False)
    assert c.get("/me", headers={"authorization": f"Bearer {token(other)}"}).json == {"user": "user_1", "kind": "SessionAuth"}
    assert c.get("/me", headers={"authorization": f"Bearer {token(DEV)}"}).status_code == 401
    # app.config keys named like the variables win over the environment
    c = make_app({"CLERK_SECRET_KEY": DEV.secret_key, "CLERK_PUBLISHABLE_KEY": DEV.publishable_key, "CLERK_JWT_KEY": DEV.jwt_key}).test_client(use_cookies=False)
    assert c.get("/me", headers={"authorization": f"Bearer {token(DEV)}"}).status_code == 200
    assert c.get("/me", headers={"authorization": f"Bearer {token(other)}"}).status_code == 401
