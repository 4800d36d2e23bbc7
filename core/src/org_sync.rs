//! Organization sync: path patterns (path-to-regexp v6 semantics) → the organization or
//! personal account a URL names, and the outcome reported on the state.

use regex::{Regex, RegexBuilder};
use serde_json::{json, Value};

use crate::auth_object::SessionAuth;
use crate::context::Call;
use crate::error::{Error, ErrorCode};
use crate::reason::Reason;
use crate::state::{AuthData, RequestState};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Char(char),
    Escaped(char),
    Name(String),
    Pattern(String),
    Modifier(char),
    Open,
    Close,
    End,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' | '+' | '?' => {
                toks.push(Tok::Modifier(c));
                i += 1;
            }
            '\\' => {
                let Some(&n) = chars.get(i + 1) else {
                    return Err(format!("Unexpected end at {i}"));
                };
                toks.push(Tok::Escaped(n));
                i += 2;
            }
            '{' => {
                toks.push(Tok::Open);
                i += 1;
            }
            '}' => {
                toks.push(Tok::Close);
                i += 1;
            }
            ':' => {
                let mut j = i + 1;
                let mut name = String::new();
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    name.push(chars[j]);
                    j += 1;
                }
                if name.is_empty() {
                    return Err(format!("Missing parameter name at {i}"));
                }
                toks.push(Tok::Name(name));
                i = j;
            }
            '(' => {
                let mut count = 1;
                let mut pattern = String::new();
                let mut j = i + 1;
                if chars.get(j) == Some(&'?') {
                    return Err(format!("Pattern cannot start with \"?\" at {j}"));
                }
                while j < chars.len() {
                    if chars[j] == '\\' {
                        pattern.push(chars[j]);
                        if let Some(&n) = chars.get(j + 1) {
                            pattern.push(n);
                        }
                        j += 2;
                        continue;
                    }
                    if chars[j] == ')' {
                        count -= 1;
                        if count == 0 {
                            j += 1;
                            break;
                        }
                    } else if chars[j] == '(' {
                        count += 1;
                        if chars.get(j + 1) != Some(&'?') {
                            return Err(format!("Capturing groups are not allowed at {j}"));
                        }
                    }
                    pattern.push(chars[j]);
                    j += 1;
                }
                if count != 0 {
                    return Err(format!("Unbalanced pattern at {i}"));
                }
                if pattern.is_empty() {
                    return Err(format!("Missing pattern at {i}"));
                }
                toks.push(Tok::Pattern(pattern));
                i = j;
            }
            _ => {
                toks.push(Tok::Char(c));
                i += 1;
            }
        }
    }
    toks.push(Tok::End);
    Ok(toks)
}

const DEFAULT_PATTERN: &str = "[^/#?]+?";

