"""Typed usage of clerkauth, checked with `mypy --strict` in ci.sh (never run): narrowing on
Status, TokenType and the auth classes, the framework integrations' signatures."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import clerkauth
from clerkauth import AnyAuth, Authenticator, MachineAuth, Reason, RequestState, SessionAuth, Status, TokenType
from clerkauth.compat import AuthenticateRequestOptions, authenticate_request


def user_of(state: RequestState) -> Optional[str]:
    if state.status is Status.HANDSHAKE:
        return None
    auth = state.to_auth()
    if isinstance(auth, SessionAuth):
        tt: TokenType = auth.token_type
        assert tt is TokenType.SESSION_TOKEN
        return auth.user_id
    if isinstance(auth, MachineAuth):
        scopes: Optional[List[str]] = auth.scopes
        return auth.subject if scopes is not None else None
    return None


def narrow_on_token_type(auth: AnyAuth) -> str:
    if auth.token_type is None:
        return "invalid"
    if auth.token_type is TokenType.SESSION_TOKEN:
        session: SessionAuth = auth
        return session.user_id or ""
    machine: MachineAuth = auth
    return machine.id or ""


def reasons(state: RequestState) -> bool:
    expired: bool = state.reason == Reason.TOKEN_EXPIRED
    location: Optional[str] = state.redirect_location
    return expired and location is None


def status_is_a_string(state: RequestState) -> str:
    s: str = state.status
    return s.upper()


def configured_from_the_environment() -> Authenticator:
    return Authenticator()


def explicit(secret: str) -> Authenticator:
    return Authenticator(secret_key=secret, authorized_parties=["https://app.example.com"], accepts_token=["session_token", "api_key"])


async def in_async(auth: Authenticator, request: Any) -> Status:
    state = await auth.authenticate_request_async(request)
    return state.status


def migrated(request: Any) -> Optional[Dict[str, Any]]:
    state = authenticate_request(request, AuthenticateRequestOptions(secret_key="sk_test_x", authorized_parties=["https://a.example"]))
    if state.is_signed_in:
        return state.payload
    return None


def fastapi_app() -> Any:
    from fastapi import Depends, FastAPI

    from clerkauth.fastapi import ClerkHTTPBearer

    clerk = ClerkHTTPBearer()
    app = FastAPI()

    @app.get("/me")
    async def me(auth: SessionAuth = Depends(clerk.require(role="org:admin"))) -> Dict[str, Optional[str]]:
        return {"user": auth.user_id}

    return app


def flask_app() -> Any:
    from flask import Flask

    from clerkauth.flask import Clerk, current_auth, require_auth

    app = Flask(__name__)
    Clerk(app)

    @app.get("/me")
    @require_auth(permission="org:posts:read")
    def me() -> Dict[str, Any]:
        return {"user": current_auth.user_id}

    return app


def errors() -> str:
    try:
        Authenticator(secret_key="")
    except clerkauth.ConfigurationError as e:
        return e.code
    return ""
