//! The per-request authenticate context: everything derived from the request and options.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::sync::Arc;

use url::Url;

use crate::bapi::BackendApi;
use crate::claims::claim;
use crate::cookies::Cookies;
use crate::jwt::{Jwt, VerifyError};
use crate::keys::{InstanceType, PublishableKey};
use crate::options::{CallOptions, ResolvedOptions};
use crate::org_sync::OrganizationMatcher;
use crate::request::{parse_authorization, public_url, Headers, Known, Request};
use crate::trace::{Recorder, Trace};
use crate::Authenticator;

/// One `authenticate` call: options, clock, derived request values, trace.
pub(crate) struct Call<'a> {
    auth: &'a Authenticator,
    /// The instance options, or those overlaid with the call's overrides (resolved once per set).
    opts: CallOptions<'a>,
    now_ms: f64,
    request: &'a Request,
    method: &'a str,
    clerk_url: Url,
    token_in_header: Option<Cow<'a, str>>,
    referrer: Option<Cow<'a, str>>,
    sec_fetch_dest: Option<Cow<'a, str>>,
    accept: Option<Cow<'a, str>>,
    cookies: Cookies<'a>,
    pk: Option<Cow<'a, PublishableKey>>,
    frontend_api: Cow<'a, str>,
    original_frontend_api: Cow<'a, str>,
    proxy_url: String,
    suffixed: bool,
    session_token_in_cookie: Option<Cow<'a, str>>,
    /// The last token decoded in this call: every step that looks at the same token shares
    /// one decode.
    decoded: RefCell<Option<Arc<Jwt>>>,
    refresh_token_in_cookie: Option<Cow<'a, str>>,
    client_uat: f64,
    dev_browser_token: Option<Cow<'a, str>>,
    handshake_token: Option<Cow<'a, str>>,
    handshake_nonce: Option<Cow<'a, str>>,
    redirect_loop_counter: f64,
    trace: Recorder,
    org_matcher: Option<Arc<OrganizationMatcher>>,
    /// Organization sync already decided for this call's state (the cookie flow's own step).
    org_synced: Cell<bool>,
    /// Set for a call on the no-network path.
    no_network: Option<NoNetwork>,
}

/// What a call on the no-network path holds: whether it needed the Backend API (its state
/// is then thrown away), and the log lines it holds back until it knows.
#[derive(Default)]
pub(crate) struct NoNetwork {
    pub needed: Cell<bool>,
    logs: RefCell<Vec<String>>,
    missing_azp: Cell<bool>,
}

/// JavaScript `parseInt(s, 10)`-like with `0x` hex; NaN → 0.
pub(crate) fn js_parse_int(s: &str) -> f64 {
    let t = s.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if t.len() > 1 && (t.starts_with("0x") || t.starts_with("0X")) { (16, &t[2..]) } else { (10, t) };
    let digits = &digits[..digits.bytes().position(|b| !(b as char).is_digit(radix)).unwrap_or(digits.len())];
    // Up to 12 digits fit exactly in both u64 and f64: integer parsing, no chain of float
    // multiplies (a Unix time in seconds has 10).
    let v = match digits.len() {
        0 => return 0.0,
        1..=12 => u64::from_str_radix(digits, radix).map_or(0.0, |v| v as f64),
        _ => digits.bytes().fold(0f64, |v, b| v * radix as f64 + (b as char).to_digit(radix).unwrap_or(0) as f64),
    };
    if neg {
        -v
    } else {
        v
    }
}

/// JavaScript `Number(s) || 0` for the redirect counter.
fn js_number(s: &str) -> f64 {
    let n = crate::js::string_to_number(s);
    if n.is_nan() {
        0.0
    } else {
        n
    }
}

/// First value of a query parameter (URLSearchParams semantics).
pub(crate) fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// A publishable-key field, borrowed for as long as the key is.
fn pk_str<'a>(pk: &Cow<'a, PublishableKey>, field: fn(&PublishableKey) -> &str) -> Cow<'a, str> {
    match pk {
        Cow::Borrowed(p) => Cow::Borrowed(field(p)),
        Cow::Owned(p) => Cow::Owned(field(p).to_string()),
    }
}

/// `decoded?.payload.iat || 0`, compared as JavaScript compares it.
fn iat_of(jwt: Option<&Jwt>) -> serde_json::Value {
    crate::js::or_zero(jwt.and_then(|j| j.payload.value(claim::IAT)))
}