/// Compiles one pattern to an anchored, case-insensitive regex and its parameter names
/// (`None` for unnamed groups).
fn compile(path: &str) -> Result<(String, Vec<Option<String>>), String> {
    let toks = lex(path)?;
    let mut i = 0;
    let mut route = String::from("^");
    let mut keys = Vec::new();
    let mut literal = String::new();
    let esc = |s: &str| regex::escape(s);
    let flush = |route: &mut String, literal: &mut String| {
        route.push_str(&esc(literal));
        literal.clear();
    };
    let mut emit = |route: &mut String, name: Option<String>, prefix: &str, suffix: &str, pattern: &str, modifier: Option<char>| -> Result<(), String> {
        let m = modifier.map(String::from).unwrap_or_default();
        if pattern.is_empty() {
            route.push_str(&format!("(?:{}{}){}", esc(prefix), esc(suffix), m));
            return Ok(());
        }
        keys.push(name.clone());
        if !prefix.is_empty() || !suffix.is_empty() {
            if matches!(modifier, Some('+') | Some('*')) {
                let md = if modifier == Some('*') { "?" } else { "" };
                let (p, s) = (esc(prefix), esc(suffix));
                route.push_str(&format!("(?:{p}((?:{pattern})(?:{s}{p}(?:{pattern}))*){s}){md}"));
            } else {
                route.push_str(&format!("(?:{}({pattern}){}){m}", esc(prefix), esc(suffix)));
            }
        } else {
            if matches!(modifier, Some('+') | Some('*')) {
                return Err(format!("Can not repeat \"{}\" without a prefix and suffix", name.unwrap_or_default()));
            }
            route.push_str(&format!("({pattern}){m}"));
        }
        Ok(())
    };
    // path-to-regexp's tryConsume("NAME") / tryConsume("PATTERN") / tryConsume("MODIFIER").
    let take_name = |toks: &[Tok], i: &mut usize| -> Option<String> {
        if let Some(Tok::Name(n)) = toks.get(*i) {
            *i += 1;
            Some(n.clone())
        } else {
            None
        }
    };
    let take_pattern = |toks: &[Tok], i: &mut usize| -> Option<String> {
        if let Some(Tok::Pattern(p)) = toks.get(*i) {
            *i += 1;
            Some(p.clone())
        } else {
            None
        }
    };
    let take_mod = |toks: &[Tok], i: &mut usize| -> Option<char> {
        if let Some(Tok::Modifier(c)) = toks.get(*i) {
            *i += 1;
            Some(*c)
        } else {
            None
        }
    };
    loop {
        let ch = if let Tok::Char(c) = &toks[i] {
            i += 1;
            Some(*c)
        } else {
            None
        };
        let name = take_name(&toks, &mut i);
        let pattern = take_pattern(&toks, &mut i);
        if name.is_some() || pattern.is_some() {
            let mut prefix = ch.map(String::from).unwrap_or_default();
            if prefix != "." && prefix != "/" {
                literal.push_str(&prefix);
                prefix.clear();
            }
            flush(&mut route, &mut literal);
            let modifier = take_mod(&toks, &mut i);
            emit(&mut route, name, &prefix, "", pattern.as_deref().unwrap_or(DEFAULT_PATTERN), modifier)?;
            continue;
        }
        let value = ch.or_else(|| {
            if let Tok::Escaped(c) = &toks[i] {
                i += 1;
                Some(*c)
            } else {
                None
            }
        });
        if let Some(v) = value {
            literal.push(v);
            continue;
        }
        flush(&mut route, &mut literal);
        if toks[i] == Tok::Open {
            i += 1;
            let text = |toks: &[Tok], i: &mut usize| {
                let mut s = String::new();
                while let Some(Tok::Char(c) | Tok::Escaped(c)) = toks.get(*i) {
                    s.push(*c);
                    *i += 1;
                }
                s
            };
            let prefix = text(&toks, &mut i);
            let name = take_name(&toks, &mut i);
            let pattern = take_pattern(&toks, &mut i);
            let suffix = text(&toks, &mut i);
            if toks.get(i) != Some(&Tok::Close) {
                return Err(format!("Unexpected {:?} at {i}, expected CLOSE", toks.get(i)));
            }
            i += 1;
            let modifier = take_mod(&toks, &mut i);
            let pat = match (&name, &pattern) {
                (Some(_), None) => DEFAULT_PATTERN.to_string(),
                (_, Some(p)) => p.clone(),
                (None, None) => String::new(),
            };
            emit(&mut route, name, &prefix, &suffix, &pat, modifier)?;
            continue;
        }
        if toks[i] != Tok::End {
            return Err(format!("Unexpected {:?} at {i}, expected END", toks[i]));
        }
        break;
    }
    route.push_str("[/#?]?$");
    Ok((route, keys))
}

/// One compiled pattern.
#[derive(Debug, Clone)]
struct Alternative {
    re: Regex,
    /// Parameter names, `None` for unnamed groups.
    keys: Vec<Option<String>>,
    /// ASCII text every match starts with (case-insensitively).
    prefix: String,
}

/// A compiled list of patterns (alternatives tried left to right).
#[derive(Debug, Clone)]
pub struct PathMatcher {
    alternatives: Vec<Alternative>,
}

