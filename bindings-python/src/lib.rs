//! `clerkauth._native`: the private native module under the pure-Python `clerkauth` package.
//!
//! Thin by design: it turns Python values into the core's plain data (method, URL, header
//! pairs, options JSON), calls the core with the GIL released, and converts the results back.
//! Every call into the core runs inside a panic guard, so no `PanicException` can escape:
//! a panic becomes a `clerkauth.ClerkAuthError` with code `unexpected-error`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};

use clerkauth::devinstance::DevInstance as CoreDevInstance;
use clerkauth::{AuthObject, Authenticator as CoreAuthenticator, Error, ErrorCode, HasCheck, KeyCase, OptionKind, Options, Request, SyncTarget, OPTION_NAMES};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// Errors and the panic guard
// ---------------------------------------------------------------------------------------------

/// Builds the Python exception for a core error code (classes live in `clerkauth._errors`).
fn py_error(py: Python<'_>, code: &str, message: &str) -> PyErr {
    let made = py.import("clerkauth._errors").and_then(|m| m.getattr("_from_code")).and_then(|f| f.call1((code, message)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// `clerkauth.TokenVerificationError(message, reason, action)`.
fn token_error(py: Python<'_>, reason: &str, message: &str, action: Option<&str>) -> PyErr {
    let made = py.import("clerkauth._errors").and_then(|m| m.getattr("TokenVerificationError")).and_then(|c| c.call1((message, reason, action)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

fn core_error(py: Python<'_>, e: &Error) -> PyErr {
    py_error(py, e.code().as_str(), e.message())
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs `f`, turning a panic into an `unexpected-error`.
fn guard<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(Error::new(ErrorCode::Unexpected, format!("internal error in clerkauth: {}", panic_message(p.as_ref())))),
    }
}

// ---------------------------------------------------------------------------------------------
// String enums (clerkauth._types)
// ---------------------------------------------------------------------------------------------

static STATUS_MEMBERS: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
static TOKEN_TYPE_MEMBERS: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
static REASON_MEMBERS: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// The member of the `clerkauth._types` enum `class` whose value is `value`, or the plain
/// string when it has none (a reason carrying a Backend API error code).
fn enum_member<'py>(py: Python<'py>, cell: &'static PyOnceLock<Py<PyDict>>, class: &str, value: &str) -> PyResult<Bound<'py, PyAny>> {
    let members = cell.get_or_try_init(py, || -> PyResult<Py<PyDict>> {
        let cls = py.import("clerkauth._types")?.getattr(class)?;
        Ok(cls.getattr("_value2member_map_")?.cast_into::<PyDict>()?.unbind())
    })?;
    Ok(match members.bind(py).get_item(value)? {
        Some(m) => m,
        None => PyString::new(py, value).into_any(),
    })
}

// ---------------------------------------------------------------------------------------------
// Value conversion
// ---------------------------------------------------------------------------------------------

fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let l = PyList::empty(py);
            for x in a {
                l.append(to_py(py, x)?)?;
            }
            l.into_any()
        }
        Value::Object(m) => map_to_py(py, m)?.into_any(),
    })
}

fn map_to_py<'py>(py: Python<'py>, m: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, x) in m {
        d.set_item(k, to_py(py, x)?)?;
    }
    Ok(d)
}

fn from_py(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > 64 {
        return Err(PyTypeError::new_err("value nested too deeply"));
    }
    if obj.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = obj.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            Ok(Value::from(i))
        } else if let Ok(u) = obj.extract::<u64>() {
            Ok(Value::from(u))
        } else {
            Ok(serde_json::Number::from_f64(obj.extract::<f64>()?).map(Value::Number).unwrap_or(Value::Null))
        }
    } else if obj.is_instance_of::<PyFloat>() {
        Ok(serde_json::Number::from_f64(obj.extract::<f64>()?).map(Value::Number).unwrap_or(Value::Null))
    } else if let Ok(s) = obj.cast::<PyString>() {
        Ok(Value::String(s.to_cow()?.into_owned()))
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| PyTypeError::new_err("dictionary keys must be strings"))?.to_cow()?.into_owned();
            m.insert(key, from_py(&v, depth + 1)?);
        }
        Ok(Value::Object(m))
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut a = Vec::new();
        for x in obj.try_iter()? {
            a.push(from_py(&x?, depth + 1)?);
        }
        Ok(Value::Array(a))
    } else {
        Err(PyTypeError::new_err(format!("unsupported value of type {}", obj.get_type().name()?)))
    }
}

/// A `str`, or `bytes` decoded as latin-1 (the HTTP header encoding used by ASGI and WSGI).
fn text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(latin1(b.as_bytes()));
    }
    Err(py_error(py, "invalid-request", &format!("{what} must be str or bytes, not {}", obj.get_type().name()?)))
}

/// Bytes as Latin-1 text (each byte one character), as HTTP header bytes are read.
fn latin1(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        // ASCII (every token, nearly every header) is the same text in UTF-8: one copy.
        Ok(s) if b.is_ascii() => s.to_owned(),
        _ => b.iter().map(|&c| c as char).collect(),
    }
}

fn extract_headers(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let py = headers.py();
    let bad = || py_error(py, "invalid-request", "headers must be an iterable of (name, value) pairs");
    let pair = |item: &Bound<'_, PyAny>| -> PyResult<(String, String)> {
        let (k, v) = if let Ok(t) = item.cast::<PyTuple>() {
            if t.len() != 2 {
                return Err(bad());
            }
            (t.get_item(0)?, t.get_item(1)?)
        } else if let Ok(l) = item.cast::<PyList>() {
            if l.len() != 2 {
                return Err(bad());
            }
            (l.get_item(0)?, l.get_item(1)?)
        } else {
            return Err(bad());
        };
        Ok((text(&k, "header name")?, text(&v, "header value")?))
    };
    if let Ok(list) = headers.cast::<PyList>() {
        return list.iter().map(|item| pair(&item)).collect();
    }
    headers.try_iter().map_err(|_| bad())?.map(|item| pair(&item?)).collect()
}

fn read_request(method: &Bound<'_, PyAny>, url: &Bound<'_, PyAny>, headers: &Bound<'_, PyAny>) -> PyResult<Request> {
    Ok(Request { method: text(method, "method")?, url: text(url, "url")?, headers: extract_headers(headers)? })
}

/// Latin-1 text of `bytes`/`bytearray` or a `str` as it is; `None` for anything else.
fn scope_text(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(latin1(b.as_bytes())));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Some(latin1(&b.to_vec())));
    }
    Ok(None)
}

/// `d.get(key) or default` as Python reads it: a missing, `None` or empty value gives `None`.
fn dict_item<'py>(d: &Bound<'py, PyDict>, key: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match d.get_item(key)? {
        Some(v) if v.is_truthy()? => Ok(Some(v)),
        _ => Ok(None),
    }
}

