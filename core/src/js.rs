//! JavaScript's `Number()`, `<` and `||` on JSON values, for the few places where the reference
//! compares a claim before anything checks its type (the unverified `iat` against
//! `__client_uat`, the `iat`s and `exp` of suffixed-cookie selection) and for the redirect
//! counter cookie. A Clerk token always carries numbers there; these rules decide what a token
//! with a string, `null` or array `iat` does, exactly as JavaScript would.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

/// A value after JavaScript's ToPrimitive: a number, a string, or `undefined` (absent).
enum Primitive<'a> {
    Number(f64),
    String(Cow<'a, str>),
    Undefined,
}

/// JavaScript's whitespace and line terminators (what `Number(" 1 ")` trims).
fn is_js_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}')
}

/// `Number(s)` for a string (StringToNumber): trimmed; empty is 0; `0x`/`0o`/`0b` integers;
/// `Infinity` with an optional sign; otherwise a decimal literal or NaN.
pub fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_whitespace);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(digits) = t.strip_prefix(prefix) {
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return f64::NAN;
            }
            return digits.chars().fold(0.0, |v, c| v * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0)));
        }
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if unsigned == "Infinity" {
        return if t.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    // Without letters other than the exponent's, Rust's float grammar is JavaScript's decimal
    // literal (no `inf`/`nan` spellings, no `_`, no hex floats).
    if unsigned.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        t.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// `String(n)` for a number (Number::toString).
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let a = n.abs();
    if (1e-6..1e21).contains(&a) {
        return format!("{n}");
    }
    // Exponent form: Rust's shortest digits, with JavaScript's explicit `+` exponent sign.
    let e = format!("{n:e}");
    match e.split_once('e') {
        Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
        _ => e,
    }
}

/// `String(v)` of an array element (`null` joins as empty).
fn element_string(v: &Value, out: &mut String) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_to_string(n.as_f64().unwrap_or(f64::NAN))),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => join(a, out),
        Value::Object(_) => out.push_str("[object Object]"),
    }
}

/// `array.join(",")`.
fn join(a: &[Value], out: &mut String) {
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        element_string(v, out);
    }
}

fn to_primitive(v: Option<&Value>) -> Primitive<'_> {
    match v {
        None => Primitive::Undefined,
        Some(Value::Null) => Primitive::Number(0.0),
        Some(Value::Bool(b)) => Primitive::Number(f64::from(u8::from(*b))),
        Some(Value::Number(n)) => Primitive::Number(n.as_f64().unwrap_or(f64::NAN)),
        Some(Value::String(s)) => Primitive::String(Cow::Borrowed(s)),
        Some(Value::Array(a)) => {
            let mut s = String::new();
            join(a, &mut s);
            Primitive::String(Cow::Owned(s))
        }
        Some(Value::Object(_)) => Primitive::String(Cow::Borrowed("[object Object]")),
    }
}

fn primitive_number(p: &Primitive) -> f64 {
    match p {
        Primitive::Number(n) => *n,
        Primitive::String(s) => string_to_number(s),
        Primitive::Undefined => f64::NAN,
    }
}

/// `Number(v)` (absent is `undefined`: NaN).
pub fn to_number(v: Option<&Value>) -> f64 {
    primitive_number(&to_primitive(v))
}

/// `a < b`: two strings compare by UTF-16 code units, anything else as numbers (false when
/// either is NaN).
pub fn less_than(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (to_primitive(a), to_primitive(b)) {
        (Primitive::String(x), Primitive::String(y)) => x.encode_utf16().cmp(y.encode_utf16()) == Ordering::Less,
        (x, y) => primitive_number(&x) < primitive_number(&y),
    }
}

/// `v || 0`: a falsy value (absent, `null`, `false`, `0`, `""`) becomes 0.
pub fn or_zero(v: Option<Value>) -> Value {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Value::from(0),
        Some(Value::String(s)) if s.is_empty() => Value::from(0),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Value::from(0),
        Some(v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn number_of_strings_like_javascript() {
        for (s, n) in [
            ("12", 12.0),
            (" 12\n", 12.0),
            ("", 0.0),
            ("  ", 0.0),
            ("0x10", 16.0),
            ("0b11", 3.0),
            ("0o7", 7.0),
            ("1e3", 1000.0),
            ("1.", 1.0),
            (".5", 0.5),
            ("+3", 3.0),
            ("-2.5", -2.5),
            ("\u{feff}4", 4.0),
        ] {
            assert_eq!(string_to_number(s), n, "{s:?}");
        }
        assert_eq!(string_to_number("-Infinity"), f64::NEG_INFINITY);
        for s in ["abc", "12abc", "inf", "nan", "NaN", "infinity", "1_000", "0x", "-0x10", ".", "1e", "e5", "1.2.3", "\u{85}1"] {
            assert!(string_to_number(s).is_nan(), "{s:?}");
        }
    }

    #[test]
    fn comparisons_like_javascript() {
        let lt = |a: Value, b: Value| less_than(Some(&a), Some(&b));
        assert!(lt(json!("1767225599"), json!(1767225600)), "a numeric string compares as a number");
        assert!(lt(json!(null), json!(5)) && !lt(json!(null), json!(0)), "null is 0");
        assert!(lt(json!([]), json!(1)) && lt(json!([4]), json!(5)) && !lt(json!([4, 5]), json!(9)), "arrays join, then convert");
        assert!(lt(json!("10"), json!("9")), "two strings compare as strings");
        assert!(lt(json!([10]), json!("9")), "[10] is the string \"10\"");
        assert!(!lt(json!("abc"), json!(1)) && !lt(json!(1), json!("abc")), "NaN is never less");
        assert!(!lt(json!({"a": 1}), json!(1)));
        assert!(!less_than(None, Some(&json!(1))), "undefined is NaN");
        assert!(lt(json!(true), json!(2)));
        assert_eq!(or_zero(Some(json!(""))), json!(0));
        assert_eq!(or_zero(Some(json!("0"))), json!("0"));
        assert_eq!(number_to_string(1e21), "1e+21");
        assert_eq!(number_to_string(1.5e-7), "1.5e-7");
        assert_eq!(number_to_string(1767225600.0), "1767225600");
        assert_eq!(number_to_string(0.1), "0.1");
        assert_eq!((number_to_string(f64::INFINITY), number_to_string(3.5), number_to_string(-0.0)), ("Infinity".into(), "3.5".into(), "0".into()));
    }
}
