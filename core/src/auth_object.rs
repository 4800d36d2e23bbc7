//! The auth object (`toAuth()`): session, machine and invalid-token shapes, and `has()`.

use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

use crate::claims::{claim, pick_members, Claims, Key};
use crate::state::TokenType;

/// A signed-in session's auth properties, read from its verified claims when asked for: the
/// result of a request holds the claims, not copies of them.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionAuth {
    claims: Arc<Claims>,
    /// `None`: the token's active organization. `Some(None)`: the personal account.
    /// `Some(Some(org))`: an organization resolved through the Backend API.
    scope: Option<Option<Arc<ScopedOrg>>>,
}

/// An organization an auth object is scoped to instead of the token's active one.
#[derive(Debug, Clone, PartialEq)]
struct ScopedOrg {
    id: String,
    slug: Option<String>,
    role: String,
    permissions: Vec<String>,
}

/// A machine token's auth properties (authenticated or not).
#[derive(Debug, Clone, PartialEq)]
pub struct MachineAuth {
    /// `api_key`, `m2m_token` or `oauth_token`.
    pub token_type: TokenType,
    /// True when verified.
    pub is_authenticated: bool,
    /// The verified token object, see [`MachineAuth::data`].
    data: MachineData,
}

/// Where a machine token's object comes from.
#[derive(Debug, Clone, PartialEq)]
enum MachineData {
    /// The Backend API's verified token object, keys camelCased (opaque tokens).
    Object(Map<String, Value>),
    /// A verified M2M or OAuth JWT: its claims, turned into the token object when asked for.
    Jwt { claims: Arc<Claims>, expired: bool },
}

/// The auth object returned by `RequestState::to_auth`.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthObject {
    /// A signed-in session.
    SignedIn(SessionAuth),
    /// A signed-out session (`session_status` is `pending` for downgraded pending sessions).
    SignedOut {
        /// `pending` or none.
        session_status: Option<String>,
    },
    /// A machine token, authenticated or not.
    Machine(MachineAuth),
    /// The acceptsToken-list pre-filter's invalid-token object.
    InvalidToken,
}

/// A `has()` check: role, permission, feature, plan and/or reverification.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HasCheck {
    /// `role` (absent = not asked; `Some(Value::Null)` counts as asked).
    pub role: Option<Value>,
    /// `permission`.
    pub permission: Option<Value>,
    /// `feature`.
    pub feature: Option<Value>,
    /// `plan`.
    pub plan: Option<Value>,
    /// `reverification`: a preset string or `{level, afterMinutes}`.
    pub reverification: Option<Value>,
}

impl HasCheck {
    /// From a JSON object such as `{"role": "org:admin"}`.
    pub fn from_json(v: &Value) -> HasCheck {
        let get = |k: &str| v.get(k).cloned();
        HasCheck { role: get("role"), permission: get("permission"), feature: get("feature"), plan: get("plan"), reverification: get("reverification") }
    }
    /// A role check.
    pub fn role(role: &str) -> HasCheck {
        HasCheck { role: Some(Value::from(role)), ..Default::default() }
    }
    /// A permission check.
    pub fn permission(permission: &str) -> HasCheck {
        HasCheck { permission: Some(Value::from(permission)), ..Default::default() }
    }
    /// A feature check.
    pub fn feature(feature: &str) -> HasCheck {
        HasCheck { feature: Some(Value::from(feature)), ..Default::default() }
    }
    /// A plan check.
    pub fn plan(plan: &str) -> HasCheck {
        HasCheck { plan: Some(Value::from(plan)), ..Default::default() }
    }
}

/// The `scope:value` elements of `fea`/`pla`; `Err` when one has no `:`.
fn scoped_elements(claim: &str) -> Result<impl Iterator<Item = (&str, &str)> + Clone, ()> {
    let elements = claim.split(',').filter(|_| !claim.is_empty()).map(|el| el.trim().split_once(':'));
    if elements.clone().any(|e| e.is_none()) {
        return Err(());
    }
    Ok(elements.flatten())
}

fn org_scoped(scope: &str) -> bool {
    matches!(scope, "o" | "ou" | "uo")
}

fn user_scoped(scope: &str) -> bool {
    matches!(scope, "u" | "ou" | "uo")
}

