//! The request as plain data, header lookup, `Authorization` parsing and the public URL.

use std::borrow::Cow;
use std::collections::HashMap;
use url::Url;

use crate::{Error, ErrorCode};

/// An HTTP request: method, absolute URL and ordered headers. The body is never read.
///
/// A WebSocket upgrade is just a request (`GET` with `upgrade: websocket`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// Absolute request URL, e.g. `https://app.example.com/dashboard?x=1`.
    pub url: String,
    /// Header (name, value) pairs in arrival order; names are case-insensitive.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// A request with the given method and URL and no headers.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request { method: method.into(), url: url.into(), headers: Vec::new() }
    }

    /// From JSON: `{"method", "url", "headers"}` where headers is a list of `[name, value]`
    /// pairs or an object (`{name: value | [values]}`).
    pub fn from_json(v: &serde_json::Value) -> Result<Request, Error> {
        use serde_json::Value;
        let bad = |m: &str| Error::new(ErrorCode::InvalidRequest, m);
        let obj = v.as_object().ok_or_else(|| bad("request must be a JSON object"))?;
        let method = obj.get("method").and_then(Value::as_str).unwrap_or("GET").to_string();
        let url = obj.get("url").and_then(Value::as_str).ok_or_else(|| bad("request.url must be a string"))?.to_string();
        let mut headers = Vec::new();
        match obj.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for h in list {
                    match (h.get(0).and_then(Value::as_str), h.get(1).and_then(Value::as_str)) {
                        (Some(k), Some(v)) => headers.push((k.to_string(), v.to_string())),
                        _ => return Err(bad("request.headers entries must be [name, value] string pairs")),
                    }
                }
            }
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    match v {
                        Value::String(s) => headers.push((k.clone(), s.clone())),
                        Value::Array(a) => {
                            for x in a {
                                headers.push((k.clone(), x.as_str().ok_or_else(|| bad("header values must be strings"))?.to_string()));
                            }
                        }
                        _ => return Err(bad("header values must be strings")),
                    }
                }
            }
            Some(_) => return Err(bad("request.headers must be a list or an object")),
        }
        Ok(Request { method, url, headers })
    }

    /// Adds a header (builder style).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The value of a header, with repeated headers joined as fetch's `Headers.get` does
    /// (`; ` for `cookie`, `, ` otherwise) and surrounding whitespace trimmed.
    /// Empty values count as absent.
    pub fn header_value(&self, name: &str) -> Option<String> {
        self.header_str(name).map(Cow::into_owned)
    }

    /// [`Request::header_value`] without copying when the header occurs once.
    pub(crate) fn header_str(&self, name: &str) -> Option<Cow<'_, str>> {
        let mut out: Option<Cow<'_, str>> = None;
        for v in self.header_values(name) {
            match &mut out {
                None => out = Some(Cow::Borrowed(v)),
                Some(acc) => {
                    let acc = acc.to_mut();
                    acc.push_str(if name.eq_ignore_ascii_case("cookie") { "; " } else { ", " });
                    acc.push_str(v);
                }
            }
        }
        out.filter(|v| !v.is_empty())
    }

    /// Each value of a header, trimmed, in order.
    pub(crate) fn header_values<'r, 'n>(&'r self, name: &'n str) -> impl Iterator<Item = &'r str> + use<'r, 'n> {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| trim_value(v))
    }

    /// Every header once, by lower-case name in order of first appearance, with its values
    /// joined as [`Request::header_value`] joins them (`""` when empty), in one pass over the
    /// header list however many headers repeat.
    pub(crate) fn joined_headers(&self) -> Vec<(String, String)> {
        let mut joined: Vec<(String, String)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (name, value) in &self.headers {
            let name = name.to_ascii_lowercase();
            let value = trim_value(value);
            match index.get(&name) {
                Some(&i) => {
                    let acc = &mut joined[i].1;
                    acc.push_str(if name == "cookie" { "; " } else { ", " });
                    acc.push_str(value);
                }
                None => {
                    index.insert(name.clone(), joined.len());
                    joined.push((name, value.to_string()));
                }
            }
        }
        joined
    }

    /// True when the header is present at all (even with an empty value).
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The method in fetch-normalised form (standard verbs upper-cased).
    pub fn normalized_method(&self) -> &str {
        const STANDARD: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
        STANDARD.iter().find(|m| m.eq_ignore_ascii_case(&self.method)).copied().unwrap_or(&self.method)
    }
}

