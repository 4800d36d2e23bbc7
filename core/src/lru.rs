//! A bounded map that evicts its least recently used entry when full.
//!
//! Every access stamps the entry with a fresh tick; the ticks are kept in order beside the
//! map, so a use and an eviction each cost O(log n).

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::Arc;

pub(crate) struct Lru<K, V> {
    capacity: usize,
    tick: u64,
    entries: HashMap<Arc<K>, (u64, V)>,
    /// Tick of each entry's last use → its key; the first is the least recently used.
    recency: BTreeMap<u64, Arc<K>>,
}

impl<K: Hash + Eq, V: Clone> Lru<K, V> {
    /// An empty map holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Lru { capacity: capacity.max(1), tick: 0, entries: HashMap::new(), recency: BTreeMap::new() }
    }

    /// The value for `key`, made by `make` (after evicting the least recently used entry when
    /// full) when absent; either way `key` becomes the most recently used.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> V {
        self.tick += 1;
        let tick = self.tick;
        if let Some((used, value)) = self.entries.get_mut(&key) {
            if let Some(k) = self.recency.remove(used) {
                self.recency.insert(tick, k);
            }
            *used = tick;
            return value.clone();
        }
        if self.entries.len() >= self.capacity {
            if let Some((_, oldest)) = self.recency.pop_first() {
                self.entries.remove(&oldest);
            }
        }
        let key = Arc::new(key);
        let value = make();
        self.recency.insert(tick, key.clone());
        self.entries.insert(key, (tick, value.clone()));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys `get_or_insert_with` had to make (i.e. that were not held), in order.
    fn made(lru: &mut Lru<&'static str, u32>, keys: &[&'static str]) -> Vec<&'static str> {
        let mut made = Vec::new();
        for &k in keys {
            lru.get_or_insert_with(k, || {
                made.push(k);
                0
            });
        }
        made
    }

    #[test]
    fn evicts_the_least_recently_used() {
        let mut lru = Lru::new(3);
        assert_eq!(made(&mut lru, &["a", "b", "c"]), ["a", "b", "c"]);
        // A use refreshes "a": "b" is now the least recently used and goes first.
        assert_eq!(made(&mut lru, &["a", "d"]), ["d"]);
        assert_eq!(made(&mut lru, &["a", "c", "d"]), Vec::<&str>::new(), "a, c, d are held");
        assert_eq!(made(&mut lru, &["b"]), ["b"], "b was evicted; adding it evicts a, the oldest use");
        assert_eq!(made(&mut lru, &["c", "d", "b"]), Vec::<&str>::new());
        assert_eq!(made(&mut lru, &["a"]), ["a"]);
        assert_eq!(lru.entries.len(), 3);
        assert_eq!(lru.recency.len(), 3);
    }

    #[test]
    fn values_are_kept_until_evicted() {
        let mut lru = Lru::new(2);
        assert_eq!(lru.get_or_insert_with("x", || 1), 1);
        assert_eq!(lru.get_or_insert_with("x", || 2), 1);
        lru.get_or_insert_with("y", || 3);
        lru.get_or_insert_with("z", || 4);
        assert_eq!(lru.get_or_insert_with("x", || 5), 5, "x was the least recently used");
    }
}
