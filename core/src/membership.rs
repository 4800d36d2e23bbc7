//! Organization membership lookups through the Backend API, cached per
//! (instance, user, organization) for a short TTL.
//!
//! One lookup is one request: `GET {apiUrl}/{apiVersion}/organizations/{id or slug}/memberships
//! ?user_id={user}` (the organization's memberships filtered by user), answered with
//! `{"data": [membership…], "total_count": n}`. Only a membership naming both the user and the
//! organization counts; a 404 `resource_not_found` (no such organization) is "not a member".
//!
//! The cache holds up to 100 000 (instance, user, organization) entries and evicts the least
//! recently used. Concurrent lookups of one entry share a single request: the first makes it,
//! the others wait for its answer (success or failure) without holding any lock other keys
//! need. Trade-off: a revoked membership keeps authorizing for up to the TTL
//! (`membershipCacheTtlInMs`, default 60 s). Set it to 0 to look up on every request
//! (lookups already in flight for the same entry are still shared).

use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::bapi::{api_errors, path_segment, segment, BackendApi};
use crate::context::Call;
use crate::lru::Lru;
use crate::org_sync::SyncTarget;
use crate::Authenticator;

/// The user's membership in an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// Organization id.
    pub org_id: String,
    /// Organization slug.
    pub org_slug: Option<String>,
    /// Role, e.g. `org:admin`.
    pub role: String,
    /// Permissions, e.g. `org:posts:edit`.
    pub permissions: Vec<String>,
}

/// A lookup's answer: `Ok(None)` = not a member.
type Answer = Result<Option<Membership>, String>;

/// How the URL names the organization: an id and a slug with the same text are different keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum OrgRef {
    Id(String),
    Slug(String),
}

impl OrgRef {
    fn text(&self) -> &str {
        match self {
            OrgRef::Id(s) | OrgRef::Slug(s) => s,
        }
    }

    fn names(&self, m: &Membership) -> bool {
        match self {
            OrgRef::Id(id) => &m.org_id == id,
            OrgRef::Slug(slug) => m.org_slug.as_deref() == Some(slug.as_str()),
        }
    }
}

/// One cache entry's identity: the instance (Backend API and secret key), the user and the
/// organization, as separate fields (no separator to forge).
#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    api_url: String,
    api_version: String,
    secret_key: String,
    user_id: String,
    org: OrgRef,
}

/// One (instance, user, organization): its last answer and the lock its lookup runs under.
#[derive(Default)]
struct Entry {
    /// Held for the duration of a lookup: same-key lookups queue here.
    lookup: Mutex<()>,
    last: Mutex<Last>,
}

#[derive(Default)]
struct Last {
    /// Lookups completed (each bumps it): a waiter that sees it move takes that answer.
    completed: u64,
    /// The last answer and the request time it was looked up at.
    answer: Option<(f64, Answer)>,
}

impl Last {
    /// The last answer and its lookup time when it is a success younger than `ttl_ms`.
    fn fresh(&self, now_ms: f64, ttl_ms: f64) -> Option<(Option<Membership>, f64)> {
        match &self.answer {
            Some((at, Ok(m))) if now_ms - at < ttl_ms => Some((m.clone(), *at)),
            _ => None,
        }
    }
}

/// Cached lookups, bounded, least recently used evicted first.
pub struct MembershipCache {
    entries: Mutex<Lru<Key, Arc<Entry>>>,
}

const MAX_ENTRIES: usize = 100_000;