/// What a call starts from besides the request.
pub(crate) struct CallSetup<'a> {
    /// The instance options, or those overlaid with the call's overrides (resolved once per set).
    pub opts: CallOptions<'a>,
    /// The call's clock (ms since the epoch).
    pub now_ms: f64,
    /// `None` where only header values are derived (`acceptsToken` `m2m_token`/`api_key`,
    /// `verifyToken`): no cookies, no Frontend API.
    pub pk: Option<Cow<'a, PublishableKey>>,
    /// The organization patterns of these options, compiled.
    pub org_matcher: Option<Arc<OrganizationMatcher>>,
    /// The no-network path.
    pub no_network: bool,
}

/// Read access to a call's fields: they are set once, by [`Call::new`]; only the trace and the
/// organization-sync mark change afterwards (through `&self`).
impl<'a> Call<'a> {
    pub fn auth(&self) -> &'a Authenticator {
        self.auth
    }
    /// The instance options, or those overlaid with the call's overrides.
    pub fn opts(&self) -> &ResolvedOptions {
        &self.opts
    }
    pub fn now_ms(&self) -> f64 {
        self.now_ms
    }
    pub fn request(&self) -> &'a Request {
        self.request
    }
    pub fn method(&self) -> &'a str {
        self.method
    }
    /// The request's public URL (forwarded headers applied).
    pub fn clerk_url(&self) -> &Url {
        &self.clerk_url
    }
    pub fn token_in_header(&self) -> &Option<Cow<'a, str>> {
        &self.token_in_header
    }
    pub fn sec_fetch_dest(&self) -> &Option<Cow<'a, str>> {
        &self.sec_fetch_dest
    }
    pub fn accept(&self) -> &Option<Cow<'a, str>> {
        &self.accept
    }
    pub fn frontend_api(&self) -> &Cow<'a, str> {
        &self.frontend_api
    }
    /// The proxy URL, absolute (empty without one).
    pub fn proxy_url(&self) -> &str {
        &self.proxy_url
    }
    /// Whether the instance's cookies are the suffixed ones.
    pub fn suffixed(&self) -> bool {
        self.suffixed
    }
    pub fn session_token_in_cookie(&self) -> &Option<Cow<'a, str>> {
        &self.session_token_in_cookie
    }
    pub fn refresh_token_in_cookie(&self) -> &Option<Cow<'a, str>> {
        &self.refresh_token_in_cookie
    }
    pub fn client_uat(&self) -> f64 {
        self.client_uat
    }
    pub fn dev_browser_token(&self) -> &Option<Cow<'a, str>> {
        &self.dev_browser_token
    }
    pub fn handshake_token(&self) -> &Option<Cow<'a, str>> {
        &self.handshake_token
    }
    pub fn handshake_nonce(&self) -> &Option<Cow<'a, str>> {
        &self.handshake_nonce
    }
    pub fn redirect_loop_counter(&self) -> f64 {
        self.redirect_loop_counter
    }
    pub fn org_matcher(&self) -> &Option<Arc<OrganizationMatcher>> {
        &self.org_matcher
    }

    /// Records a trace step (when `explain` is on; the detail closure runs only then).
    pub fn step(&self, step: &'static str, detail: impl FnOnce() -> String) {
        self.trace.step(step, detail);
    }

    /// The recorded trace, taken out.
    pub fn take_trace(&self) -> Option<Trace> {
        self.trace.take()
    }

    /// Whether organization sync already decided this call's state.
    pub fn org_synced(&self) -> bool {
        self.org_synced.get()
    }

    pub fn mark_org_synced(&self) {
        self.org_synced.set(true);
    }
}

