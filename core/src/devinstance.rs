//! A local development instance: its own RSA key, publishable and secret keys, and session
//! tokens minted for it. Used by the demo, tests and benchmarks; never contacts Clerk.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Map, Value};

/// A development instance with a signing key.
pub struct DevInstance {
    key: KeyPair,
    /// Key id.
    pub kid: String,
    /// `pk_test_…` for `<host>`.
    pub publishable_key: String,
    /// `sk_test_…`.
    pub secret_key: String,
    /// The Frontend API host encoded in the publishable key.
    pub frontend_api: String,
    /// PEM public key (`jwtKey`).
    pub jwt_key: String,
}

fn random_id(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

impl DevInstance {
    /// Generates a fresh RSA-2048 key and keys for the Frontend API host `frontend_api`
    /// (e.g. `demo-app-42.clerk.accounts.dev`).
    pub fn generate(frontend_api: &str) -> DevInstance {
        let key = KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let spki = key.public_key().as_der().expect("SPKI encoding");
        let b64 = STANDARD.encode(spki.as_ref());
        let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
        DevInstance {
            kid: format!("ins_{}", random_id(27)),
            publishable_key: format!("pk_test_{}", STANDARD.encode(format!("{frontend_api}$"))),
            secret_key: format!("sk_test_{}", random_id(40)),
            frontend_api: frontend_api.to_string(),
            jwt_key: format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", lines.join("\n")),
            key,
        }
    }

    /// The JWKS document the Backend API would serve for this instance.
    pub fn jwks(&self) -> Value {
        let pk = self.key.public_key();
        json!({"keys": [{
            "use": "sig", "kty": "RSA", "kid": self.kid, "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(pk.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(pk.exponent().big_endian_without_leading_zero()),
        }]})
    }

    /// Signs a JWT with `header` fields (alg RS256, kid and typ added unless given) and claims.
    pub fn sign(&self, header: Map<String, Value>, claims: &Value) -> String {
        let mut h = Map::new();
        h.insert("alg".into(), Value::from("RS256"));
        h.insert("kid".into(), Value::from(self.kid.as_str()));
        h.insert("typ".into(), Value::from("JWT"));
        h.extend(header);
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(Value::Object(h).to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig).expect("RSA signing");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// A session token for `user_id`/`session_id` issued at `iat` (seconds) valid 60 s, with
    /// extra claims merged in (e.g. a v2 `o` organization claim).
    pub fn session_token(&self, user_id: &str, session_id: &str, iat: i64, azp: &str, extra: Value) -> String {
        let mut claims = json!({
            "azp": azp, "exp": iat + 60, "fva": [0, -1], "iat": iat, "iss": format!("https://{}", self.frontend_api),
            "jti": random_id(20), "nbf": iat - 5, "sid": session_id, "sts": "active", "sub": user_id, "v": 2,
        });
        if let (Some(c), Value::Object(e)) = (claims.as_object_mut(), extra) {
            c.extend(e);
        }
        self.sign(Map::new(), &claims)
    }
}
