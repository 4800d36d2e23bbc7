"""clerkauth.compat next to clerk-backend-api 7.0.0: the same httpx requests, the same options
(networkless jwt_key), both libraries' answers compared field by field."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional

import httpx
import pytest
from clerk_backend_api.security import authenticate_request as cba_authenticate
from clerk_backend_api.security.types import AuthenticateRequestOptions as CbaOptions
from clerk_backend_api.security.types import AuthStatus

import clerkauth
from clerkauth import compat
from clerkauth.testing import DevInstance

DEV = DevInstance("compat-app.clerk.accounts.dev")
OTHER = DevInstance("other-app.clerk.accounts.dev")
ORG = {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}


def options(**kw: Any) -> Dict[str, Any]:
    return {"secret_key": DEV.secret_key, "jwt_key": DEV.jwt_key, **kw}


def req(authorization: Optional[str] = None, cookie: Optional[str] = None) -> httpx.Request:
    headers = {"accept": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    if cookie is not None:
        headers["cookie"] = cookie
    return httpx.Request("GET", "https://app.example.com/api/items", headers=headers)


def now() -> int:
    return int(time.time())


def v2(user: str = "user_1", org: Optional[Dict[str, Any]] = ORG, azp: str = "") -> str:
    extra: Dict[str, Any] = {"v": 2, "fea": "o:posts"}
    if org:
        extra["o"] = org
    return DEV.session_token(user, "sess_1", now(), azp, extra)


CASES: List[Any] = [
    ("v2 token with an organization", lambda: req(f"Bearer {v2()}"), {}),
    ("v2 token without an organization", lambda: req(f"Bearer {v2(org=None)}"), {}),
    ("v1 token", lambda: req(f"Bearer {DEV.session_token('user_2', 'sess_2', now())}"), {}),
    ("cookie session", lambda: req(cookie=f"__session={v2()}; __client_uat={now() - 10}; __clerk_db_jwt=dvb_x"), {"publishable_key": DEV.publishable_key}),
    ("authorized party allowed", lambda: req(f"Bearer {v2(azp='https://app.example.com')}"), {"authorized_parties": ["https://app.example.com"]}),
    ("authorized party refused", lambda: req(f"Bearer {v2(azp='https://evil.example')}"), {"authorized_parties": ["https://app.example.com"]}),
    ("expired", lambda: req(f"Bearer {DEV.session_token('user_1', 'sess_1', now() - 3600)}"), {}),
    ("another instance's key", lambda: req(f"Bearer {OTHER.session_token('user_1', 'sess_1', now())}"), {}),
    ("not a JWT", lambda: req("Bearer not-a-jwt"), {}),
    ("nbf in the future", lambda: req(f"Bearer {DEV.session_token('user_1', 'sess_1', now(), '', {'nbf': now() + 600})}"), {}),
]


@pytest.mark.parametrize("name,make,extra", CASES, ids=[c[0] for c in CASES])
def test_side_by_side(name: str, make: Any, extra: Dict[str, Any]) -> None:
    request = make()
    theirs = cba_authenticate(request, CbaOptions(**{k: v for k, v in options(**extra).items() if k != "publishable_key"}))
    ours = compat.authenticate_request(request, compat.AuthenticateRequestOptions(**options(**extra)))
    assert ours.is_signed_in == theirs.is_signed_in, (ours.reason, theirs.reason)
    assert ours.is_authenticated == theirs.is_authenticated
    assert ours.status == theirs.status.value
    assert ours.token == theirs.token
    assert ours.payload == theirs.payload
    if theirs.reason is None:
        assert ours.reason is None
    elif name == "expired":  # the reference's reason names why no refresh happened
        assert (theirs.reason.value[0], ours.reason) == ("token-expired", "session-token-expired-refresh-non-eligible-no-refresh-cookie")
    elif name == "nbf in the future":  # the reference's name for it
        assert (theirs.reason.value[0], ours.reason) == ("token-not-active-yet", "session-token-nbf")
    else:
        assert ours.reason == theirs.reason.value[0]
    if ours.is_signed_in:
        auth = ours.to_auth()
        assert isinstance(auth, clerkauth.SessionAuth)
        assert auth.user_id == theirs.payload["sub"] and auth.session_id == theirs.payload["sid"]


def test_defaults_match() -> None:
    theirs, ours = CbaOptions(), compat.AuthenticateRequestOptions()
    for f in ["secret_key", "machine_secret_key", "jwt_key", "audience", "authorized_parties", "clock_skew_in_ms", "accepts_token"]:
        assert getattr(ours, f) == getattr(theirs, f), f
    assert theirs.accepts_token == ["any"]


def test_accepts_any_token_by_default(bapi: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # clerk-backend-api's default (`["any"]`): a machine token is verified, not refused.
    bapi.reset([{"method": "POST", "path": "/api_keys/verify", "status": 200, "body": {
        "object": "api_key", "id": "ak_id_1", "type": "api_key", "name": "ci", "subject": "user_9", "scopes": ["read"],
        "claims": {"env": "ci"}, "revoked": False, "expired": False, "expiration": None, "created_at": 1, "updated_at": 1}}])
    monkeypatch.setenv("CLERK_API_URL", bapi.url)
    state = compat.authenticate_request(req("Bearer ak_live_secret"), compat.AuthenticateRequestOptions(secret_key=DEV.secret_key))
    assert state.is_signed_in
    assert state.payload == {"id": "ak_id_1", "subject": "user_9", "name": "ci", "scopes": ["read"], "claims": {"env": "ci"}}
    assert isinstance(state.to_auth(), clerkauth.MachineAuth)
    only_sessions = compat.AuthenticateRequestOptions(secret_key=DEV.secret_key, accepts_token=["session_token"])
    refused = compat.authenticate_request(req("Bearer ak_live_secret"), only_sessions)
    assert not refused.is_signed_in and refused.reason == "token-type-mismatch"


def test_async_variant() -> None:
    request = req(f"Bearer {v2()}")
    state = asyncio.run(compat.authenticate_request_async(request, compat.AuthenticateRequestOptions(**options())))
    assert state.is_signed_in and state.status == AuthStatus.SIGNED_IN.value


def test_handshakes_only_with_a_publishable_key(monkeypatch: pytest.MonkeyPatch) -> None:
    request = httpx.Request("GET", "https://app.example.com/", headers={"cookie": f"__client_uat={now() - 10}; __clerk_db_jwt=dvb_x", "sec-fetch-dest": "document"})
    # as clerk-backend-api: signed out, nothing to send back
    state = compat.authenticate_request(request, compat.AuthenticateRequestOptions(secret_key=DEV.secret_key, jwt_key=DEV.jwt_key))
    assert state.status == "signed-out" and not state.is_signed_in and state.payload is None
    assert state.reason == "client-uat-but-no-session-token" and state.redirect_location is None and state.headers == []
    # with the instance's publishable key (the option, or CLERK_PUBLISHABLE_KEY): the handshake
    for opts, env in [({"publishable_key": DEV.publishable_key}, None), ({}, DEV.publishable_key)]:
        if env:
            monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", env)
        state = compat.authenticate_request(request, compat.AuthenticateRequestOptions(secret_key=DEV.secret_key, jwt_key=DEV.jwt_key, **opts))
        assert state.status == "handshake" and not state.is_signed_in
        assert state.redirect_location is not None and state.redirect_location.startswith("https://compat-app.clerk.accounts.dev/v1/client/handshake?")


def test_per_call_options_share_one_authenticator() -> None:
    # issue 19: the cache is keyed by the core's instance options only; the rest apply per call
    assert set(clerkauth._native.INSTANCE_OPTION_NAMES) >= {"secret_key", "jwt_key", "secretKey", "jwtKey", "publishable_key", "api_url"}
    assert "authorized_parties" not in clerkauth._native.INSTANCE_OPTION_NAMES
    compat._cache.clear()
    request = req(f"Bearer {v2(azp='https://app.example.com')}")
    allowed = compat.authenticate_request(request, compat.AuthenticateRequestOptions(**options(authorized_parties=["https://app.example.com"])))
    refused = compat.authenticate_request(request, compat.AuthenticateRequestOptions(**options(authorized_parties=["https://other.example"], audience="x")))
    assert allowed.is_signed_in and not refused.is_signed_in
    assert len(compat._cache) == 1
    other = compat.authenticate_request(request, compat.AuthenticateRequestOptions(secret_key=OTHER.secret_key, jwt_key=OTHER.jwt_key))
    assert not other.is_signed_in and len(compat._cache) == 2
