//! Per-key rate limits: a token bucket per key id, in memory (each server process
//! limits what it serves). A request spends one token; tokens come back at a steady
//! rate up to the burst size. An empty bucket is answered 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tenantry_changeset::keys::KeyId;

/// Requests per second each key may make on average, and how many at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Tokens added per second; 0 turns limiting off.
    pub per_second: f64,
    /// The bucket's size: requests a key may make at once after a quiet spell.
    pub burst: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        // Generous for people and sync clients (a batch of 500 is one request).
        Self {
            per_second: 50.0,
            burst: 200.0,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug, Default)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<KeyId, Bucket>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Spends a token of `key`'s bucket at `now`, or says how long until one is back.
    pub fn check(&self, key: &KeyId, now: Instant) -> Result<(), Duration> {
        let RateLimit { per_second, burst } = self.limit;
        if per_second <= 0.0 {
            return Ok(());
        }
        let burst = burst.max(1.0);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: &str) -> KeyId {
        KeyId::parse(&byte.repeat(32)).expect("key id")
    }

    #[test]
    fn a_key_may_burst_then_waits_for_the_refill() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 2.0,
            burst: 3.0,
        });
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(&key("ab"), start).is_ok());
        }
        let wait = limiter.check(&key("ab"), start).expect_err("empty");
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        // Another key has its own bucket.
        assert!(limiter.check(&key("cd"), start).is_ok());
        // Half a second later one token is back, and only one.
        let later = start + Duration::from_millis(500);
        assert!(limiter.check(&key("ab"), later).is_ok());
        assert!(limiter.check(&key("ab"), later).is_err());
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 0.0,
            burst: 0.0,
        });
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(limiter.check(&key("ab"), now).is_ok());
        }
    }
}
