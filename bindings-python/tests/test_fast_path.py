"""The no-network path of the async API: a request that needs no Backend API is decided on the
event loop's thread (no worker-thread hop), one that needs it goes to a clerkauth thread, and
both give the same state as the blocking call (every vector also runs through
``authenticate_request_async`` in test_vectors.py)."""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import clerkauth
from clerkauth import _threads
from clerkauth.asgi import ClerkAuthMiddleware
from helpers import token


@pytest.fixture()
def hops(monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    """Records every call sent to a worker thread."""
    seen: List[Any] = []
    real = _threads.run_sync

    async def counting(fn: Any, *args: Any) -> Any:
        seen.append(fn)
        return await real(fn, *args)

    monkeypatch.setattr(_threads, "run_sync", counting)
    return seen


def view(state: clerkauth.RequestState) -> Any:
    auth = state.to_auth()
    return (state.status, state.reason, state.message, state.token_type, state.headers, auth.to_dict() if auth else None)


def test_jwt_key_is_decided_without_a_thread_hop(dev: Any, hops: List[Any]) -> None:
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    for headers in ({"authorization": f"Bearer {token(dev)}"}, {"authorization": "Bearer garbage"}, {}):
        fast = asyncio.run(clerk.authenticate_request_async(method="GET", url="https://app.example.com/api", headers=headers))
        assert view(fast) == view(clerk.authenticate_request(method="GET", url="https://app.example.com/api", headers=headers))
    assert hops == []


def test_a_cold_jwks_goes_to_a_thread_once(dev: Any, bapi: Any, hops: List[Any]) -> None:
    bapi.reset([{"method": "GET", "path": "/v1/jwks", "status": 200, "body": dev.jwks()}])
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, api_url=bapi.url)
    headers = {"authorization": f"Bearer {token(dev)}"}

    async def twice() -> Any:
        first = await clerk.authenticate_request_async(method="GET", url="https://app.example.com/api", headers=headers)
        assert len(hops) == 1, "the JWKS fetch runs on a worker thread"
        second = await clerk.authenticate_request_async(method="GET", url="https://app.example.com/api", headers=headers)
        assert len(hops) == 1, "warm JWKS: decided on the loop's thread"
        return first, second

    first, second = asyncio.run(twice())
    assert first.status == "signed-in"
    assert view(first) == view(second)
    assert [s["target"] for s in bapi.seen] == ["/v1/jwks"]


def test_asgi_middleware_decides_networkless_requests_on_the_loop(dev: Any, hops: List[Any]) -> None:
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)

    async def me(request: Request) -> JSONResponse:
        auth = request.state.clerk_auth
        return JSONResponse({"user": auth.user_id if auth else None})

    app = ClerkAuthMiddleware(Starlette(routes=[Route("/me", me)]), clerk)
    with TestClient(app, base_url="https://app.example.com") as client:
        assert client.get("/me", headers={"authorization": f"Bearer {token(dev)}"}).json() == {"user": "user_1"}
        assert client.get("/me").json() == {"user": None}
    assert hops == []


class Duck:
    """A request class whose instances take different shapes."""

    def __init__(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)


def test_request_reader_is_chosen_per_class_and_checked_per_instance(dev: Any) -> None:
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    bearer = {"authorization": f"Bearer {token(dev)}"}
    plain = Duck(method="GET", url="https://app.example.com/", headers=bearer)
    assert clerk.authenticate_request(plain).is_authenticated
    # The same class, now without a url: the general reader's error, not an AttributeError.
    with pytest.raises(clerkauth.InvalidRequestError, match="no url"):
        clerk.authenticate_request(Duck(method="GET", url=None, headers=bearer))

    class Scoped(Duck):
        pass

    scope = {"type": "http", "scheme": "https", "method": "GET", "path": "/", "query_string": b"", "headers": [(b"host", b"app.example.com"), (b"authorization", bearer["authorization"].encode())]}
    assert clerk.authenticate_request(Scoped(scope=scope)).is_authenticated
    # An instance of that class whose scope is not HTTP falls back to its url.
    lifespan = Scoped(scope={"type": "lifespan"}, method="GET", url="https://app.example.com/", headers={})
    state = clerk.authenticate_request(lifespan)
    assert state.status == "signed-out" and state.reason == "dev-browser-missing"
    # Mappings are read by their keys on every call.
    assert clerk.authenticate_request({"method": "GET", "url": "https://app.example.com/", "headers": bearer}).is_authenticated
    assert clerk.authenticate_request(scope).is_authenticated


def test_httpx_headers_are_read_as_bytes(dev: Any) -> None:
    import httpx

    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    r = httpx.Request("GET", "https://app.example.com/", headers={"Authorization": f"Bearer {token(dev)}", "X-Other": "caf\u00e9".encode("utf-8")})
    assert clerk.authenticate_request(r).is_authenticated
    assert clerk.authenticate_request(r).to_auth().user_id == "user_1"