/// Splits `fea`/`pla` by scope into (org, user) lists; `Err` when an element has no `:`.
fn split_by_scope(claim: &str) -> Result<(Vec<&str>, Vec<&str>), ()> {
    let elements = scoped_elements(claim)?;
    let values = |scoped: fn(&str) -> bool| elements.clone().filter(|(s, _)| scoped(s)).map(|(_, v)| v).collect();
    Ok((values(org_scoped), values(user_scoped)))
}

/// A feature's permission mask: the bits of an arbitrary-precision decimal, little-endian.
#[derive(Debug)]
enum Mask {
    Word(u64),
    Long(Vec<bool>),
}

impl Mask {
    /// `None` when `s` is not a plain decimal.
    fn parse(s: &str) -> Option<Mask> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(match s.parse::<u64>() {
            Ok(n) => Mask::Word(n),
            Err(_) => Mask::Long(long_decimal_bits(s)),
        })
    }

    fn bit(&self, j: usize) -> bool {
        match self {
            Mask::Word(n) => j < 64 && n >> j & 1 == 1,
            Mask::Long(bits) => bits.get(j).copied().unwrap_or(false),
        }
    }
}

/// The bits of a valid decimal of any length, by repeated halving.
fn long_decimal_bits(s: &str) -> Vec<bool> {
    let mut digits: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
    let mut bits = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut rem = 0u8;
        for d in digits.iter_mut() {
            let cur = rem * 10 + *d;
            *d = cur / 2;
            rem = cur % 2;
        }
        bits.push(rem == 1);
    }
    bits
}

/// `org:<feature>:<permission>` for each permission whose bit is set in the feature's mask.
fn v2_permissions(claims: &Claims, fea: &str) -> Result<Vec<Value>, ()> {
    let org_features = scoped_elements(fea)?.filter(|(s, _)| org_scoped(s)).map(|(_, v)| v);
    let per = claims.str(claim::o::PER).unwrap_or("");
    let fpm = claims.str(claim::o::FPM).unwrap_or("");
    let mut out = Vec::new();
    if per.is_empty() || fpm.is_empty() {
        return Ok(out);
    }
    // The i-th mask belongs to the i-th org feature; extra features or masks are ignored.
    for (feature, mask) in org_features.zip(fpm.split(',')) {
        let Some(mask) = Mask::parse(mask.trim()) else {
            continue;
        };
        for (j, perm) in per.split(',').map(str::trim).enumerate() {
            if mask.bit(j) {
                out.push(Value::String(["org:", feature, ":", perm].concat()));
            }
        }
    }
    Ok(out)
}

/// `v` is 2: the organization claims are in `o`.
fn is_v2(claims: &Claims) -> bool {
    claims.num(claim::V) == Some(2.0)
}

/// A v2 token with an active organization: `o` truthy, as the reference tests it (its fields
/// are read only from an object; any other truthy `o` gives no id, slug or role and no
/// permissions).
fn is_v2_org(claims: &Claims) -> bool {
    is_v2(claims) && claims.truthy(claim::O)
}

impl SessionAuth {
    /// Wraps verified claims. Fails like the reference's claims parser on a malformed v2 `fea`
    /// claim.
    pub fn from_claims(claims: impl Into<Arc<Claims>>) -> Result<SessionAuth, String> {
        let claims: Arc<Claims> = claims.into();
        if is_v2_org(&claims) && scoped_elements(claims.str(claim::FEA).unwrap_or_default()).is_err() {
            return Err("Invalid claim format: fea elements must contain a scope".into());
        }
        Ok(SessionAuth { claims, scope: None })
    }

    /// All claims (`session_claims().map()` is the whole object).
    pub fn session_claims(&self) -> &Arc<Claims> {
        &self.claims
    }

    /// `sub`.
    pub fn user_id(&self) -> &str {
        self.claims.str(claim::SUB).unwrap_or_default()
    }

    /// `sid` (absent when the token has none).
    pub fn session_id(&self) -> Option<&str> {
        self.claims.str(claim::SID)
    }

    /// `sts` or null.
    pub fn session_status(&self) -> Option<&str> {
        self.claims.str(claim::STS)
    }

    /// `act` (impersonation).
    pub fn actor(&self) -> Option<Value> {
        self.claims.value(claim::ACT)
    }

    /// `fva` (minutes since the first and second factor verifications) unless null.
    pub fn factor_verification_age(&self) -> Option<Value> {
        self.claims.value(claim::FVA).filter(|v| !v.is_null())
    }

