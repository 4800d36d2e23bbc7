//! Organization-sync patterns (path-to-regexp 6 syntax compiled to regexes) and matching.
//!
//! Input: newline-separated lines; the first is the path to match, each further line a
//! pattern (a leading `~` puts it in the personal-account list). At most 4 patterns: one
//! short pattern such as `/:a(\w{300})` already takes ~0.1 s to compile (the regex crate's
//! default 10 MB size limit bounds it), and each input compiles its patterns twice.
//! Invalid patterns are fine (an error); panics, hangs and huge compilations are not.
#![no_main]

use clerkauth::org_sync::{OrganizationMatcher, PathMatcher, SyncTarget};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let path = lines.next().unwrap_or("");
    let (mut org, mut personal) = (Vec::new(), Vec::new());
    for line in lines.take(4) {
        match line.strip_prefix('~') {
            Some(p) => personal.push(p.to_string()),
            None => org.push(line.to_string()),
        }
    }

    if let Ok(m) = PathMatcher::new(&org) {
        if let Some(params) = m.match_path(path) {
            // Every captured value is a slice of the path.
            for (_, v) in &params {
                assert!(path.contains(v.as_str()), "param {v:?} not in path {path:?}");
            }
        }
    }

    let matcher = OrganizationMatcher::new(Some(&org), Some(&personal));
    if let Ok(m) = &matcher {
        match m.find_target(path) {
            Some(SyncTarget::OrganizationId(v)) | Some(SyncTarget::OrganizationSlug(v)) => {
                assert!(!v.is_empty() && path.contains(v.as_str()));
            }
            Some(SyncTarget::PersonalAccount) | None => {}
        }
        let _ = m.find_target("/");
    }
    // Absent lists match nothing.
    if let Ok(m) = OrganizationMatcher::new(None, None) {
        assert_eq!(m.find_target(path), None);
    }
});
