//! A JWT's header or claims, decoded without building a map: the few fields the library reads
//! are kept as positions in the decoded JSON text (strings) or small values (numbers), every
//! other value is only validated, and the whole object is parsed into a map on first use
//! (`sessionClaims`, machine tokens, error paths).
//!
//! Validation is exactly `serde_json`'s: a text decodes here if and only if it parses as a JSON
//! object, and duplicate names resolve the same way (the last one wins).

use std::fmt;
use std::sync::OnceLock;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// Position of a member name in a layout, `None` when the member is not kept.
type NameIndex = fn(&str) -> Option<usize>;

/// A field position in a [`Layout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(usize);

/// The fields kept from one kind of object.
#[derive(Debug)]
pub struct Layout {
    /// Field count (nested fields included).
    len: usize,
    /// Position of a top-level name.
    index: NameIndex,
    /// The field whose object value is read one level deeper.
    nested: Option<Nested>,
}

/// A field read one level deeper.
#[derive(Debug)]
struct Nested {
    /// Its position and name.
    at: usize,
    name: &'static str,
    /// Position of a nested name, relative to `first`.
    index: NameIndex,
    /// The nested fields' first position and count.
    first: usize,
    count: usize,
}

/// Declares kept member names: a [`Key`] per name (positions from `$first` on), the list
/// `KEPT`, and `index` (a name's position relative to `$first`).
macro_rules! kept {
    ($first:expr; $($key:ident = $name:literal),+ $(,)?) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Position {
            $($key),+
        }
        $(#[doc = concat!("`", $name, "`")] pub const $key: Key = Key($first + Position::$key as usize);)+
        /// Every kept name with its key.
        pub const KEPT: &[(Key, &str)] = &[$(($key, $name)),+];
        pub(crate) fn index(n: &str) -> Option<usize> {
            match n {
                $($name => Some(Position::$key as usize),)+
                _ => None,
            }
        }
    };
}

/// JOSE header fields.
pub mod header {
    use super::{Key, Layout};
    kept!(0; ALG = "alg", KID = "kid", TYP = "typ", CAT = "cat");
    /// The header fields kept.
    pub static LAYOUT: Layout = Layout { len: KEPT.len(), index, nested: None };
}

/// Claims read by the library.
pub mod claim {
    use super::{Key, Layout, Nested};
    kept!(0;
        SUB = "sub", SID = "sid", AZP = "azp", ISS = "iss", STS = "sts", FEA = "fea", PLA = "pla", V = "v",
        EXP = "exp", NBF = "nbf", IAT = "iat", AUD = "aud", ACT = "act", FVA = "fva",
        ORG_ID = "org_id", ORG_ROLE = "org_role", ORG_SLUG = "org_slug", ORG_PERMISSIONS = "org_permissions", O = "o",
        SCOPES = "scopes", SCP = "scp", SCOPE = "scope",
    );

    /// Fields of the v2 organization claim `o` (kept when `o` is an object).
    pub mod o {
        use super::super::Key;
        kept!(super::KEPT.len(); ID = "id", ROL = "rol", SLG = "slg", PER = "per", FPM = "fpm");
    }

    /// The claims kept.
    pub static LAYOUT: Layout = Layout { len: KEPT.len() + o::KEPT.len(), index, nested: Some(Nested { at: O.0, name: "o", index: o::index, first: KEPT.len(), count: o::KEPT.len() }) };
}

/// A kept string: a span of the JSON text (no escapes, the usual case) or a copy.
#[derive(Debug, Clone)]
pub enum Text {
    /// Byte range of the JSON text.
    Span(usize, usize),
    /// The unescaped string.
    Owned(Box<str>),
}

/// A kept field value.
#[derive(Debug, Clone)]
pub enum Field {
    /// A string (read with [`Claims::str`]).
    Str(Text),
    /// A number.
    Num(Number),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object whose fields were read one level deeper (the layout's nested field).
    Object,
    /// Any other array or object.
    Other(Box<Value>),
}

/// A decoded header or claims object.
#[derive(Clone)]
pub struct Claims {
    json: String,
    layout: &'static Layout,
    fields: Vec<Option<Field>>,
    map: OnceLock<Map<String, Value>>,
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.json)
    }
}