/// A header value without surrounding whitespace (as fetch's `Headers` stores it).
fn trim_value(v: &str) -> &str {
    v.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// The absolute URL of a request as a server received it: its `scheme` (`http` or `https`),
/// its `Host` header (HTTP/2: `:authority`) and its request target. For hosts that see these
/// parts rather than a URL (Node's `IncomingMessage`, ASGI scopes, WSGI environs, Django …).
///
/// The target is resolved against `scheme://host/` as the reference's `new URL(target, base)`
/// does (dot segments removed, `\` read as `/`, unsafe characters percent-encoded, a fragment
/// dropped), except that it always stays a path: `//evil/x` names no host. An absolute-form
/// target (`http://other.example/x`, as sent to proxies) gives its path and query.
///
/// `host` must be an authority and nothing more: a name or IPv4 address of ASCII letters,
/// digits and `-._~`, or a bracketed IPv6 address, then an optional `:port` (0–65535). Anything
/// else is an [`ErrorCode::InvalidRequest`] error: `app.example.com#`, `…?`, `…\`, `…/x`,
/// `user@…`, spaces, non-ASCII (IDNs arrive punycoded), an empty or out-of-range port. Glued to
/// the target, such a Host would move the path into a fragment, a query or another path, and
/// organization patterns would miss or match another organization.
pub fn request_url(scheme: &str, host: &str, target: &str) -> Result<String, Error> {
    let invalid = |what: String| Error::new(ErrorCode::InvalidRequest, format!("Invalid request: {what}"));
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(invalid(format!("the scheme {scheme:?} is not http or https")));
    }
    let not_a_host = || invalid(format!("the Host header {host:?} is not a host name or address with an optional port"));
    if !is_authority(host) {
        return Err(not_a_host());
    }
    let mut url = Url::parse(&format!("{scheme}://{host}/")).map_err(|_| not_a_host())?;
    let target = target.split_once('#').map_or(target, |(t, _)| t);
    let absolute;
    let target = match target.split_once("://") {
        Some((s, _)) if is_scheme(s) => {
            absolute = Url::parse(target).map_err(|e| invalid(format!("the request target {target:?}: {e}")))?;
            &absolute[url::Position::BeforePath..url::Position::AfterQuery]
        }
        _ => target,
    };
    let (path, query) = target.split_once('?').map_or((target, None), |(p, q)| (p, Some(q)));
    if path.starts_with('/') {
        url.set_path(path);
    } else {
        url.set_path(&format!("/{path}"));
    }
    url.set_query(query);
    Ok(url.into())
}

/// `host[:port]`: a registered name or IPv4 address (ASCII letters, digits, `-._~`) or a
/// bracketed IPv6 address, and a port of 1–5 digits up to 65535.
fn is_authority(authority: &str) -> bool {
    let (host_ok, port) = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, port)) => (!ip.is_empty() && ip.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.'), port),
            None => return false,
        },
        None => {
            let (name, port) = authority.split_at(authority.find(':').unwrap_or(authority.len()));
            (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')), port)
        }
    };
    host_ok
        && match port.strip_prefix(':') {
            None => port.is_empty(),
            Some(p) => (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 65535),
        }
}

/// A URL scheme: a letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// The headers every request is asked for, each located in one pass over the header list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    Authorization,
    Referer,
    SecFetchDest,
    Accept,
    Host,
    ForwardedHost,
    ForwardedProto,
    Cookie,
}

