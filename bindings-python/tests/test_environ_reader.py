"""The native WSGI environ reader (WSGI middleware, Flask/Werkzeug, Django, environ dicts) reads
every environ exactly as the Python reader does, or leaves it to the Python reader; the
one-call path answers as the general path."""

from __future__ import annotations

import io
from typing import Any, Dict, List, Tuple

import pytest

import clerkauth
from clerkauth import _native, _request
from helpers import DROP, merged, outcome, token, view

def _environ(**over: Any) -> Dict[str, Any]:
    return merged({
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/api/data", "QUERY_STRING": "", "SERVER_NAME": "10.0.0.1",
        "SERVER_PORT": "8443", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(b""),
        "wsgi.multithread": True, "HTTP_HOST": "app.example.com", "HTTP_AUTHORIZATION": "Bearer x", "HTTP_ACCEPT": "*/*",
    }, over)


#: Environs the native reader reads: it must read each exactly as the Python reader does.
NATIVE_SHAPES = [
    _environ(),
    _environ(**{"wsgi.url_scheme": DROP}),
    _environ(**{"wsgi.url_scheme": "http"}),
    _environ(REQUEST_METHOD=DROP),
    _environ(REQUEST_METHOD="POST", CONTENT_TYPE="application/json", CONTENT_LENGTH="2"),
    _environ(CONTENT_TYPE="", CONTENT_LENGTH=""),
    _environ(QUERY_STRING="a=1&b=%20"),
    _environ(QUERY_STRING=DROP),
    _environ(SCRIPT_NAME="/mount", PATH_INFO="/orgs/acme"),
    _environ(PATH_INFO="/caf\u00e9/\u2603 x?#"),
    _environ(PATH_INFO="", SCRIPT_NAME=""),
    _environ(PATH_INFO=DROP, SCRIPT_NAME=DROP),
    _environ(PATH_INFO="/a/../b/%2F/./c"),
    _environ(RAW_URI="/raw/path?x=1", PATH_INFO="/ignored"),
    _environ(REQUEST_URI="/request/uri", PATH_INFO="/ignored"),
    _environ(RAW_URI="", REQUEST_URI="/second"),
    _environ(RAW_URI="http://absolute.example.com/x", PATH_INFO="/used"),
    _environ(HTTP_HOST=DROP),
    _environ(HTTP_HOST=DROP, SERVER_PORT="443"),
    _environ(HTTP_HOST=DROP, SERVER_PORT="80", **{"wsgi.url_scheme": "http"}),
    _environ(HTTP_HOST=DROP, SERVER_PORT=DROP, SERVER_NAME=DROP),
    _environ(HTTP_HOST="[::1]:8443"),
    _environ(HTTP_HOST=""),
    _environ(HTTP_X_FORWARDED_HOST="proxy.example.com", HTTP_X_FORWARDED_PROTO="https", HTTP_COOKIE="a=1; b=2"),
    _environ(HTTP_X_CUSTOM_HEADER_NAME="v", HTTP_="empty name"),
    _environ(HTTP_X_LATIN=b"caf\xe9"),
]

#: Environs only the Python reader handles (the native one answers None, never a guess).
PYTHON_SHAPES = [
    _environ(SERVER_PORT=8443, HTTP_HOST=DROP),
    _environ(HTTP_HOST=b"app.example.com"),
    _environ(REQUEST_METHOD=b"GET"),
    _environ(**{"wsgi.url_scheme": b"https"}),
    _environ(QUERY_STRING=b"a=1"),
    _environ(RAW_URI=b"/bytes"),
    _environ(HTTP_X_NUMBER=5),
    _environ(HTTP_X_NONE=None),
    _environ(HTTP_X_BYTEARRAY=bytearray(b"v")),
    _environ(**{"HTTP_X_CAF\u00c9": "non-ascii name"}),
    {**_environ(), 5: "int key"},
]


def _normalized(parts: Any) -> Tuple[str, str, List[Tuple[str, str]]]:
    method, url, headers = parts
    text = [(k, v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in headers]
    return method, url, text


@pytest.mark.parametrize("environ", NATIVE_SHAPES + PYTHON_SHAPES)
def test_native_environ_reader_reads_as_the_python_reader(environ: Dict[str, Any]) -> None:
    native = _native.read_environ(environ)
    if any(environ is e for e in PYTHON_SHAPES):
        assert native is None
    else:
        assert native is not None
        assert _normalized(native) == _normalized(_request._environ_parts(environ))
        assert native[2] == _native.environ_headers(environ)
    assert outcome(lambda: _request.from_environ(environ), _normalized) == outcome(lambda: _request._environ_parts(environ), _normalized)


@pytest.mark.parametrize("host", ["evil.example.com/orgs/org_2", "a b", "app.example.com:port", "@evil", "app.example.com?x"])
def test_native_environ_reader_refuses_the_hosts_the_python_reader_refuses(dev: Any, host: str) -> None:
    environ = _environ(HTTP_HOST=host)
    with pytest.raises(clerkauth.InvalidRequestError):
        _request._environ_parts(environ)
    with pytest.raises(clerkauth.InvalidRequestError):
        _native.read_environ(environ)
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key)
    with pytest.raises(clerkauth.InvalidRequestError):
        clerk.authenticate_request(environ)


@pytest.mark.parametrize("environ", NATIVE_SHAPES + PYTHON_SHAPES)
def test_one_call_environ_path_answers_as_the_general_path(dev: Any, environ: Dict[str, Any]) -> None:
    clerk = clerkauth.Authenticator(secret_key=dev.secret_key, publishable_key=dev.publishable_key, jwt_key=dev.jwt_key, authorized_parties=["https://app.example.com"])
    native_shape = not any(environ is e for e in PYTHON_SHAPES)
    environ = dict(environ, HTTP_AUTHORIZATION=f"Bearer {token(dev)}")
    general = outcome(lambda: clerk._native.authenticate(*_request._environ_parts(environ)), view)
    one_call = clerk._native.authenticate_environ(environ)
    if native_shape:
        assert one_call is not None and ("ok", view(one_call)) == general
    else:
        assert one_call is None
    # The public entry point answers as the general path, in one call or not (a dict without
    # REQUEST_METHOD is not taken for an environ).
    if "REQUEST_METHOD" in environ:
        assert outcome(lambda: clerk.authenticate_request(environ), view) == general
    else:
        assert outcome(lambda: clerk.authenticate_request(environ), view) == ("error", clerkauth.InvalidRequestError)
