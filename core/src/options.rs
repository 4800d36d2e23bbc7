//! Authentication options, named and shaped as `@clerk/backend`'s (camelCase in JSON).

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, ErrorCode};
use crate::option_names::{self, KeyCase};
use crate::state::TokenType;

/// `organizationSyncOptions`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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

/// Every option the core reads (the `Authentication` names of [`OPTION_NAMES`](crate::OPTION_NAMES)).
/// `None` means "not given" (an overlay leaves the base value in place).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
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

/// A string or a list of strings (`null`/`false` entries tolerated as the reference drops
/// them). The reference normalises with `[v].flat()`, so an entry that is itself a list is not
/// flattened: like a number it stays an entry that never matches. Such an entry would make the
/// check compare against nothing, so it is an `invalid-option` error rather than a check that
/// silently never matches (README, deliberate differences).
fn check_string_list(name: &str, v: &Value) -> Result<(), Error> {
    let ok_entry = |e: &Value| matches!(e, Value::String(_) | Value::Null | Value::Bool(false));
    let ok = match v {
        Value::Array(a) => a.iter().all(ok_entry),
        e => ok_entry(e),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::InvalidOption, format!("Invalid {name}: {v} (expected a string or a list of strings)")))
    }
}

/// A string-or-list option as the reference normalises it (`[v].flat()` without falsy
/// entries): a single value wrapped, empty (and `null`) entries dropped.
fn normalized_list(v: Option<&Value>) -> Vec<String> {
    let entries: &[Value] = match v {
        Some(Value::Array(a)) => a,
        Some(e) => std::slice::from_ref(e),
        None => &[],
    };
    entries.iter().filter_map(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

macro_rules! overlay {
    ($base:expr, $over:expr, $($f:ident),*) => {
        $( if $over.$f.is_some() { $base.$f = $over.$f.clone(); } )*
    };
}

impl Options {
    /// Parses options from JSON with the reference's camelCase names. A name not in
    /// [`OPTION_NAMES`](crate::OPTION_NAMES) is an `invalid-option` error naming it (with a
    /// suggestion for a near miss); the reference's options that do not affect authentication
    /// are accepted and ignored; a `null` value means "not given".
    pub fn from_json(v: &Value) -> Result<Options, Error> {
        Options::from_json_in(v, KeyCase::Camel)
    }

    /// [`Options::from_json`] with the names spelled as `case` says (Python: snake_case).
    pub fn from_json_in(v: &Value, case: KeyCase) -> Result<Options, Error> {
        let Value::Object(given) = v else {
            return Err(Error::new(ErrorCode::InvalidOption, format!("Invalid options: expected an object, not {v}")));
        };
        let known = option_names::checked(given, case)?;
        let opts: Options = serde_json::from_value(Value::Object(known)).map_err(|e| Error::new(ErrorCode::InvalidOption, format!("Invalid options: {e}")))?;
        opts.validate()?;
        Ok(opts)
    }

    /// Parses options from a JSON string (as [`Options::from_json`]).
    pub fn from_json_str(s: &str) -> Result<Options, Error> {
        Options::from_json_str_in(s, KeyCase::Camel)
    }

    /// Parses options from a JSON string with the names spelled as `case` says.
    pub fn from_json_str_in(s: &str, case: KeyCase) -> Result<Options, Error> {
        let v: Value = serde_json::from_str(s).map_err(|e| Error::new(ErrorCode::InvalidOption, format!("Invalid options JSON: {e}")))?;
        Options::from_json_in(&v, case)
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
        // A `typ` is compared with each entry: anything but strings would silently allow nothing
        // (the reference) or be ignored (header_types), so it is refused like other mistyped options.
        if let Some(v) = &self.header_type {
            let strings = |a: &Vec<Value>| a.iter().all(Value::is_string);
            if !(v.is_string() || v.as_array().is_some_and(strings)) {
                return Err(Error::new(ErrorCode::InvalidOption, format!("Invalid headerType: {v} (expected a string or a list of strings)")));
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
        overlay!(
            m,
            over,
            secret_key,
            publishable_key,
            jwt_key,
            machine_secret_key,
            audience,
            issuer,
            authorized_parties,
            clock_skew_in_ms,
            header_type,
            domain,
            is_satellite,
            satellite_auto_sync,
            proxy_url,
            sign_in_url,
            sign_up_url,
            after_sign_in_url,
            after_sign_up_url,
            organization_sync_options,
            accepts_token,
            api_url,
            api_version,
            skip_jwks_cache,
            jwks_cache_ttl_in_ms,
            require_tab_token,
            expected_session_header,
            expected_user_header,
            missing_azp,
            membership_cache_ttl_in_ms,
            explain
        );
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

    /// `audience` normalised as the reference does: a single value wrapped, empty entries dropped.
    pub fn audience_list(&self) -> Vec<String> {
        normalized_list(self.audience.as_ref())
    }

    /// `issuer` normalised as the reference does: a single value wrapped, falsy entries dropped.
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
    use serde_json::json;

    use super::*;
    use crate::option_names::{OptionKind, OPTION_NAMES, ORGANIZATION_SYNC_OPTION_NAMES};

    fn message(v: Value, case: KeyCase) -> String {
        let e = Options::from_json_in(&v, case).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidOption, "{e}");
        e.message().to_string()
    }

    #[test]
    fn an_unknown_name_is_an_error_naming_it_with_a_suggestion() {
        assert_eq!(message(json!({"secretKey": "sk", "authorizedParty": ["https://a.example"]}), KeyCase::Camel), "Unknown option `authorizedParty` (did you mean `authorizedParties`?)");
        assert_eq!(message(json!({"SecretKey": "sk"}), KeyCase::Camel), "Unknown option `SecretKey` (did you mean `secretKey`?)");
        assert_eq!(message(json!({"secret_key": "sk"}), KeyCase::Camel), "Unknown option `secret_key` (did you mean `secretKey`?)");
        assert_eq!(message(json!({"frobnicate": true}), KeyCase::Camel), "Unknown option `frobnicate`");
        // A null value does not hide the name.
        assert_eq!(message(json!({"audiance": null}), KeyCase::Camel), "Unknown option `audiance` (did you mean `audience`?)");
    }

    #[test]
    fn nested_organization_sync_names_follow_the_same_rule() {
        assert_eq!(
            message(json!({"organizationSyncOptions": {"organizationPattern": ["/orgs/:id"]}}), KeyCase::Camel),
            "Unknown option `organizationSyncOptions.organizationPattern` (did you mean `organizationSyncOptions.organizationPatterns`?)"
        );
        assert_eq!(
            message(json!({"organization_sync_options": {"on_missmatch": "signed-out"}}), KeyCase::Snake),
            "Unknown option `organization_sync_options.on_missmatch` (did you mean `organization_sync_options.on_mismatch`?)"
        );
    }

    #[test]
    fn snake_case_names_map_onto_the_same_list() {
        let o = Options::from_json_in(&json!({"secret_key": "sk", "clock_skew_in_ms": 0, "organization_sync_options": {"on_mismatch": "signed-out"}, "publishableKey": "pk"}), KeyCase::Snake).unwrap();
        assert_eq!(o.secret_key.as_deref(), Some("sk"));
        assert_eq!(o.publishable_key.as_deref(), Some("pk"));
        assert_eq!(o.skew_ms(), 0.0);
        assert_eq!(o.organization_sync_options.unwrap().on_mismatch.as_deref(), Some("signed-out"));
        assert_eq!(message(json!({"authorized_party": []}), KeyCase::Snake), "Unknown option `authorized_party` (did you mean `authorized_parties`?)");
        // snake_case is not accepted where the host spells names as the reference does.
        assert!(Options::from_json(&json!({"secret_key": "sk"})).is_err());
    }

    #[test]
    fn reference_options_without_effect_on_authentication_are_accepted_and_ignored() {
        let o = Options::from_json(&json!({
            "secretKey": "sk", "telemetry": {"disabled": true, "debug": false}, "userAgent": "my-app/1.0",
            "sdkMetadata": {"name": "x", "version": "1"}, "requireSecretKey": false, "apiClient": {"users": {}},
        }))
        .unwrap();
        assert_eq!(o, Options::default().with_secret_key("sk"));
        assert!(Options::from_json_in(&json!({"user_agent": "a", "sdk_metadata": null}), KeyCase::Snake).unwrap().is_empty());
    }

    #[test]
    fn host_keys_are_errors_that_say_where_they_belong() {
        let m = message(json!({"nowMs": 1}), KeyCase::Camel);
        assert!(m.starts_with("`nowMs` is not an option of the core: the clock of one call is an argument"), "{m}");
        assert!(message(json!({"now_ms": 1}), KeyCase::Snake).starts_with("`now_ms` is not an option of the core"));
        assert!(message(json!({"clerkClient": {}}), KeyCase::Camel).contains("clerkMiddleware"));
    }

    #[test]
    fn not_an_object_is_an_error() {
        assert_eq!(message(json!(["secretKey"]), KeyCase::Camel), "Invalid options: expected an object, not [\"secretKey\"]");
        assert!(Options::from_json(&json!({"organizationSyncOptions": "x"})).is_err());
    }

    /// Every authentication name sets its field, and every field has a name: a field added to
    /// `Options` without a list entry (or the reverse) fails here.
    #[test]
    fn the_list_and_the_fields_agree() {
        let sample = |name: &str| match name {
            "acceptsToken" => json!("any"),
            "authorizedParties" => json!(["x"]),
            "clockSkewInMs" | "jwksCacheTtlInMs" | "membershipCacheTtlInMs" | "verifiedTokenCacheSize" => json!(1),
            "isSatellite" | "satelliteAutoSync" | "skipJwksCache" | "explain" => json!(true),
            "organizationSyncOptions" => {
                Value::Object(ORGANIZATION_SYNC_OPTION_NAMES.iter().map(|n| (n.to_string(), if *n == "onMismatch" { json!("signed-out") } else { json!(["/o/:id"]) })).collect())
            }
            "missingAzp" => json!("accept"),
            _ => json!("x"),
        };
        let all: serde_json::Map<String, Value> = OPTION_NAMES.iter().filter(|o| o.kind == OptionKind::Authentication).map(|o| (o.name.to_string(), sample(o.name))).collect();
        let all = Options::from_json(&Value::Object(all)).expect("every authentication name is a field");
        let Options {
            secret_key,
            publishable_key,
            jwt_key,
            machine_secret_key,
            audience,
            issuer,
            authorized_parties,
            clock_skew_in_ms,
            header_type,
            domain,
            is_satellite,
            satellite_auto_sync,
            proxy_url,
            sign_in_url,
            sign_up_url,
            after_sign_in_url,
            after_sign_up_url,
            organization_sync_options,
            accepts_token,
            api_url,
            api_version,
            skip_jwks_cache,
            jwks_cache_ttl_in_ms,
            require_tab_token,
            expected_session_header,
            expected_user_header,
            missing_azp,
            membership_cache_ttl_in_ms,
            explain,
            verified_token_cache_size,
        } = all;
        let set = [
            secret_key.is_some(),
            publishable_key.is_some(),
            jwt_key.is_some(),
            machine_secret_key.is_some(),
            audience.is_some(),
            issuer.is_some(),
            authorized_parties.is_some(),
            clock_skew_in_ms.is_some(),
            header_type.is_some(),
            domain.is_some(),
            is_satellite.is_some(),
            satellite_auto_sync.is_some(),
            proxy_url.is_some(),
            sign_in_url.is_some(),
            sign_up_url.is_some(),
            after_sign_in_url.is_some(),
            after_sign_up_url.is_some(),
            accepts_token.is_some(),
            api_url.is_some(),
            api_version.is_some(),
            skip_jwks_cache.is_some(),
            jwks_cache_ttl_in_ms.is_some(),
            require_tab_token.is_some(),
            expected_session_header.is_some(),
            expected_user_header.is_some(),
            missing_azp.is_some(),
            membership_cache_ttl_in_ms.is_some(),
            explain.is_some(),
            verified_token_cache_size.is_some(),
        ];
        assert!(set.iter().all(|s| *s), "a field has no name in OPTION_NAMES: {set:?}");
        let OrganizationSyncOptions { organization_patterns, personal_account_patterns, on_mismatch } = organization_sync_options.expect("organizationSyncOptions");
        assert!(organization_patterns.is_some() && personal_account_patterns.is_some() && on_mismatch.is_some());
    }

    #[test]
    fn string_list_options_are_normalised_like_the_reference() {
        let issuer = |v| Options::from_json(&json!({ "issuer": v })).unwrap().issuer_list();
        assert_eq!(issuer(json!("a")), ["a"]);
        assert_eq!(issuer(json!(["a", "", null, false, "b"])), ["a", "b"]);
        assert!(issuer(json!("")).is_empty() && issuer(json!([])).is_empty() && issuer(json!(["", ""])).is_empty());
        let audience = Options::from_json(&json!({ "audience": ["x", "y"] })).unwrap().audience_list();
        assert_eq!(audience, ["x", "y"]);
    }

    #[test]
    fn string_list_options_of_another_shape_are_errors() {
        // `[v].flat()` only undoes its own wrap: a list inside the list stays an entry that
        // never matches in the reference (`[["x"], "y"]` refuses `aud: "x"`), so it is an error.
        for bad in [json!(7), json!(true), json!({"a": 1}), json!(["a", 7]), json!([["a", ["b"]]]), json!([["x"], "y"]), json!(["a", ["b", ""]])] {
            for name in ["issuer", "audience"] {
                let e = Options::from_json(&json!({ name: bad })).unwrap_err();
                assert_eq!(e.code(), crate::ErrorCode::InvalidOption, "{name}: {bad}");
                assert!(e.to_string().contains(name), "{e}");
            }
        }
    }

    #[test]
    fn a_header_type_that_is_not_strings_is_an_error() {
        for bad in [json!(5), json!(["JWT", 5]), json!({"t": "JWT"}), json!(null), json!([null])] {
            let e = Options::from_json(&json!({ "headerType": bad })).map(|o| o.header_types());
            // `null` is "not given" for serde; everything else is refused.
            if bad.is_null() {
                assert_eq!(e.unwrap(), None);
            } else {
                assert_eq!(e.unwrap_err().code(), crate::ErrorCode::InvalidOption, "{bad}");
            }
        }
        assert_eq!(Options::from_json(&json!({"headerType": ["JWT", "at+jwt"]})).unwrap().header_types(), Some(vec!["JWT".to_string(), "at+jwt".to_string()]));
    }

    #[test]
    fn per_call_issuer_overlays_the_instance() {
        let base = Options::from_json(&json!({ "issuer": "https://a.example" })).unwrap();
        let call = Options::from_json(&json!({ "issuer": ["https://b.example"] })).unwrap();
        assert_eq!(base.merged(&call).issuer_list(), ["https://b.example"]);
        assert_eq!(base.merged(&Options::default()).issuer_list(), ["https://a.example"]);
    }
}