    /// Where the token keeps an organization field: `v1` in a v1 token, `v2` (in `o`) in a v2
    /// token with an active organization, nowhere in a v2 token without one.
    fn token_org_key(&self, v1: Key, v2: Key) -> Option<Key> {
        if !is_v2(&self.claims) {
            Some(v1)
        } else {
            is_v2_org(&self.claims).then_some(v2)
        }
    }

    /// Active organization id (v1 `org_id`, v2 `o.id`, or the resolved organization's).
    pub fn org_id(&self) -> Option<Value> {
        match &self.scope {
            None => self.token_org_key(claim::ORG_ID, claim::o::ID).and_then(|k| self.claims.value(k)),
            Some(org) => org.as_ref().map(|o| Value::from(o.id.as_str())),
        }
    }

    /// Active organization role (`org:`-prefixed for v2).
    pub fn org_role(&self) -> Option<Value> {
        match &self.scope {
            None if is_v2(&self.claims) => {
                let role = is_v2_org(&self.claims).then(|| self.claims.str(claim::o::ROL)).flatten();
                role.filter(|r| !r.is_empty()).map(|r| Value::from(["org:", r].concat()))
            }
            None => self.claims.value(claim::ORG_ROLE),
            Some(org) => org.as_ref().map(|o| Value::from(o.role.as_str())),
        }
    }

    /// Active organization slug.
    pub fn org_slug(&self) -> Option<Value> {
        match &self.scope {
            None => self.token_org_key(claim::ORG_SLUG, claim::o::SLG).and_then(|k| self.claims.value(k)),
            Some(org) => org.as_ref().and_then(|o| o.slug.as_deref().map(Value::from)),
        }
    }

    /// Permissions in the active organization (v2: derived from `fea`, `o.per` and `o.fpm`).
    pub fn org_permissions(&self) -> Option<Value> {
        match &self.scope {
            None if is_v2(&self.claims) => is_v2_org(&self.claims).then(|| Value::Array(v2_permissions(&self.claims, self.claims.str(claim::FEA).unwrap_or_default()).unwrap_or_default())),
            None => self.claims.value(claim::ORG_PERMISSIONS),
            Some(org) => org.as_ref().map(|o| Value::from(o.permissions.clone())),
        }
    }

    /// The active organization id as a string.
    pub fn org_id_str(&self) -> Option<&str> {
        match &self.scope {
            None => self.token_org_key(claim::ORG_ID, claim::o::ID).and_then(|k| self.claims.str(k)),
            Some(org) => org.as_deref().map(|o| o.id.as_str()),
        }
    }

    /// The active organization slug as a string.
    pub fn org_slug_str(&self) -> Option<&str> {
        match &self.scope {
            None => self.token_org_key(claim::ORG_SLUG, claim::o::SLG).and_then(|k| self.claims.str(k)),
            Some(org) => org.as_deref().and_then(|o| o.slug.as_deref()),
        }
    }

    /// Re-scopes this auth object to another organization (membership resolution), keeping
    /// the session's claims untouched.
    pub fn scoped_to(&self, org_id: &str, org_slug: Option<&str>, role: &str, permissions: Vec<String>) -> SessionAuth {
        let org = ScopedOrg { id: org_id.into(), slug: org_slug.map(str::to_string), role: role.into(), permissions };
        SessionAuth { claims: self.claims.clone(), scope: Some(Some(Arc::new(org))) }
    }

    /// Re-scopes this auth object to the personal account (no active organization).
    pub fn personal(&self) -> SessionAuth {
        SessionAuth { claims: self.claims.clone(), scope: Some(None) }
    }

    fn check_org(&self, role: Option<&Value>, permission: Option<&Value>) -> bool {
        let normalize = |s: &str| -> String {
            let mut rest = s;
            while let Some(r) = rest.strip_prefix("org:") {
                rest = r;
            }
            format!("org:{rest}")
        };
        if self.org_id_str().is_none_or(str::is_empty) {
            return false;
        }
        if let Some(role) = role {
            let Some(role) = role.as_str() else {
                return false;
            };
            let mine = self.org_role();
            let Some(mine) = mine.as_ref().and_then(Value::as_str).filter(|r| !r.is_empty()) else {
                return false;
            };
            if normalize(mine) != normalize(role) {
                return false;
            }
        }
        if let Some(permission) = permission {
            let Some(permission) = permission.as_str() else {
                return false;
            };
            let permissions = self.org_permissions();
            let Some(list) = permissions.as_ref().and_then(Value::as_array) else {
                return false;
            };
            let want = normalize(permission);
            if !list.iter().any(|p| p.as_str() == Some(want.as_str())) {
                return false;
            }
        }
        true
    }

