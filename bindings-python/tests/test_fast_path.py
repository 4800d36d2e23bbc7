"""The no-network path of the async API: a request that needs no Backend API is decided on the
event loop's thread (no worker-thread hop), one that needs it goes to a clerkauth thread, and
both give the same state as the blocking call (every vector also runs through
``authenticate_request_async`` in test_vectors.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import clerkauth
from clerkauth import _threads
from clerkauth.asgi import ClerkAuthMiddleware
from helpers import DROP, merged, outcome, token, view


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


def test_asgi_middleware_sends_a_cold_jwks_request_to_a_thread(dev: Any, bapi: Any, hops: List[Any]) -> None:
    # The one-call native path answers None when the Backend API is needed: the general path
    # then fetches the JWKS on a worker thread, and the next request is decided on the loop.
    bapi.reset([{"method": "GET", "path": "/v1/jwks", "status": 200, "body": dev.jwks()}])
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, api_url=bapi.url)

    async def me(request: Request) -> JSONResponse:
        return JSONResponse({"user": request.state.clerk_auth.user_id})

    app = ClerkAuthMiddleware(Starlette(routes=[Route("/me", me)]), clerk)
    with TestClient(app, base_url="https://app.example.com") as client:
        for _ in range(2):
            assert client.get("/me", headers={"authorization": f"Bearer {token(dev)}"}).json() == {"user": "user_1"}
    assert len(hops) == 1
    assert [s["target"] for s in bapi.seen] == ["/v1/jwks"]


def test_asgi_middleware_authenticates_a_scope_that_is_not_a_dict(dev: Any) -> None:
    # Only a dict takes the one-call native path; any other mapping is read by the Python
    # reader and authenticated the same way (never passed to the app unauthenticated).
    import collections

    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    seen: List[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["state"]["clerk_auth"])

    async def nothing() -> Any:
        return {"type": "http.request"}

    async def drop(message: Any) -> None:
        pass

    for headers in ([(b"host", b"app.example.com"), (b"authorization", f"Bearer {token(dev)}".encode())], [(b"host", b"app.example.com")]):
        scope = collections.UserDict(_scope(headers=headers))
        asyncio.run(ClerkAuthMiddleware(app, clerk)(scope, nothing, drop))
    assert [a.user_id for a in seen] == ["user_1", None]
    assert [a.is_authenticated for a in seen] == [True, False]


def _scope(**over: Any) -> Dict[str, Any]:
    return merged({
        "type": "http", "method": "GET", "scheme": "https", "path": "/api/data", "raw_path": b"/api/data", "query_string": b"",
        "headers": [(b"host", b"app.example.com"), (b"authorization", b"Bearer x")], "server": ("10.0.0.1", 8443),
    }, over)

#: Scopes the native reader reads: it must read each exactly as the Python reader does.
NATIVE_SHAPES = [
    _scope(),
    _scope(scheme=DROP),
    _scope(scheme=None),
    _scope(scheme="http"),
    _scope(type="websocket", scheme="ws"),
    _scope(type="websocket", scheme="wss"),
    _scope(method=DROP),
    _scope(method="POST"),
    _scope(query_string=b"a=1&b=%20"),
    _scope(query_string="a=1"),
    _scope(query_string=bytearray(b"x=2")),
    _scope(query_string=None),
    _scope(raw_path=bytearray(b"/orgs/acme")),
    _scope(raw_path=b"/orgs/%C3%A9/\xe9x", path="/ignored"),
    _scope(raw_path=b"//double//slash"),
    _scope(raw_path=b"/a/../b/./c"),
    _scope(headers=[("host", "app.example.com:8443"), ("authorization", "Bearer x")]),
    _scope(headers=[(b"host", b"[::1]:8443")]),
    _scope(headers=[(b"host", b"first.example.com"), (b"host", b"second.example.com")]),
    _scope(headers=[(b"accept", b"*/*"), (b"host", b"late.example.com")]),
    _scope(headers=[(b"host", "str-value.example.com")]),
]

#: Shapes only the Python reader handles (the native one answers None, never a guess).
PYTHON_SHAPES = [
    _scope(headers=[]),
    _scope(headers=[(b"Host", b"capital.example.com")]),
    _scope(headers=[(b"host", b"")]),
    _scope(headers=[(b"host", bytearray(b"app.example.com"))]),
    _scope(headers=[[b"host", b"list-pair.example.com"]]),
    _scope(headers=[(bytearray(b"host"), b"app.example.com")]),
    _scope(raw_path=DROP),
    _scope(raw_path=b""),
    _scope(raw_path="/str"),
    _scope(method=b"GET"),
    _scope(scheme=b"https"),
    _scope(query_string=5),
]


@pytest.mark.parametrize("scope", NATIVE_SHAPES + PYTHON_SHAPES)
def test_native_scope_reader_reads_as_the_python_reader(scope: Dict[str, Any]) -> None:
    from clerkauth import _native, _request

    native = _native.read_scope(scope)
    if scope in PYTHON_SHAPES:
        assert native is None
    else:
        assert native is not None
        assert native[:2] == _request._scope_parts(scope)[:2]
        assert native[2] is scope["headers"]
    assert outcome(lambda: _request.from_scope(scope)) == outcome(lambda: _request._scope_parts(scope))


@pytest.mark.parametrize("host", [b"evil.example.com/orgs/org_2", b"a b", b"app.example.com:port", b"@evil", b"app.example.com?x"])
def test_native_scope_reader_refuses_the_hosts_the_python_reader_refuses(host: bytes) -> None:
    from clerkauth import _native, _request

    scope = _scope(headers=[(b"host", host)])
    with pytest.raises(clerkauth.InvalidRequestError):
        _request._scope_parts(scope)
    with pytest.raises(clerkauth.InvalidRequestError):
        _native.read_scope(scope)


def _with_token(scope: Dict[str, Any], dev: Any) -> Dict[str, Any]:
    headers = [pair for pair in scope["headers"] if pair[0] not in (b"authorization", "authorization")]
    return dict(scope, headers=headers + [(b"authorization", f"Bearer {token(dev)}".encode())])


@pytest.mark.parametrize("scope", NATIVE_SHAPES)
def test_one_call_scope_path_answers_as_the_general_path(dev: Any, scope: Dict[str, Any]) -> None:
    from clerkauth import _request

    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key, authorized_parties=["https://app.example.com"])
    scope = _with_token(scope, dev)
    state = clerk._native.authenticate_scope_inline(scope, clerk.call_options())
    m, u, h = _request._scope_parts(scope)
    assert state is not None
    assert view(state) == view(clerk.authenticate_request(method=m, url=u, headers=list(h)))


@pytest.mark.parametrize("scope", PYTHON_SHAPES)
def test_one_call_scope_path_leaves_other_shapes_to_the_general_path(dev: Any, scope: Dict[str, Any]) -> None:
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    assert clerk._native.authenticate_scope_inline(_with_token(scope, dev), clerk.call_options()) is None


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
