"""The Starlette app of ``asgi_bench.py``: ``GET /api/data`` answers 200 with the user id when
signed in (401 otherwise). Under uvicorn (``asgi_app:app``) it is wrapped in
``ClerkAuthMiddleware`` when ``CLERKAUTH_BENCH_AUTH`` is ``verify`` (the verified-token cache
off: every request pays for its RSA check) or ``default`` (the defaults: the cache on), with the
keys from ``CLERK_*``."""

from __future__ import annotations

import os
from typing import Optional

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import clerkauth
from clerkauth.asgi import ClerkAuthMiddleware


def build_app(clerk: Optional[clerkauth.Authenticator]) -> Starlette:
    async def data(request: Request) -> PlainTextResponse:
        if clerk is None:
            return PlainTextResponse("ok")
        auth = request.state.clerk_auth
        if auth is None or not auth.is_authenticated:
            return PlainTextResponse("signed out", status_code=401)
        return PlainTextResponse(auth.user_id)

    app = Starlette(routes=[Route("/api/data", data)])
    if clerk is not None:
        app.add_middleware(ClerkAuthMiddleware, authenticator=clerk)
    return app


_MODE = os.environ.get("CLERKAUTH_BENCH_AUTH")
app = build_app(clerkauth.Authenticator(**({"verified_token_cache_size": 0} if _MODE == "verify" else {})) if _MODE in ("verify", "default") else None)