impl PartialEq for Claims {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

impl Claims {
    /// Decodes a JSON object's text; `None` when it is not one.
    pub fn decode(json: String, layout: &'static Layout) -> Option<Claims> {
        // `resize_with` writes each `None` directly (`vec![None; n]` clones one n times).
        let mut fields = Vec::with_capacity(layout.len);
        fields.resize_with(layout.len, || None);
        let mut de = serde_json::Deserializer::from_str(&json);
        de.deserialize_map(ObjectVisitor { base: &json, layout, fields: &mut fields }).ok()?;
        de.end().ok()?;
        Some(Claims { json, layout, fields, map: OnceLock::new() })
    }

    /// Claims from a map (tests, tools): its JSON text, decoded.
    pub fn from_map(map: Map<String, Value>) -> Claims {
        let json = Value::Object(map).to_string();
        Claims::decode(json, &claim::LAYOUT).unwrap_or_else(|| Claims { json: "{}".into(), layout: &claim::LAYOUT, fields: vec![None; claim::LAYOUT.len], map: OnceLock::new() })
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// A kept field.
    pub fn field(&self, k: Key) -> Option<&Field> {
        self.fields.get(k.0).and_then(Option::as_ref)
    }

    /// A kept field when it is a string.
    pub fn str(&self, k: Key) -> Option<&str> {
        match self.field(k)? {
            Field::Str(Text::Span(a, b)) => self.json.get(*a..*b),
            Field::Str(Text::Owned(s)) => Some(s),
            _ => None,
        }
    }

    /// A kept field when it is a number.
    pub fn num(&self, k: Key) -> Option<f64> {
        match self.field(k)? {
            Field::Num(n) => n.as_f64(),
            _ => None,
        }
    }

    /// JavaScript truthiness of a kept field (absent is falsy).
    pub fn truthy(&self, k: Key) -> bool {
        match self.field(k) {
            None | Some(Field::Null) | Some(Field::Bool(false)) => false,
            Some(Field::Str(_)) => self.str(k).is_some_and(|s| !s.is_empty()),
            Some(Field::Num(n)) => n.as_f64().is_some_and(|f| f != 0.0),
            _ => true,
        }
    }

    /// A kept field as a JSON value.
    pub fn value(&self, k: Key) -> Option<Value> {
        Some(match self.field(k)? {
            Field::Str(_) => Value::from(self.str(k)?),
            Field::Num(n) => Value::Number(n.clone()),
            Field::Bool(b) => Value::Bool(*b),
            Field::Null => Value::Null,
            Field::Other(v) => Value::clone(v),
            Field::Object => self.get(self.layout.nested.as_ref()?.name)?.clone(),
        })
    }

    /// A kept field as JSON text (`undefined` when absent), for messages.
    pub fn js(&self, k: Key) -> String {
        self.value(k).map_or_else(|| "undefined".to_string(), |v| v.to_string())
    }

    /// Any field, from the whole object.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map().get(name)
    }

    /// The whole object, parsed on first use.
    pub fn map(&self) -> &Map<String, Value> {
        // The text decoded as an object, so it parses as one.
        self.map.get_or_init(|| serde_json::from_str(&self.json).unwrap_or_default())
    }
}

/// Reads an object's text once into owned values: those of `names` (the last duplicate wins)
/// and, with `rest`, every other member except `dropped`. Other values are only validated.
/// `None` when the text is not a JSON object.
pub fn pick_members<const N: usize>(json: &str, names: [&str; N], dropped: &[&str], rest: bool) -> Option<Picked<N>> {
    let mut de = serde_json::Deserializer::from_str(json);
    let picked = de.deserialize_map(Pick { names, dropped, rest }).ok()?;
    de.end().ok()?;
    Some(picked)
}

/// The values of the names asked for, and the other members kept.
pub type Picked<const N: usize> = ([Option<Value>; N], Map<String, Value>);

struct Pick<'n, const N: usize> {
    names: [&'n str; N],
    dropped: &'n [&'n str],
    rest: bool,
}

/// Where a member goes.
enum Member {
    Named(usize),
    Rest(String),
    Skipped,
}

