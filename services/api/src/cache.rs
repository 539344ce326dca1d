//! A small in-memory cache of rendered JSON responses for the hot read endpoints (the cluster
//! list and the summary, which the dashboard polls). Entries live for a short TTL; every write
//! through this API empties the cache, so a PM sees their own edit at once. Writes by the other
//! services (new issues, recomputed statistics) show up within the TTL.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept before the cache is emptied (bounds memory when clients vary the query).
const MAX_ENTRIES: usize = 1_000;

pub struct ResponseCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Bytes)>>,
}

impl ResponseCache {
    /// A cache whose entries live `ttl`; a zero TTL caches nothing.
    pub fn new(ttl: Duration) -> Self {
        ResponseCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The fresh body stored under `key`, if any.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().expect("cache lock");
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, body)| body.clone())
    }

    pub fn put(&self, key: String, body: Bytes) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), body));
    }

    /// Forgets everything (after a write).
    pub fn clear(&self) {
        self.entries.lock().expect("cache lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_clear() {
        let cache = ResponseCache::new(Duration::from_millis(50));
        cache.put("a".into(), Bytes::from_static(b"1"));
        assert_eq!(cache.get("a").as_deref(), Some(&b"1"[..]));
        cache.clear();
        assert!(cache.get("a").is_none());
        cache.put("a".into(), Bytes::from_static(b"1"));
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("a").is_none());
        let off = ResponseCache::new(Duration::ZERO);
        off.put("a".into(), Bytes::from_static(b"1"));
        assert!(off.get("a").is_none());
    }
}