impl<'a> Call<'a> {
    /// Builds the whole context: every value derived from the request and the options.
    pub fn new(auth: &'a Authenticator, request: &'a Request, initial: Url, setup: CallSetup<'a>) -> Call<'a> {
        let CallSetup { opts, now_ms, pk, org_matcher, no_network } = setup;
        let headers = Headers::new(request);
        let clerk_url = public_url(&headers, initial);
        let h = |k: Known| headers.get(k);
        let trace = Recorder::new(opts.explain);
        let token_in_header = match h(Known::Authorization) {
            Some(Cow::Borrowed(v)) => parse_authorization(Some(v)).map(Cow::Borrowed),
            Some(Cow::Owned(v)) => parse_authorization(Some(&v)).map(|t| Cow::Owned(t.to_string())),
            None => None,
        };
        let mut call = Call {
            auth,
            now_ms,
            request,
            method: request.normalized_method(),
            token_in_header,
            referrer: h(Known::Referer),
            sec_fetch_dest: h(Known::SecFetchDest),
            accept: h(Known::Accept),
            cookies: Cookies::default(),
            frontend_api: Cow::Borrowed(""),
            original_frontend_api: Cow::Borrowed(""),
            proxy_url: String::new(),
            suffixed: false,
            session_token_in_cookie: None,
            decoded: RefCell::new(None),
            refresh_token_in_cookie: None,
            client_uat: 0.0,
            dev_browser_token: None,
            handshake_token: None,
            handshake_nonce: None,
            redirect_loop_counter: 0.0,
            clerk_url,
            opts,
            pk: None,
            trace: Recorder::default(),
            org_matcher,
            org_synced: Cell::new(false),
            no_network: no_network.then(NoNetwork::default),
        };
        // Proxy URL: a path is resolved against the public origin.
        if let Some(p) = call.opts.proxy_url.as_deref() {
            call.proxy_url = if p.starts_with('/') { format!("{}{}", call.clerk_url.origin().ascii_serialization(), p) } else { p.to_string() };
        }
        if let Some(pk) = pk {
            let satellite_fapi =
                (pk.instance_type == InstanceType::Production && call.opts.is_satellite).then(|| call.opts.domain.clone().filter(|d| !d.is_empty())).flatten().map(|d| format!("clerk.{d}"));
            call.original_frontend_api = satellite_fapi.map_or_else(|| pk_str(&pk, |p| &p.frontend_api), Cow::Owned);
            call.frontend_api = if call.proxy_url.is_empty() { call.original_frontend_api.clone() } else { Cow::Owned(call.proxy_url.clone()) };
            call.cookies = Cookies::parse_all(headers.values(Known::Cookie));
            let suffix = pk_str(&pk, PublishableKey::cookie_suffix);
            call.pk = Some(pk);
            let plain_session = call.cookies.non_empty("__session").and_then(|t| call.decode_token(t).ok());
            call.suffixed = call.uses_suffixed_cookies(&suffix, plain_session.as_deref());
            let suffixed = call.suffixed;
            let c = &call.cookies;
            // Non-empty values, borrowed from the request (the session token is ~1 kB).
            let pick = |base: &str, suffixed: bool| if suffixed { c.entry_suffixed(base, &suffix) } else { c.entry(base) }.filter(|v| !v.is_empty()).cloned();
            let query_or_cookie = |name: &str, cookie: Option<Cow<'a, str>>| query_param(&call.clerk_url, name).filter(|v| !v.is_empty()).map(Cow::Owned).or(cookie);
            let session = pick("__session", suffixed);
            let refresh = pick("__refresh", true);
            let client_uat = pick("__client_uat", suffixed).map_or(0.0, |v| js_parse_int(&v));
            let dev_browser = query_or_cookie("__clerk_db_jwt", pick("__clerk_db_jwt", suffixed));
            let handshake = query_or_cookie("__clerk_handshake", pick("__clerk_handshake", false));
            let nonce = query_or_cookie("__clerk_handshake_nonce", pick("__clerk_handshake_nonce", false));
            (call.session_token_in_cookie, call.refresh_token_in_cookie, call.client_uat) = (session, refresh, client_uat);
            (call.dev_browser_token, call.handshake_token, call.handshake_nonce) = (dev_browser, handshake, nonce);
            call.redirect_loop_counter = call.cookies.get("__clerk_redirect_count").map(js_number).unwrap_or(0.0);
        }
        trace.step("request", || format!("{} {} (public URL {})", call.method, request.url, call.clerk_url));
        trace.step("cookies", || {
            let names: Vec<&str> = call.cookies.iter().map(|(k, _)| k).collect();
            format!("[{}]; suffixed cookies: {}; client_uat={}", names.join(", "), call.suffixed, call.client_uat)
        });
        call.trace = trace;
        call
    }

    /// Decodes a token, or takes its decoded form from the verified-token cache.
    pub fn decode_token(&self, token: &str) -> Result<Arc<Jwt>, VerifyError> {
        if let Some(j) = self.decoded.borrow().as_ref().filter(|j| j.raw() == token) {
            return Ok(j.clone());
        }
        let jwt = match self.auth.token_cache.as_ref().and_then(|c| c.decoded(token)) {
            Some(j) => j,
            None => Arc::new(Jwt::decode(token)?),
        };
        *self.decoded.borrow_mut() = Some(jwt.clone());
        Ok(jwt)
    }

    /// The text of a decoded token, moved out of the decode when nothing else holds it (the
    /// verified-token cache may), so the ~1 kB token is not copied for the result.
    pub fn owned_token(&self, jwt: Arc<Jwt>) -> String {
        let mut last = self.decoded.borrow_mut();
        if last.as_ref().is_some_and(|d| Arc::ptr_eq(d, &jwt)) {
            *last = None;
        }
        drop(last);
        Arc::try_unwrap(jwt).map_or_else(|shared| shared.raw().to_string(), Jwt::into_raw)
    }

    /// The Backend API endpoint for this call.
    pub fn api(&self) -> BackendApi<'_> {
        BackendApi { transport: &self.auth.transport, api_url: &self.opts.api_url, api_version: &self.opts.api_version, offline: self.no_network.as_ref().map(|n| &n.needed) }
    }