impl<'de, const N: usize> Visitor<'de> for Pick<'_, N> {
    type Value = Picked<N>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut picked, mut rest) = (std::array::from_fn(|_| None), Map::new());
        while let Some(member) = map.next_key_seed(&self)? {
            match member {
                Member::Named(i) => picked[i] = Some(map.next_value()?),
                Member::Rest(k) => {
                    rest.insert(k, map.next_value()?);
                }
                Member::Skipped => map.next_value_seed(Skip)?,
            }
        }
        Ok((picked, rest))
    }
}

impl<'de, const N: usize> DeserializeSeed<'de> for &Pick<'_, N> {
    type Value = Member;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Member, D::Error> {
        d.deserialize_str(self)
    }
}

impl<const N: usize> Visitor<'_> for &Pick<'_, N> {
    type Value = Member;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E>(self, s: &str) -> Result<Member, E> {
        Ok(match self.names.iter().position(|n| *n == s) {
            Some(i) => Member::Named(i),
            None if self.rest && !self.dropped.contains(&s) => Member::Rest(s.to_string()),
            None => Member::Skipped,
        })
    }
}

/// Reads an object's members into `fields`; values of names outside the layout are validated
/// and dropped.
struct ObjectVisitor<'j, 'f> {
    base: &'j str,
    layout: &'static Layout,
    fields: &'f mut [Option<Field>],
}

impl<'de> Visitor<'de> for ObjectVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(i) = map.next_key_seed(KeySeed(self.layout.index))? {
            let Some(i) = i else {
                map.next_value_seed(Skip)?;
                continue;
            };
            match &self.layout.nested {
                Some(n) if n.at == i => {
                    let (own, nested) = self.fields.split_at_mut(n.first);
                    let nested = &mut nested[..n.count];
                    nested.fill(None);
                    let seed = FieldSeed { base: self.base, nested: Some((n.index, nested)) };
                    own[i] = Some(map.next_value_seed(seed)?);
                }
                _ => self.fields[i] = Some(map.next_value_seed(FieldSeed { base: self.base, nested: None })?),
            }
        }
        Ok(())
    }
}

/// A member name: its layout position, `None` when not kept.
struct KeySeed(NameIndex);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E>(self, s: &str) -> Result<Option<usize>, E> {
        Ok((self.0)(s))
    }
}

