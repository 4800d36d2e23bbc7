//! The verified-token cache (`verifiedTokenCacheSize`, on by default): a token whose signature was
//! verified with a key is not decoded or verified again while that same key still resolves
//! for it. Only the signature check is remembered: header, category, `azp`/`aud` and every
//! time-based claim are checked on each request, against that request's clock and options.
//!
//! Keyed by the full token: entries are found by a seeded 64-bit hash of the token's tail
//! (its signature) and match only when the whole token is equal. Bounded: at most the
//! configured number of entries across 16 shards; a full shard first drops entries past
//! `exp`, then an arbitrary one.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use crate::jwks::RsaKey;
use crate::jwt::Jwt;

const SHARDS: usize = 16;
/// Bytes at the token's end (the signature) fed to the hash.
const HASHED_TAIL: usize = 48;

/// The map's keys are already seeded hashes: use them as they are.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

struct Entry {
    jwt: Arc<Jwt>,
    key: Arc<RsaKey>,
    /// `exp` in ms.
    exp_ms: f64,
}

type Shard = HashMap<u64, Entry, BuildHasherDefault<Prehashed>>;

/// A bounded, sharded map from token to its decoded form and the key that verified it.
pub(crate) struct TokenCache {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    seed: RandomState,
}

impl TokenCache {
    /// A cache holding at most `capacity` tokens (rounded up to a multiple of 16).
    pub fn new(capacity: usize) -> TokenCache {
        let per_shard = capacity.div_ceil(SHARDS).max(1);
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect();
        TokenCache { shards, per_shard, seed: RandomState::new() }
    }

    fn locate(&self, token: &str) -> (u64, std::sync::MutexGuard<'_, Shard>) {
        let b = token.as_bytes();
        let mut h = self.seed.build_hasher();
        h.write(&b[b.len().saturating_sub(HASHED_TAIL)..]);
        h.write_usize(b.len());
        let hash = h.finish();
        let shard = self.shards[(hash >> 60) as usize % SHARDS].lock().unwrap_or_else(|p| p.into_inner());
        (hash, shard)
    }

    /// The decoded token, if it is cached.
    pub fn decoded(&self, token: &str) -> Option<Arc<Jwt>> {
        let (hash, shard) = self.locate(token);
        shard.get(&hash).filter(|e| e.jwt.raw() == token).map(|e| e.jwt.clone())
    }

    /// True when `jwt`'s signature was verified with exactly this key object.
    pub fn verified_with(&self, jwt: &Jwt, key: &Arc<RsaKey>) -> bool {
        let (hash, shard) = self.locate(jwt.raw());
        shard.get(&hash).is_some_and(|e| Arc::ptr_eq(&e.key, key) && e.jwt.raw() == jwt.raw())
    }

    /// Remembers that `jwt`'s signature verified with `key`. Tokens already past `exp` at
    /// `now_ms` are not kept.
    pub fn insert(&self, jwt: &Arc<Jwt>, key: &Arc<RsaKey>, now_ms: f64) {
        let Some(exp_ms) = jwt.payload.num(crate::claims::claim::EXP).map(|e| e * 1000.0).filter(|e| *e > now_ms) else {
            return;
        };
        let (hash, mut shard) = self.locate(jwt.raw());
        if shard.len() >= self.per_shard && !shard.contains_key(&hash) {
            shard.retain(|_, e| e.exp_ms > now_ms);
            if let Some(victim) = shard.keys().next().copied().filter(|_| shard.len() >= self.per_shard) {
                shard.remove(&victim);
            }
        }
        shard.insert(hash, Entry { jwt: jwt.clone(), key: key.clone(), exp_ms });
    }

    /// Number of tokens held.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().map(|m| m.len()).unwrap_or(0)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devinstance::DevInstance;
    use serde_json::json;

    fn key(pem: &str) -> Arc<RsaKey> {
        Arc::new(RsaKey::from_pem(pem).unwrap())
    }

    #[test]
    fn bounded_and_keyed_by_key_object() {
        let dev = DevInstance::generate("cache-1.clerk.accounts.dev");
        let (k1, k2) = (key(&dev.jwt_key), key(&dev.jwt_key));
        let cache = TokenCache::new(32);
        let now = 1_000_000_000_000.0;
        let jwt = |i: i64, exp: i64| Arc::new(Jwt::decode(&dev.sign(Default::default(), &json!({"sub": format!("user_{i}"), "exp": exp}))).unwrap());
        let first = jwt(0, 2_000_000_000);
        cache.insert(&first, &k1, now);
        assert!(cache.verified_with(&first, &k1));
        assert!(!cache.verified_with(&first, &k2), "same PEM, different key object: verify again");
        assert!(cache.decoded(first.raw()).is_some());
        // Expired tokens are not kept.
        let old = jwt(1, 900_000_000);
        cache.insert(&old, &k1, now);
        assert!(cache.decoded(old.raw()).is_none());
        // Never more than the capacity.
        for i in 2..500 {
            cache.insert(&jwt(i, 2_000_000_000), &k1, now);
        }
        assert!(cache.len() <= 32, "{}", cache.len());
    }
}