    fn check_billing(&self, value: &Value, claim: &str) -> bool {
        let Some(x) = value.as_str() else {
            return false;
        };
        if claim.is_empty() {
            return false;
        }
        let Ok((mut org, user)) = split_by_scope(claim) else {
            return false;
        };
        if self.scope.is_some() {
            // The token's organization entitlements belong to its active organization, not to
            // the organization or personal account this object is scoped to.
            org.clear();
        }
        let mut parts = x.split(':');
        let first = parts.next().unwrap_or("");
        match parts.next() {
            Some(name) => match first {
                "o" | "org" | "organization" => org.contains(&name),
                "u" | "user" => user.contains(&name),
                _ => false,
            },
            None => org.iter().chain(user.iter()).any(|f| *f == first),
        }
    }

    fn check_reverification(&self, config: &Value) -> bool {
        let (level, after) = match config {
            Value::String(p) => match p.as_str() {
                "strict_mfa" => ("multi_factor", 10.0),
                "strict" => ("second_factor", 10.0),
                "moderate" => ("second_factor", 60.0),
                "lax" => ("second_factor", 1440.0),
                _ => return false,
            },
            Value::Object(o) => {
                let level = o.get("level").and_then(Value::as_str).unwrap_or("");
                let after = o.get("afterMinutes").and_then(Value::as_f64).unwrap_or(f64::NAN);
                if !matches!(level, "first_factor" | "second_factor" | "multi_factor") || after.is_nan() || after <= 0.0 {
                    return false;
                }
                (level, after)
            }
            _ => return false,
        };
        let fva = self.factor_verification_age();
        let Some(fva) = fva.as_ref().and_then(Value::as_array) else {
            return false;
        };
        if fva.len() != 2 {
            return false;
        }
        let (Some(f1), Some(f2)) = (fva[0].as_f64(), fva[1].as_f64()) else {
            return false;
        };
        let valid = |f: f64| f == -1.0 || f >= 0.0;
        if !valid(f1) || !valid(f2) || (f1 == -1.0 && f2 == -1.0) {
            return false;
        }
        let fresh = |f: f64| f != -1.0 && after > f;
        match level {
            "first_factor" => fresh(f1),
            "second_factor" => {
                if f2 == -1.0 {
                    fresh(f1)
                } else {
                    fresh(f2)
                }
            }
            _ => {
                if f2 == -1.0 {
                    fresh(f1)
                } else if f1 == -1.0 {
                    false
                } else {
                    fresh(f1) && fresh(f2)
                }
            }
        }
    }

    /// `has()`: true iff at least one asked dimension passes and none fails.
    pub fn has(&self, check: &HasCheck) -> bool {
        if self.user_id().is_empty() {
            return false;
        }
        let mut results = Vec::with_capacity(3);
        if check.role.is_some() || check.permission.is_some() {
            results.push(self.check_org(check.role.as_ref(), check.permission.as_ref()));
        }
        if check.feature.is_some() || check.plan.is_some() {
            let f = check.feature.as_ref().is_none_or(|f| self.check_billing(f, self.claims.str(claim::FEA).unwrap_or_default()));
            let p = check.plan.as_ref().is_none_or(|p| self.check_billing(p, self.claims.str(claim::PLA).unwrap_or_default()));
            results.push(f && p);
        }
        if let Some(r) = &check.reverification {
            results.push(self.check_reverification(r));
        }
        !results.is_empty() && results.iter().all(|&r| r)
    }

