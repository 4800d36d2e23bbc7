//! The one list of option names every host accepts, and the rule applied to them: a name the
//! list does not know is an `invalid-option` error (with a "did you mean" for near misses),
//! never a silently ignored key.

use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};

/// What the core does with an option name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// Read by the core: an `authenticateRequest` option of `@clerk/backend` or one of this
    /// project's additions.
    Authentication,
    /// A `@clerk/backend` 3.25.0 option that does not affect authentication (a
    /// `createClerkClient` option such as `telemetry`): accepted, so the reference's options can
    /// be passed as they are, and ignored.
    IgnoredReference,
    /// Read by a host package before it calls the core, never by the core: an `invalid-option`
    /// error when it reaches the core. The text says where the value belongs instead.
    Host(&'static str),
}

impl OptionKind {
    /// The kind as the vocabulary (`vocabulary()["options"][i]["kind"]`) spells it:
    /// `authentication`, `ignored-reference` or `host`.
    pub fn as_str(self) -> &'static str {
        match self {
            OptionKind::Authentication => "authentication",
            OptionKind::IgnoredReference => "ignored-reference",
            OptionKind::Host(_) => "host",
        }
    }
}

/// One option name (the reference's camelCase spelling) and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionName {
    /// The name as `@clerk/backend` spells it.
    pub name: &'static str,
    /// What the core does with it.
    pub kind: OptionKind,
}

const fn auth(name: &'static str) -> OptionName {
    OptionName { name, kind: OptionKind::Authentication }
}

const fn ignored(name: &'static str) -> OptionName {
    OptionName { name, kind: OptionKind::IgnoredReference }
}

const fn host(name: &'static str, instead: &'static str) -> OptionName {
    OptionName { name, kind: OptionKind::Host(instead) }
}

/// Every top-level option name. Sources: `@clerk/backend` 3.25.0's `AuthenticateRequestOptions`
/// (with `VerifyTokenOptions`: `VerifyJwtOptions` and `LoadClerkJWKFromRemoteOptions`) and
/// `ClerkOptions` (`createClerkClient`: `CreateBackendApiOptions`, `sdkMetadata`, `telemetry`),
/// this project's additions, and the keys the Node package reads itself.
pub const OPTION_NAMES: &[OptionName] = &[
    auth("secretKey"),
    auth("publishableKey"),
    auth("jwtKey"),
    auth("machineSecretKey"),
    auth("audience"),
    auth("issuer"),
    auth("authorizedParties"),
    auth("clockSkewInMs"),
    auth("headerType"),
    auth("domain"),
    auth("isSatellite"),
    auth("satelliteAutoSync"),
    auth("proxyUrl"),
    auth("signInUrl"),
    auth("signUpUrl"),
    auth("afterSignInUrl"),
    auth("afterSignUpUrl"),
    auth("organizationSyncOptions"),
    auth("acceptsToken"),
    auth("apiUrl"),
    auth("apiVersion"),
    auth("skipJwksCache"),
    // A deprecated no-op in the reference; honoured here.
    auth("jwksCacheTtlInMs"),
    // This project's additions.
    auth("requireTabToken"),
    auth("expectedSessionHeader"),
    auth("expectedUserHeader"),
    auth("missingAzp"),
    auth("membershipCacheTtlInMs"),
    auth("explain"),
    auth("verifiedTokenCacheSize"),
    // The reference's Backend API client (`AuthenticateRequestOptions.apiClient`, internal): the
    // core calls the Backend API with its own client, built from secretKey/apiUrl/apiVersion.
    ignored("apiClient"),
    // `CreateBackendApiOptions`: the Backend API client's own checks and User-Agent header.
    // `requireSecretKey` changes nothing here: authentication requires the secret key (or the
    // machine secret key) before any Backend API call anyway.
    ignored("requireSecretKey"),
    ignored("userAgent"),
    // `ClerkOptions`: telemetry of the reference's client.
    ignored("sdkMetadata"),
    ignored("telemetry"),
    host("nowMs", "the clock of one call is an argument: Rust `authenticate_with`'s now, C `clerkauth_authenticate`'s now_ms or request_json.nowMs, Python `now_ms=`, Node's per-call `nowMs`"),
    host("jwksRetryBaseDelayMs", "it is a testing knob of the Node package"),
    host("clerkClient", "it is an option of the Node package's clerkMiddleware and upgrade authenticator"),
];

