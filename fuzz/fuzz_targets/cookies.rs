//! `Cookie` header parsing and `Set-Cookie` directive extraction.
#![no_main]

use clerkauth::cookies::{decode_uri_component, directive_name, directive_value, Cookies};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 8] = ["__session", "__client_uat", "__clerk_db_jwt", "__refresh", "__clerk_handshake", "__clerk_redirect_url", "__clerk_synced", ""];

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    let cookies = Cookies::parse(Some(&header));
    for name in NAMES {
        let got = cookies.get(name);
        assert_eq!(cookies.non_empty(name), got.filter(|v| !v.is_empty()));
    }
    let mut seen = std::collections::HashSet::new();
    for (name, value) in cookies.iter() {
        // The header is split on `;` before decoding: a name never spans a separator.
        assert!(!name.contains(';'), "cookie name {name:?} contains ';'");
        // First occurrence wins: names are unique and `get` finds this very pair.
        assert!(seen.insert(name.to_string()), "duplicate cookie name {name:?}");
        assert_eq!(cookies.get(name), Some(value));
    }
    assert!(seen.len() <= header.split(';').count());
    assert!(Cookies::parse(None).iter().next().is_none());

    if let Some(decoded) = decode_uri_component(&header) {
        assert!(decoded.len() <= header.len());
        if !header.contains('%') {
            assert_eq!(decoded, header);
        }
    }

    let name = directive_name(&header);
    assert!(header.starts_with(name) && !name.contains('='));
    let value = directive_value(&header);
    assert!(!value.contains('=') && !value.contains(';'));
});
