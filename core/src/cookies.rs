//! Cookie header parsing (the npm `cookie@1` rules) and `Set-Cookie` value extraction.

use std::borrow::Cow;
use std::collections::HashSet;

/// Parsed request cookies, borrowed from the header (values are copied only when
/// percent-decoded): first occurrence of a name wins.
///
/// Every pair is kept in header order and a lookup takes the first with its name, so parsing
/// is one pass with no search of earlier names (linear in the header, however many cookies).
#[derive(Debug, Default, Clone)]
pub struct Cookies<'a> {
    pairs: Vec<(&'a str, Cow<'a, str>)>,
}

/// Trims spaces and tabs (ASCII, so byte positions are char boundaries).
fn trim_ws(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|&c| c != b' ' && c != b'\t').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ' && c != b'\t').map_or(start, |i| i + 1);
    &s[start..end]
}

impl<'a> Cookies<'a> {
    /// Parses a `cookie` header value. The header is split on `;` before any decoding, so an
    /// encoded `%3B` can never forge another cookie.
    pub fn parse(header: Option<&'a str>) -> Self {
        Cookies::parse_all(header)
    }

    /// Parses repeated `cookie` headers as one (fetch joins them with `; `).
    pub fn parse_all(headers: impl IntoIterator<Item = &'a str>) -> Self {
        let mut headers = headers.into_iter().peekable();
        let mut pairs: Vec<(&'a str, Cow<'a, str>)> = Vec::with_capacity(if headers.peek().is_some() { 8 } else { 0 });
        for h in headers {
            // One vectorized pass finds the `;` separators and notes which parts hold a `%`
            // (the ~1 kB session token is scanned once).
            let (mut start, mut percent) = (0, false);
            for i in memchr::memchr2_iter(b';', b'%', h.as_bytes()).chain([h.len()]) {
                if h.as_bytes().get(i) == Some(&b'%') {
                    percent = true;
                    continue;
                }
                Self::add(&mut pairs, &h[start..i], percent);
                (start, percent) = (i + 1, false);
            }
        }
        Cookies { pairs }
    }

    /// Adds one `name=value` part (a repeated name is kept too; lookups take the first).
    fn add(pairs: &mut Vec<(&'a str, Cow<'a, str>)>, part: &'a str, percent: bool) {
        // Names are short: a plain scan finds the `=` sooner than a vectorized search.
        let Some(eq) = part.bytes().position(|b| b == b'=') else {
            return;
        };
        let key = trim_ws(&part[..eq]);
        // cookie@1 keeps double quotes (cookie@0 removed them).
        let value = trim_ws(&part[eq + 1..]);
        let value = if percent && value.contains('%') { decode_uri_component(value).map_or(Cow::Borrowed(value), Cow::Owned) } else { Cow::Borrowed(value) };
        pairs.push((key, value));
    }

    /// The value of a cookie, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entry(name).map(|v| &**v)
    }

    /// The value of the cookie named `{base}_{suffix}`, if present (no name is built).
    pub fn get_suffixed(&self, base: &str, suffix: &str) -> Option<&str> {
        self.entry_suffixed(base, suffix).map(|v| &**v)
    }

    /// A cookie's value as stored: borrowed from the header unless it was percent-decoded, so
    /// a clone outlives `self`.
    pub fn entry(&self, name: &str) -> Option<&Cow<'a, str>> {
        self.pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// [`entry`](Self::entry) of the cookie named `{base}_{suffix}`.
    pub fn entry_suffixed(&self, base: &str, suffix: &str) -> Option<&Cow<'a, str>> {
        self.pairs.iter().find(|(k, _)| k.len() == base.len() + 1 + suffix.len() && k.starts_with(base) && k.ends_with(suffix) && k.as_bytes()[base.len()] == b'_').map(|(_, v)| v)
    }

    /// The value of a cookie when present and non-empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// All (name, value) pairs, in header order, each name once (its first occurrence).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut seen = HashSet::with_capacity(self.pairs.len());
        self.pairs.iter().filter(move |(k, _)| seen.insert(*k)).map(|(k, v)| (*k, &**v))
    }
}

/// JavaScript `decodeURIComponent`: `None` on a malformed escape or invalid UTF-8.
pub fn decode_uri_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let h = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The cookie name of a `Set-Cookie` directive (text before the first `=`).
pub fn directive_name(directive: &str) -> &str {
    directive.split('=').next().unwrap_or("")
}