/// The options that are built into an authenticator once, never per call: the keys
/// (`secretKey`, `publishableKey`, `jwtKey`, `machineSecretKey`: parsed once), the Backend API
/// client (`apiUrl`, `apiVersion`: one transport and one JWKS cache per instance), and the sizes
/// and lifetimes of the authenticator's caches (`jwksCacheTtlInMs`, `membershipCacheTtlInMs`,
/// `verifiedTokenCacheSize`). Two option sets that differ here need two authenticators (a JWKS
/// cache must never serve one instance's keys to another); every other option is per call and
/// is applied as an override to a shared one. This is the one rule of every host's
/// authenticator cache ([`AuthenticatorCache`](crate::AuthenticatorCache), C's
/// `clerkauth_authenticate_json`, Node's standalone `authenticateRequest`, Python's `compat`).
pub const INSTANCE_OPTION_NAMES: &[&str] =
    &["secretKey", "publishableKey", "jwtKey", "machineSecretKey", "apiUrl", "apiVersion", "jwksCacheTtlInMs", "membershipCacheTtlInMs", "verifiedTokenCacheSize"];

/// The names inside `organizationSyncOptions` (`onMismatch` is this project's addition).
pub const ORGANIZATION_SYNC_OPTION_NAMES: &[&str] = &["organizationPatterns", "personalAccountPatterns", "onMismatch"];

/// How a host spells option names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyCase {
    /// The reference's camelCase (`authorizedParties`): Rust, C, Node.
    #[default]
    Camel,
    /// snake_case (`authorized_parties`), the camelCase spelling also accepted: Python.
    Snake,
}

impl KeyCase {
    /// Whether `key` names the camelCase `name` in this spelling.
    fn names(self, key: &str, name: &str) -> bool {
        key == name || (self == KeyCase::Snake && snake_eq(name, key))
    }

    /// The camelCase `name` as this spelling writes it.
    pub fn spell(self, name: &str) -> String {
        match self {
            KeyCase::Camel => name.to_string(),
            KeyCase::Snake => to_snake(name),
        }
    }
}

/// `camelCase` → `camel_case`.
fn to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `key` is the snake_case form of the camelCase `name`, without allocating.
fn snake_eq(name: &str, key: &str) -> bool {
    let mut k = key.bytes();
    for c in name.bytes() {
        if c.is_ascii_uppercase() && k.next() != Some(b'_') {
            return false;
        }
        if k.next() != Some(c.to_ascii_lowercase()) {
            return false;
        }
    }
    k.next().is_none()
}

/// Edit distance of two short strings (insertions, deletions, substitutions and swaps of two
/// neighbours count one each: optimal string alignment).
fn distance(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]));
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Lowercase, without `_` and `-`: case slips and spelling conventions compare equal.
fn folded(s: &str) -> Vec<char> {
    s.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

/// The known name closest to `key`, if it is a near miss: the same name in another case or
/// spelling convention, or a few edits away (about one in four characters).
fn suggestion<'a>(key: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let k = folded(key);
    let limit = (k.len() / 4).max(1);
    names.map(|n| (distance(&k, &folded(n)), n)).filter(|(d, _)| *d <= limit).min_by_key(|(d, _)| *d).map(|(_, n)| n)
}