    /// JSON shape of `toAuth()` (functions left out; undefined fields absent).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("tokenType".into(), Value::from("session_token"));
        m.insert("sessionClaims".into(), Value::Object(self.claims.map().clone()));
        if let Some(sid) = self.session_id() {
            m.insert("sessionId".into(), Value::from(sid));
        }
        // `sts ?? null`: the claim in whatever shape it has.
        m.insert("sessionStatus".into(), self.claims.value(claim::STS).unwrap_or(Value::Null));
        m.insert("userId".into(), Value::from(self.user_id()));
        for (k, v) in [("actor", self.actor()), ("orgId", self.org_id()), ("orgRole", self.org_role()), ("orgSlug", self.org_slug()), ("orgPermissions", self.org_permissions())] {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        }
        m.insert("factorVerificationAge".into(), self.factor_verification_age().unwrap_or(Value::Null));
        m.insert("isAuthenticated".into(), Value::Bool(true));
        Value::Object(m)
    }
}

impl MachineAuth {
    /// A machine token that did not verify.
    pub(crate) fn unauthenticated(token_type: TokenType) -> MachineAuth {
        MachineAuth { token_type, is_authenticated: false, data: MachineData::Object(Map::new()) }
    }

    /// A verified opaque token: the Backend API's token object.
    pub(crate) fn from_object(token_type: TokenType, data: Map<String, Value>) -> MachineAuth {
        MachineAuth { token_type, is_authenticated: true, data: MachineData::Object(data) }
    }

    /// A verified M2M or OAuth JWT; `expired` is its `exp` against the verification clock.
    pub(crate) fn from_jwt(token_type: TokenType, claims: Arc<Claims>, expired: bool) -> MachineAuth {
        MachineAuth { token_type, is_authenticated: true, data: MachineData::Jwt { claims, expired } }
    }

    /// The verified token object (empty when not authenticated): the Backend API's response for
    /// opaque tokens; for JWTs the same shape derived from the claims (`id`, `subject`,
    /// `scopes`, `expiration`, … and `claims` for M2M, `clientId` for OAuth), built on each call.
    pub fn data(&self) -> Cow<'_, Map<String, Value>> {
        match &self.data {
            MachineData::Object(m) => Cow::Borrowed(m),
            MachineData::Jwt { claims, expired } => Cow::Owned(jwt_token_object(self.token_type, claims, *expired)),
        }
    }

    /// The token's subject.
    pub fn subject(&self) -> Option<&str> {
        let subject = match &self.data {
            MachineData::Object(m) => m.get("subject").and_then(Value::as_str),
            MachineData::Jwt { claims, .. } => claims.str(claim::SUB),
        };
        subject.filter(|_| self.is_authenticated)
    }

    /// JSON shape of `toAuth()`. A verified token's fields come from its token object and are
    /// absent (JavaScript's `undefined`) when the object lacks them; an unverified token's are
    /// `null`.
    pub fn to_json(&self) -> Value {
        let subject = self.subject().unwrap_or("");
        let data = self.data();
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        let field = |k: &str| {
            if self.is_authenticated {
                data.get(k).cloned()
            } else {
                Some(Value::Null)
            }
        };
        let by_prefix = |p: &str| Some(if self.is_authenticated && subject.starts_with(p) { Value::from(subject) } else { Value::Null });
        put("id", field("id"));
        put("subject", field("subject"));
        put("scopes", field("scopes"));
        put("isAuthenticated", Some(Value::Bool(self.is_authenticated)));
        put("tokenType", Some(Value::from(self.token_type.as_str())));
        match self.token_type {
            TokenType::ApiKey => {
                put("name", field("name"));
                put("claims", field("claims"));
                put("userId", by_prefix("user_"));
                put("orgId", by_prefix("org_"));
            }
            TokenType::M2mToken => {
                put("claims", field("claims"));
                put("machineId", field("subject"));
            }
            _ => {
                put("userId", field("subject"));
                put("clientId", field("clientId"));
            }
        }
        Value::Object(m)
    }
}

