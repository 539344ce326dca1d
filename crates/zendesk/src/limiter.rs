//! A token bucket, so a sync stays under Zendesk's per-minute limits instead of running into
//! 429s.

use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Lets at most `limit` requests through in any 60-second window: it refills at 90% of the
/// limit and holds a burst of the remaining 10% (at least one), since a window can see a full
/// burst plus a minute of refill.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    tokens: f64,
    per_sec: f64,
    last: Instant,
}

impl Bucket {
    fn new(limit: u32, now: Instant) -> Self {
        let (capacity, per_sec) = if limit == 0 {
            (f64::INFINITY, f64::INFINITY)
        } else {
            let burst = (f64::from(limit) * 0.1).floor().max(1.0);
            let refill = (f64::from(limit) - burst).max(1.0);
            (burst, refill / 60.0)
        };
        Bucket {
            capacity,
            tokens: capacity,
            per_sec,
            last: now,
        }
    }

    /// Takes a token at `now`, or says how long until one is available.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        if self.capacity.is_infinite() {
            return Ok(());
        }
        let refill = now.saturating_duration_since(self.last).as_secs_f64() * self.per_sec;
        self.tokens = (self.tokens + refill).min(self.capacity);
        self.last = self.last.max(now);
        // The epsilon absorbs float rounding, which could otherwise ask for a wait of 0 ns
        // forever.
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            Ok(())
        } else {
            let wait = Duration::from_secs_f64((1.0 - self.tokens) / self.per_sec);
            Err(wait.max(Duration::from_micros(100)))
        }
    }
}

impl RateLimiter {
    /// A limiter for `limit` requests per minute (`0` means unlimited).
    pub fn per_minute(limit: u32) -> Self {
        RateLimiter {
            state: Mutex::new(Bucket::new(limit, Instant::now())),
        }
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) {
        loop {
            let wait = match self.state.lock().await.take(Instant::now()) {
                Ok(()) => return,
                Err(wait) => wait,
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends as fast as the bucket allows for `minutes` of simulated time; the send times.
    fn simulate(limit: u32, minutes: u64) -> Vec<Duration> {
        let start = Instant::now();
        let mut bucket = Bucket::new(limit, start);
        let mut now = start;
        let mut sent = Vec::new();
        while now < start + Duration::from_secs(60 * minutes) {
            match bucket.take(now) {
                Ok(()) => sent.push(now - start),
                Err(wait) => now += wait,
            }
        }
        sent
    }

    #[test]
    fn no_minute_sees_more_than_the_limit() {
        for limit in [10, 400] {
            let sent = simulate(limit, 5);
            for (i, t) in sent.iter().enumerate() {
                let in_window = sent[i..]
                    .iter()
                    .take_while(|u| **u < *t + Duration::from_secs(60))
                    .count();
                assert!(
                    in_window <= limit as usize,
                    "{in_window} within a minute of {t:?} (limit {limit})"
                );
            }
            // …while still using most of it.
            assert!(
                sent.len() as u32 >= limit * 5 * 8 / 10,
                "{} sent in 5 min at {limit}/min",
                sent.len()
            );
        }
    }

    #[tokio::test]
    async fn zero_means_unlimited() {
        let limiter = RateLimiter::per_minute(0);
        let start = Instant::now();
        for _ in 0..10_000 {
            limiter.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}
