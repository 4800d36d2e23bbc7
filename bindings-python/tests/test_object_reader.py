"""The native reader of request objects with ``url``/``method``/``headers`` attributes
(``httpx.Request``, plain objects with a ``str`` URL and a header list) reads each exactly as the
Python reader does, or leaves it to the Python reader; the one-call path answers as the general
path."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any, Callable, List, Tuple

import httpx
import pytest

import clerkauth
from clerkauth import _native, _request
from helpers import ORG, outcome, view

AZP = "https://app.example.com"


def token(dev: Any) -> str:
    return str(dev.session_token("user_1", "sess_1", int(time.time()), AZP, {"o": ORG}))


def _httpx(url: str, *, method: str = "GET", extra: Any = (), **kw: Any) -> Callable[[str], Any]:
    def make(tok: str) -> Any:
        return httpx.Request(method, url, headers=[("authorization", f"Bearer {tok}"), ("accept", "*/*"), *extra], **kw)

    return make


def _with(make: Callable[[str], Any], **attrs: Any) -> Callable[[str], Any]:
    """``make``'s request with attributes replaced after construction."""

    def made(tok: str) -> Any:
        r = make(tok)
        for k, v in attrs.items():
            setattr(r, k, v)
        return r

    return made


def _plain(url: Any, headers: Any = None, method: Any = "GET") -> Callable[[str], Any]:
    def make(tok: str) -> Any:
        h = [("authorization", f"Bearer {tok}")] if headers is None else headers
        return SimpleNamespace(url=url, method=method, headers=h)

    return make


