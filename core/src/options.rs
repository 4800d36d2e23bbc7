//! Authentication options, named and shaped as `@clerk/backend`'s (camelCase in JSON).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::bapi::{DEFAULT_API_URL, DEFAULT_API_VERSION};
use crate::error::{Error, ErrorCode};
use crate::option_names::{self, KeyCase};
use crate::org_sync::OnMismatch;
use crate::state::TokenType;

/// Entries of the verified-token cache when `verifiedTokenCacheSize` is not given. The cache
/// changes no answer (see the README's "Verified-token cache"); at most ~2–3 MB when full.
pub const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE: usize = 1024;

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

/// Declares [`Options`] from one field list, and from the same list [`Options::merged`] and
/// the field names: a new option is one line here, never also an entry in a second list.
macro_rules! options {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        /// Every option the core reads (the `Authentication` names of [`OPTION_NAMES`](crate::OPTION_NAMES)).
        /// `None` means "not given" (an overlay leaves the base value in place).
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(rename_all = "camelCase", default, deny_unknown_fields)]
        pub struct Options {
            $($(#[$doc])* pub $field: Option<$ty>,)*
        }

        impl Options {
            /// The field names (snake_case), in declaration order.
            #[cfg(test)]
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// This overlaid with every option `over` sets.
            pub fn merged(&self, over: &Options) -> Options {
                Options { $($field: over.$field.as_ref().or(self.$field.as_ref()).cloned(),)* }
            }

            /// The names of the options given (snake_case).
            #[cfg(test)]
            fn given_fields(&self) -> Vec<&'static str> {
                let mut given = Vec::new();
                $(if self.$field.is_some() { given.push(stringify!($field)); })*
                given
            }
        }
    };
}

options! {
    /// `sk_live_…` / `sk_test_…`.
    secret_key: String,
    /// `pk_live_…` / `pk_test_…`.
    publishable_key: String,
    /// PEM public key for networkless verification.
    jwt_key: String,
    /// Used instead of the secret key for the M2M verify endpoint.
    machine_secret_key: String,
    /// Accepted `aud` values (string or list).
    audience: Value,
    /// Accepted `iss` values (string or list; empty = no check). Session tokens only.
    issuer: Value,
    /// Accepted `azp` values.
    authorized_parties: Vec<String>,
    /// Clock skew tolerance in ms (default 5000; non-finite → default).
    clock_skew_in_ms: Value,
    /// Allowed JWT `typ` values.
    header_type: Value,
    /// Satellite domain.
    domain: String,
    /// Satellite app.
    is_satellite: bool,
    /// Satellite auto-sync on first load.
    satellite_auto_sync: bool,
    /// Proxy URL (absolute or a path).
    proxy_url: String,
    /// Sign-in URL.
    sign_in_url: String,
    /// Sign-up URL (echoed).
    sign_up_url: String,
    /// Echoed.
    after_sign_in_url: String,
    /// Echoed.
    after_sign_up_url: String,
    /// Organization sync.
    organization_sync_options: OrganizationSyncOptions,
    /// `session_token` (default), a machine type, `any`, or a list.
    accepts_token: Value,
    /// Backend API base URL.
    api_url: String,
    /// Backend API path version (`v1`).
    api_version: String,
    /// Always refetch the JWKS.
    skip_jwks_cache: bool,
    /// JWKS freshness in ms (honoured; default 300000).
    jwks_cache_ttl_in_ms: u64,
    /// Header whose presence demands the request's own Authorization token (per-tab mode).
    require_tab_token: String,
    /// Header naming the session the request expects.
    expected_session_header: String,
    /// Header naming the user the request expects.
    expected_user_header: String,
    /// `reject` (default) or `accept` tokens without `azp` when authorizedParties is set.
    missing_azp: String,
    /// TTL of membership lookups for `onMismatch: resolve-membership` (default 60000).
    membership_cache_ttl_in_ms: u64,
    /// Record a decision trace on the state.
    explain: bool,
    /// Entries of the verified-token cache (default [`DEFAULT_VERIFIED_TOKEN_CACHE_SIZE`]; 0
    /// turns it off). Read when the authenticator is built; per-call values are ignored.
    verified_token_cache_size: u64,
}

/// A call's resolved options: the instance's, or a per-call set resolved once and shared.
#[derive(Debug, Clone)]
pub(crate) enum CallOptions<'a> {
    Instance(&'a ResolvedOptions),
    Call(Arc<ResolvedOptions>),
}

impl std::ops::Deref for CallOptions<'_> {
    type Target = ResolvedOptions;
    fn deref(&self) -> &ResolvedOptions {
        match self {
            CallOptions::Instance(r) => r,
            CallOptions::Call(r) => r,
        }
    }
}

