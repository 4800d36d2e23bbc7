"""String enums (Status, Reason, TokenType), the typed auth classes, redirect_location and
configuration from the environment."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

import clerkauth
from clerkauth import InvalidTokenAuth, MachineAuth, Reason, SessionAuth, Status, TokenType
from clerkauth.testing import DevInstance
from helpers import handshake_cookie, token

DEV = DevInstance("types-app.clerk.accounts.dev")
URL = "https://app.example.com/"


def clerk(**kw: Any) -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=DEV.secret_key, publishable_key=DEV.publishable_key, jwt_key=DEV.jwt_key, **kw)


def test_enums_are_their_strings() -> None:
    state = clerk().authenticate_request(url=URL, headers={"authorization": f"Bearer {token(DEV)}"})
    assert state.status is Status.SIGNED_IN and state.status == "signed-in"
    assert str(state.status) == "signed-in" and f"{state.status}" == "signed-in" and "%s" % state.status == "signed-in"
    assert json.dumps({"s": state.status}) == '{"s": "signed-in"}'
    assert state.token_type is TokenType.SESSION_TOKEN and state.token_type == "session_token"
    assert state.reason is None
    assert isinstance(Status.SIGNED_OUT, str) and isinstance(Reason.TOKEN_EXPIRED, str)


def test_reasons_are_members_when_known_and_strings_otherwise() -> None:
    foreign = DevInstance("other.clerk.accounts.dev").session_token("user_1", "sess_1", int(time.time()))
    state = clerk().authenticate_request(url=URL, headers={"authorization": f"Bearer {foreign}"})
    assert state.status is Status.SIGNED_OUT and state.reason is Reason.TOKEN_INVALID_SIGNATURE and state.reason == "token-invalid-signature"
    # a refresh failure's reason carries its cause: a plain string
    expired = DEV.session_token("user_1", "sess_1", int(time.time()) - 3600)
    state = clerk().authenticate_request(url=URL, headers={"authorization": f"Bearer {expired}"})
    assert type(state.reason) is str and state.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    # every reason of the conformance vectors is a member
    from conftest import vectors_dir

    vdir = vectors_dir()
    assert vdir is not None
    seen = set()
    for path in vdir.rglob("*.json"):
        reason = json.loads(path.read_text()).get("expected", {}).get("reason")
        if reason and not reason.startswith("session-token-expired-refresh-"):
            seen.add(reason)
    assert seen and all(Reason(r) for r in seen)


def test_auth_classes() -> None:
    signed_in = clerk().authenticate_request(url=URL, headers={"authorization": f"Bearer {token(DEV)}"}).to_auth()
    assert type(signed_in) is SessionAuth and isinstance(signed_in, clerkauth.Auth)
    assert signed_in.token_type is TokenType.SESSION_TOKEN and not signed_in.is_machine
    signed_out = clerk().authenticate_request(url=URL, headers={"authorization": "Bearer x"}).to_auth()
    assert type(signed_out) is SessionAuth and not signed_out.is_authenticated
    invalid = clerk(accepts_token=["api_key"]).authenticate_request(url=URL, headers={"authorization": f"Bearer {token(DEV)}"}).to_auth()
    assert type(invalid) is InvalidTokenAuth and invalid.token_type is None and not invalid.is_authenticated
    machine = clerk(accepts_token="api_key").authenticate_request(url=URL).to_auth()
    assert type(machine) is MachineAuth and machine.token_type is TokenType.API_KEY and machine.is_machine and not machine.is_authenticated


def test_redirect_location() -> None:
    state = clerk().authenticate_request(url=URL, headers={"cookie": handshake_cookie(), "sec-fetch-dest": "document"})
    assert state.status is Status.HANDSHAKE
    assert state.redirect_location is not None and state.redirect_location.startswith("https://types-app.clerk.accounts.dev/v1/client/handshake?")
    assert clerk().authenticate_request(url=URL, headers={"cookie": handshake_cookie()}).redirect_location is None


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in clerkauth.ENVIRONMENT_VARIABLES.values():
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(clerkauth.ConfigurationError):
        clerkauth.Authenticator().authenticate_request(url=URL, headers={"authorization": f"Bearer {token(DEV)}"})
    monkeypatch.setenv("CLERK_SECRET_KEY", DEV.secret_key)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", DEV.publishable_key)
    monkeypatch.setenv("CLERK_JWT_KEY", DEV.jwt_key)
    assert clerkauth.Authenticator().authenticate_request(url=URL, headers={"authorization": f"Bearer {token(DEV)}"}).is_authenticated
    # explicit options win over the environment
    other = DevInstance("other.clerk.accounts.dev")
    explicit = clerkauth.Authenticator(jwt_key=other.jwt_key)
    assert not explicit.authenticate_request(url=URL, headers={"authorization": f"Bearer {token(DEV)}"}).is_authenticated
    assert explicit.authenticate_request(url=URL, headers={"authorization": f"Bearer {token(other)}"}).is_authenticated
    assert clerkauth.Authenticator.from_options({"jwtKey": other.jwt_key}).authenticate_request(
        url=URL, headers={"authorization": f"Bearer {token(other)}"}).is_authenticated


def test_environment_satellite_and_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_SECRET_KEY", DEV.secret_key)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", DEV.publishable_key)
    monkeypatch.setenv("CLERK_DOMAIN", "satellite.example.com")
    monkeypatch.setenv("CLERK_SIGN_IN_URL", "https://primary.example.com/sign-in")
    monkeypatch.setenv("CLERK_SIGN_UP_URL", "https://primary.example.com/sign-up")
    monkeypatch.setenv("CLERK_PROXY_URL", "")
    for truthy, expected in [("true", True), ("1", True), ("false", False), ("0", False)]:
        monkeypatch.setenv("CLERK_IS_SATELLITE", truthy)
        state = clerkauth.Authenticator().authenticate_request(url="https://satellite.example.com/")
        assert state.is_satellite is expected, truthy
        assert state.sign_in_url == "https://primary.example.com/sign-in" and state.sign_up_url == "https://primary.example.com/sign-up"
        assert state.domain == "satellite.example.com" and state.proxy_url == ""