/// The token object of a verified machine JWT, shaped like the Backend API's: the claims are
/// read once more, into owned values that move into the object.
fn jwt_token_object(token_type: TokenType, claims: &Claims, expired: bool) -> Map<String, Value> {
    // JavaScript's `s.split(" ")`: every single space splits, empty pieces kept.
    let split_spaces = |v: Option<&Value>| v.and_then(Value::as_str).map(|s| Value::from(s.split(' ').collect::<Vec<_>>()));
    let present = |v: Option<Value>| v.filter(|v| !v.is_null());
    let (exp, iat) = (claims.num(claim::EXP).unwrap_or(0.0), claims.num(claim::IAT).unwrap_or(0.0));
    let mut data = Map::new();
    data.insert("revoked".into(), Value::Bool(false));
    data.insert("expired".into(), Value::Bool(expired));
    data.insert("expiration".into(), json!(exp * 1000.0));
    data.insert("createdAt".into(), json!(iat * 1000.0));
    data.insert("updatedAt".into(), json!(iat * 1000.0));
    let id_and_subject = |[jti, sub]: [Option<Value>; 2], data: &mut Map<String, Value>| {
        data.insert("id".into(), jti.unwrap_or_else(|| Value::from("")));
        data.insert("subject".into(), sub.unwrap_or(Value::Null));
    };
    if token_type == TokenType::M2mToken {
        let (named, rest) = pick_members(claims.json(), ["jti", "sub"], &["iss", "exp", "nbf", "iat"], true).unwrap_or_default();
        id_and_subject(named, &mut data);
        // `scopes?.split(" ") ?? aud ?? []`: the `aud` claim in whatever shape it has. A `scopes`
        // claim that is not a string never gets here (machine.rs refuses the token).
        let scopes = split_spaces(rest.get("scopes")).or_else(|| present(rest.get("aud").cloned())).unwrap_or_else(|| json!([]));
        data.insert("scopes".into(), scopes);
        data.insert("claims".into(), if rest.is_empty() { Value::Null } else { Value::Object(rest) });
        data.insert("revocationReason".into(), Value::Null);
        return data;
    }
    let ([jti, sub, scp, scope, client_id], _) = pick_members(claims.json(), ["jti", "sub", "scp", "scope", "client_id"], &[], false).unwrap_or_default();
    id_and_subject([jti, sub], &mut data);
    // `scp ?? scope?.split(" ") ?? []`: `scp` in whatever shape it has.
    data.insert("scopes".into(), present(scp).or_else(|| split_spaces(scope.as_ref())).unwrap_or_else(|| json!([])));
    data.insert("clientId".into(), client_id.unwrap_or_else(|| Value::from("")));
    data.insert("type".into(), Value::from("oauth_token"));
    data
}

impl AuthObject {
    /// `has()`: only signed-in sessions can pass.
    pub fn has(&self, check: &HasCheck) -> bool {
        match self {
            AuthObject::SignedIn(s) => s.has(check),
            _ => false,
        }
    }

    /// `tokenType`: `session_token` for a session, the machine token's type, none for the
    /// invalid-token object.
    pub fn token_type(&self) -> Option<TokenType> {
        match self {
            AuthObject::SignedIn(_) | AuthObject::SignedOut { .. } => Some(TokenType::SessionToken),
            AuthObject::Machine(m) => Some(m.token_type),
            AuthObject::InvalidToken => None,
        }
    }

    /// True for a signed-in session or an authenticated machine token.
    pub fn is_authenticated(&self) -> bool {
        match self {
            AuthObject::SignedIn(_) => true,
            AuthObject::Machine(m) => m.is_authenticated,
            _ => false,
        }
    }

