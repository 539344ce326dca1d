//! An in-memory cache of rendered JSON responses for the hot read endpoints (the cluster list
//! and the summary, which the dashboard polls), served stale-while-revalidate:
//!
//! - an entry younger than the TTL (`API_CACHE_SECS`) is served as is;
//! - an older one, up to the staleness bound (`API_CACHE_MAX_STALE_SECS`), is still served at
//!   once, and one background task per key (single flight) recomputes it — so a request never
//!   waits for the aggregation while the entry is being refreshed;
//! - with no entry, or one past the bound, the request computes it, and concurrent requests
//!   for the same key wait for that one computation instead of each running it.
//!
//! Every write through this API empties the cache (and bumps a generation, so a refresh that
//! started before the write never stores its pre-write answer): a PM sees their own edit at
//! once. Writes by the other services (new issues, recomputed statistics) show up within the
//! TTL, plus the refresh's own duration.

use bytes::Bytes;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries kept before the cache is emptied (bounds memory when clients vary the query).
const MAX_ENTRIES: usize = 1_000;

struct Slot {
    /// When the body was computed, and the body.
    value: Option<(Instant, Bytes)>,
    /// A background refresh is running.
    refreshing: bool,
    /// Held while a request computes the value on its own path (single flight).
    compute: Arc<tokio::sync::Mutex<()>>,
}

impl Slot {
    fn empty() -> Self {
        Slot {
            value: None,
            refreshing: false,
            compute: Arc::new(tokio::sync::Mutex::new(())),
        }
    }
}

/// The response cache; see the module documentation.
pub struct ResponseCache {
    ttl: Duration,
    max_stale: Duration,
    generation: AtomicU64,
    slots: Mutex<HashMap<String, Slot>>,
}

/// How a body was found, for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    Fresh,
    /// Older than the TTL; a refresh was started (or was already running).
    Stale,
    /// Computed by this request (or by the one it waited for).
    Computed,
}