/// [`Options`] as the core reads them per request: checked, defaults applied, lists
/// normalised and enums parsed, once per authenticator (and once per call that overrides
/// options), never per request.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedOptions {
    pub secret_key: Option<String>,
    pub publishable_key: Option<String>,
    /// Non-empty.
    pub jwt_key: Option<String>,
    pub machine_secret_key: Option<String>,
    /// `[v].flat()` without falsy entries, as the reference normalises.
    pub audience: Vec<String>,
    /// As `audience`; empty means no issuer check.
    pub issuer: Vec<String>,
    pub authorized_parties: Vec<String>,
    /// Default 5000; a non-finite value is the default.
    pub skew_ms: f64,
    pub header_types: Option<Vec<String>>,
    pub domain: Option<String>,
    pub is_satellite: bool,
    pub satellite_auto_sync: bool,
    /// Non-empty.
    pub proxy_url: Option<String>,
    pub sign_in_url: Option<String>,
    pub sign_up_url: Option<String>,
    pub after_sign_in_url: Option<String>,
    pub after_sign_up_url: Option<String>,
    pub organization_sync: Option<OrganizationSyncOptions>,
    pub on_mismatch: OnMismatch,
    pub accepts: AcceptsToken,
    /// Default `DEFAULT_API_URL`.
    pub api_url: String,
    /// Default `DEFAULT_API_VERSION`.
    pub api_version: String,
    pub skip_jwks_cache: bool,
    /// Read when the authenticator is built.
    pub jwks_cache_ttl_in_ms: Option<u64>,
    /// Non-empty.
    pub require_tab_token: Option<String>,
    pub expected_session_header: Option<String>,
    pub expected_user_header: Option<String>,
    pub accept_missing_azp: bool,
    pub membership_cache_ttl_ms: f64,
    pub explain: bool,
    /// Read when the authenticator is built (0: off; default
    /// [`DEFAULT_VERIFIED_TOKEN_CACHE_SIZE`]).
    pub verified_token_cache_size: usize,
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

    /// Checks the shapes serde cannot (as [`Options::resolve`] does).
    pub fn validate(&self) -> Result<(), Error> {
        self.resolve().map(drop)
    }

    /// The options as the core reads them per request, or an `invalid-option` error for a
    /// shape serde cannot check. Every field is taken apart here, so a new option does not
    /// compile until it is resolved.
    pub(crate) fn resolve(&self) -> Result<ResolvedOptions, Error> {
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
        } = self;
        let invalid = |m: String| Error::new(ErrorCode::InvalidOption, m);
        let accepts = accepts_token.as_ref().map_or(Ok(AcceptsToken::One(TokenType::SessionToken)), AcceptsToken::from_json)?;
        let on_mismatch = match organization_sync_options.as_ref().and_then(|o| o.on_mismatch.as_deref()) {
            Some(m) => OnMismatch::parse(m).ok_or_else(|| invalid(format!("Invalid organizationSyncOptions.onMismatch: {m}")))?,
            None => OnMismatch::default(),
        };
        for (name, v) in [("audience", audience), ("issuer", issuer)] {
            if let Some(v) = v {
                check_string_list(name, v)?;
            }
        }
        // A `typ` is compared with each entry: anything but strings would silently allow nothing
        // (the reference) or be ignored, so it is refused like other mistyped options.
        let header_types = match header_type {
            None => None,
            Some(Value::String(s)) => Some(vec![s.clone()]),
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => Some(a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
            Some(v) => return Err(invalid(format!("Invalid headerType: {v} (expected a string or a list of strings)"))),
        };
        let accept_missing_azp = match missing_azp.as_deref() {
            None | Some("reject") => false,
            Some("accept") => true,
            Some(m) => return Err(invalid(format!("Invalid missingAzp: {m}"))),
        };
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        Ok(ResolvedOptions {
            secret_key: secret_key.clone(),
            publishable_key: publishable_key.clone(),
            jwt_key: non_empty(jwt_key),
            machine_secret_key: machine_secret_key.clone(),
            audience: normalized_list(audience.as_ref()),
            issuer: normalized_list(issuer.as_ref()),
            authorized_parties: authorized_parties.clone().unwrap_or_default(),
            skew_ms: clock_skew_in_ms.as_ref().and_then(Value::as_f64).filter(|f| f.is_finite()).unwrap_or(5000.0),
            header_types,
            domain: domain.clone(),
            is_satellite: *is_satellite == Some(true),
            satellite_auto_sync: *satellite_auto_sync == Some(true),
            proxy_url: non_empty(proxy_url),
            sign_in_url: sign_in_url.clone(),
            sign_up_url: sign_up_url.clone(),
            after_sign_in_url: after_sign_in_url.clone(),
            after_sign_up_url: after_sign_up_url.clone(),
            organization_sync: organization_sync_options.clone(),
            on_mismatch,
            accepts,
            api_url: non_empty(api_url).unwrap_or_else(|| DEFAULT_API_URL.to_string()),
            api_version: non_empty(api_version).unwrap_or_else(|| DEFAULT_API_VERSION.to_string()),
            skip_jwks_cache: *skip_jwks_cache == Some(true),
            jwks_cache_ttl_in_ms: *jwks_cache_ttl_in_ms,
            require_tab_token: non_empty(require_tab_token),
            expected_session_header: expected_session_header.clone(),
            expected_user_header: expected_user_header.clone(),
            accept_missing_azp,
            membership_cache_ttl_ms: membership_cache_ttl_in_ms.unwrap_or(60_000) as f64,
            explain: *explain == Some(true),
            verified_token_cache_size: verified_token_cache_size.map_or(DEFAULT_VERIFIED_TOKEN_CACHE_SIZE, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        })
    }

    /// No option set (an overlay that changes nothing).
    pub fn is_empty(&self) -> bool {
        *self == Options::default()
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
        assert_eq!(o.resolve().unwrap().skew_ms, 0.0);
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

    /// An options object with every authentication name set.
    fn every_option() -> Options {
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
        Options::from_json(&Value::Object(all)).expect("every authentication name is a field")
    }

    /// The name list and the fields agree: every authentication name sets its own field, and
    /// every field has a name (a field added to `Options` without an `OPTION_NAMES` entry, or
    /// the reverse, fails here).
    #[test]
    fn the_list_and_the_fields_agree() {
        let names: Vec<String> = OPTION_NAMES.iter().filter(|o| o.kind == OptionKind::Authentication).map(|o| KeyCase::Snake.spell(o.name)).collect();
        assert_eq!(Options::FIELDS, names);
        assert_eq!(every_option().given_fields(), Options::FIELDS);
        let OrganizationSyncOptions { organization_patterns, personal_account_patterns, on_mismatch } = every_option().organization_sync_options.expect("organizationSyncOptions");
        assert!(organization_patterns.is_some() && personal_account_patterns.is_some() && on_mismatch.is_some());
    }

    /// `merged` takes every option a call gives and keeps every one it does not.
    #[test]
    fn a_merge_overlays_every_field() {
        let all = every_option();
        assert_eq!(Options::default().merged(&all), all);
        assert_eq!(all.merged(&Options::default()), all);
        let base = Options::from_json(&json!({"secretKey": "a", "domain": "d.example"})).unwrap();
        let over = Options::from_json(&json!({"secretKey": "b", "explain": true})).unwrap();
        assert_eq!(base.merged(&over), Options::from_json(&json!({"secretKey": "b", "domain": "d.example", "explain": true})).unwrap());
    }

    #[test]
    fn resolving_applies_defaults_once() {
        let r = Options::default().resolve().unwrap();
        assert_eq!((r.skew_ms, r.accepts.clone(), r.on_mismatch), (5000.0, AcceptsToken::One(TokenType::SessionToken), crate::OnMismatch::default()));
        assert_eq!((r.api_url.as_str(), r.api_version.as_str(), r.membership_cache_ttl_ms), (crate::bapi::DEFAULT_API_URL, "v1", 60_000.0));
        assert!(!r.is_satellite && !r.explain && !r.accept_missing_azp && r.header_types.is_none());
        assert_eq!(r.verified_token_cache_size, DEFAULT_VERIFIED_TOKEN_CACHE_SIZE);
        let off = Options::from_json(&json!({"verifiedTokenCacheSize": 0})).unwrap().resolve().unwrap();
        assert_eq!(off.verified_token_cache_size, 0);
        // Empty strings are "not given" where the reference tests truthiness.
        let r = Options::from_json(&json!({"apiUrl": "", "jwtKey": "", "proxyUrl": "", "requireTabToken": "", "clockSkewInMs": "x"})).unwrap().resolve().unwrap();
        assert_eq!((r.api_url.as_str(), r.jwt_key, r.proxy_url, r.require_tab_token, r.skew_ms), (crate::bapi::DEFAULT_API_URL, None, None, None, 5000.0));
        let r = every_option().resolve().unwrap();
        assert_eq!((r.accepts, r.on_mismatch, r.accept_missing_azp, r.skew_ms, r.verified_token_cache_size), (AcceptsToken::Any, crate::OnMismatch::SignedOut, true, 1.0, 1));
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
            let e = Options::from_json(&json!({ "headerType": bad })).map(|o| o.resolve().unwrap().header_types);
            // `null` is "not given" for serde; everything else is refused.
            if bad.is_null() {
                assert_eq!(e.unwrap(), None);
            } else {
                assert_eq!(e.unwrap_err().code(), crate::ErrorCode::InvalidOption, "{bad}");
            }
        }
        assert_eq!(Options::from_json(&json!({"headerType": ["JWT", "at+jwt"]})).unwrap().resolve().unwrap().header_types, Some(vec!["JWT".to_string(), "at+jwt".to_string()]));
    }

    #[test]
    fn per_call_issuer_overlays_the_instance() {
        let base = Options::from_json(&json!({ "issuer": "https://a.example" })).unwrap();
        let call = Options::from_json(&json!({ "issuer": ["https://b.example"] })).unwrap();
        assert_eq!(base.merged(&call).issuer_list(), ["https://b.example"]);
        assert_eq!(base.merged(&Options::default()).issuer_list(), ["https://a.example"]);
    }
}
