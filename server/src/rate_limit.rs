//! A token bucket per connection: every message from a client (inputs, pings, chat) costs one
//! token; tokens refill at a steady rate up to a burst size. An empty bucket means the client is
//! flooding, and the connection is closed.

use std::time::Duration;

use tokio::time::Instant;

/// Messages per second a client may send on average: 30 inputs (one per tick), one ping, and
/// room for chat, with 50% slack for frame-time jitter.
pub const MESSAGES_PER_SECOND: f64 = 50.0;
/// Messages a client may send at once: a browser tab resuming after a stall flushes a batch.
pub const BURST: f64 = 100.0;

/// Chat lines per second on average: 3 per 5 s.
pub const CHAT_PER_SECOND: f64 = 3.0 / 5.0;
/// Chat lines at once.
pub const CHAT_BURST: f64 = 3.0;

/// Token bucket state.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket refilling at `rate` per second up to `burst`.
    pub fn new(rate: f64, burst: f64, now: Instant) -> Self {
        Self { rate, burst, tokens: burst, last: now }
    }

    /// Takes one token at `now`; false if none is left.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).min(Duration::from_secs(60));
        self.last = now;
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_traffic_passes_and_a_flood_is_caught() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(MESSAGES_PER_SECOND, BURST, start);
        // A real client: 31 messages a second for a minute.
        for i in 0..31 * 60 {
            assert!(bucket.take(start + Duration::from_secs_f64(f64::from(i) / 31.0)), "message {i}");
        }
        // A flood: 1,000 messages in one instant.
        let now = start + Duration::from_secs(61);
        let passed = (0..1000).filter(|_| bucket.take(now)).count();
        assert!(passed <= BURST as usize + 1, "{passed}");
    }
}