    /// Logs a line (held back on the no-network path until the call is known to decide).
    pub fn log(&self, line: &str) {
        match &self.no_network {
            Some(n) => n.logs.borrow_mut().push(line.to_string()),
            None => self.auth.log(line),
        }
    }

    /// The once-per-authenticator warning for a cookie token without `azp`.
    pub fn warn_missing_azp(&self) {
        match &self.no_network {
            Some(n) => n.missing_azp.set(true),
            None => self.auth.warn_missing_azp_once(),
        }
    }

    /// Whether this no-network call needed the Backend API; if not, its held-back log lines
    /// are written now.
    pub fn needed_network(&self) -> bool {
        let Some(n) = &self.no_network else { return false };
        if n.needed.get() {
            return true;
        }
        for line in n.logs.take() {
            self.auth.log(&line);
        }
        if n.missing_azp.get() {
            self.auth.warn_missing_azp_once();
        }
        false
    }

    pub fn is_dev(&self) -> bool {
        self.pk.as_ref().is_some_and(|p| p.instance_type == InstanceType::Development)
    }

    pub fn is_prod(&self) -> bool {
        self.pk.as_ref().is_some_and(|p| p.instance_type == InstanceType::Production)
    }

    pub fn is_satellite(&self) -> bool {
        self.opts.is_satellite
    }

    /// Cookie token, else header token.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token_in_cookie.as_deref().or(self.token_in_header.as_deref())
    }

    /// The suffixed-vs-plain rules (section 4.4).
    /// `plain_session` is the unsuffixed `__session` cookie, decoded (if it decodes).
    fn uses_suffixed_cookies(&self, suffix: &str, plain_session: Option<&Jwt>) -> bool {
        let c = &self.cookies;
        let sc = c.get_suffixed("__client_uat", suffix);
        let uc = c.get("__client_uat");
        let ss = c.get_suffixed("__session", suffix).filter(|v| !v.is_empty());
        let us = c.non_empty("__session");
        if us.is_some() {
            if !plain_session.is_some_and(|j| j.payload.truthy(claim::ISS)) {
                return false;
            }
            let belongs = plain_session.and_then(|j| j.payload.str(claim::ISS)).is_some_and(|s| is_scheme_and(s, &self.original_frontend_api) || strip_scheme(s) == self.original_frontend_api);
            if !belongs {
                return true;
            }
        }
        if sc.is_none() && ss.is_none() {
            return false;
        }
        // The suffixed session token, decoded at most once and only when a rule needs it.
        let ss_jwt = OnceCell::new();
        let suffixed_session = || ss_jwt.get_or_init(|| ss.and_then(|t| Jwt::decode(t).ok())).as_ref();
        if sc != Some("0") && uc != Some("0") && crate::js::less_than(Some(&iat_of(suffixed_session())), Some(&iat_of(plain_session))) {
            return false;
        }
        if sc == Some("0") && uc != Some("0") {
            return false;
        }
        if !self.is_prod() && sc != Some("0") && uc == Some("0") {
            // `exp <= Date.now() / 1000 >> 0`, whatever `exp` holds.
            let expired = suffixed_session().is_some_and(|j| crate::js::to_number(j.payload.value(claim::EXP).as_ref()) <= (self.now_ms / 1000.0).floor());
            if expired {
                return false;
            }
        }
        if sc.is_none() && ss.is_some() {
            return false;
        }
        true
    }

    /// Referer parses and its origin differs from the public origin.
    pub fn is_cross_origin_referrer(&self) -> bool {
        let Some(r) = self.referrer.as_deref() else {
            return false;
        };
        match Url::parse(r) {
            Ok(u) => u.origin().ascii_serialization() != self.clerk_url.origin().ascii_serialization(),
            Err(_) => false,
        }
    }

    /// Referer is the Frontend API, a dev Account Portal (non-production) or this instance's
    /// Account Portal.
    pub fn is_known_clerk_referrer(&self) -> bool {
        let Some(r) = self.referrer.as_deref() else {
            return false;
        };
        let Ok(u) = Url::parse(r) else { return false };
        let host = u.host_str().unwrap_or("");
        let fapi_host =
            if self.frontend_api.starts_with("http") { Url::parse(&self.frontend_api).ok().and_then(|f| f.host_str().map(str::to_string)).unwrap_or_default() } else { self.frontend_api.to_string() };
        if host == fapi_host {
            return true;
        }
        if !self.is_prod() {
            let legacy = host.starts_with("accounts.") && [".lcl.dev", ".lclstage.dev", ".lclclerk.com"].iter().any(|s| host.ends_with(s));
            let current = [".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"].iter().any(|s| host.ends_with(s) && !host.ends_with(&format!(".clerk{s}")));
            if legacy || current {
                return true;
            }
        }
        let mut portal = self.frontend_api.replacen("clerk.accountsstage.", "accountsstage.", 1);
        portal = if let Some(i) = portal.find("clerk.accounts.") { format!("{}accounts.{}", &portal[..i], &portal[i + "clerk.accounts.".len()..]) } else { portal.replacen("clerk.", "accounts.", 1) };
        u.origin().ascii_serialization() == format!("https://{portal}")
    }
}

