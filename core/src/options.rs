//! Authentication options, named and shaped as `@clerk/backend`'s (camelCase in JSON).

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, ErrorCode};
use crate::state::TokenType;

/// `organizationSyncOptions`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationSyncOptions {
    /// Patterns naming an organization with `:id` or `:slug`.
    pub organization_patterns: Option<Vec<String>>,
    /// Patterns naming the personal account.
    pub personal_account_patterns: Option<Vec<String>>,
    /// `keep-active` (default), `signed-out` or `resolve-membership` (this project's addition).
    pub on_mismatch: Option<String>,
}

/// Which credentials are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptsToken {
    /// One type.
    One(TokenType),
    /// `any`.
    Any,
    /// A list.
    List(Vec<TokenType>),
}

impl AcceptsToken {
    /// Whether `t` is accepted.
    pub fn accepts(&self, t: TokenType) -> bool {
        match self {
            AcceptsToken::Any => true,
            AcceptsToken::One(x) => *x == t,
            AcceptsToken::List(l) => l.contains(&t),
        }
    }

    fn from_json(v: &Value) -> Result<AcceptsToken, Error> {
        let bad = || Error::new(ErrorCode::InvalidOption, format!("Invalid acceptsToken: {v}"));
        match v {
            Value::String(s) if s == "any" => Ok(AcceptsToken::Any),
            Value::String(s) => TokenType::parse(s).map(AcceptsToken::One).ok_or_else(bad),
            Value::Array(a) => a.iter().map(|x| x.as_str().and_then(TokenType::parse).ok_or_else(bad)).collect::<Result<_, _>>().map(AcceptsToken::List),
            _ => Err(bad()),
        }
    }
}

/// Policy for tokens without `azp` when `authorizedParties` is set (this project's addition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingAzp {
    /// Reject (reference behaviour).
    #[default]
    Reject,
    /// Accept.
    Accept,
}

/// Every option. `None` means "not given" (an overlay leaves the base value in place).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    /// `sk_live_…` / `sk_test_…`.
    pub secret_key: Option<String>,
    /// `pk_live_…` / `pk_test_…`.
    pub publishable_key: Option<String>,
    /// PEM public key for networkless verification.
    pub jwt_key: Option<String>,
    /// Used instead of the secret key for the M2M verify endpoint.
    pub machine_secret_key: Option<String>,
    /// Accepted `aud` values (string or list).
    pub audience: Option<Value>,
    /// Accepted `iss` values (string or list; empty = no check). Session tokens only.
    pub issuer: Option<Value>,
    /// Accepted `azp` values.
    pub authorized_parties: Option<Vec<String>>,
    /// Clock skew tolerance in ms (default 5000; non-finite → default).
    pub clock_skew_in_ms: Option<Value>,
    /// Allowed JWT `typ` values.
    pub header_type: Option<Value>,
    /// Satellite domain.
    pub domain: Option<String>,
    /// Satellite app.
    pub is_satellite: Option<bool>,
    /// Satellite auto-sync on first load.
    pub satellite_auto_sync: Option<bool>,
    /// Proxy URL (absolute or a path).
    pub proxy_url: Option<String>,
    /// Sign-in URL.
    pub sign_in_url: Option<String>,
    /// Sign-up URL (echoed).
    pub sign_up_url: Option<String>,
    /// Echoed.
    pub after_sign_in_url: Option<String>,
    /// Echoed.
    pub after_sign_up_url: Option<String>,
    /// Organization sync.
    pub organization_sync_options: Option<OrganizationSyncOptions>,
    /// `session_token` (default), a machine type, `any`, or a list.
    pub accepts_token: Option<Value>,
    /// Backend API base URL.
    pub api_url: Option<String>,
    /// Backend API path version (`v1`).
    pub api_version: Option<String>,
    /// Always refetch the JWKS.
    pub skip_jwks_cache: Option<bool>,
    /// JWKS freshness in ms (honoured; default 300000).
    pub jwks_cache_ttl_in_ms: Option<u64>,
    /// Header whose presence demands the request's own Authorization token (per-tab mode).
    pub require_tab_token: Option<String>,
    /// Header naming the session the request expects.
    pub expected_session_header: Option<String>,
    /// Header naming the user the request expects.
    pub expected_user_header: Option<String>,
    /// `reject` (default) or `accept` tokens without `azp` when authorizedParties is set.
    pub missing_azp: Option<String>,
    /// TTL of membership lookups for `onMismatch: resolve-membership` (default 60000).
    pub membership_cache_ttl_in_ms: Option<u64>,
    /// Record a decision trace on the state.
    pub explain: Option<bool>,
    /// Entries of the opt-in verified-token cache (default 0: off). Read when the
    /// authenticator is built; per-call values are ignored.
    pub verified_token_cache_size: Option<u64>,
}