/// The `invalid-option` error for an unknown `key` (`path` is the enclosing option, if any).
fn unknown(path: Option<&str>, key: &str, names: &[&'static str], case: KeyCase) -> Error {
    // Suggest in the spelling the caller used: camelCase for a key with an uppercase letter.
    let case = if key.bytes().any(|b| b.is_ascii_uppercase()) { KeyCase::Camel } else { case };
    let prefix = path.map(|p| format!("{p}.")).unwrap_or_default();
    let hint = suggestion(key, names.iter().copied()).map(|n| format!(" (did you mean `{prefix}{}`?)", case.spell(n))).unwrap_or_default();
    Error::new(ErrorCode::InvalidOption, format!("Unknown option `{prefix}{key}`{hint}"))
}

/// Checks every name of an options object (and of its `organizationSyncOptions`) against the
/// lists and returns the object the core reads: authentication options under their camelCase
/// names; ignored reference options left out.
pub(crate) fn checked(options: &Map<String, Value>, case: KeyCase) -> Result<Map<String, Value>, Error> {
    let all: Vec<&'static str> = OPTION_NAMES.iter().map(|o| o.name).collect();
    let mut out = Map::new();
    for (key, value) in options {
        let Some(option) = OPTION_NAMES.iter().find(|o| case.names(key, o.name)) else {
            return Err(unknown(None, key, &all, case));
        };
        match option.kind {
            OptionKind::IgnoredReference => {}
            OptionKind::Host(instead) => {
                return Err(Error::new(ErrorCode::InvalidOption, format!("`{key}` is not an option of the core: {instead}")));
            }
            OptionKind::Authentication => {
                let value = match value {
                    Value::Object(sync) if option.name == "organizationSyncOptions" => Value::Object(checked_sync(key, sync, case)?),
                    v => v.clone(),
                };
                out.insert(option.name.to_string(), value);
            }
        }
    }
    Ok(out)
}

fn checked_sync(path: &str, sync: &Map<String, Value>, case: KeyCase) -> Result<Map<String, Value>, Error> {
    let mut out = Map::new();
    for (key, value) in sync {
        let Some(name) = ORGANIZATION_SYNC_OPTION_NAMES.iter().find(|n| case.names(key, n)) else {
            return Err(unknown(Some(path), key, ORGANIZATION_SYNC_OPTION_NAMES, case));
        };
        out.insert(name.to_string(), value.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_spelling() {
        assert_eq!(to_snake("clockSkewInMs"), "clock_skew_in_ms");
        assert!(snake_eq("clockSkewInMs", "clock_skew_in_ms"));
        assert!(snake_eq("explain", "explain"));
        assert!(!snake_eq("clockSkewInMs", "clock_skew_in_m"));
        assert!(!snake_eq("clockSkewInMs", "clock_skew_in_mss"));
        assert!(!snake_eq("clockSkewInMs", "clockskew_in_ms"));
    }

    #[test]
    fn near_misses_are_suggested_and_far_ones_are_not() {
        let names = || OPTION_NAMES.iter().map(|o| o.name);
        assert_eq!(suggestion("authorizedParty", names()), Some("authorizedParties"));
        assert_eq!(suggestion("SECRETKEY", names()), Some("secretKey"));
        assert_eq!(suggestion("publishable_key", names()), Some("publishableKey"));
        assert_eq!(suggestion("audiance", names()), Some("audience"));
        assert_eq!(suggestion("domian", names()), Some("domain"));
        assert_eq!(suggestion("issuers", names()), Some("issuer"));
        assert_eq!(suggestion("frobnicate", names()), None);
        assert_eq!(suggestion("x", names()), None);
    }

    #[test]
    fn instance_names_are_authentication_options() {
        for n in INSTANCE_OPTION_NAMES {
            assert!(OPTION_NAMES.iter().any(|o| o.name == *n && o.kind == OptionKind::Authentication), "{n}");
        }
    }

    #[test]
    fn names_are_unique_camel_case() {
        let top: Vec<&str> = OPTION_NAMES.iter().map(|o| o.name).collect();
        for list in [&top[..], ORGANIZATION_SYNC_OPTION_NAMES] {
            let mut seen = std::collections::HashSet::new();
            for n in list {
                assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()) && n.as_bytes()[0].is_ascii_lowercase(), "{n} is not camelCase");
                assert!(seen.insert(n), "{n} listed twice");
            }
        }
    }
}