impl Known {
    const NAMES: [&'static str; 8] = ["authorization", "referer", "sec-fetch-dest", "accept", "host", "x-forwarded-host", "x-forwarded-proto", "cookie"];

    fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// A request's [`Known`] headers: where each first occurs and whether it repeats.
pub(crate) struct Headers<'r> {
    request: &'r Request,
    found: [(Option<usize>, bool); Known::NAMES.len()],
}

impl<'r> Headers<'r> {
    pub fn new(request: &'r Request) -> Headers<'r> {
        let mut found = [(None, false); Known::NAMES.len()];
        for (i, (name, _)) in request.headers.iter().enumerate() {
            if let Some(k) = Known::NAMES.iter().position(|n| n.len() == name.len() && n.eq_ignore_ascii_case(name)) {
                match &mut found[k] {
                    (None, _) => found[k].0 = Some(i),
                    (Some(_), repeated) => *repeated = true,
                }
            }
        }
        Headers { request, found }
    }

    /// [`Request::header_str`] of a known header.
    pub fn get(&self, k: Known) -> Option<Cow<'r, str>> {
        match self.found[k as usize] {
            (None, _) => None,
            (Some(i), false) => Some(Cow::Borrowed(trim_value(&self.request.headers[i].1))).filter(|v| !v.is_empty()),
            (Some(_), true) => self.request.header_str(k.name()),
        }
    }

    /// True when the header is present (even empty).
    pub fn has(&self, k: Known) -> bool {
        self.found[k as usize].0.is_some()
    }

    /// Each value of a known header, trimmed, in order.
    pub fn values(&self, k: Known) -> impl Iterator<Item = &'r str> + use<'r> {
        let (first, repeated) = self.found[k as usize];
        let rest = first.map_or(&[][..], |i| &self.request.headers[i..]);
        rest.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(k.name())).take(if repeated { usize::MAX } else { 1 }).map(|(_, v)| trim_value(v))
    }
}

/// `s.split(b)` for an ASCII byte, with a vectorized search: tokens and the cookies that carry
/// them are ~1 kB.
pub(crate) fn split_byte(s: &str, b: u8) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(b, s.as_bytes()).map(Some).chain([None]).map(move |end| {
        let end = end.unwrap_or(s.len());
        let part = &s[start..end];
        start = end + 1;
        part
    })
}

/// Parses an `Authorization` value exactly as the reference does: a bare token is accepted,
/// `Bearer <token>` (case-sensitive scheme) gives the token, any other scheme gives none.
pub fn parse_authorization(value: Option<&str>) -> Option<&str> {
    let v = value?;
    if v.is_empty() {
        return None;
    }
    let mut parts = split_byte(v, b' ');
    let first = parts.next().unwrap_or("");
    match parts.next() {
        None | Some("") => Some(first).filter(|t| !t.is_empty()),
        Some(second) if first == "Bearer" => Some(second),
        Some(_) => None,
    }
}