/// The value of a `Set-Cookie` directive as the reference extracts it: the text after the
/// first `=` up to the next `=` or `;`.
pub fn directive_value(directive: &str) -> &str {
    let mut parts = directive.split('=');
    parts.next();
    parts.next().map(|v| v.split(';').next().unwrap_or("")).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_parse_as_their_fetch_join() {
        let sets: [&[&str]; 5] = [&["a=1", "b=2"], &["a=1; b", "=x; a=2"], &["", "c=%41", "c=3"], &["d=\"q\"; e", "e=1;"], &["s=%3B; t=%ZZ", ";;u=1"]];
        for headers in sets {
            let joined = headers.join("; ");
            let (want, got) = (Cookies::parse(Some(&joined)), Cookies::parse_all(headers.iter().copied()));
            assert_eq!(got.iter().collect::<Vec<_>>(), want.iter().collect::<Vec<_>>(), "{headers:?}");
        }
    }

    #[test]
    fn suffixed_lookup_matches_the_built_name() {
        let c = Cookies::parse(Some("__session=a; __session_abc=b; __session_abcd=c; __sessionXabc=d; __client_uat_abc=0"));
        assert_eq!(c.get_suffixed("__session", "abc"), Some("b"));
        assert_eq!(c.get_suffixed("__session", "abcd"), Some("c"));
        assert_eq!(c.get_suffixed("__client_uat", "abc"), Some("0"));
        assert_eq!(c.get_suffixed("__client_uat", "xyz"), None);
    }

    #[test]
    fn parses_like_the_cookie_package() {
        let c = Cookies::parse(Some("foo=hello%20world; bar = x ;novalue; foo=second"));
        assert_eq!(c.get("foo"), Some("hello world"));
        assert_eq!(c.get("bar"), Some("x"));
        assert_eq!(c.get("novalue"), None);
        let c = Cookies::parse(Some("foo=%20bar%3B%20baz%3Dqux"));
        assert_eq!(c.get("foo"), Some(" bar; baz=qux"));
        assert_eq!(c.get("baz"), None);
        assert_eq!(Cookies::parse(Some("foo=%C0")).get("foo"), Some("%C0"));
        assert_eq!(Cookies::parse(Some("foo=%zz")).get("foo"), Some("%zz"));
        assert_eq!(Cookies::parse(Some("q=\"quoted\"")).get("q"), Some("\"quoted\""), "cookie@1 keeps quotes");
        let c = Cookies::parse(Some("k%=%41%; v=%41; w=x%"));
        assert_eq!((c.get("k%"), c.get("v"), c.get("w")), (Some("%41%"), Some("A"), Some("x%")), "a % in one part does not decode another");
    }

    #[test]
    fn first_occurrence_wins_in_every_accessor() {
        let c = Cookies::parse_all(["__session=first; a=1; __session=second", "__session_x=s1; a=2; __session_x=s2"]);
        assert_eq!(c.get("__session"), Some("first"));
        assert_eq!(c.get_suffixed("__session", "x"), Some("s1"));
        assert_eq!(c.get("a"), Some("1"));
        assert_eq!(c.iter().collect::<Vec<_>>(), [("__session", "first"), ("a", "1"), ("__session_x", "s1")]);
    }

    #[test]
    fn many_cookies_parse_in_one_pass() {
        // 200 000 distinct names, then each name again: a parser that searched the earlier
        // names for every cookie would make ~4·10^10 comparisons here (minutes), this one
        // makes none.
        const N: usize = 200_000;
        let mut header = String::new();
        for round in ["first", "again"] {
            for i in 0..N {
                header.push_str(&format!("c{i}={round}%20{i}; "));
            }
        }
        let c = Cookies::parse(Some(&header));
        assert_eq!(c.get("c0"), Some("first 0"));
        assert_eq!(c.get(&format!("c{}", N - 1)), Some(format!("first {}", N - 1).as_str()));
        let all: Vec<(&str, &str)> = c.iter().collect();
        assert_eq!(all.len(), N, "each name once");
        assert!(all.iter().enumerate().all(|(i, (k, v))| *k == format!("c{i}") && *v == format!("first {i}")));
        // One name repeated N times: the first value.
        let same = "s=1; ".to_string() + &"s=2; ".repeat(N);
        assert_eq!(Cookies::parse(Some(&same)).iter().collect::<Vec<_>>(), [("s", "1")]);
    }

    #[test]
    fn garbage_never_panics() {
        for h in ["", ";;;", "=", "==;=", "a=%", "a=%e2%82", "\u{0}=\u{0}", "é=ü%ff"] {
            let _ = Cookies::parse(Some(h));
        }
    }

    #[test]
    fn directive_values() {
        assert_eq!(directive_value("__session=abc; Path=/"), "abc");
        assert_eq!(directive_value("__session=; Max-Age=0"), "");
        assert_eq!(directive_value("__session=a=b; Path=/"), "a");
        assert_eq!(directive_name("__session_x=1"), "__session_x");
    }
}