/// The literal text right after `^` in a compiled route (the escaped run before the first
/// group or class), up to its first non-ASCII character.
fn literal_prefix(route: &str) -> String {
    let mut out = String::new();
    let mut chars = route.strip_prefix('^').unwrap_or("").chars();
    while let Some(c) = chars.next() {
        let c = match c {
            '\\' => chars.next(),
            // The characters `regex::escape` escapes; unescaped, one starts a group or class.
            c if "\\.+*?()|[]{}^$#&-~".contains(c) => None,
            c => Some(c),
        };
        match c {
            Some(c) if c.is_ascii() => out.push(c),
            _ => break,
        }
    }
    out
}

impl PathMatcher {
    /// Compiles patterns; fails with the reference's `Invalid pattern "…"` message.
    pub fn new(patterns: &[String]) -> Result<PathMatcher, Error> {
        let fail = |detail: String| {
            Error::new(
                ErrorCode::InvalidOrganizationPattern,
                format!(
                    "Invalid pattern \"{}\": Error: Invalid path and options: Consult the documentation of path-to-regexp here: https://github.com/pillarjs/path-to-regexp/tree/6.x\n{detail}",
                    patterns.join(",")
                ),
            )
        };
        let mut alternatives = Vec::with_capacity(patterns.len());
        for p in patterns {
            let (src, keys) = compile(p).map_err(fail)?;
            // A 1 MiB compiled-size cap: `\\w{999}`-style patterns fail fast instead of
            // taking 100+ ms and tens of MB to build.
            let re = RegexBuilder::new(&format!("(?i){src}")).size_limit(1 << 20).build().map_err(|e| fail(e.to_string()))?;
            alternatives.push(Alternative { re, keys, prefix: literal_prefix(&src) });
        }
        Ok(PathMatcher { alternatives })
    }

    /// Named parameters of the first matching alternative.
    pub fn match_path(&self, path: &str) -> Option<Vec<(String, String)>> {
        for Alternative { re, keys, prefix } in &self.alternatives {
            // Most paths match no pattern. A path that does not start with the pattern's text is
            // rejected without the regex when it is ASCII (every URL path is): there, `(?i)` is
            // ASCII case folding (`ſ` and the Kelvin sign, which fold to `s` and `k`, are not ASCII).
            let starts = path.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()));
            if !starts && path.is_ascii() || !re.is_match(path) {
                continue;
            }
            if let Some(caps) = re.captures(path) {
                let params = keys.iter().enumerate().filter_map(|(i, k)| Some((k.clone()?, caps.get(i + 1)?.as_str().to_string()))).collect();
                return Some(params);
            }
        }
        None
    }
}

/// What a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncTarget {
    /// An organization by id (`:id`).
    OrganizationId(String),
    /// An organization by slug (`:slug`).
    OrganizationSlug(String),
    /// The personal account.
    PersonalAccount,
}

impl SyncTarget {
    /// The `organization_id` handshake parameter: id, slug, or empty for personal.
    pub fn handshake_param(&self) -> &str {
        match self {
            SyncTarget::OrganizationId(s) | SyncTarget::OrganizationSlug(s) => s,
            SyncTarget::PersonalAccount => "",
        }
    }
}

/// Organization and personal-account matchers, compiled once.
#[derive(Debug, Clone, Default)]
pub struct OrganizationMatcher {
    organization: Option<PathMatcher>,
    personal: Option<PathMatcher>,
}

impl OrganizationMatcher {
    /// Compiles both lists (absent lists match nothing).
    pub fn new(organization_patterns: Option<&[String]>, personal_patterns: Option<&[String]>) -> Result<Self, Error> {
        Ok(OrganizationMatcher { organization: organization_patterns.map(PathMatcher::new).transpose()?, personal: personal_patterns.map(PathMatcher::new).transpose()? })
    }

    /// The target a path names, organization patterns first.
    pub fn find_target(&self, path: &str) -> Option<SyncTarget> {
        if let Some(params) = self.organization.as_ref().and_then(|m| m.match_path(path)) {
            let get = |k: &str| params.iter().find(|(n, v)| n == k && !v.is_empty()).map(|(_, v)| v.clone());
            if let Some(id) = get("id") {
                return Some(SyncTarget::OrganizationId(id));
            }
            if let Some(slug) = get("slug") {
                return Some(SyncTarget::OrganizationSlug(slug));
            }
        }
        if self.personal.as_ref().is_some_and(|m| m.match_path(path).is_some()) {
            return Some(SyncTarget::PersonalAccount);
        }
        None
    }
}

