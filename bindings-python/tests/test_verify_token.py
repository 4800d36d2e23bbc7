"""clerkauth.verify_token / Authenticator.verify_token (@clerk/backend verifyToken): networkless
with jwt_key, JWKS over the loopback Backend API, options, the environment, and errors."""

from __future__ import annotations

import time
from typing import Any

import pytest

import clerkauth
from clerkauth.testing import DevInstance

DEV = DevInstance("verify-app.clerk.accounts.dev")
OTHER = DevInstance("other-app.clerk.accounts.dev")


def now() -> int:
    return int(time.time())


def test_networkless() -> None:
    claims = clerkauth.verify_token(DEV.session_token("user_1", "sess_1", now()), jwt_key=DEV.jwt_key)
    assert claims["sub"] == "user_1" and claims["sid"] == "sess_1" and claims["iss"] == "https://verify-app.clerk.accounts.dev"


APP = "https://app.example.com"


@pytest.mark.parametrize("make,reason", [
    (lambda: DEV.session_token("user_1", "sess_1", now() - 3600, APP), "token-expired"),
    (lambda: OTHER.session_token("user_1", "sess_1", now(), APP), "token-invalid-signature"),
    (lambda: DEV.session_token("user_1", "sess_1", now(), "https://evil.example"), "token-invalid-authorized-parties"),
    (lambda: "not-a-jwt", "token-invalid"),
])
def test_refusals(make: Any, reason: str) -> None:
    with pytest.raises(clerkauth.TokenVerificationError) as e:
        clerkauth.verify_token(make(), jwt_key=DEV.jwt_key, authorized_parties=[APP])
    assert e.value.reason == reason and e.value.code == reason and e.value.message
    assert isinstance(e.value, clerkauth.ClerkAuthError)


def test_jwks_over_loopback_backend_api(bapi: Any) -> None:
    bapi.reset([{"method": "GET", "path": "/v1/jwks", "status": 200, "body": DEV.jwks()}])
    auth = clerkauth.Authenticator(secret_key=DEV.secret_key, publishable_key=DEV.publishable_key, api_url=bapi.url)
    assert auth.verify_token(DEV.session_token("user_1", "sess_1", now()))["sub"] == "user_1"
    assert [s["target"] for s in bapi.seen] == ["/v1/jwks"]
    with pytest.raises(clerkauth.TokenVerificationError) as e:
        auth.verify_token(OTHER.session_token("user_1", "sess_1", now()))
    assert e.value.reason == "jwk-kid-mismatch"


def test_per_call_options_and_clock() -> None:
    auth = clerkauth.Authenticator(jwt_key=DEV.jwt_key, authorized_parties=[APP])
    t = DEV.session_token("user_1", "sess_1", now(), "https://other.example")
    with pytest.raises(clerkauth.TokenVerificationError):
        auth.verify_token(t)
    assert auth.verify_token(t, authorized_parties=["https://other.example"])["azp"] == "https://other.example"
    old = DEV.session_token("user_1", "sess_1", 1_700_000_000, APP)
    assert auth.verify_token(old, now_ms=1_700_000_010_000)["sub"] == "user_1"


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_JWT_KEY", DEV.jwt_key)
    assert clerkauth.verify_token(DEV.session_token("user_1", "sess_1", now()))["sub"] == "user_1"