/// `d.get(key) or default` when it is a `str`; `None` for a value of another type.
fn dict_str<'py>(d: &Bound<'py, PyDict>, key: &Bound<'py, PyString>, default: &str) -> PyResult<Option<String>> {
    match dict_item(d, key)? {
        None => Ok(Some(default.to_string())),
        Some(v) => match v.cast::<PyString>() {
            Ok(s) => Ok(Some(s.to_cow()?.into_owned())),
            Err(_) => Ok(None),
        },
    }
}

/// An ASGI scope's `(method, absolute URL, header list)` exactly as `clerkauth._request.from_scope`
/// reads it, for the shape servers send: `str` scheme and method, a `host` header, a non-empty
/// bytes `raw_path`. `None` for any other shape (no Host header, a `path` only, odd types): the
/// Python reader handles those. The header list is the scope's own.
fn scope_parts<'py>(scope: &Bound<'py, PyDict>) -> PyResult<Option<(String, String, Bound<'py, PyAny>)>> {
    let py = scope.py();
    let Some(scheme) = dict_str(scope, intern!(py, "scheme"), "http")? else { return Ok(None) };
    let scheme = match scheme.as_str() {
        "ws" => "http".to_string(),
        "wss" => "https".to_string(),
        _ => scheme,
    };
    let Some(headers) = dict_item(scope, intern!(py, "headers"))? else { return Ok(None) };
    let Ok(list) = headers.cast::<PyList>() else { return Ok(None) };
    let mut host = None;
    for item in list.iter() {
        let Ok(pair) = item.cast::<PyTuple>() else { return Ok(None) };
        if pair.len() != 2 {
            return Ok(None);
        }
        let name = pair.get_item(0)?;
        let is_host = if let Ok(b) = name.cast::<PyBytes>() {
            b.as_bytes() == b"host"
        } else if let Ok(s) = name.cast::<PyString>() {
            s.to_cow()? == "host"
        } else {
            return Ok(None);
        };
        if is_host {
            let value = pair.get_item(1)?;
            if value.cast::<PyByteArray>().is_ok() {
                return Ok(None);
            }
            host = scope_text(&value)?;
            break;
        }
    }
    let Some(host) = host.filter(|h| !h.is_empty()) else { return Ok(None) };
    let Some(raw_path) = dict_item(scope, intern!(py, "raw_path"))? else { return Ok(None) };
    if raw_path.cast::<PyString>().is_ok() {
        return Ok(None);
    }
    let Some(mut target) = scope_text(&raw_path)? else { return Ok(None) };
    if let Some(qs) = dict_item(scope, intern!(py, "query_string"))? {
        let Some(qs) = scope_text(&qs)? else { return Ok(None) };
        if !qs.is_empty() {
            target.push('?');
            target.push_str(&qs);
        }
    }
    let Some(method) = dict_str(scope, intern!(py, "method"), "GET")? else { return Ok(None) };
    let url = guard(|| clerkauth::request_url(&scheme, &host, &target)).map_err(|e| core_error(py, &e))?;
    Ok(Some((method, url, headers)))
}