/// How the organization named by the URL relates to the request's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The token's active organization is the target.
    Active,
    /// A handshake will switch the active organization.
    Handshake,
    /// The request cannot be handshaken and the token's active organization differs.
    Mismatch,
    /// The user's membership in the target was resolved through the Backend API.
    Membership,
    /// The user is not a member of the target.
    NotMember,
}

impl SyncOutcome {
    /// Kebab-case string.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncOutcome::Active => "active",
            SyncOutcome::Handshake => "handshake",
            SyncOutcome::Mismatch => "mismatch",
            SyncOutcome::Membership => "membership",
            SyncOutcome::NotMember => "not-member",
        }
    }
}

/// The organization-sync report on a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationSync {
    /// What the URL names.
    pub target: SyncTarget,
    /// The outcome.
    pub outcome: SyncOutcome,
    /// The token's active organization id, if any.
    pub active_org_id: Option<String>,
}

impl OrganizationSync {
    /// JSON: `{target: {type, organizationId|organizationSlug}, outcome, activeOrgId}`.
    pub fn to_json(&self) -> Value {
        let target = match &self.target {
            SyncTarget::OrganizationId(id) => json!({"type": "organization", "organizationId": id}),
            SyncTarget::OrganizationSlug(s) => {
                json!({"type": "organization", "organizationSlug": s})
            }
            SyncTarget::PersonalAccount => json!({"type": "personalAccount"}),
        };
        json!({"target": target, "outcome": self.outcome.as_str(), "activeOrgId": self.active_org_id})
    }
}

/// What to do when a request names an organization other than the token's active one and
/// cannot be handshaken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnMismatch {
    /// Stay signed in with the token's active organization (reference behaviour).
    #[default]
    KeepActive,
    /// Signed out with reason `organization-mismatch`.
    SignedOut,
    /// Look the membership up and scope the auth object to the URL's organization.
    ResolveMembership,
}

impl OnMismatch {
    /// Parses `keep-active` / `signed-out` / `resolve-membership`.
    pub fn parse(s: &str) -> Option<OnMismatch> {
        match s {
            "keep-active" => Some(OnMismatch::KeepActive),
            "signed-out" => Some(OnMismatch::SignedOut),
            "resolve-membership" => Some(OnMismatch::ResolveMembership),
            _ => None,
        }
    }
}

