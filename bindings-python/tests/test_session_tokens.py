"""``Auth.get_token(template=None, *, expires_in_seconds=None)`` (``getToken({ template,
expiresInSeconds })``): the session token, or a new token from the Backend API
(``POST /v1/sessions/{sid}/tokens[/{template}]`` with the secret key), against the loopback
Backend API of conftest.py (an http.server thread)."""

from __future__ import annotations

import json
import socket
import time
from typing import Any, Dict, List

import pytest

import clerkauth
from helpers import Gate, call_while_held, token

APP = "https://app.example.com/api"
TOKENS = "/v1/sessions/sess_1/tokens"


def clerk(dev: Any, bapi: Any, **extra: Any) -> clerkauth.Authenticator:
    return clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key, api_url=bapi.url, **extra)


def signed_in(dev: Any, bapi: Any, tok: str = "", **call: Any) -> clerkauth.Auth:
    state = clerk(dev, bapi).authenticate_request(url=APP, headers={"authorization": f"Bearer {tok or token(dev)}"}, **call)
    assert state.status == "signed-in", state.reason
    auth = state.to_auth()
    assert auth is not None
    return auth


def route(path: str, jwt: str, **kw: Any) -> Dict[str, Any]:
    return {"method": "POST", "path": path, "status": 200, "body": {"object": "token", "jwt": jwt}, **kw}


def posts(bapi: Any) -> List[Dict[str, Any]]:
    return [s for s in bapi.seen if s["method"] == "POST"]


def header(seen: Dict[str, Any], name: str) -> Any:
    return {k.lower(): v for k, v in seen["headers"].items()}.get(name)


def test_template_token_is_the_jwt_of_the_backend_api_answer(dev: Any, bapi: Any) -> None:
    auth = signed_in(dev, bapi)
    bapi.reset([route(f"{TOKENS}/supabase", "jwt-supabase")])
    assert auth.get_token("supabase") == "jwt-supabase"
    assert auth.get_token(template="supabase") == "jwt-supabase"
    seen = posts(bapi)
    assert [s["target"] for s in seen] == [f"{TOKENS}/supabase"] * 2
    assert header(seen[0], "authorization") == f"Bearer {dev.secret_key}"
    assert header(seen[0], "clerk-api-version")
    assert seen[0]["body"] == b""
    assert not bapi.unlisted()


def test_without_a_template_it_is_the_session_token_and_no_request(dev: Any, bapi: Any) -> None:
    t = token(dev)
    auth = signed_in(dev, bapi, t)
    bapi.reset([])
    assert auth.get_token() == t
    assert auth.get_token("") == t  # an empty template is none, as in @clerk/backend
    assert auth.get_token(None) == t
    assert bapi.seen == []


def test_expires_in_seconds_is_sent_as_the_body(dev: Any, bapi: Any) -> None:
    auth = signed_in(dev, bapi)
    bapi.reset([route(f"{TOKENS}/tpl", "jwt-tpl"), route(TOKENS, "jwt-session")])
    assert auth.get_token("tpl", expires_in_seconds=3600) == "jwt-tpl"
    assert auth.get_token(expires_in_seconds=60) == "jwt-session"
    assert [(s["target"], json.loads(s["body"])) for s in posts(bapi)] == [
        (f"{TOKENS}/tpl", {"expires_in_seconds": 3600}),
        (TOKENS, {"expires_in_seconds": 60}),
    ]
    with pytest.raises(clerkauth.ConfigurationError) as e:
        auth.get_token("tpl", expires_in_seconds=-1)
    assert e.value.code == "invalid-option"


def test_unknown_template_raises_with_the_status(dev: Any, bapi: Any) -> None:
    auth = signed_in(dev, bapi)
    bapi.reset([{"method": "POST", "path": f"{TOKENS}/missing", "status": 404, "body": {"errors": [{"code": "resource_not_found", "message": "JWT template not found"}]}}])
    with pytest.raises(clerkauth.UnexpectedError) as e:
        auth.get_token("missing")
    assert e.value.code == "unexpected-error"
    assert "404" in e.value.message and "JWT template not found" in e.value.message


def test_bad_secret_key_raises_and_the_per_call_key_is_used(dev: Any, bapi: Any) -> None:
    auth = signed_in(dev, bapi, secret_key="sk_test_wrong")
    bapi.reset([{"method": "POST", "path": f"{TOKENS}/supabase", "status": 401, "body": {"errors": [{"code": "authentication_invalid", "message": "Invalid secret key"}]}}])
    with pytest.raises(clerkauth.UnexpectedError) as e:
        auth.get_token("supabase")
    assert "401" in e.value.message and "authentication_invalid" in e.value.message
    assert "sk_test_" not in e.value.message
    assert header(posts(bapi)[0], "authorization") == "Bearer sk_test_wrong"


def test_unreachable_backend_api_raises(dev: Any, bapi: Any) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    auth = signed_in(dev, bapi, api_url=f"http://127.0.0.1:{port}")
    with pytest.raises(clerkauth.UnexpectedError) as e:
        auth.get_token("supabase")
    assert "unreachable" in e.value.message


def test_hostile_template_names_stay_one_path_segment(dev: Any, bapi: Any) -> None:
    auth = signed_in(dev, bapi)
    bapi.reset([route(f"{TOKENS}/..%2Fx", "a"), route(f"{TOKENS}/my%20template", "b"), route(f"{TOKENS}/..%2F..%2Fusers%3Fx%3D1", "c")])
    assert auth.get_token("../x") == "a"
    assert auth.get_token("my template") == "b"
    assert auth.get_token("../../users?x=1") == "c"
    assert not bapi.unlisted()
    bapi.reset([])
    for bad in ("..", "."):
        with pytest.raises(clerkauth.InvalidRequestError):
            auth.get_token(bad)
    assert bapi.seen == []


def test_gil_released_during_the_request(dev: Any, bapi: Any) -> None:
    auth = signed_in(dev, bapi)
    gate = Gate()
    bapi.reset([route(f"{TOKENS}/slow", "jwt-slow", gate=gate)])
    assert call_while_held(lambda: auth.get_token("slow"), gate) == "jwt-slow"


def test_pending_and_signed_out(dev: Any, bapi: Any) -> None:
    pending = dev.session_token("user_2", "sess_1", int(time.time()), "", {"sts": "pending"})
    state = clerk(dev, bapi).authenticate_request(url=APP, headers={"authorization": f"Bearer {pending}"})
    bapi.reset([route(f"{TOKENS}/supabase", "jwt-pending")])
    default = state.to_auth()
    assert default is not None and default.get_token("supabase") is None and default.get_token() is None
    assert bapi.seen == []
    kept = state.to_auth(treat_pending_as_signed_out=False)
    assert kept is not None and kept.get_token("supabase") == "jwt-pending" and kept.get_token() == pending
    out = clerk(dev, bapi).authenticate_request(url=APP, headers={}).to_auth()
    assert out is not None and out.get_token() is None and out.get_token("supabase") is None