/// Python's `urllib.parse.quote(path.encode("latin-1", "replace") or b"/", safe=_SAFE_PATH)`
/// as `clerkauth._request` quotes a WSGI path.
fn quote_path(path: &str) -> String {
    const SAFE: &[u8] = b"/:@!$&'()*+,;=~-._%";
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        let b = u8::try_from(u32::from(c)).unwrap_or(b'?');
        if b.is_ascii_alphanumeric() || SAFE.contains(&b) {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.extend(['%', char::from(HEX[usize::from(b >> 4)]), char::from(HEX[usize::from(b & 15)])]);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The header pairs of a WSGI environ as `clerkauth._request._environ_headers` lists them
/// (`HTTP_*` keys, and `CONTENT_TYPE` / `CONTENT_LENGTH` when not empty), as Rust strings:
/// `None` for a key that is not an ASCII `str` or a header value that is not `str`/`bytes`.
fn environ_headers(environ: &Bound<'_, PyDict>) -> PyResult<Option<Vec<(String, String)>>> {
    let mut out = Vec::with_capacity(environ.len());
    for (k, v) in environ.iter() {
        let Ok(k) = k.cast::<PyString>() else { return Ok(None) };
        let k = k.to_cow()?;
        let name = if let Some(rest) = k.strip_prefix("HTTP_") {
            rest
        } else if (k == "CONTENT_TYPE" || k == "CONTENT_LENGTH") && v.is_truthy()? {
            k.as_ref()
        } else {
            continue;
        };
        if !name.is_ascii() {
            return Ok(None);
        }
        if v.cast::<PyByteArray>().is_ok() {
            return Ok(None);
        }
        let Some(value) = scope_text(&v)? else { return Ok(None) };
        out.push((name.replace('_', "-").to_ascii_lowercase(), value));
    }
    Ok(Some(out))
}

/// The host of a WSGI environ as `clerkauth._request._environ_host` reads it: `HTTP_HOST`, else
/// `SERVER_NAME` with a `SERVER_PORT` that is not the scheme's default. `None` for a value
/// that is not a `str`.
fn environ_host(environ: &Bound<'_, PyDict>, scheme: &str) -> PyResult<Option<String>> {
    let py = environ.py();
    if let Some(host) = dict_item(environ, intern!(py, "HTTP_HOST"))? {
        return host.cast_exact::<PyString>().ok().map(|h| h.to_cow().map(|h| h.into_owned())).transpose();
    }
    let Some(name) = dict_str(environ, intern!(py, "SERVER_NAME"), "localhost")? else { return Ok(None) };
    let Some(port) = dict_str(environ, intern!(py, "SERVER_PORT"), "")? else { return Ok(None) };
    let default = if scheme == "https" { "443" } else { "80" };
    Ok(Some(if port.is_empty() || port == default { name } else { format!("{name}:{port}") }))
}

/// The request target of a WSGI environ as `clerkauth._request._environ_parts` reads it:
/// `RAW_URI` / `REQUEST_URI` when it starts with `/`, else the quoted `SCRIPT_NAME` +
/// `PATH_INFO` and the `QUERY_STRING`. `None` for a value that is not a `str`.
fn environ_target(environ: &Bound<'_, PyDict>) -> PyResult<Option<String>> {
    let py = environ.py();
    let raw = match dict_item(environ, intern!(py, "RAW_URI"))? {
        Some(raw) => Some(raw),
        None => dict_item(environ, intern!(py, "REQUEST_URI"))?,
    };
    if let Some(raw) = raw {
        let Ok(raw) = raw.cast_exact::<PyString>() else { return Ok(None) };
        let raw = raw.to_cow()?;
        if raw.starts_with('/') {
            return Ok(Some(raw.into_owned()));
        }
    }
    let Some(script) = dict_str(environ, intern!(py, "SCRIPT_NAME"), "")? else { return Ok(None) };
    let Some(path) = dict_str(environ, intern!(py, "PATH_INFO"), "")? else { return Ok(None) };
    let Some(qs) = dict_str(environ, intern!(py, "QUERY_STRING"), "")? else { return Ok(None) };
    let mut target = quote_path(&(script + &path));
    if !qs.is_empty() {
        target.push('?');
        target.push_str(&qs);
    }
    Ok(Some(target))
}

/// What a Django `HttpRequest` gives beyond its `META`, by its own rules: `(method, scheme
/// (with `SECURE_PROXY_SSL_HEADER`), full path)`.
type DjangoParts = (String, String, String);

/// A WSGI environ's request exactly as `clerkauth._request.from_environ` reads it (with
/// `django`: as `from_django` reads a Django request with this `META`), for `str` values, the
/// shape servers send; `None` for any other shape, which the Python reader handles. A Host
/// that is not `host[:port]` raises `InvalidRequestError`, as the Python reader does.
fn environ_parts(environ: &Bound<'_, PyDict>, django: Option<DjangoParts>) -> PyResult<Option<Request>> {
    let py = environ.py();
    let (method, scheme, target) = match django {
        Some(parts) => parts,
        None => {
            let Some(scheme) = dict_str(environ, intern!(py, "wsgi.url_scheme"), "http")? else { return Ok(None) };
            let Some(target) = environ_target(environ)? else { return Ok(None) };
            let Some(method) = dict_str(environ, intern!(py, "REQUEST_METHOD"), "GET")? else { return Ok(None) };
            (method, scheme, target)
        }
    };
    let Some(host) = environ_host(environ, &scheme)? else { return Ok(None) };
    let url = guard(|| clerkauth::request_url(&scheme, &host, &target)).map_err(|e| core_error(py, &e))?;
    let Some(headers) = environ_headers(environ)? else { return Ok(None) };
    Ok(Some(Request { method, url, headers }))
}

/// A class recognised by its package and name the first time one of its instances is seen, and
/// held (so its address stays its own) to recognise the next ones with one comparison.
struct KnownClass {
    cell: PyOnceLock<Py<PyType>>,
    /// The package: the class's `__module__` is it or one of its modules.
    package: &'static str,
    name: &'static str,
    /// The class's `_fields`, for a named tuple whose layout is read by position.
    fields: Option<&'static [&'static str]>,
}

impl KnownClass {
    const fn new(package: &'static str, name: &'static str, fields: Option<&'static [&'static str]>) -> Self {
        KnownClass { cell: PyOnceLock::new(), package, name, fields }
    }

    /// Whether `obj`'s class is exactly this class (not a subclass, which may read differently).
    fn is_class_of(&self, obj: &Bound<'_, PyAny>) -> bool {
        let py = obj.py();
        let ty = obj.get_type();
        if let Some(known) = self.cell.get(py) {
            return ty.is(known);
        }
        let module = ty.module().is_ok_and(|m| m.to_cow().is_ok_and(|m| m.strip_prefix(self.package).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))));
        let fields_match = || match self.fields {
            None => true,
            Some(want) => ty.getattr(intern!(py, "_fields")).is_ok_and(|f| f.extract::<Vec<String>>().is_ok_and(|f| f == want)),
        };
        let recognised = module && ty.qualname().is_ok_and(|n| n.to_cow().is_ok_and(|n| n == self.name)) && fields_match();
        if recognised {
            let _ = self.cell.set(py, ty.unbind());
        }
        recognised
    }
}

/// `httpx.URL`: its text is `str(url._uri_reference)`, a `ParseResult`.
static HTTPX_URL: KnownClass = KnownClass::new("httpx", "URL", None);
static HTTPX_PARSE_RESULT: KnownClass = KnownClass::new("httpx", "ParseResult", Some(&["scheme", "userinfo", "host", "port", "path", "query", "fragment"]));
/// `httpx.Headers`: its `raw` pairs are items 0 and 2 of each `_list` entry.
static HTTPX_HEADERS: KnownClass = KnownClass::new("httpx", "Headers", None);

/// An `httpx.URL`'s `str(url)` built from its parsed parts as `ParseResult.__str__` builds it,
/// without running that Python code; `None` for any other object or an unexpected layout.
fn httpx_url_text(url: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let py = url.py();
    if !HTTPX_URL.is_class_of(url) {
        return Ok(None);
    }
    let Ok(parsed) = url.getattr(intern!(py, "_uri_reference")) else { return Ok(None) };
    if !HTTPX_PARSE_RESULT.is_class_of(&parsed) {
        return Ok(None);
    }
    let Ok(parts) = parsed.cast::<PyTuple>() else { return Ok(None) };
    if parts.len() != 7 {
        return Ok(None);
    }
    let text = |i: usize| -> PyResult<Option<Option<String>>> {
        let item = parts.get_item(i)?;
        if item.is_none() {
            return Ok(Some(None));
        }
        Ok(item.cast_exact::<PyString>().ok().map(|s| s.to_cow().map(|s| s.into_owned())).transpose()?.map(Some))
    };
    let (Some(Some(scheme)), Some(Some(userinfo)), Some(Some(host)), Some(Some(path)), Some(query), Some(fragment)) = (text(0)?, text(1)?, text(2)?, text(4)?, text(5)?, text(6)?) else {
        return Ok(None);
    };
    let port = parts.get_item(3)?;
    let port = if port.is_none() {
        None
    } else if port.is_exact_instance_of::<PyInt>() {
        match port.extract::<u64>() {
            Ok(p) => Some(p),
            Err(_) => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    let mut authority = String::new();
    if !userinfo.is_empty() {
        authority.push_str(&userinfo);
        authority.push('@');
    }
    if host.contains(':') {
        authority.push('[');
        authority.push_str(&host);
        authority.push(']');
    } else {
        authority.push_str(&host);
    }
    if let Some(port) = port {
        authority.push(':');
        authority.push_str(&port.to_string());
    }
    let mut out = String::with_capacity(scheme.len() + authority.len() + path.len() + 8);
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push(':');
    }
    if !authority.is_empty() {
        out.push_str("//");
        out.push_str(&authority);
    }
    out.push_str(&path);
    if let Some(query) = query {
        out.push('?');
        out.push_str(&query);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&fragment);
    }
    Ok(Some(out))
}