    /// JSON shape of `toAuth()` as the reference returns it (functions left out).
    pub fn to_json(&self) -> Value {
        match self {
            AuthObject::SignedIn(s) => s.to_json(),
            AuthObject::SignedOut { session_status } => json!({
                "tokenType": "session_token", "sessionClaims": null, "sessionId": null,
                "sessionStatus": session_status, "userId": null, "actor": null, "orgId": null,
                "orgRole": null, "orgSlug": null, "orgPermissions": null,
                "factorVerificationAge": null, "isAuthenticated": false,
            }),
            AuthObject::Machine(m) => m.to_json(),
            AuthObject::InvalidToken => json!({"isAuthenticated": false, "tokenType": null}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(claims: Value) -> SessionAuth {
        SessionAuth::from_claims(Claims::from_map(claims.as_object().unwrap().clone())).unwrap()
    }

    #[test]
    fn machine_jwt_token_objects_are_built_from_the_claims() {
        let claims = |v: Value| Arc::new(Claims::from_map(v.as_object().unwrap().clone()));
        let m2m = MachineAuth::from_jwt(TokenType::M2mToken, claims(json!({"sub": "mch_1", "jti": "mt_1", "iss": "x", "exp": 100, "iat": 40, "nbf": 40, "scopes": "a  b", "custom": {"k": 1}})), true);
        assert_eq!(
            Value::Object(m2m.data().into_owned()),
            json!({"id": "mt_1", "subject": "mch_1", "scopes": ["a", "", "b"], "claims": {"scopes": "a  b", "custom": {"k": 1}}, "revoked": false,
                   "revocationReason": null, "expired": true, "expiration": 100000.0, "createdAt": 40000.0, "updatedAt": 40000.0})
        );
        assert_eq!(m2m.subject(), Some("mch_1"));
        let oauth = MachineAuth::from_jwt(TokenType::OAuthToken, claims(json!({"sub": "user_1", "client_id": "c", "scp": ["r"], "scope": "x y", "exp": 100, "iat": 40})), false);
        assert_eq!(
            Value::Object(oauth.data().into_owned()),
            json!({"id": "", "clientId": "c", "type": "oauth_token", "subject": "user_1", "scopes": ["r"], "revoked": false, "expired": false,
                   "expiration": 100000.0, "createdAt": 40000.0, "updatedAt": 40000.0})
        );
        let unverified = MachineAuth::unauthenticated(TokenType::M2mToken);
        assert!(unverified.data().is_empty() && unverified.subject().is_none());
    }

    #[test]
    fn mask_bits_of_small_and_long_decimals_agree() {
        for s in ["0", "1", "2", "3", "7", "21", "0007", "4294967296", "9223372036854775808", "18446744073709551615"] {
            let (word, long) = (Mask::parse(s).unwrap(), Mask::Long(long_decimal_bits(s)));
            assert!(matches!(word, Mask::Word(_)), "{s}");
            assert!((0..70).all(|j| word.bit(j) == long.bit(j)), "{s}");
        }
        let big = Mask::parse("18446744073709551616").unwrap();
        assert!(big.bit(64) && (0..64).all(|j| !big.bit(j)) && !big.bit(65));
        assert!(Mask::parse("+5").is_none() && Mask::parse("").is_none() && Mask::parse("1 ").is_none());
    }

    #[test]
    fn v2_feature_permissions() {
        let a = auth(json!({"sub":"u","v":2,"fea":"o:repositories,o:projects","o":{"id":"org_1","per":"read,create,update,delete,revoke","fpm":"7,21"}}));
        assert_eq!(
            a.org_permissions(),
            Some(json!(["org:repositories:read", "org:repositories:create", "org:repositories:update", "org:projects:read", "org:projects:update", "org:projects:revoke"]))
        );
        let per: Vec<String> = (0..54).map(|i| format!("permission_{i}")).collect();
        let a = auth(json!({"sub":"u","v":2,"fea":"o:f","o":{"id":"org_1","per":per.join(","),"fpm":"9007199254740993"}}));
        assert_eq!(a.org_permissions(), Some(json!(["org:f:permission_0", "org:f:permission_53"])));
        let a = auth(json!({"sub":"u","v":2,"fea":"o:f","o":{"id":"org_1","per":per.join(","),"fpm":"18014398509481984"}}));
        assert_eq!(a.org_permissions(), Some(json!([])));
        assert!(SessionAuth::from_claims(Claims::from_map(json!({"sub":"u","v":2,"fea":"nocolon","o":{"id":"x"}}).as_object().unwrap().clone())).is_err());
    }

    #[test]
    fn has_matrix() {
        let a = auth(json!({"sub":"u","v":2,"fea":"o:reservations,u:dashboard,uo:support-chat,o:impersonation","pla":"u:pro,o:business",
            "o":{"id":"org_1","rol":"member","per":"read,manage","fpm":"2,3"}}));
        let p = |s: &str| a.has(&HasCheck::permission(s));
        assert!(!p("org:reservations:read") && p("org:reservations:manage") && p("org:support-chat:read") && !p("u:dashboard:read"));
        let f = |s: &str| a.has(&HasCheck::feature(s));
        assert!(f("org:reservations") && !f("user:reservations") && f("user:dashboard") && !f("org:dashboard"));
        assert!(f("org:support-chat") && f("user:support-chat") && f("reservations") && f("dashboard") && !f("pro"));
        let pl = |s: &str| a.has(&HasCheck::plan(s));
        assert!(pl("org:business") && !pl("user:business") && pl("user:pro") && pl("pro") && pl("business"));
        assert!(a.has(&HasCheck::role("member")) && a.has(&HasCheck::role("org:member")) && !a.has(&HasCheck::role("admin")));
        assert!(!a.has(&HasCheck::default()));
    }
}