class _StrUrl:
    """A URL object that is not httpx's: read with ``str()``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class _OverridingUrl(httpx.URL):
    """A subclass of httpx.URL with its own text: never read from its parsed parts."""

    def __str__(self) -> str:
        return "https://overridden.example.com/x"


class _LookalikeUrl:
    """A class named like httpx's, outside the httpx package, holding httpx's parsed parts
    with another text: never read from its parts."""

    __module__ = "httpxfake"

    def __init__(self, real: httpx.URL) -> None:
        self._uri_reference = real._uri_reference

    def __str__(self) -> str:
        return "https://lookalike.example.com/x"


_LookalikeUrl.__qualname__ = "URL"


class _Headers(httpx.Headers):
    """A subclass of httpx.Headers: left to the Python reader (its ``raw``)."""


#: Requests the native reader reads: it must read each exactly as the Python reader does.
NATIVE_SHAPES: List[Tuple[str, Callable[[str], Any]]] = [
    ("https", _httpx("https://app.example.com/api/data")),
    ("port and query", _httpx("http://app.example.com:8080/x?y=1&z=%20")),
    ("default port", _httpx("https://app.example.com:443/x")),
    ("userinfo", _httpx("https://user:secret@app.example.com/x")),
    ("ipv6", _httpx("https://[::1]:8443/p")),
    ("ipv6 no port", _httpx("http://[2001:db8::1]/p")),
    ("non-ascii path", _httpx("https://app.example.com/caf\u00e9/\u2603 x")),
    ("idna host", _httpx("https://b\u00fccher.example/x")),
    ("empty query", _httpx("https://app.example.com/x?")),
    ("fragment", _httpx("https://app.example.com/x#frag")),
    ("empty fragment", _httpx("https://app.example.com/x?q#")),
    ("no path", _httpx("https://app.example.com")),
    ("dot segments", _httpx("https://app.example.com/a/../b/%2F/./c")),
    ("params", _httpx("https://app.example.com/orgs/acme", params={"a": "b c", "d": ["1", "2"]})),
    ("post", _httpx("https://app.example.com/x", method="POST", content=b"{}")),
    ("lowercase method", _httpx("https://app.example.com/x", method="delete")),
    ("duplicate headers", _httpx("https://app.example.com/x", extra=[("x-a", "1"), ("X-A", "2"), ("Cookie", "a=1; b=2")])),
    ("latin-1 header", _httpx("https://app.example.com/x", extra=[("x-latin", b"caf\xe9")])),
    ("forwarded", _httpx("https://10.0.0.1:8443/x", extra=[("x-forwarded-host", "proxy.example.com"), ("x-forwarded-proto", "https")])),
    ("host header", _httpx("https://app.example.com/x", extra=[("host", "other.example.com")])),
    ("method None", _with(_httpx("https://app.example.com/x"), method=None)),
    ("method empty", _with(_httpx("https://app.example.com/x"), method="")),
    ("url subclass", _with(_httpx("https://app.example.com/x"), url=_OverridingUrl("https://app.example.com/x"))),
    ("url lookalike", _with(_httpx("https://app.example.com/x"), url=_LookalikeUrl(httpx.URL("https://app.example.com/x")))),
    ("url str", _with(_httpx("https://app.example.com/x"), url="https://app.example.com/str")),
    ("plain str url", _plain("https://app.example.com/plain?x=1")),
    ("plain url object", _plain(_StrUrl("https://app.example.com/object"))),
    ("plain bytes headers", lambda tok: SimpleNamespace(url=AZP + "/b", method="GET", headers=[(b"authorization", f"Bearer {tok}".encode())])),
]

#: Requests only the Python reader handles (the native one answers None, never a guess).
PYTHON_SHAPES: List[Tuple[str, Callable[[str], Any]]] = [
    ("headers dict", lambda tok: SimpleNamespace(url=AZP + "/x", method="GET", headers={"authorization": f"Bearer {tok}"})),
    ("headers subclass", lambda tok: SimpleNamespace(url=httpx.URL(AZP + "/x"), method="GET", headers=_Headers({"authorization": f"Bearer {tok}"}))),
    ("headers tuple", lambda tok: SimpleNamespace(url=AZP + "/x", method="GET", headers=(("authorization", f"Bearer {tok}"),))),
    ("bytes method", _plain(AZP + "/x", method=b"GET")),
    ("url None", _plain(None)),
    ("no headers attribute", lambda tok: SimpleNamespace(url=AZP + "/x", method="GET")),
]

ALL = NATIVE_SHAPES + PYTHON_SHAPES
IDS = [name for name, _ in ALL]


def _normalized(parts: Any) -> Tuple[str, str, List[Tuple[str, str]]]:
    method, url, headers = parts
    text = [tuple(x.decode("latin-1") if isinstance(x, bytes) else x for x in pair) for pair in headers]
    return method, url, text


def _native_shape(name: str) -> bool:
    return any(name == n for n, _ in NATIVE_SHAPES)


@pytest.mark.parametrize("name,make", ALL, ids=IDS)
def test_native_object_reader_reads_as_the_python_reader(name: str, make: Callable[[str], Any]) -> None:
    request = make("x")
    native = _native.read_object(request)
    if not _native_shape(name):
        assert native is None
    else:
        assert native is not None
        assert _normalized(native) == _normalized(_request.plain_parts(request))
    assert outcome(lambda: _request._from_plain(request), _normalized) == outcome(lambda: _request.plain_parts(request), _normalized)


def test_httpx_urls_are_read_from_their_parts() -> None:
    """The URL text of an httpx request is what ``str(request.url)`` gives, for each shape
    above and for URLs httpx normalises (a default port, IDNA, percent-encoding)."""
    for name, make in NATIVE_SHAPES:
        request = make("x")
        parts = _native.read_object(request)
        assert parts is not None and parts[1] == str(request.url), name
    for url in ["https://B\u00dcCHER.example:443/%7e a", "HTTPS://APP.example.com/X", "https://app.example.com:8443", "http://127.0.0.1:80/x?a=%zz"]:
        request = httpx.Request("GET", url)
        parts = _native.read_object(request)
        assert parts is not None and parts[1] == str(request.url), url


@pytest.mark.parametrize("name,make", ALL, ids=IDS)
def test_one_call_object_path_answers_as_the_general_path(dev: Any, name: str, make: Callable[[str], Any]) -> None:
    clerk = clerkauth.Authenticator(
        secret_key=dev.secret_key,
        publishable_key=dev.publishable_key,
        jwt_key=dev.jwt_key,
        authorized_parties=[AZP],
        organization_sync_options={"organization_patterns": ["/orgs/:slug"]},
    )
    request = make(token(dev))
    general = outcome(lambda: clerk._native.authenticate(*_request.plain_parts(request)), view)
    one_call = outcome(lambda: clerk._native.authenticate_object(request), lambda s: None if s is None else view(s))
    if _native_shape(name):
        assert one_call == general
    else:
        assert one_call == ("ok", None)
    # The public entry point answers as the general path: the first request of a class through
    # the reader dispatch, later ones (OBJECT_CLASSES) through authenticate_object first, with
    # the Python reader for the shapes it leaves.
    for _ in range(2):
        assert outcome(lambda: clerk.authenticate_request(request), view) == outcome(lambda: clerk._native.authenticate(*_request.extract(request)), view)
    assert type(request) in _request.OBJECT_CLASSES
    if general[0] == "ok" and name.startswith(("https", "params", "plain str")):
        assert general[1][0] == "signed-in", general


@pytest.mark.parametrize("host", ["evil.example.com/orgs/org_2", "a b", "@evil"])
def test_a_hostile_host_header_answers_as_the_general_path(dev: Any, host: str) -> None:
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key, authorized_parties=[AZP])
    request = httpx.Request("GET", AZP + "/orgs/acme", headers={"authorization": f"Bearer {token(dev)}", "host": host})
    assert outcome(lambda: clerk.authenticate_request(request), view) == outcome(lambda: clerk._native.authenticate(*_request.plain_parts(request)), view)


def test_httpx_url_and_headers_are_read_without_httpx_python_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx's own classes are recognised and read from their parsed parts: with httpx's
    ``URL.__str__`` and ``Headers.raw`` replaced, the native reader still reads the request."""
    request = httpx.Request("GET", "https://app.example.com/parts?x=1", headers={"authorization": "Bearer x"})
    expected = _native.read_object(request)
    monkeypatch.setattr(httpx.URL, "__str__", lambda self: "https://patched.example.com/")
    monkeypatch.setattr(httpx.Headers, "raw", property(lambda self: [(b"x-patched", b"1")]))
    assert str(request.url) == "https://patched.example.com/"
    assert _native.read_object(request) == expected
    assert expected is not None and expected[1] == "https://app.example.com/parts?x=1"
    assert ("authorization", "Bearer x") in expected[2]