/// An `httpx.Headers`' `raw` pairs read from its `_list` of `(raw name, lower name, value)`;
/// `None` for any other object or an unexpected layout.
fn httpx_header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Option<Vec<(String, String)>>> {
    let py = headers.py();
    if !HTTPX_HEADERS.is_class_of(headers) {
        return Ok(None);
    }
    let Ok(list) = headers.getattr(intern!(py, "_list")) else { return Ok(None) };
    let Ok(list) = list.cast_exact::<PyList>() else { return Ok(None) };
    let mut out = Vec::with_capacity(list.len());
    for item in list.iter() {
        let Ok(entry) = item.cast_exact::<PyTuple>() else { return Ok(None) };
        if entry.len() != 3 {
            return Ok(None);
        }
        let (Some(name), Some(value)) = (scope_text(&entry.get_item(0)?)?, scope_text(&entry.get_item(2)?)?) else { return Ok(None) };
        out.push((name, value));
    }
    Ok(Some(out))
}

/// A request object with `url`, `method` and `headers` attributes (`httpx.Request`, or any
/// with a `str` URL and a header list) read exactly as `clerkauth._request._from_plain` reads
/// it: `str(method or "GET")`, `str(url)`, the header pairs. `httpx` URLs and headers are read
/// from their parsed parts, without running httpx's Python code. `None` for any other shape
/// (a non-`str` method, other header containers, a `None` URL), which the Python reader handles.
fn object_parts(request: &Bound<'_, PyAny>) -> PyResult<Option<Request>> {
    let py = request.py();
    let (Ok(url), Ok(method), Ok(headers)) = (request.getattr(intern!(py, "url")), request.getattr(intern!(py, "method")), request.getattr(intern!(py, "headers"))) else {
        return Ok(None);
    };
    let method = if method.is_none() {
        "GET".to_string()
    } else if let Ok(m) = method.cast_exact::<PyString>() {
        let m = m.to_cow()?;
        if m.is_empty() {
            "GET".to_string()
        } else {
            m.into_owned()
        }
    } else {
        return Ok(None);
    };
    let headers = if let Ok(list) = headers.cast_exact::<PyList>() {
        extract_headers(list.as_any())?
    } else if let Some(pairs) = httpx_header_pairs(&headers)? {
        pairs
    } else {
        return Ok(None);
    };
    let url = if let Ok(s) = url.cast_exact::<PyString>() {
        s.to_cow()?.into_owned()
    } else if url.is_none() {
        return Ok(None);
    } else if let Some(text) = httpx_url_text(&url)? {
        text
    } else {
        url.str()?.to_cow()?.into_owned()
    };
    Ok(Some(Request { method, url, headers }))
}

// ---------------------------------------------------------------------------------------------
// Getters declared once
// ---------------------------------------------------------------------------------------------