/// A kept value; an object is read into `nested` fields when given.
struct FieldSeed<'j, 'f> {
    base: &'j str,
    nested: Option<(NameIndex, &'f mut [Option<Field>])>,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_, '_> {
    type Value = Field;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_, '_> {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Field, E> {
        Ok(Field::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Field, E> {
        Ok(Field::Num(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Field, E> {
        Ok(Field::Num(n.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Field, E> {
        Number::from_f64(n).map(Field::Num).ok_or_else(|| E::custom("not a JSON number"))
    }
    fn visit_unit<E>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Field, E> {
        let start = (s.as_ptr() as usize).wrapping_sub(self.base.as_ptr() as usize);
        Ok(match self.base.get(start..start + s.len()) {
            Some(span) if std::ptr::eq(span.as_ptr(), s.as_ptr()) => Field::Str(Text::Span(start, start + s.len())),
            _ => Field::Str(Text::Owned(s.into())),
        })
    }
    fn visit_str<E>(self, s: &str) -> Result<Field, E> {
        Ok(Field::Str(Text::Owned(s.into())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(|v| Field::Other(Box::new(v)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
        let Some((index, fields)) = self.nested else {
            return Value::deserialize(MapAccessDeserializer::new(map)).map(|v| Field::Other(Box::new(v)));
        };
        while let Some(i) = map.next_key_seed(KeySeed(index))? {
            match i {
                Some(i) => fields[i] = Some(map.next_value_seed(FieldSeed { base: self.base, nested: None })?),
                None => map.next_value_seed(Skip)?,
            }
        }
        Ok(Field::Object)
    }
}

/// Validates a value the way parsing it into a `Value` would, keeping nothing.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<(), E> {
        n.is_finite().then_some(()).ok_or_else(|| E::custom("not a JSON number"))
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: &str) -> Option<Claims> {
        Claims::decode(json.to_string(), &claim::LAYOUT)
    }

    #[test]
    fn accepts_exactly_what_serde_json_accepts_as_an_object() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let cases = [
            "{}",
            " {\"sub\":\"u\"} ",
            "[]",
            "1",
            "\"s\"",
            "null",
            "{\"a\":1e400}",
            "{\"a\":-1e400}",
            "{\"sub\":1e400}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\ud800\\udc00\"}",
            "{\"a\":[1,{\"b\":[true,null]}]}",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{\"a\":1} x",
            "{\"o\":{\"id\":\"x\",\"z\":[1e999]}}",
            "{\"o\":{\"id\":\"x\",\"z\":[1]}}",
            "{\"\\u0073ub\":\"u\"}",
            "{\"a\":18446744073709551616}",
            "{\"a\":-0}",
            "{\"a\":01}",
            "{\"a\":tru}",
            &deep,
            "{\"a\":\"\u{1}\"}",
        ];
        for c in cases {
            let want = matches!(serde_json::from_str::<Value>(c), Ok(Value::Object(_)));
            assert_eq!(claims(c).is_some(), want, "{c}");
            if let Some(cl) = claims(c) {
                assert_eq!(Value::Object(cl.map().clone()), serde_json::from_str::<Value>(c).unwrap(), "{c}");
            }
        }
    }

    #[test]
    fn picked_members_agree_with_the_map() {
        let cases = [
            r#"{"jti":"a","sub":"mch_1","iss":"x","scopes":"s t","aud":["a"],"custom":{"k":[1,2]},"exp":1}"#,
            r#"{"sub":"one","sub":"two","j\u0074i":"escaped","x":1,"x":2,"iat":3}"#,
            r#"{}"#,
            r#"{"nbf":1,"exp":2}"#,
        ];
        for c in cases {
            let map: Map<String, Value> = serde_json::from_str(c).unwrap();
            let ([jti, sub], rest) = pick_members(c, ["jti", "sub"], &["iss", "exp", "nbf", "iat"], true).unwrap();
            assert_eq!((jti.as_ref(), sub.as_ref()), (map.get("jti"), map.get("sub")), "{c}");
            let mut want = map.clone();
            for k in ["jti", "sub", "iss", "exp", "nbf", "iat"] {
                want.remove(k);
            }
            assert_eq!(rest, want, "{c}");
            let (_, none) = pick_members(c, ["jti"], &[], false).unwrap();
            assert!(none.is_empty());
        }
        for bad in ["[]", "{\"a\":1,}", "{\"a\":1} x", "{\"a\":tru}"] {
            assert!(pick_members(bad, ["a"], &[], true).is_none(), "{bad}");
        }
    }

    #[test]
    fn kept_fields_agree_with_the_map() {
        let c = claims(
            r#"{"sub":"user_1","sub":"user_2","s\u0069d":"sess_\"1","exp":1.5e9,"v":2,"fva":[0,-1],"iss":null,
            "o":{"id":"org_1","rol":"admin","x":{}},"o":{"slg":"acme"},"aud":["a"],"act":{"sub":"x"},"azp":true}"#,
        )
        .unwrap();
        assert_eq!(c.str(claim::SUB), Some("user_2"), "the last duplicate wins");
        assert_eq!(c.str(claim::SID), Some("sess_\"1"));
        assert_eq!(c.num(claim::EXP), Some(1.5e9));
        assert_eq!(c.num(claim::V), Some(2.0));
        assert!(matches!(c.field(claim::O), Some(Field::Object)));
        assert_eq!(c.str(claim::o::ID), None, "a later `o` replaces the whole object");
        assert_eq!(c.str(claim::o::SLG), Some("acme"));
        assert!(!c.truthy(claim::ISS) && c.truthy(claim::AZP));
        for &(k, name) in claim::KEPT {
            assert_eq!(c.value(k).as_ref(), c.get(name), "{name}");
        }
        assert_eq!(c.js(claim::NBF), "undefined");
        assert_eq!(c.js(claim::V), "2");
        let o = claims(r#"{"o":"x"}"#).unwrap();
        assert_eq!(o.str(claim::O), Some("x"));
    }
}