/// `s` is exactly `http(s)://` (any case) followed by `host`, a host without a scheme in it:
/// the common case of `strip_scheme(s) == host`, decided without allocating.
fn is_scheme_and(s: &str, host: &str) -> bool {
    s.len() > host.len() && s.ends_with(host) && !host.contains("://") && {
        let prefix = &s[..s.len() - host.len()];
        prefix.eq_ignore_ascii_case("https://") || prefix.eq_ignore_ascii_case("http://")
    }
}

fn strip_scheme(s: &str) -> String {
    let mut out = s.to_string();
    for pat in ["https://", "http://"] {
        loop {
            let lower = out.to_ascii_lowercase();
            match lower.find(pat) {
                Some(i) => out.replace_range(i..i + pat.len(), ""),
                None => break,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_like_js() {
        assert_eq!(js_parse_int("12345"), 12345.0);
        assert_eq!(js_parse_int("  -3x"), -3.0);
        assert_eq!(js_parse_int("0x1f"), 31.0);
        assert_eq!(js_parse_int("abc"), 0.0);
        assert!(js_parse_int("-x").is_sign_positive() && js_parse_int("-0").is_sign_negative());
        assert_eq!(js_parse_int("0x"), 0.0);
        assert_eq!(js_parse_int("1767225600"), 1767225600.0);
        assert_eq!(js_parse_int("123456789012345678901"), 123456789012345678901.0);
        assert_eq!(js_parse_int("0xfFfFfFfFfFfF1"), 4503599627370481.0);
        assert_eq!(js_parse_int(""), 0.0);
        assert_eq!(js_number(" 2 "), 2.0);
        assert_eq!(js_number("garbage"), 0.0);
        assert_eq!((js_number("0x3"), js_number("inf"), js_number("Infinity")), (3.0, 0.0, f64::INFINITY));
    }

    #[test]
    fn scheme_fast_path_agrees_with_strip_scheme() {
        let host = "clerk.example.com";
        for s in [
            "https://clerk.example.com",
            "HTTP://clerk.example.com",
            "http://clerk.example.com",
            "clerk.example.com",
            "https://https://clerk.example.com",
            "xhttps://clerk.example.com",
            "https:/clerk.example.com",
            "https://clerk.example.comx",
            "",
        ] {
            if is_scheme_and(s, host) {
                assert_eq!(strip_scheme(s), host, "{s}");
            }
        }
        assert!(is_scheme_and("HtTpS://clerk.example.com", host));
        assert!(!is_scheme_and("https://evil.com/clerk.example.com", host));
    }
}