/// The `#[pymethods] impl` block of a class: one `#[getter]` for each field named in the
/// `Class { ... }` list, then the methods written out after it. (`#[pymethods]` sees its body
/// before macros expand, so the macro has to write the whole block.) Field lists, each optional:
/// - `inner_str: a, b;` returns `&self.inner.a` (a `String`) as `str`;
/// - `inner_opt_str: a, b;` returns `self.inner.a.as_deref()` (an `Option<String>`) as `str | None`;
/// - `json: a => "key";` returns `self.field(py, "key")` (the auth object's JSON value, or None).
macro_rules! pymethods_with_getters {
    (
        $ty:ident {
            $(inner_str: $($s:ident),+ $(,)? ;)?
            $(inner_opt_str: $($o:ident),+ $(,)? ;)?
            $(json: $($j:ident => $key:literal),+ $(,)? ;)?
        }
        $($rest:tt)*
    ) => {
        #[pymethods]
        impl $ty {
            $($(
                #[getter]
                fn $s(&self) -> &str {
                    &self.inner.$s
                }
            )+)?
            $($(
                #[getter]
                fn $o(&self) -> Option<&str> {
                    self.inner.$o.as_deref()
                }
            )+)?
            $($(
                #[getter]
                fn $j<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    self.field(py, $key)
                }
            )+)?
            $($rest)*
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/// Per-call option overrides, parsed once (the Python façade caches these).
#[pyclass(module = "clerkauth._native", frozen)]
struct Overrides {
    opts: Arc<Options>,
}

#[pymethods]
impl Overrides {
    #[new]
    fn new(py: Python<'_>, options_json: &str) -> PyResult<Self> {
        let s = options_json.to_string();
        let opts = py.detach(move || guard(|| Options::from_json_str_in(&s, KeyCase::Snake))).map_err(|e| core_error(py, &e))?;
        Ok(Overrides { opts: Arc::new(opts) })
    }
}

// ---------------------------------------------------------------------------------------------
// Authenticator
// ---------------------------------------------------------------------------------------------

/// The native authenticator (wrapped by `clerkauth.Authenticator`).
#[pyclass(module = "clerkauth._native", name = "NativeAuthenticator", frozen)]
struct NativeAuthenticator {
    inner: Arc<CoreAuthenticator>,
}

#[pymethods]
impl NativeAuthenticator {
    #[new]
    fn new(py: Python<'_>, options_json: &str) -> PyResult<Self> {
        let s = options_json.to_string();
        let inner = py.detach(move || guard(|| Options::from_json_str_in(&s, KeyCase::Snake).and_then(CoreAuthenticator::new))).map_err(|e| core_error(py, &e))?;
        Ok(NativeAuthenticator { inner: Arc::new(inner) })
    }

    /// Authenticates (method, url, header pairs) with optional overrides and clock (ms).
    /// The GIL is released while the core verifies tokens and calls the Backend API.
    #[pyo3(signature = (method, url, headers, overrides=None, now_ms=None))]
    fn authenticate(
        &self,
        py: Python<'_>,
        method: &Bound<'_, PyAny>,
        url: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        overrides: Option<&Bound<'_, Overrides>>,
        now_ms: Option<f64>,
    ) -> PyResult<RequestState> {
        let request = read_request(method, url, headers)?;
        let (state, ctx) = self.run(py, request, overrides, |auth, request, opts| auth.authenticate_with(request, opts, now_ms))?;
        Ok(RequestState { inner: state, ctx })
    }

    /// `authenticate` on a WSGI environ read natively (see `read_environ`): `None`, having
    /// sent nothing, for a shape only the Python reader handles. A Host that is not
    /// `host[:port]` raises `InvalidRequestError`, as the Python reader does.
    /// `django`: `(method, scheme, full path)` of a Django request whose `META` this is.
    #[pyo3(signature = (environ, overrides=None, now_ms=None, django=None))]
    fn authenticate_environ(
        &self,
        py: Python<'_>,
        environ: &Bound<'_, PyDict>,
        overrides: Option<&Bound<'_, Overrides>>,
        now_ms: Option<f64>,
        django: Option<DjangoParts>,
    ) -> PyResult<Option<RequestState>> {
        let Some(request) = environ_parts(environ, django)? else { return Ok(None) };
        let (state, ctx) = self.run(py, request, overrides, |auth, request, opts| auth.authenticate_with(request, opts, now_ms))?;
        Ok(Some(RequestState { inner: state, ctx }))
    }

    /// `authenticate` on a request object read natively (see `read_object`): `None`, having
    /// sent nothing, for a shape only the Python reader handles.
    #[pyo3(signature = (request, overrides=None, now_ms=None))]
    fn authenticate_object(&self, py: Python<'_>, request: &Bound<'_, PyAny>, overrides: Option<&Bound<'_, Overrides>>, now_ms: Option<f64>) -> PyResult<Option<RequestState>> {
        let Some(request) = object_parts(request)? else { return Ok(None) };
        let (state, ctx) = self.run(py, request, overrides, |auth, request, opts| auth.authenticate_with(request, opts, now_ms))?;
        Ok(Some(RequestState { inner: state, ctx }))
    }

    /// The no-network path: the state when the core decides without the Backend API (a
    /// `jwtKey`, warm JWKS, cached memberships), else `None` having sent and waited for nothing
    /// (call `authenticate` on a worker thread then). Same answers as `authenticate`.
    #[pyo3(signature = (method, url, headers, overrides=None, now_ms=None))]
    fn authenticate_inline(
        &self,
        py: Python<'_>,
        method: &Bound<'_, PyAny>,
        url: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        overrides: Option<&Bound<'_, Overrides>>,
        now_ms: Option<f64>,
    ) -> PyResult<Option<RequestState>> {
        let request = read_request(method, url, headers)?;
        let (state, ctx) = self.run(py, request, overrides, |auth, request, opts| auth.authenticate_without_network(request, opts, now_ms))?;
        Ok(state.map(|inner| RequestState { inner, ctx }))
    }

    /// `authenticate_inline` on an ASGI scope read natively (see `read_scope`): `None`
    /// when the core needs the Backend API or the scope has a shape only the Python reader
    /// handles (call the general path then). A Host header that is not `host[:port]` raises
    /// `InvalidRequestError`, as the Python reader does.
    #[pyo3(signature = (scope, overrides=None, now_ms=None))]
    fn authenticate_scope_inline(&self, py: Python<'_>, scope: &Bound<'_, PyDict>, overrides: Option<&Bound<'_, Overrides>>, now_ms: Option<f64>) -> PyResult<Option<RequestState>> {
        let Some((method, url, headers)) = scope_parts(scope)? else { return Ok(None) };
        let Ok(headers) = extract_headers(&headers) else { return Ok(None) };
        let request = Request { method, url, headers };
        let (state, ctx) = self.run(py, request, overrides, |auth, request, opts| auth.authenticate_without_network(request, opts, now_ms))?;
        Ok(state.map(|inner| RequestState { inner, ctx }))
    }

    /// `verifyToken`: the claims, or `clerkauth.TokenVerificationError`.
    #[pyo3(signature = (token, overrides=None, now_ms=None))]
    fn verify_token<'py>(&self, py: Python<'py>, token: &str, overrides: Option<&Bound<'_, Overrides>>, now_ms: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let overrides = overrides.map(|o| o.get().opts.clone());
        let token = token.to_string();
        let none = Options::default();
        let result = py.detach(|| catch_unwind(AssertUnwindSafe(|| inner.verify_token(&token, overrides.as_deref().unwrap_or(&none), now_ms))));
        match result {
            Ok(Ok(Ok(claims))) => Ok(map_to_py(py, &claims)?.into_any()),
            Ok(Ok(Err(e))) => Err(token_error(py, &e.reason, &e.message, e.action.as_deref())),
            Ok(Err(e)) => Err(core_error(py, &e)),
            Err(p) => Err(py_error(py, "unexpected-error", &format!("internal error in clerkauth: {}", panic_message(p.as_ref())))),
        }
    }
}

impl NativeAuthenticator {
    /// Every entry point: `call` (the core) on the request with the GIL released; its answer
    /// with what `Auth.get_token` needs.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        request: Request,
        overrides: Option<&Bound<'_, Overrides>>,
        call: impl FnOnce(&CoreAuthenticator, &Request, &Options) -> Result<T, Error> + Send,
    ) -> PyResult<(T, TokenContext)> {
        let inner = self.inner.clone();
        let overrides = overrides.map(|o| o.get().opts.clone());
        let none = Options::default();
        let opts = overrides.as_deref().unwrap_or(&none);
        let answer = py.detach(|| guard(|| call(&inner, &request, opts))).map_err(|e| core_error(py, &e))?;
        Ok((answer, TokenContext { auth: inner, overrides }))
    }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

fn has_check(
    role: Option<&Bound<'_, PyAny>>,
    permission: Option<&Bound<'_, PyAny>>,
    feature: Option<&Bound<'_, PyAny>>,
    plan: Option<&Bound<'_, PyAny>>,
    reverification: Option<&Bound<'_, PyAny>>,
) -> PyResult<HasCheck> {
    let conv = |o: Option<&Bound<'_, PyAny>>| o.map(|x| from_py(x, 0).map_err(|e| py_error(x.py(), "invalid-option", &format!("invalid has() argument: {e}")))).transpose();
    let mut rev = conv(reverification)?;
    if let Some(Value::Object(m)) = &mut rev {
        if let Some(v) = m.remove("after_minutes") {
            m.insert("afterMinutes".into(), v);
        }
    }
    Ok(HasCheck { role: conv(role)?, permission: conv(permission)?, feature: conv(feature)?, plan: conv(plan)?, reverification: rev })
}

/// What `Auth.get_token(template)` needs: the authenticator and the per-call options the
/// request was authenticated with.
#[derive(Clone)]
struct TokenContext {
    auth: Arc<CoreAuthenticator>,
    overrides: Option<Arc<Options>>,
}

/// The outcome of authenticating a request.
#[pyclass(module = "clerkauth", frozen)]
struct RequestState {
    inner: clerkauth::RequestState,
    ctx: TokenContext,
}

pymethods_with_getters! {
    RequestState {
        inner_str: publishable_key, proxy_url, domain, sign_in_url, sign_up_url, after_sign_in_url, after_sign_up_url;
        inner_opt_str: message, token;
    }
    /// A `clerkauth.Status` member.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_member(py, &STATUS_MEMBERS, "Status", self.inner.status.as_str())
    }
    /// A `clerkauth.TokenType` member, or None.
    #[getter]
    fn token_type<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.token_type.map(|t| enum_member(py, &TOKEN_TYPE_MEMBERS, "TokenType", t.as_str())).transpose()
    }
    /// A `clerkauth.Reason` member (a plain string for a reason it does not list), or None.
    #[getter]
    fn reason<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.reason.as_deref().map(|r| enum_member(py, &REASON_MEMBERS, "Reason", r)).transpose()
    }
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let l = PyList::empty(py);
        for (k, v) in &self.inner.headers {
            l.append(PyTuple::new(py, [k.as_str(), v.as_str()])?)?;
        }
        Ok(l)
    }
    /// The `Location` to redirect to (a handshake, or a development handshake resolution that
    /// is signed in with a location); every adapter redirects when it is not None.
    #[getter]
    fn redirect_location(&self) -> Option<&str> {
        self.inner.redirect_location()
    }
    /// Until when this answer holds (ms since the epoch), or None.
    #[getter]
    fn valid_until(&self) -> Option<f64> {
        self.inner.valid_until_ms()
    }
    /// None when this state continues `previous` (a socket's in-band re-authentication), else
    /// why not: `signed-out`, `user-changed`, `session-changed` or `organization-changed`.
    fn continuation_error(&self, previous: &Bound<'_, RequestState>) -> Option<&'static str> {
        guard(|| Ok(self.inner.continues(&previous.get().inner).err())).unwrap_or(Some("signed-out"))
    }
    #[getter]
    fn is_authenticated(&self) -> bool {
        self.inner.is_authenticated()
    }
    #[getter]
    fn is_signed_in(&self) -> bool {
        self.inner.is_authenticated()
    }
    #[getter]
    fn is_satellite(&self) -> bool {
        self.inner.is_satellite
    }
    #[getter]
    fn organization_sync(&self) -> Option<OrganizationSync> {
        self.inner.organization_sync.clone().map(|s| OrganizationSync { inner: s })
    }
    /// The decision trace as (step, detail) pairs, when `explain=True`.
    #[getter]
    fn trace<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Some(t) = &self.inner.trace else { return Ok(None) };
        let l = PyList::empty(py);
        for s in &t.steps {
            l.append(PyTuple::new(py, [s.step, s.detail.as_str()])?)?;
        }
        Ok(Some(l))
    }
    /// The trace rendered as numbered lines, when `explain=True`.
    fn explain(&self) -> Option<String> {
        self.inner.trace.as_ref().map(|t| t.render())
    }
    /// `toAuth()`: a `SessionAuth`, `MachineAuth` or `InvalidTokenAuth`; None for a handshake.
    #[pyo3(signature = (treat_pending_as_signed_out=true))]
    fn to_auth(&self, py: Python<'_>, treat_pending_as_signed_out: bool) -> PyResult<Option<Py<PyAny>>> {
        let Some(obj) = self.inner.to_auth_with(treat_pending_as_signed_out) else { return Ok(None) };
        Auth::into_typed(py, Auth::new(obj, self.inner.token.clone(), self.ctx.clone())).map(Some)
    }
    /// `toAuth().has(...)`; False when there is no auth object.
    #[pyo3(signature = (*, role=None, permission=None, feature=None, plan=None, reverification=None))]
    fn has(
        &self,
        role: Option<&Bound<'_, PyAny>>,
        permission: Option<&Bound<'_, PyAny>>,
        feature: Option<&Bound<'_, PyAny>>,
        plan: Option<&Bound<'_, PyAny>>,
        reverification: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let check = has_check(role, permission, feature, plan, reverification)?;
        Ok(guard(|| Ok(self.inner.has(&check))).unwrap_or(false))
    }
    /// The state with the reference's (camelCase) field names; `auth` is `toAuth()`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.to_json())
    }
    /// `to_dict()` as a JSON string.
    fn to_json(&self) -> String {
        self.inner.to_json().to_string()
    }
    fn __repr__(&self) -> String {
        let token_type = self.inner.token_type.map(|t| t.as_str()).unwrap_or("None");
        match &self.inner.reason {
            Some(r) => format!("RequestState(status={:?}, reason={:?}, token_type={token_type})", self.inner.status.as_str(), r),
            None => format!("RequestState(status={:?}, token_type={token_type})", self.inner.status.as_str()),
        }
    }
}