impl Default for MembershipCache {
    fn default() -> Self {
        MembershipCache { entries: Mutex::new(Lru::new(MAX_ENTRIES)) }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MembershipCache {
    /// The answer for `key`: cached while fresh, else looked up by `fetch` once for every
    /// caller that arrives while that lookup runs. With the answer: the request time it was
    /// looked up at (a cached answer holds until that plus the TTL). `None` when no fresh
    /// answer is cached and `api` refuses the network (nothing waited for or changed).
    fn get(&self, key: Key, now_ms: f64, ttl_ms: f64, api: &BackendApi, fetch: impl FnOnce() -> Answer) -> Option<(Answer, f64)> {
        // The map lock is held only to find the entry, never across a lookup.
        let entry = lock(&self.entries).get_or_insert_with(key, Arc::default);
        let seen = {
            let last = lock(&entry.last);
            if let Some((m, at)) = last.fresh(now_ms, ttl_ms) {
                return Some((Ok(m), at));
            }
            last.completed
        };
        if api.refuse() {
            return None;
        }
        let _lookup = lock(&entry.lookup);
        {
            let last = lock(&entry.last);
            if last.completed != seen {
                // A lookup finished while this caller waited: share its answer.
                if let Some((at, answer)) = &last.answer {
                    return Some((answer.clone(), *at));
                }
            }
        }
        let answer = fetch();
        let mut last = lock(&entry.last);
        last.completed += 1;
        last.answer = Some((now_ms, answer.clone()));
        Some((answer, now_ms))
    }
}

fn parse_membership(m: &Value) -> Option<(&str, Membership)> {
    let org = m.get("organization")?;
    let user_id = m.get("public_user_data")?.get("user_id")?.as_str()?;
    Some((
        user_id,
        Membership {
            org_id: org.get("id")?.as_str()?.to_string(),
            org_slug: org.get("slug").and_then(Value::as_str).map(str::to_string),
            role: m.get("role").and_then(Value::as_str).unwrap_or("").to_string(),
            permissions: m.get("permissions").and_then(Value::as_array).map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_string)).collect()).unwrap_or_default(),
        },
    ))
}

/// One Backend API request: the organization's memberships filtered by the user.
fn fetch(api: &BackendApi, secret_key: &str, user_id: &str, org: &OrgRef) -> Answer {
    let org_segment = path_segment(org.text(), "organization").map_err(|e| e.to_string())?;
    let url = format!("{}?user_id={}", api.versioned(&format!("organizations/{org_segment}/memberships")), segment(user_id));
    let resp = api.send("GET", url, Some(secret_key), None).map_err(|e| format!("Backend API unreachable: {e}"))?;
    if resp.status == 404 && api_errors(&resp.body).first().is_some_and(|e| e.code == "resource_not_found") {
        return Ok(None);
    }
    if !(200..300).contains(&resp.status) {
        return Err(format!("Backend API answered {} to the membership lookup", resp.status));
    }
    let body: Value = serde_json::from_slice(&resp.body).map_err(|e| format!("Invalid membership response: {e}"))?;
    let data = body.get("data").and_then(Value::as_array).ok_or("Invalid membership response: no data list")?;
    Ok(data.iter().filter_map(parse_membership).find(|(u, m)| *u == user_id && org.names(m)).map(|(_, m)| m))
}

impl Authenticator {
    /// The user's membership in the target organization (`Ok(None)`: not a member), and
    /// until when (ms since epoch) the cached answer is used.
    pub(crate) fn membership(&self, call: &Call, user_id: &str, target: &SyncTarget) -> (Answer, f64) {
        let org = match target {
            SyncTarget::OrganizationId(id) => OrgRef::Id(id.clone()),
            SyncTarget::OrganizationSlug(slug) => OrgRef::Slug(slug.clone()),
            SyncTarget::PersonalAccount => return (Ok(None), f64::INFINITY),
        };
        let api = call.api();
        let secret_key = call.opts().secret_key.as_deref().unwrap_or("");
        let key = Key { api_url: api.api_url.to_string(), api_version: api.api_version.to_string(), secret_key: secret_key.to_string(), user_id: user_id.to_string(), org: org.clone() };
        let ttl_ms = call.opts().membership_cache_ttl_ms;
        match self.memberships.get(key, call.now_ms(), ttl_ms, &api, || fetch(&api, secret_key, user_id, &org)) {
            Some((answer, at)) => (answer, at + ttl_ms),
            None => (Err("The membership is not looked up on the no-network path.".into()), call.now_ms()),
        }
    }
}