/// A string or a list of strings (nested one level, `null`/`false` entries tolerated as the
/// reference drops them): anything else would make a check compare against nothing, so it is an
/// `invalid-option` error rather than a check that silently never matches or never runs.
fn check_string_list(name: &str, v: &Value) -> Result<(), Error> {
    let ok_entry = |e: &Value| matches!(e, Value::String(_) | Value::Null | Value::Bool(false));
    let ok = match v {
        Value::Array(a) => a.iter().all(|e| ok_entry(e) || e.as_array().is_some_and(|n| n.iter().all(ok_entry))),
        e => ok_entry(e),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::InvalidOption, format!("Invalid {name}: {v} (expected a string or a list of strings)")))
    }
}

/// A string-or-list option as the reference normalises it: a single value wrapped, one level of
/// nesting flattened, falsy (empty, `null`) entries dropped.
fn normalized_list(v: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |e: &Value| {
        if let Some(s) = e.as_str().filter(|s| !s.is_empty()) {
            out.push(s.to_string());
        }
    };
    match v {
        Some(Value::Array(a)) => a.iter().for_each(|e| match e {
            Value::Array(n) => n.iter().for_each(&mut push),
            e => push(e),
        }),
        Some(e) => push(e),
        None => {}
    }
    out
}

macro_rules! overlay {
    ($base:expr, $over:expr, $($f:ident),*) => {
        $( if $over.$f.is_some() { $base.$f = $over.$f.clone(); } )*
    };
}

impl Options {
    /// Parses options from JSON (camelCase keys, unknown keys ignored).
    pub fn from_json(v: &Value) -> Result<Options, Error> {
        let opts: Options = serde_json::from_value(v.clone()).map_err(|e| Error::new(ErrorCode::InvalidOption, format!("Invalid options: {e}")))?;
        opts.validate()?;
        Ok(opts)
    }

    /// Parses options from a JSON string.
    pub fn from_json_str(s: &str) -> Result<Options, Error> {
        let v: Value = serde_json::from_str(s).map_err(|e| Error::new(ErrorCode::InvalidOption, format!("Invalid options JSON: {e}")))?;
        Options::from_json(&v)
    }