/// What an organization pattern in the URL named and how it related to the session.
#[pyclass(module = "clerkauth", frozen)]
struct OrganizationSync {
    inner: clerkauth::OrganizationSync,
}

pymethods_with_getters! {
    OrganizationSync {
        inner_opt_str: active_org_id;
    }
    /// `organization` or `personal_account`.
    #[getter]
    fn target_type(&self) -> &'static str {
        match self.inner.target {
            SyncTarget::PersonalAccount => "personal_account",
            _ => "organization",
        }
    }
    #[getter]
    fn organization_id(&self) -> Option<&str> {
        match &self.inner.target {
            SyncTarget::OrganizationId(s) => Some(s),
            _ => None,
        }
    }
    #[getter]
    fn organization_slug(&self) -> Option<&str> {
        match &self.inner.target {
            SyncTarget::OrganizationSlug(s) => Some(s),
            _ => None,
        }
    }
    /// `active`, `handshake`, `mismatch`, `membership` or `not-member`.
    #[getter]
    fn outcome(&self) -> &'static str {
        self.inner.outcome.as_str()
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.to_json())
    }
    fn __repr__(&self) -> String {
        format!("OrganizationSync({})", self.inner.to_json())
    }
}

/// The auth object (`toAuth()`): a session (signed in or out), a machine token, or an
/// invalid-token object. Attributes that do not apply are None.
#[pyclass(module = "clerkauth", frozen, subclass)]
struct Auth {
    obj: AuthObject,
    /// The `toAuth()` JSON, built on first use (the common fields are read without it).
    json: OnceLock<Map<String, Value>>,
    /// The verified token (signed-in states).
    token: Option<String>,
    ctx: TokenContext,
}

