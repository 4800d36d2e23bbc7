"""Reads method, absolute URL and header pairs from any framework's request object.

Supported: ASGI scopes and Starlette/FastAPI ``Request``/``WebSocket`` (anything with a
``scope``), Django ``HttpRequest`` (WSGI and ASGI), WSGI environs and Flask/Werkzeug
``Request`` (anything with an ``environ``), and any object with ``method``, ``url`` and
``headers`` (httpx.Request, requests.PreparedRequest, aiohttp ...), or a mapping
``{"method", "url", "headers"}``.

Where the framework gives the parts of a URL (scheme, Host header, request target) rather than
a URL, the core combines them (:func:`clerkauth._native.request_url`): the target is parsed
against the host as the reference's ``new URL(target, base)`` does, and a Host header that is
not ``host[:port]`` raises :class:`~clerkauth.InvalidRequestError` (the middlewares answer
400) instead of moving the path that organization patterns match.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union
from urllib.parse import quote

from . import _native
from ._errors import InvalidRequestError

Text = Union[str, bytes]
HeaderPairs = Sequence[Tuple[Text, Text]]
Parts = Tuple[str, str, Any]

_SAFE_PATH = "/:@!$&'()*+,;=~-._%"


def header_pairs(headers: Any) -> List[Tuple[Any, Any]]:
    """Header pairs from a mapping, a multi-dict or an iterable of pairs."""
    if type(headers) is list:  # pairs already (the native layer checks each one)
        return headers
    if headers is None:
        return []
    raw = getattr(headers, "raw", None)  # httpx and starlette Headers: the bytes as received
    if isinstance(raw, list):
        return raw
    multi_items = getattr(headers, "multi_items", None)
    if callable(multi_items):
        return list(multi_items())
    items = getattr(headers, "items", None)
    if callable(items):  # dict, CIMultiDict (all pairs), werkzeug Headers, CaseInsensitiveDict
        out: List[Tuple[Any, Any]] = []
        for k, v in items():
            if isinstance(v, (list, tuple)):
                out.extend((k, x) for x in v)
            else:
                out.append((k, v))
        return out
    try:
        return [(p[0], p[1]) for p in headers]
    except (TypeError, IndexError, KeyError):
        raise InvalidRequestError("headers must be a mapping or (name, value) pairs", "invalid-request") from None


def from_scope(scope: Mapping[str, Any]) -> Parts:
    """An ASGI HTTP or WebSocket scope. WebSocket upgrades become GET requests on http(s).
    The shape servers send is read natively (:func:`clerkauth._native.read_scope`), any other
    by :func:`_scope_parts`; both read a scope the same way."""
    if isinstance(scope, dict):
        parts = _native.read_scope(scope)
        if parts is not None:
            return parts
    return _scope_parts(scope)


def _scope_parts(scope: Mapping[str, Any]) -> Parts:
    scheme = scope.get("scheme") or "http"
    if scheme == "ws":
        scheme = "http"
    elif scheme == "wss":
        scheme = "https"
    headers = scope.get("headers") or []
    host = None
    for k, v in headers:
        if k == b"host" or k == "host":
            host = v.decode("latin-1") if isinstance(v, bytes) else v
            break
    if not host:
        server = scope.get("server")
        if server:
            h, port = server[0], server[1]
            if ":" in h and not h.startswith("["):
                h = f"[{h}]"
            host = h if port in (None, {"http": 80, "https": 443}[scheme]) else f"{h}:{port}"
        else:
            host = "localhost"
    raw_path = scope.get("raw_path")
    if isinstance(raw_path, (bytes, bytearray)) and raw_path:
        path = raw_path.decode("latin-1")
    else:
        path = quote(scope.get("path") or "/", safe=_SAFE_PATH)
    qs = scope.get("query_string") or b""
    if isinstance(qs, (bytes, bytearray)):
        qs = qs.decode("latin-1")
    target = path + (f"?{qs}" if qs else "")
    return scope.get("method") or "GET", _native.request_url(scheme, host, target), headers


def _environ_headers(environ: Mapping[str, Any]) -> List[Tuple[str, str]]:
    out = []
    for k, v in environ.items():
        if k.startswith("HTTP_"):
            out.append((k[5:].replace("_", "-").lower(), v))
        elif k in ("CONTENT_TYPE", "CONTENT_LENGTH") and v:
            out.append((k.replace("_", "-").lower(), v))
    return out


def _environ_host(environ: Mapping[str, Any], scheme: str) -> str:
    host = environ.get("HTTP_HOST")
    if host:
        return str(host)
    name = environ.get("SERVER_NAME") or "localhost"
    port = str(environ.get("SERVER_PORT") or "")
    default = "443" if scheme == "https" else "80"
    return name if not port or port == default else f"{name}:{port}"


def from_environ(environ: Mapping[str, Any]) -> Parts:
    """A WSGI environ (Flask/Werkzeug, Bottle, Pyramid/WebOb ...). A dict of ``str`` values,
    as servers send it, is read natively (:func:`clerkauth._native.read_environ`), any other
    by :func:`_environ_parts`; both read an environ the same way."""
    if type(environ) is dict:
        parts = _native.read_environ(environ)
        if parts is not None:
            return parts
    return _environ_parts(environ)


def _environ_parts(environ: Mapping[str, Any]) -> Parts:
    scheme = environ.get("wsgi.url_scheme") or "http"
    host = _environ_host(environ, scheme)
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        target = raw
    else:
        path = (environ.get("SCRIPT_NAME") or "") + (environ.get("PATH_INFO") or "")
        target = quote(path.encode("latin-1", "replace") or b"/", safe=_SAFE_PATH)
        qs = environ.get("QUERY_STRING")
        if qs:
            target += "?" + qs
    return environ.get("REQUEST_METHOD") or "GET", _native.request_url(scheme, host, target), _environ_headers(environ)


def from_django(request: Any) -> Parts:
    """A Django HttpRequest (WSGIRequest or ASGIRequest). The host is read without Django's
    ALLOWED_HOSTS validation (which stays Django's job); the scheme honours
    SECURE_PROXY_SSL_HEADER."""
    meta = request.META
    scheme = request.scheme or "http"
    host = _environ_host(meta, scheme)
    url = _native.request_url(scheme, host, request.get_full_path())
    headers = _native.environ_headers(meta) if type(meta) is dict else None
    return request.method or "GET", url, _environ_headers(meta) if headers is None else headers


def _extract_any(request: Any) -> Parts:
    """The general reader: tries each request shape in turn."""
    scope = getattr(request, "scope", None)
    if isinstance(scope, Mapping) and scope.get("type") in ("http", "websocket"):
        return from_scope(scope)
    if isinstance(request, Mapping):
        if request.get("type") in ("http", "websocket"):
            return from_scope(request)
        if "REQUEST_METHOD" in request:
            return from_environ(request)
        if "url" in request:
            return str(request.get("method") or "GET"), str(request["url"]), header_pairs(request.get("headers"))
        raise InvalidRequestError("unrecognised request mapping (need an ASGI scope, a WSGI environ or {method, url, headers})", "invalid-request")
    meta = getattr(request, "META", None)
    if isinstance(meta, Mapping) and hasattr(request, "get_full_path"):
        return from_django(request)
    environ = getattr(request, "environ", None)
    if isinstance(environ, Mapping) and "REQUEST_METHOD" in environ:
        return from_environ(environ)
    method = getattr(request, "method", None)
    url = getattr(request, "url", None)
    if url is None:
        raise InvalidRequestError(f"cannot read a request from {type(request).__name__!r}: it has no url", "invalid-request")
    return str(method or "GET"), str(url), header_pairs(getattr(request, "headers", None))


def _from_scope_attr(request: Any) -> Parts:
    scope = request.scope
    if type(scope) is dict and scope.get("type") in ("http", "websocket"):
        return from_scope(scope)
    return _extract_any(request)


def _from_django(request: Any) -> Parts:
    if type(request.META) is dict:
        return from_django(request)
    return _extract_any(request)


def _is_environ(environ: Any) -> bool:
    """Whether a request's ``environ`` is read as a WSGI environ (a dict with a method)."""
    return type(environ) is dict and "REQUEST_METHOD" in environ


def _from_environ_attr(request: Any) -> Parts:
    environ = request.environ
    if _is_environ(environ):
        return from_environ(environ)
    return _extract_any(request)


def _from_plain(request: Any) -> Parts:
    """``url``, ``method`` and ``headers`` attributes (httpx, requests ...). ``httpx`` requests
    and plain ``str`` URLs with a header list are read natively
    (:func:`clerkauth._native.read_object`), any other by the code below; both read the same."""
    parts = _native.read_object(request)
    if parts is not None:
        return parts
    return plain_parts(request)


def plain_parts(request: Any) -> Parts:
    url = request.url
    if url is None:
        return _extract_any(request)
    return str(request.method or "GET"), url if type(url) is str else str(url), header_pairs(request.headers)


def _reader_for(request: Any) -> Callable[[Any], Parts]:
    """The reader for this request's class: its shape is checked once per class, and the
    specialised readers re-check the instance (falling back to the general reader)."""
    if isinstance(request, Mapping):
        return _extract_any
    if isinstance(getattr(request, "scope", None), Mapping):
        return _from_scope_attr
    if isinstance(getattr(request, "META", None), Mapping) and hasattr(request, "get_full_path"):
        return _from_django
    environ = getattr(request, "environ", None)
    if isinstance(environ, Mapping) and "REQUEST_METHOD" in environ:
        return _from_environ_attr
    if hasattr(request, "url") and hasattr(request, "method") and hasattr(request, "headers"):
        return _from_plain
    return _extract_any


_READERS: Dict[type, Callable[[Any], Parts]] = {}
_MAX_READERS = 64
#: The classes read by :func:`_from_plain` (httpx requests ...): their requests go to
#: ``NativeAuthenticator.authenticate_object`` first (see ``Authenticator.authenticate_request``).
OBJECT_CLASSES: Set[type] = set()


def _reader(request: Any) -> Callable[[Any], Parts]:
    reader = _READERS.get(type(request))
    if reader is None:
        reader = _reader_for(request)
        if len(_READERS) < _MAX_READERS:
            _READERS[type(request)] = reader
            if reader is _from_plain:
                OBJECT_CLASSES.add(type(request))
    return reader


def extract(request: Any) -> Parts:
    """(method, url, headers) from a framework request object."""
    return _reader(request)(request)


def authenticate_environ(native: _native.NativeAuthenticator, environ: Mapping[str, Any], overrides: Optional[_native.Overrides], now_ms: Optional[float]) -> Any:
    """The state of a WSGI environ's request: a dict of ``str`` values read and decided in one
    native call, any other environ read by :func:`from_environ` first."""
    if type(environ) is dict:
        state = native.authenticate_environ(environ, overrides, now_ms)
        if state is not None:
            return state
    method, url, headers = _environ_parts(environ)
    return native.authenticate(method, url, headers, overrides, now_ms)


def authenticate_django(native: _native.NativeAuthenticator, request: Any, overrides: Optional[_native.Overrides], now_ms: Optional[float]) -> Any:
    """The state of a Django request: its ``META`` (a dict of ``str`` values) read and decided
    in one native call with the request's method, scheme and full path, any other read by
    :func:`from_django` first."""
    meta = request.META
    if type(meta) is dict:
        state = native.authenticate_environ(meta, overrides, now_ms, (request.method or "GET", request.scheme or "http", request.get_full_path()))
        if state is not None:
            return state
    method, url, headers = from_django(request)
    return native.authenticate(method, url, headers, overrides, now_ms)


def authenticate(native: _native.NativeAuthenticator, request: Any, overrides: Optional[_native.Overrides], now_ms: Optional[float]) -> Any:
    """The state of a framework request object read as :func:`extract` reads it: WSGI
    environs (Flask/Werkzeug requests too), Django and ``httpx`` requests in one native call."""
    reader = _reader(request)
    if reader is _from_plain:
        state = native.authenticate_object(request, overrides, now_ms)
        if state is not None:
            return state
        reader = plain_parts  # the shape the native reader left to Python
    elif reader is _from_django and type(request.META) is dict:
        return authenticate_django(native, request, overrides, now_ms)
    if reader is _from_environ_attr:
        environ = request.environ
    elif reader is _extract_any and type(request) is dict and request.get("type") not in ("http", "websocket"):
        environ = request  # _extract_any's order: an ASGI scope first, then an environ
    else:
        environ = None
    if _is_environ(environ):
        return authenticate_environ(native, environ, overrides, now_ms)
    method, url, headers = reader(request)
    return native.authenticate(method, url, headers, overrides, now_ms)


class WebSocketToken:
    """Where a WebSocket upgrade may carry its token: an offered subprotocol
    ``<protocol_prefix><token>`` (default ``clerk.session.``; None disables) and, opt-in, a
    query parameter (``query_param``)."""

    __slots__ = ("protocol_prefix", "query_param")

    def __init__(self, protocol_prefix: Optional[str] = "clerk.session.", query_param: Optional[str] = None) -> None:
        self.protocol_prefix = protocol_prefix
        self.query_param = query_param


DEFAULT_WEBSOCKET_TOKEN = WebSocketToken()


def websocket_upgrade(parts: Parts, token: WebSocketToken) -> Tuple[Parts, Optional[str], Optional[str]]:
    """The core's WebSocket upgrade: the request with the token moved into ``Authorization``
    (removed from the offered protocols / the URL), where it came from (``protocol``,
    ``query`` or None) and the first offered protocol that is not the token."""
    method, url, headers = parts
    headers = list(headers)
    # An ASGI WebSocket scope is an upgrade even where a server leaves the header out.
    if not any((k.lower() if isinstance(k, str) else k.lower().decode("latin-1")) == "upgrade" for k, _ in headers):
        headers.append(("upgrade", "websocket"))
    new_url, new_headers, source, selected = _native.websocket_request(method, url, headers, token.protocol_prefix, token.query_param)
    return (method, new_url, new_headers), source, selected