    /// Checks the shapes serde cannot.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(a) = &self.accepts_token {
            AcceptsToken::from_json(a)?;
        }
        if let Some(m) = self.organization_sync_options.as_ref().and_then(|o| o.on_mismatch.as_deref()) {
            if crate::org_sync::OnMismatch::parse(m).is_none() {
                return Err(Error::new(ErrorCode::InvalidOption, format!("Invalid organizationSyncOptions.onMismatch: {m}")));
            }
        }
        for (name, v) in [("audience", &self.audience), ("issuer", &self.issuer)] {
            if let Some(v) = v {
                check_string_list(name, v)?;
            }
        }
        if let Some(m) = self.missing_azp.as_deref() {
            if m != "accept" && m != "reject" {
                return Err(Error::new(ErrorCode::InvalidOption, format!("Invalid missingAzp: {m}")));
            }
        }
        Ok(())
    }

    /// No option set (an overlay that changes nothing).
    pub fn is_empty(&self) -> bool {
        *self == Options::default()
    }

    /// This overlaid with every option `over` sets.
    pub fn merged(&self, over: &Options) -> Options {
        let mut m = self.clone();
        overlay!(m, over, secret_key, publishable_key, jwt_key, machine_secret_key, audience, issuer, authorized_parties, clock_skew_in_ms, header_type,
            domain, is_satellite, satellite_auto_sync, proxy_url, sign_in_url, sign_up_url, after_sign_in_url, after_sign_up_url,
            organization_sync_options, accepts_token, api_url, api_version, skip_jwks_cache, jwks_cache_ttl_in_ms, require_tab_token,
            expected_session_header, expected_user_header, missing_azp, membership_cache_ttl_in_ms, explain);
        m
    }

    /// `acceptsToken`, default `session_token`.
    pub fn accepts(&self) -> AcceptsToken {
        self.accepts_token.as_ref().and_then(|v| AcceptsToken::from_json(v).ok()).unwrap_or(AcceptsToken::One(TokenType::SessionToken))
    }

    /// Clock skew in ms.
    pub fn skew_ms(&self) -> f64 {
        self.clock_skew_in_ms.as_ref().and_then(Value::as_f64).filter(|f| f.is_finite()).unwrap_or(5000.0)
    }

    /// `audience` normalised as the reference does: one level flattened, empty entries dropped.
    pub fn audience_list(&self) -> Vec<String> {
        normalized_list(self.audience.as_ref())
    }

    /// `issuer` normalised as the reference does: one level flattened, falsy entries dropped.
    /// Empty means no issuer check.
    pub fn issuer_list(&self) -> Vec<String> {
        normalized_list(self.issuer.as_ref())
    }

    /// `headerType` flattened to a list, if given.
    pub fn header_types(&self) -> Option<Vec<String>> {
        match &self.header_type {
            Some(Value::String(s)) => Some(vec![s.clone()]),
            Some(Value::Array(a)) => Some(a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
            _ => None,
        }
    }

    /// Builder: secret key.
    pub fn with_secret_key(mut self, v: impl Into<String>) -> Self {
        self.secret_key = Some(v.into());
        self
    }
    /// Builder: publishable key.
    pub fn with_publishable_key(mut self, v: impl Into<String>) -> Self {
        self.publishable_key = Some(v.into());
        self
    }
    /// Builder: PEM public key.
    pub fn with_jwt_key(mut self, v: impl Into<String>) -> Self {
        self.jwt_key = Some(v.into());
        self
    }
    /// Builder: Backend API URL.
    pub fn with_api_url(mut self, v: impl Into<String>) -> Self {
        self.api_url = Some(v.into());
        self
    }
    /// Builder: authorized parties.
    pub fn with_authorized_parties<I: IntoIterator<Item = S>, S: Into<String>>(mut self, v: I) -> Self {
        self.authorized_parties = Some(v.into_iter().map(Into::into).collect());
        self
    }
    /// Builder: organization sync.
    pub fn with_organization_sync(mut self, v: OrganizationSyncOptions) -> Self {
        self.organization_sync_options = Some(v);
        self
    }
    /// Builder: accepted token types (`"any"`, one type, or a list as JSON).
    pub fn with_accepts_token(mut self, v: Value) -> Self {
        self.accepts_token = Some(v);
        self
    }
    /// Builder: decision trace.
    pub fn with_explain(mut self, v: bool) -> Self {
        self.explain = Some(v);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::Options;
    use serde_json::json;

    #[test]
    fn string_list_options_are_normalised_like_the_reference() {
        let issuer = |v| Options::from_json(&json!({ "issuer": v })).unwrap().issuer_list();
        assert_eq!(issuer(json!("a")), ["a"]);
        assert_eq!(issuer(json!(["a", "", null, false, ["b", ""]])), ["a", "b"]);
        assert!(issuer(json!("")).is_empty() && issuer(json!([])).is_empty() && issuer(json!(["", ""])).is_empty());
        let audience = Options::from_json(&json!({ "audience": [["x"], "y"] })).unwrap().audience_list();
        assert_eq!(audience, ["x", "y"]);
    }

    #[test]
    fn string_list_options_of_another_shape_are_errors() {
        for bad in [json!(7), json!(true), json!({"a": 1}), json!(["a", 7]), json!([["a", ["b"]]])] {
            for name in ["issuer", "audience"] {
                let e = Options::from_json(&json!({ name: bad })).unwrap_err();
                assert_eq!(e.code(), crate::ErrorCode::InvalidOption, "{name}: {bad}");
                assert!(e.to_string().contains(name), "{e}");
            }
        }
    }

    #[test]
    fn per_call_issuer_overlays_the_instance() {
        let base = Options::from_json(&json!({ "issuer": "https://a.example" })).unwrap();
        let call = Options::from_json(&json!({ "issuer": ["https://b.example"] })).unwrap();
        assert_eq!(base.merged(&call).issuer_list(), ["https://b.example"]);
        assert_eq!(base.merged(&Options::default()).issuer_list(), ["https://a.example"]);
    }
}