impl Auth {
    fn new(obj: AuthObject, token: Option<String>, ctx: TokenContext) -> Auth {
        Auth { obj, json: OnceLock::new(), token, ctx }
    }
    fn json(&self) -> &Map<String, Value> {
        self.json.get_or_init(|| match self.obj.to_json() {
            Value::Object(m) => m,
            _ => Map::new(),
        })
    }
    /// The Python object: `SessionAuth`, `MachineAuth` or `InvalidTokenAuth`.
    fn into_typed(py: Python<'_>, auth: Auth) -> PyResult<Py<PyAny>> {
        let kind = match &auth.obj {
            AuthObject::SignedIn(_) | AuthObject::SignedOut { .. } => 0,
            AuthObject::Machine(_) => 1,
            AuthObject::InvalidToken => 2,
        };
        let init = PyClassInitializer::from(auth);
        Ok(match kind {
            0 => Py::new(py, init.add_subclass(SessionAuth))?.into_any(),
            1 => Py::new(py, init.add_subclass(MachineAuth))?.into_any(),
            _ => Py::new(py, init.add_subclass(InvalidTokenAuth))?.into_any(),
        })
    }
    fn field<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        // A signed-in session's common fields straight from the claims (the same values as
        // the JSON's, which `tests/test_api.py` compares).
        if let AuthObject::SignedIn(s) = &self.obj {
            let typed = match key {
                "userId" => Some(Some(Value::from(s.user_id()))),
                "sessionId" => Some(s.session_id().map(Value::from)),
                "orgId" => Some(s.org_id()),
                "orgRole" => Some(s.org_role()),
                "orgSlug" => Some(s.org_slug()),
                _ => None,
            };
            if let Some(v) = typed {
                return v.map_or_else(|| Ok(py.None().into_bound(py)), |v| to_py(py, &v));
            }
        }
        match self.json().get(key) {
            Some(v) => to_py(py, v),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

pymethods_with_getters! {
    Auth {
        json:
            user_id => "userId",
            session_id => "sessionId",
            session_status => "sessionStatus",
            session_claims => "sessionClaims",
            actor => "actor",
            org_id => "orgId",
            org_role => "orgRole",
            org_slug => "orgSlug",
            org_permissions => "orgPermissions",
            factor_verification_age => "factorVerificationAge",
            id => "id",
            subject => "subject",
            scopes => "scopes",
            name => "name",
            claims => "claims",
            machine_id => "machineId",
            client_id => "clientId";
    }
    /// A `clerkauth.TokenType` member, or None (an invalid-token object).
    #[getter]
    fn token_type<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.obj.token_type().map(|t| enum_member(py, &TOKEN_TYPE_MEMBERS, "TokenType", t.as_str())).transpose()
    }
    #[getter]
    fn is_authenticated(&self) -> bool {
        self.obj.is_authenticated()
    }
    /// True for a machine-token auth object (api_key, m2m_token, oauth_token).
    #[getter]
    fn is_machine(&self) -> bool {
        matches!(self.obj, AuthObject::Machine(_))
    }
    /// `has()`: role, permission, feature, plan and/or reverification.
    #[pyo3(signature = (*, role=None, permission=None, feature=None, plan=None, reverification=None))]
    fn has(
        &self,
        role: Option<&Bound<'_, PyAny>>,
        permission: Option<&Bound<'_, PyAny>>,
        feature: Option<&Bound<'_, PyAny>>,
        plan: Option<&Bound<'_, PyAny>>,
        reverification: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let check = has_check(role, permission, feature, plan, reverification)?;
        Ok(guard(|| Ok(self.obj.has(&check))).unwrap_or(false))
    }
    /// `getToken({ template, expiresInSeconds })`. Signed-in sessions: without arguments, the
    /// session token that authenticated the request; with a JWT `template` name and/or
    /// `expires_in_seconds`, a new token from the Backend API (the GIL is released during the
    /// request). Machine tokens: the token. Signed-out and invalid-token objects: None.
    #[pyo3(signature = (template=None, *, expires_in_seconds=None))]
    fn get_token(&self, py: Python<'_>, template: Option<String>, expires_in_seconds: Option<i64>) -> PyResult<Option<String>> {
        match &self.obj {
            AuthObject::SignedIn(s) => {
                let Some(sid) = s.session_id().map(str::to_string) else { return Ok(None) };
                let template = template.filter(|t| !t.is_empty());
                if template.is_none() && expires_in_seconds.is_none() {
                    return Ok(self.token.clone());
                }
                let expires = match expires_in_seconds.map(u64::try_from) {
                    None => None,
                    Some(Ok(n)) => Some(n),
                    Some(Err(_)) => return Err(py_error(py, "invalid-option", "expires_in_seconds must be a non-negative integer")),
                };
                let ctx = self.ctx.clone();
                py.detach(move || {
                    guard(|| {
                        let none = Options::default();
                        ctx.auth.session_token(&sid, template.as_deref(), expires, ctx.overrides.as_deref().unwrap_or(&none))
                    })
                })
                .map(Some)
                .map_err(|e| core_error(py, &e))
            }
            AuthObject::Machine(m) if m.is_authenticated => Ok(self.token.clone()),
            _ => Ok(None),
        }
    }
    /// The reference's `toAuth()` JSON shape (camelCase keys, functions left out).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, self.json())
    }
    fn to_json(&self) -> String {
        Value::Object(self.json().clone()).to_string()
    }
    fn __repr__(&self) -> String {
        let get = |k: &str| self.json().get(k).cloned().unwrap_or(Value::Null);
        format!("Auth(token_type={}, is_authenticated={}, user_id={}, org_id={})", get("tokenType"), self.obj.is_authenticated(), get("userId"), get("orgId"))
    }
}

/// A session's auth object (`tokenType` `session_token`), signed in or signed out.
#[pyclass(module = "clerkauth", frozen, extends = Auth)]
struct SessionAuth;

/// A machine token's auth object (`api_key`, `m2m_token`, `oauth_token`), authenticated or not.
#[pyclass(module = "clerkauth", frozen, extends = Auth)]
struct MachineAuth;

/// The reference's invalid-token object: a token of a type `accepts_token` does not list.
#[pyclass(module = "clerkauth", frozen, extends = Auth)]
struct InvalidTokenAuth;

// ---------------------------------------------------------------------------------------------
// Development instance (tests, demos, benchmarks)
// ---------------------------------------------------------------------------------------------

/// A local development instance: its own RSA key, keys, JWKS and minted session tokens.
/// Never contacts Clerk.
#[pyclass(module = "clerkauth.testing", frozen)]
struct DevInstance {
    inner: CoreDevInstance,
}

pymethods_with_getters! {
    DevInstance {
        inner_str: kid, publishable_key, secret_key, frontend_api, jwt_key;
    }
    #[new]
    #[pyo3(signature = (frontend_api="demo-app.clerk.accounts.dev"))]
    fn new(py: Python<'_>, frontend_api: &str) -> PyResult<Self> {
        let host = frontend_api.to_string();
        let inner = py.detach(move || guard(|| Ok(CoreDevInstance::generate(&host)))).map_err(|e| core_error(py, &e))?;
        Ok(DevInstance { inner })
    }
    /// The JWKS document the Backend API would serve.
    fn jwks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.jwks())
    }
    /// Signs claims as an RS256 JWT (`alg`, `kid`, `typ` added to the header unless given).
    #[pyo3(signature = (claims, header=None))]
    fn sign(&self, py: Python<'_>, claims: &Bound<'_, PyAny>, header: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let claims = from_py(claims, 0)?;
        let header = match header.map(|h| from_py(h, 0)).transpose()? {
            None => Map::new(),
            Some(Value::Object(m)) => m,
            Some(_) => return Err(PyTypeError::new_err("header must be a dict")),
        };
        py.detach(|| guard(|| Ok(self.inner.sign(header, &claims)))).map_err(|e| core_error(py, &e))
    }
    /// A session token issued at `iat` (seconds) valid 60 s, with extra claims merged in.
    #[pyo3(signature = (user_id, session_id, iat, azp="", extra=None))]
    fn session_token(&self, py: Python<'_>, user_id: &str, session_id: &str, iat: i64, azp: &str, extra: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let extra = extra.map(|e| from_py(e, 0)).transpose()?.unwrap_or(Value::Object(Map::new()));
        py.detach(|| guard(|| Ok(self.inner.session_token(user_id, session_id, iat, azp, extra)))).map_err(|e| core_error(py, &e))
    }
}