/// Section 13's decision for a signed-in session, and this project's `onMismatch`.
impl Call<'_> {
    pub(crate) fn sync_target(&self) -> Option<SyncTarget> {
        self.org_matcher().as_ref()?.find_target(self.clerk_url().path())
    }

    /// Organization sync for a signed-in session state. Only the cookie flow's own sign-in may
    /// become an activation handshake (`handshake_possible`, the reference's step); every other
    /// signed-in session (Bearer, any/list header, refresh, handshake resolution) cannot be
    /// handshaken, so a different organization there is a mismatch handled by `onMismatch`.
    pub(crate) fn organization_sync(&self, mut state: RequestState, handshake_possible: bool) -> RequestState {
        self.mark_org_synced();
        let Some(target) = self.sync_target() else {
            return state;
        };
        let Some(auth) = state.to_auth().and_then(|a| match a {
            crate::auth_object::AuthObject::SignedIn(s) => Some(s),
            _ => None,
        }) else {
            return state;
        };
        let must_activate = match &target {
            SyncTarget::OrganizationId(id) => auth.org_id_str() != Some(id.as_str()),
            SyncTarget::OrganizationSlug(slug) => auth.org_slug_str() != Some(slug.as_str()),
            SyncTarget::PersonalAccount => auth.org_id().is_some_and(|v| !v.is_null() && v.as_str() != Some("")),
        };
        let report = |outcome| Some(OrganizationSync { target: target.clone(), outcome, active_org_id: auth.org_id_str().map(str::to_string) });
        self.step("org-sync", || {
            format!(
                "URL names {} {:?}; token's active org {:?}",
                match &target {
                    SyncTarget::OrganizationId(_) => "organization id",
                    SyncTarget::OrganizationSlug(_) => "organization slug",
                    SyncTarget::PersonalAccount => "personal account",
                },
                target.handshake_param(),
                auth.org_id_str().unwrap_or("none")
            )
        });
        if !must_activate {
            state.organization_sync = report(SyncOutcome::Active);
            return state;
        }
        if self.redirect_loop_counter() >= 3.0 {
            self.log("Clerk: Organization activation handshake loop detected. This is likely due to an invalid organization ID or slug. Skipping organization activation.");
            self.step("org-sync", || "handshake loop (counter ≥ 3): activation skipped".into());
        } else if handshake_possible && self.eligible_for_handshake() {
            let mut hs = self.maybe_handshake(Reason::ActiveOrganizationMismatch, "", None);
            hs.organization_sync = report(SyncOutcome::Handshake);
            return hs;
        } else if !handshake_possible {
            self.step("org-sync", || "no handshake possible: the session did not come from the cookie flow's sign-in".into());
        } else {
            self.step("org-sync", || format!("no handshake possible (method {}, sec-fetch-dest {:?}, accept {:?}: not a document navigation)", self.method(), self.sec_fetch_dest(), self.accept()));
        }
        // Not eligible for a handshake (WebSocket upgrade, fetch, POST) or a loop.
        let on_mismatch = self.opts().on_mismatch;
        self.step("org-sync", || format!("mismatch without handshake; onMismatch = {on_mismatch:?}"));
        match on_mismatch {
            OnMismatch::KeepActive => {
                state.organization_sync = report(SyncOutcome::Mismatch);
                state
            }
            OnMismatch::SignedOut => {
                // A refresh's or handshake's cookies still reach the browser: the session is
                // fine, only this request is refused.
                let headers = std::mem::take(&mut state.headers);
                let mut so = self.signed_out(Reason::OrganizationMismatch, "The URL names an organization that is not the session's active organization", headers);
                so.organization_sync = report(SyncOutcome::Mismatch);
                so
            }
            OnMismatch::ResolveMembership => self.resolve_membership(state, &auth, &target),
        }
    }

    fn resolve_membership(&self, mut state: RequestState, auth: &SessionAuth, target: &SyncTarget) -> RequestState {
        let report = |outcome| Some(OrganizationSync { target: target.clone(), outcome, active_org_id: auth.org_id_str().map(str::to_string) });
        if *target == SyncTarget::PersonalAccount {
            // The personal account needs no membership: scope the auth object to no org.
            state.auth = AuthData::Session(auth.personal());
            state.organization_sync = report(SyncOutcome::Membership);
            return state;
        }
        let (answer, holds_until) = self.auth().membership(self, auth.user_id(), target);
        match answer {
            Ok(Some(m)) => {
                self.step("membership", || format!("member of {} as {}", m.org_id, m.role));
                state.auth = AuthData::Session(auth.scoped_to(&m.org_id, m.org_slug.as_deref(), &m.role, m.permissions.clone()));
                state.membership_until = Some(holds_until);
                state.organization_sync = report(SyncOutcome::Membership);
                state
            }
            Ok(None) => {
                let mut so = self.signed_out(Reason::OrganizationNotMember, "The user is not a member of the organization the URL names", std::mem::take(&mut state.headers));
                so.organization_sync = report(SyncOutcome::NotMember);
                so
            }
            Err(e) => {
                let mut so = self.signed_out(Reason::OrganizationMembershipLookupFailed, &e, std::mem::take(&mut state.headers));
                so.organization_sync = report(SyncOutcome::Mismatch);
                so
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(org: &[&str], personal: &[&str]) -> OrganizationMatcher {
        let o: Vec<String> = org.iter().map(|s| s.to_string()).collect();
        let p: Vec<String> = personal.iter().map(|s| s.to_string()).collect();
        OrganizationMatcher::new(Some(&o), Some(&p)).unwrap()
    }

    #[test]
    fn targets() {
        assert_eq!(m(&["/orgs/:id"], &[]).find_target("/orgs/org_foo"), Some(SyncTarget::OrganizationId("org_foo".into())));
        assert_eq!(m(&["/orgs/:id"], &[]).find_target("/orgs/org_foo/"), Some(SyncTarget::OrganizationId("org_foo".into())));
        assert_eq!(m(&["/orgs/:id/(.*)"], &[]).find_target("/orgs/org_foo/a/b"), Some(SyncTarget::OrganizationId("org_foo".into())));
        assert_eq!(m(&["/unknown-thing/:any/orgs/:id"], &[]).find_target("/unknown-thing/x/orgs/org_1"), Some(SyncTarget::OrganizationId("org_1".into())));
        assert_eq!(m(&["/orgs/:slug"], &[]).find_target("/orgs/my-org"), Some(SyncTarget::OrganizationSlug("my-org".into())));
        assert_eq!(m(&["/orgs/:id", "/orgs/:slug"], &[]).find_target("/orgs/my-org"), Some(SyncTarget::OrganizationId("my-org".into())));
        assert_eq!(m(&["/orgs/:slug"], &["/", "/(.*)"]).find_target("/orgs/my-org"), Some(SyncTarget::OrganizationSlug("my-org".into())));
        assert_eq!(m(&[], &["/user/:any", "/user/:any/(.*)"]).find_target("/user/123/home"), Some(SyncTarget::PersonalAccount));
        assert_eq!(m(&["/orgs/:id"], &[]).find_target("/ORGS/x"), Some(SyncTarget::OrganizationId("x".into())));
        assert_eq!(m(&["/orgs/:id"], &[]).find_target("/other"), None);
    }

    #[test]
    fn literal_prefix_skip_agrees_with_the_regex() {
        let patterns =
            ["/orgs/:slug", "/orgs/:slug/(.*)", "/ORGS/:id?", "/orgs/:id+", "/o.s/:id", "/a\\(b\\)/:id", "/:id", "(.*)", "/settings", "/kſ/:id", "/x{/:id}?", "/café/:id", "/o-k_s~/:id", ""];
        let paths = [
            "",
            "/",
            "/orgs",
            "/orgs/",
            "/orgs/acme",
            "/ORGS/acme/x",
            "/Orgs/a/b/c",
            "/org/acme",
            "/oRgS/acme",
            "/o.s/1",
            "/oxs/1",
            "/a(b)/1",
            "/settings",
            "/SETTINGS/",
            "/k\u{17f}/1",
            "/\u{212a}s/1",
            "/KS/1",
            "/x/1",
            "/x",
            "/café/1",
            "/CAFÉ/1",
            "/caf%C3%A9/1",
            "/o-k_s~/1",
            "/O-K_S~/1",
        ];
        for pat in patterns {
            let matcher = PathMatcher::new(&[pat.to_string()]).unwrap();
            let alt = &matcher.alternatives[0];
            for path in paths {
                let regex_only = alt.re.captures(path).map(|c| c.iter().skip(1).map(|g| g.map(|g| g.as_str().to_string())).collect::<Vec<_>>());
                let with_skip = matcher.match_path(path);
                assert_eq!(with_skip.is_some(), regex_only.is_some(), "{pat:?} {path:?} (prefix {:?})", alt.prefix);
            }
        }
        assert_eq!(PathMatcher::new(&["/orgs/:slug".into()]).unwrap().alternatives[0].prefix, "/orgs");
        assert_eq!(PathMatcher::new(&["/o.s/:id".into()]).unwrap().alternatives[0].prefix, "/o.s");
        assert_eq!(PathMatcher::new(&["/café/:id".into()]).unwrap().alternatives[0].prefix, "/caf");
    }

    #[test]
    fn invalid_patterns_fail() {
        for p in ["/orgs/:id/***", "/x/(", "/x/((a))", "/:"] {
            assert!(PathMatcher::new(&[p.to_string()]).is_err(), "{p}");
        }
    }
}