/// The public URL of the request, taking `x-forwarded-host` / `x-forwarded-proto` / `host`
/// into account. Built from components (never by relative resolution of the path).
pub(crate) fn public_url(headers: &Headers, initial: Url) -> Url {
    // A forwarded header counts when present, even empty; its first comma-separated value is used.
    let forwarded = |k: Known| headers.has(k).then(|| headers.get(k).unwrap_or_default());
    let (forwarded_host, host_header) = (forwarded(Known::ForwardedHost), headers.get(Known::Host));
    let host = match &forwarded_host {
        Some(h) => h.split(',').next().unwrap_or(""),
        None => host_header.as_deref().unwrap_or(""),
    };
    let forwarded_proto = forwarded(Known::ForwardedProto);
    let proto = match &forwarded_proto {
        Some(p) => p.split(',').next().unwrap_or(""),
        None => initial.scheme(),
    };
    if host.is_empty() || proto.is_empty() {
        return initial;
    }
    // The usual case, the request's own origin, decided without building strings.
    if proto == initial.scheme() && host == &initial[url::Position::BeforeHost..url::Position::AfterPort] {
        return initial;
    }
    let origin = format!("{proto}://{host}");
    if origin == initial.origin().ascii_serialization() {
        return initial;
    }
    let Ok(mut url) = Url::parse(&origin) else {
        return initial;
    };
    // A host that carries a path, credentials or a query is not a host.
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.cannot_be_a_base() {
        return initial;
    }
    url.set_path(initial.path());
    url.set_query(initial.query());
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_headers_agree_with_header_value() {
        let req =
            Request::new("GET", "https://a.test/").header("X-A", " 1 ").header("cookie", "a=1").header("x-a", "2").header("Empty", "").header("COOKIE", "b=2").header("x-A", "").header("Empty", " ");
        let joined = req.joined_headers();
        let names: Vec<&str> = joined.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x-a", "cookie", "empty"]);
        for (name, value) in &joined {
            assert_eq!(*value, req.header_value(name).unwrap_or_default(), "{name}");
        }
        assert_eq!(joined[0].1, "1, 2, ");
        assert_eq!(joined[1].1, "a=1; b=2");
    }

    #[test]
    fn many_headers_join_in_one_pass() {
        // 100 000 distinct names and 100 000 repeats of one: a lookup per name over the whole
        // list would make ~10^10 comparisons (minutes).
        const N: usize = 100_000;
        let mut req = Request::new("GET", "https://a.test/");
        req.headers.extend((0..N).map(|i| (format!("X-H{i}"), i.to_string())));
        req.headers.extend((0..N).map(|_| ("x-same".to_string(), "v".to_string())));
        let joined = req.joined_headers();
        assert_eq!(joined.len(), N + 1);
        assert!(joined[..N].iter().enumerate().all(|(i, (n, v))| *n == format!("x-h{i}") && *v == i.to_string()));
        assert_eq!(joined[N].1.len(), N * 3 - 2, "v, v, … v");
    }

    #[test]
    fn public_url_fast_path_agrees_with_origin_comparison() {
        // The reference rule, spelled out: rebuild the origin and compare serializations.
        fn reference(request: &Request, initial: Url) -> Url {
            let first = |name: &str| request.has_header(name).then(|| request.header_value(name).unwrap_or_default().split(',').next().unwrap_or("").to_string());
            let host = first("x-forwarded-host").unwrap_or_else(|| request.header_value("host").unwrap_or_default());
            let proto = first("x-forwarded-proto").unwrap_or_else(|| initial.scheme().to_string());
            if host.is_empty() || proto.is_empty() || format!("{proto}://{host}") == initial.origin().ascii_serialization() {
                return initial;
            }
            let Ok(mut url) = Url::parse(&format!("{proto}://{host}")) else {
                return initial;
            };
            if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.cannot_be_a_base() {
                return initial;
            }
            url.set_path(initial.path());
            url.set_query(initial.query());
            url
        }
        let urls = [
            "https://app.example.com/a?b=1#f",
            "foo://app.example.com",
            "http://app.example.com:8080/x",
            "https://app.example.com:443/",
            "https://u:p@app.example.com/",
            "foo://app.example.com/p#f",
            "http://[::1]:3000/",
        ];
        let headers: [&[(&str, &str)]; 12] = [
            &[],
            &[("host", "app.example.com")],
            &[("host", "APP.example.com")],
            &[("host", "app.example.com:443")],
            &[("host", "app.example.com:8080")],
            &[("host", "[::1]:3000")],
            &[("host", "other.example.com")],
            &[("x-forwarded-host", "app.example.com, proxy"), ("x-forwarded-proto", "https")],
            &[("x-forwarded-host", ""), ("host", "app.example.com")],
            &[("host", "app.example.com"), ("x-forwarded-proto", "HTTP")],
            &[("host", "app.example.com"), ("x-forwarded-proto", "foo")],
            &[("host", "u:p@app.example.com")],
        ];
        for u in urls {
            for hs in headers {
                let mut r = Request::new("GET", u);
                for (k, v) in hs {
                    r = r.header(*k, *v);
                }
                let initial = Url::parse(u).unwrap();
                assert_eq!(public_url(&Headers::new(&r), initial.clone()).as_str(), reference(&r, initial).as_str(), "{u} {hs:?}");
            }
        }
    }

    #[test]
    fn request_url_resolves_the_target_against_the_host() {
        let cases = [
            ("https", "app.example.com", "/orgs/acme?x=1", "https://app.example.com/orgs/acme?x=1"),
            ("HTTP", "APP.Example.com:8443", "/a", "http://app.example.com:8443/a"),
            ("https", "app.example.com:443", "/", "https://app.example.com/"),
            ("http", "127.0.0.1:3000", "/x", "http://127.0.0.1:3000/x"),
            ("http", "[::1]:3000", "/x", "http://[::1]:3000/x"),
            ("http", "[::ffff:127.0.0.1]", "/", "http://[::ffff:7f00:1]/"),
            ("http", "my_service.internal~1", "/", "http://my_service.internal~1/"),
            ("http", "localhost", "", "http://localhost/"),
            // The target stays a path: no scheme-relative reading, no fragment.
            ("https", "app.example.com", "//evil.example/orgs/x", "https://app.example.com//evil.example/orgs/x"),
            ("https", "app.example.com", "/orgs/acme#/orgs/other", "https://app.example.com/orgs/acme"),
            ("https", "app.example.com", "/orgs/acme?a=1#f", "https://app.example.com/orgs/acme?a=1"),
            ("https", "app.example.com", "orgs/acme", "https://app.example.com/orgs/acme"),
            ("https", "app.example.com", "*", "https://app.example.com/*"),
            // As `new URL(target, base)`: dot segments, backslashes, encoding.
            ("https", "app.example.com", "/orgs/other/../acme", "https://app.example.com/orgs/acme"),
            ("https", "app.example.com", "/orgs\\acme", "https://app.example.com/orgs/acme"),
            ("https", "app.example.com", "/a b/é?q=a b", "https://app.example.com/a%20b/%C3%A9?q=a%20b"),
            ("https", "app.example.com", "/a?", "https://app.example.com/a?"),
            // Absolute form (proxies): its path and query, never its host.
            ("https", "app.example.com", "http://other.example:81/orgs/acme?x", "https://app.example.com/orgs/acme?x"),
        ];
        for (scheme, host, target, want) in cases {
            assert_eq!(request_url(scheme, host, target).as_deref(), Ok(want), "{scheme} {host:?} {target:?}");
        }
    }

    #[test]
    fn request_url_rejects_a_host_that_is_not_an_authority() {
        let hosts = [
            "",
            " ",
            "app.example.com#",
            "app.example.com#/orgs/other",
            "app.example.com?",
            "app.example.com?x=",
            "app.example.com\\",
            "app.example.com\\orgs\\other",
            "app.example.com/",
            "app.example.com/orgs/other",
            "user@app.example.com",
            "u:p@app.example.com",
            "app.example.com@evil.example",
            "app example.com",
            " app.example.com",
            "app.example.com ",
            "app.example.com\t",
            "app.example.com\r\nx: y",
            "bücher.example",
            "app.example.com\u{0}",
            "%61pp.example.com",
            "app.example.com:",
            "app.example.com:65536",
            "app.example.com:99999999",
            "app.example.com:-1",
            "app.example.com:8o",
            "app.example.com:80:80",
            ":80",
            "[::1",
            "[::1]x",
            "[::1]:",
            "[]",
            "[zz::1]",
            "[::1]:70000",
            "1.2.3.999",
            "app.example.com,evil.example",
            "<app>",
            "app|example",
        ];
        for host in hosts {
            let err = request_url("https", host, "/orgs/acme").expect_err(host);
            assert_eq!(err.code(), ErrorCode::InvalidRequest, "{host:?}");
            assert!(err.message().contains("Host header"), "{host:?}: {}", err.message());
        }
        for scheme in ["", "ftp", "javascript", "https:", "ws"] {
            assert_eq!(request_url(scheme, "app.example.com", "/").unwrap_err().code(), ErrorCode::InvalidRequest, "{scheme:?}");
        }
        assert_eq!(request_url("https", "app.example.com", "http://[bad/x").unwrap_err().code(), ErrorCode::InvalidRequest);
    }

    #[test]
    fn located_headers_agree_with_the_lookups() {
        let lists: [&[(&str, &str)]; 6] = [
            &[],
            &[("Cookie", "a=1"), ("ACCEPT", " text/html "), ("x", "y")],
            &[("cookie", "a=1"), ("accept", "x"), ("Cookie", "b=2"), ("COOKIE", " ")],
            &[("host", ""), ("X-Forwarded-Host", "a, b"), ("x-forwarded-host", "c"), ("authorization", "Bearer t")],
            &[("referer", "\thttps://r/\r\n"), ("sec-fetch-dest", "document"), ("sec-fetch-dest", "iframe"), ("x-forwarded-proto", "")],
            &[("authorizatioN", "a"), ("refererx", "b"), ("accep", "c"), ("host", "h")],
        ];
        for list in lists {
            let mut r = Request::new("GET", "https://x/");
            for (k, v) in list {
                r = r.header(*k, *v);
            }
            let h = Headers::new(&r);
            for k in [Known::Authorization, Known::Referer, Known::SecFetchDest, Known::Accept, Known::Host, Known::ForwardedHost, Known::ForwardedProto, Known::Cookie] {
                assert_eq!(h.get(k), r.header_str(k.name()), "{list:?} {k:?}");
                assert_eq!(h.has(k), r.has_header(k.name()), "{list:?} {k:?}");
                assert_eq!(h.values(k).collect::<Vec<_>>(), r.header_values(k.name()).collect::<Vec<_>>(), "{list:?} {k:?}");
            }
        }
    }

    #[test]
    fn byte_split_is_str_split() {
        for s in ["", ";", "a", "a;", ";a", "a;;b", "x=1; y=2;z", ";;;", "é;ü;", &"k=v;".repeat(40)] {
            assert_eq!(split_byte(s, b';').collect::<Vec<_>>(), s.split(';').collect::<Vec<_>>(), "{s:?}");
        }
    }

    #[test]
    fn authorization_is_read_from_the_first_two_space_separated_parts() {
        // The reference: `value.split(' ')`, a bare token or `Bearer <token>`.
        fn reference(v: &str) -> Option<&str> {
            let mut parts = v.split(' ');
            let first = parts.next().unwrap_or("");
            match parts.next() {
                None | Some("") => Some(first).filter(|t| !t.is_empty()),
                Some(second) if first == "Bearer" => Some(second),
                Some(_) => None,
            }
        }
        let long = "a.b.".to_string() + &"c".repeat(900);
        for v in [
            "",
            " ",
            "  ",
            "t",
            "t ",
            " t",
            "Bearer",
            "Bearer ",
            "Bearer t",
            "Bearer  t",
            "Bearer t u",
            "bearer t",
            "Basic t",
            "Bearer\tt",
            "Bearer é",
            &format!("Bearer {long}"),
            &format!("Bearer {long} x"),
            &long,
            &format!("{long} "),
        ] {
            assert_eq!(parse_authorization(Some(v)), reference(v), "{v:?}");
        }
        assert_eq!(parse_authorization(None), None);
    }
}