// ---------------------------------------------------------------------------------------------
// Module
// ---------------------------------------------------------------------------------------------

/// The absolute URL from a request's scheme, Host header and target (the core's rule; an
/// `InvalidRequestError` when the host is not `host[:port]`).
#[pyfunction]
fn request_url(py: Python<'_>, scheme: &str, host: &str, target: &str) -> PyResult<String> {
    guard(|| clerkauth::request_url(scheme, host, target)).map_err(|e| core_error(py, &e))
}

/// An ASGI scope's `(method, url, headers)` read natively (the shape servers send), or `None`
/// for a shape only `clerkauth._request.from_scope` reads. A Host header that is not
/// `host[:port]` raises `InvalidRequestError`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn read_scope<'py>(scope: &Bound<'py, PyDict>) -> PyResult<Option<(String, String, Bound<'py, PyAny>)>> {
    scope_parts(scope)
}

/// A WSGI environ's `(method, url, header pairs)` read natively (`str` values, as servers
/// send them), or `None` for a shape only `clerkauth._request.from_environ` reads. A Host that
/// is not `host[:port]` raises `InvalidRequestError`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn read_environ(environ: &Bound<'_, PyDict>) -> PyResult<Option<(String, String, Vec<(String, String)>)>> {
    Ok(environ_parts(environ, None)?.map(|r| (r.method, r.url, r.headers)))
}

/// A request object's `(method, url, header pairs)` read natively (`httpx.Request`, or a `str`
/// URL with a header list), or `None` for a shape only `clerkauth._request._from_plain` reads.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn read_object(request: &Bound<'_, PyAny>) -> PyResult<Option<(String, String, Vec<(String, String)>)>> {
    Ok(object_parts(request)?.map(|r| (r.method, r.url, r.headers)))
}

/// A WSGI environ's header pairs read natively, or `None` for a key or value only
/// `clerkauth._request._environ_headers` reads.
#[pyfunction]
#[pyo3(name = "environ_headers")]
fn read_environ_headers(environ: &Bound<'_, PyDict>) -> PyResult<Option<Vec<(String, String)>>> {
    environ_headers(environ)
}

/// The core's WebSocket upgrade: `(url, headers, token_source, selected_protocol)` with the
/// token (an offered `<protocol_prefix><token>` subprotocol, or the opt-in query parameter)
/// moved into `Authorization`.
#[pyfunction]
#[pyo3(signature = (method, url, headers, protocol_prefix, query_param))]
#[allow(clippy::type_complexity)]
fn websocket_request(
    method: &Bound<'_, PyAny>,
    url: &Bound<'_, PyAny>,
    headers: &Bound<'_, PyAny>,
    protocol_prefix: Option<String>,
    query_param: Option<String>,
) -> PyResult<(String, Vec<(String, String)>, Option<&'static str>, Option<String>)> {
    let py = method.py();
    let request = Request { method: text(method, "method")?, url: text(url, "url")?, headers: extract_headers(headers)? };
    let opts = clerkauth::websocket::WebSocketTokenOptions { protocol_prefix, query_param };
    let up = guard(|| Ok(request.with_websocket_token(&opts))).map_err(|e| core_error(py, &e))?;
    Ok((up.request.url, up.request.headers, up.token_source.map(|t| t.as_str()), up.selected_protocol))
}

/// The core's vocabularies: `{"reasons": [...], "tokenTypes": [...], "errorCodes": [...]}`
/// (tests check `Reason`, `TokenType` and `ERROR_CODES` against it).
#[pyfunction]
fn vocabulary(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &clerkauth::vocabulary())
}

/// Deliberately panics inside the guard (tests check it surfaces as `ClerkAuthError`). Only
/// in builds with the `test-hooks` feature (bindings-python/ci.sh), never in release wheels.
#[cfg(feature = "test-hooks")]
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    py.detach(|| guard::<()>(|| panic!("deliberate test panic"))).map_err(|e| core_error(py, &e))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The @clerk/backend options the core accepts and ignores, in both spellings: the façade
    // sends their names (the core checks them) but not their values, which need not be JSON.
    let ignored = OPTION_NAMES.iter().filter(|o| o.kind == OptionKind::IgnoredReference);
    let ignored: Vec<String> = ignored.flat_map(|o| [o.name.to_string(), KeyCase::Snake.spell(o.name)]).collect();
    m.add("IGNORED_OPTION_NAMES", PyTuple::new(m.py(), ignored)?)?;
    // The core's instance options (both spellings): compat's authenticator cache keys by them.
    let instance: Vec<String> = clerkauth::INSTANCE_OPTION_NAMES.iter().flat_map(|n| [n.to_string(), KeyCase::Snake.spell(n)]).collect();
    m.add("INSTANCE_OPTION_NAMES", PyTuple::new(m.py(), instance)?)?;
    m.add_class::<NativeAuthenticator>()?;
    m.add_class::<Overrides>()?;
    m.add_class::<RequestState>()?;
    m.add_class::<OrganizationSync>()?;
    m.add_class::<Auth>()?;
    m.add_class::<SessionAuth>()?;
    m.add_class::<MachineAuth>()?;
    m.add_class::<InvalidTokenAuth>()?;
    m.add_class::<DevInstance>()?;
    m.add_function(wrap_pyfunction!(request_url, m)?)?;
    m.add_function(wrap_pyfunction!(read_scope, m)?)?;
    m.add_function(wrap_pyfunction!(read_environ, m)?)?;
    m.add_function(wrap_pyfunction!(read_environ_headers, m)?)?;
    m.add_function(wrap_pyfunction!(read_object, m)?)?;
    m.add_function(wrap_pyfunction!(websocket_request, m)?)?;
    m.add_function(wrap_pyfunction!(vocabulary, m)?)?;
    // An attribute only: `add_function` would list it in `__all__`.
    #[cfg(feature = "test-hooks")]
    m.setattr("_panic_for_tests", wrap_pyfunction!(_panic_for_tests, m)?)?;
    Ok(())
}
