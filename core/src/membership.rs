//! Organization membership lookups through the Backend API, cached per
//! (instance, user, organization) for a short TTL.
//!
//! Trade-off: a revoked membership keeps authorizing for up to the TTL
//! (`membershipCacheTtlInMs`, default 60 s). Set it to 0 to look up on every request.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use crate::bapi::segment;
use crate::context::Call;
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

/// Cached lookups: `None` = not a member.
#[derive(Default)]
pub struct MembershipCache {
    entries: Mutex<HashMap<String, (f64, Option<Membership>)>>,
}

const PAGE: usize = 100;
const MAX_PAGES: usize = 50;
const MAX_ENTRIES: usize = 100_000;

fn parse_membership(m: &Value) -> Option<Membership> {
    let org = m.get("organization")?;
    Some(Membership {
        org_id: org.get("id")?.as_str()?.to_string(),
        org_slug: org.get("slug").and_then(Value::as_str).map(str::to_string),
        role: m.get("role").and_then(Value::as_str).unwrap_or("").to_string(),
        permissions: m.get("permissions").and_then(Value::as_array).map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_string)).collect()).unwrap_or_default(),
    })
}

impl Authenticator {
    /// The user's membership in the target organization (`Ok(None)`: not a member).
    pub(crate) fn membership(&self, call: &Call, user_id: &str, target: &SyncTarget) -> Result<Option<Membership>, String> {
        let api = call.api();
        let secret = call.opts.secret_key.as_deref().unwrap_or("");
        let key = format!("{}|{}|{}|{}", api.api_url, secret, user_id, target.handshake_param());
        let ttl = call.opts.membership_cache_ttl_in_ms.unwrap_or(60_000) as f64;
        if let Some((at, m)) = self.memberships.entries.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            if call.now_ms - at < ttl {
                return Ok(m.clone());
            }
        }
        let matches = |m: &Membership| match target {
            SyncTarget::OrganizationId(id) => &m.org_id == id,
            SyncTarget::OrganizationSlug(s) => m.org_slug.as_deref() == Some(s.as_str()),
            SyncTarget::PersonalAccount => false,
        };
        let mut found = None;
        for page in 0..MAX_PAGES {
            let url = format!("{}?limit={PAGE}&offset={}", api.versioned(&format!("users/{}/organization_memberships", segment(user_id))), page * PAGE);
            let resp = api.send("GET", url, Some(secret), None).map_err(|e| format!("Backend API unreachable: {e}"))?;
            if !(200..300).contains(&resp.status) {
                return Err(format!("Backend API answered {} to the membership lookup", resp.status));
            }
            let body: Value = serde_json::from_slice(&resp.body).map_err(|e| format!("Invalid membership response: {e}"))?;
            let data = body.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
            if let Some(m) = data.iter().filter_map(parse_membership).find(matches) {
                found = Some(m);
                break;
            }
            let total = body.get("total_count").and_then(Value::as_u64).unwrap_or(0) as usize;
            if data.len() < PAGE || (page + 1) * PAGE >= total {
                break;
            }
        }
        let mut entries = self.memberships.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (call.now_ms, found.clone()));
        Ok(found)
    }
}