impl ResponseCache {
    /// A cache whose entries are fresh for `ttl` and served stale for up to `max_stale` (counted
    /// from when they were computed) while they refresh; a zero TTL caches nothing.
    pub fn new(ttl: Duration, max_stale: Duration) -> Self {
        ResponseCache {
            ttl,
            max_stale: max_stale.max(ttl),
            generation: AtomicU64::new(0),
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // A panic while holding the lock leaves plain data behind; keep using it.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `body` computed at `at` under `key`, unless the cache was emptied since the
    /// computation started (`generation`).
    fn store(&self, key: &str, generation: u64, at: Instant, body: Bytes) {
        let mut slots = self.lock();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if !slots.contains_key(key) && slots.len() >= MAX_ENTRIES {
            slots.retain(|_, s| {
                s.refreshing
                    || s.value
                        .as_ref()
                        .is_some_and(|(t, _)| t.elapsed() < self.max_stale)
            });
            if slots.len() >= MAX_ENTRIES {
                slots.clear();
            }
        }
        let slot = slots.entry(key.to_string()).or_insert_with(Slot::empty);
        slot.value = Some((at, body));
    }

    /// The body under `key`: from the cache when it is fresh or boundedly stale (starting a
    /// background refresh for a stale one), else computed now by `compute` — by one request at
    /// a time per key. `compute` is also what the background refresh runs.
    pub async fn get_or_compute<F, Fut, E>(
        self: &Arc<Self>,
        key: &str,
        compute: F,
    ) -> Result<(Bytes, Served), E>
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<Bytes, E>> + 'static,
        E: std::fmt::Display + 'static,
    {
        if self.ttl.is_zero() {
            return compute().await.map(|b| (b, Served::Computed));
        }
        let compute_lock = {
            let mut slots = self.lock();
            let slot = slots.entry(key.to_string()).or_insert_with(Slot::empty);
            match &slot.value {
                Some((at, body)) if at.elapsed() < self.ttl => {
                    return Ok((body.clone(), Served::Fresh));
                }
                Some((at, body)) if at.elapsed() < self.max_stale => {
                    let body = body.clone();
                    if !slot.refreshing {
                        slot.refreshing = true;
                        self.spawn_refresh(key.to_string(), compute);
                    }
                    return Ok((body, Served::Stale));
                }
                _ => slot.compute.clone(),
            }
        };
        let _computing = compute_lock.lock().await;
        // Whoever held the lock before us may have just stored a fresh value.
        if let Some(body) = self.fresh(key) {
            return Ok((body, Served::Computed));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let started = Instant::now();
        let body = compute().await?;
        self.store(key, generation, started, body.clone());
        Ok((body, Served::Computed))
    }

    fn fresh(&self, key: &str) -> Option<Bytes> {
        let slots = self.lock();
        let (at, body) = slots.get(key)?.value.as_ref()?;
        (at.elapsed() < self.ttl).then(|| body.clone())
    }

    /// Recomputes `key` in the background; a failure keeps serving the stale value (until the
    /// staleness bound, after which requests compute it themselves and see the error).
    fn spawn_refresh<F, Fut, E>(self: &Arc<Self>, key: String, compute: F)
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<Bytes, E>> + 'static,
        E: std::fmt::Display + 'static,
    {
        let cache = Arc::clone(self);
        // Taken now, not when the task first runs: a clear in between must void this refresh.
        let generation = self.generation.load(Ordering::SeqCst);
        // The worker's own (single-threaded) runtime: the database futures need not be Send.
        actix_web::rt::spawn(async move {
            let started = Instant::now();
            match compute().await {
                Ok(body) => cache.store(&key, generation, started, body),
                Err(e) => {
                    tracing::warn!(%key, error = %e, "cache refresh failed; serving the stale answer")
                }
            }
            if let Some(slot) = cache.lock().get_mut(&key) {
                slot.refreshing = false;
            }
        });
    }

    /// Forgets everything (after a write); refreshes already running will not store their
    /// answers.
    pub fn clear(&self) {
        let mut slots = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        // Keep the slots (their single-flight locks and refresh flags), drop the values.
        for slot in slots.values_mut() {
            slot.value = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    fn counter_compute(
        calls: Rc<Cell<u32>>,
    ) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<Bytes, String>>>> {
        move || {
            let calls = calls.clone();
            Box::pin(async move {
                calls.set(calls.get() + 1);
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(Bytes::from(calls.get().to_string()))
            })
        }
    }

    #[actix_web::test]
    async fn fresh_entries_are_reused_and_stale_ones_served_while_one_refresh_runs() {
        let cache = Arc::new(ResponseCache::new(
            Duration::from_millis(100),
            Duration::from_secs(60),
        ));
        let calls = Rc::new(Cell::new(0));
        let (body, how) = cache
            .get_or_compute("k", counter_compute(calls.clone()))
            .await
            .unwrap();
        assert_eq!((&body[..], how), (&b"1"[..], Served::Computed));
        let (body, how) = cache
            .get_or_compute("k", counter_compute(calls.clone()))
            .await
            .unwrap();
        assert_eq!((&body[..], how), (&b"1"[..], Served::Fresh));
        tokio::time::sleep(Duration::from_millis(120)).await;
        // Stale: served at once, three times, with a single background refresh.
        for _ in 0..3 {
            let (body, how) = cache
                .get_or_compute("k", counter_compute(calls.clone()))
                .await
                .unwrap();
            assert_eq!((&body[..], how), (&b"1"[..], Served::Stale));
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(calls.get(), 2, "one refresh for three stale reads");
        let (body, how) = cache
            .get_or_compute("k", counter_compute(calls.clone()))
            .await
            .unwrap();
        assert_eq!((&body[..], how), (&b"2"[..], Served::Fresh));
    }

    #[actix_web::test]
    async fn concurrent_misses_compute_once() {
        let cache = Arc::new(ResponseCache::new(
            Duration::from_secs(60),
            Duration::from_secs(60),
        ));
        let calls = Rc::new(Cell::new(0));
        let a = cache.get_or_compute("k", counter_compute(calls.clone()));
        let b = cache.get_or_compute("k", counter_compute(calls.clone()));
        let (a, b) = futures::join!(a, b);
        assert_eq!(a.unwrap().0, b.unwrap().0);
        assert_eq!(calls.get(), 1);
    }

    #[actix_web::test]
    async fn a_clear_drops_values_and_the_answer_of_a_refresh_started_before_it() {
        let cache = Arc::new(ResponseCache::new(
            Duration::from_millis(50),
            Duration::from_secs(60),
        ));
        let calls = Rc::new(Cell::new(0));
        cache
            .get_or_compute("k", counter_compute(calls.clone()))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        let (_, how) = cache
            .get_or_compute("k", counter_compute(calls.clone()))
            .await
            .unwrap();
        assert_eq!(how, Served::Stale, "a refresh is now running");
        cache.clear();
        tokio::time::sleep(Duration::from_millis(40)).await;
        // The refresh (call 2) finished after the clear and was not stored: this read computes.
        let (body, how) = cache
            .get_or_compute("k", counter_compute(calls.clone()))
            .await
            .unwrap();
        assert_eq!((&body[..], how), (&b"3"[..], Served::Computed));
    }

    #[actix_web::test]
    async fn past_the_staleness_bound_or_with_ttl_zero_the_request_computes() {
        let cache = Arc::new(ResponseCache::new(
            Duration::from_millis(10),
            Duration::from_millis(30),
        ));
        let calls = Rc::new(Cell::new(0));
        cache
            .get_or_compute("k", counter_compute(calls.clone()))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
        let (_, how) = cache
            .get_or_compute("k", counter_compute(calls.clone()))
            .await
            .unwrap();
        assert_eq!(how, Served::Computed);
        let off = Arc::new(ResponseCache::new(Duration::ZERO, Duration::ZERO));
        for _ in 0..2 {
            let (_, how) = off
                .get_or_compute("k", counter_compute(calls.clone()))
                .await
                .unwrap();
            assert_eq!(how, Served::Computed);
        }
    }
}
