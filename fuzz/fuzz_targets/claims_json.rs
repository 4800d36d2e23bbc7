//! The JWT header/claims decoder against serde_json on arbitrary text: a text decodes if and only
//! if serde_json parses it as a JSON object, the whole object read back is serde_json's, and
//! every kept field agrees with it (duplicates, escapes, numbers, nesting).
#![no_main]

use clerkauth::claims::{claim, header, Claims};
use clerkauth_fuzz::assert_kept_fields_agree;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let want = serde_json::from_str::<Value>(text).ok();
    let want = want.as_ref().and_then(Value::as_object);
    let decode = |layout| Claims::decode(text.to_string(), layout);
    let (h, p) = (decode(&header::LAYOUT), decode(&claim::LAYOUT));
    assert_eq!(p.is_some(), want.is_some(), "{text:?}");
    assert_eq!(h.is_some(), want.is_some(), "{text:?}");
    if let (Some(h), Some(p)) = (h, p) {
        assert_eq!(Some(p.map()), want);
        assert_kept_fields_agree(&h, &p);
    }
});
