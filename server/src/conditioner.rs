//! Link conditioner: artificial latency, jitter and a bandwidth cap on a connection, so the
//! netcode can be tested, demonstrated and measured under a bad network on localhost.
//!
//! A [`DelayLine`] holds frames until they are due. The stream stays ordered, as on a real TCP
//! connection: a frame is never released before the one queued ahead of it, so jitter shows up
//! as frames bunching after a late one, which is exactly what WebSocket players experience.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// How to degrade a link. The default is a perfect link (nothing held back).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkConditions {
    /// Added round-trip time; half of it delays each direction.
    pub latency: Duration,
    /// The round trip varies by up to ± this much: each direction by up to ± half of it,
    /// uniformly, per frame.
    pub jitter: Duration,
    /// Cap on server→client bits per second (0 = no cap).
    pub bandwidth_bps: u64,
    /// Share of datagrams lost, each way, in percent (WebTransport only: a stream cannot lose).
    pub datagram_loss_percent: u8,
}

impl LinkConditions {
    /// Whether anything is held back at all.
    pub fn is_perfect(&self) -> bool {
        self.latency.is_zero() && self.jitter.is_zero() && self.bandwidth_bps == 0 && self.datagram_loss_percent == 0
    }

    /// The delay line for server→client frames.
    pub fn downstream<T>(&self, seed: u64) -> DelayLine<T> {
        DelayLine::new(self.latency / 2, self.jitter / 2, self.bandwidth_bps, seed)
    }

    /// The delay line for client→server messages (no bandwidth cap: inputs are tiny).
    pub fn upstream<T>(&self, seed: u64) -> DelayLine<T> {
        DelayLine::new(self.latency / 2, self.jitter / 2, 0, seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// What loses datagrams on this link, for one direction of one connection.
    pub fn datagram_loss(&self, seed: u64) -> Loss {
        Loss { percent: self.datagram_loss_percent.min(100), rng: seed | 1 }
    }
}

/// Drops a share of datagrams, uniformly at random (xorshift: repeatable per seed).
#[derive(Clone, Copy, Debug)]
pub struct Loss {
    percent: u8,
    rng: u64,
}

impl Loss {
    /// No loss.
    pub const NONE: Loss = Loss { percent: 0, rng: 1 };

    /// Whether the next datagram is lost.
    pub fn drops(&mut self) -> bool {
        if self.percent == 0 {
            return false;
        }
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % 100 < u64::from(self.percent)
    }
}

/// Items waiting for their release time, in order.
#[derive(Debug)]
pub struct DelayLine<T> {
    base: Duration,
    jitter: Duration,
    bandwidth_bps: u64,
    queue: VecDeque<(Instant, T)>,
    /// Release time of the newest item: nothing may overtake it.
    last_release: Option<Instant>,
    /// When the simulated link finishes sending what it already holds (bandwidth cap).
    link_free_at: Option<Instant>,
    rng: u64,
}

impl<T> DelayLine<T> {
    /// A line adding `base` ± `jitter` to each item, and serialisation time at `bandwidth_bps`.
    pub fn new(base: Duration, jitter: Duration, bandwidth_bps: u64, seed: u64) -> Self {
        Self { base, jitter, bandwidth_bps, queue: VecDeque::new(), last_release: None, link_free_at: None, rng: seed | 1 }
    }

    /// Whether the line holds nothing back, so callers may skip it.
    pub fn is_passthrough(&self) -> bool {
        self.base.is_zero() && self.jitter.is_zero() && self.bandwidth_bps == 0
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queues `item` of `bytes` bytes, sent at `now`.
    pub fn push(&mut self, now: Instant, item: T, bytes: usize) {
        let mut release = now + self.base;
        if !self.jitter.is_zero() {
            let spread = self.jitter.as_secs_f64() * (2.0 * self.next_unit() - 1.0);
            release = if spread >= 0.0 {
                release + Duration::from_secs_f64(spread)
            } else {
                release.checked_sub(Duration::from_secs_f64(-spread)).unwrap_or(now).max(now)
            };
        }
        if self.bandwidth_bps > 0 {
            let start = self.link_free_at.map_or(now, |free| free.max(now));
            let sending = Duration::from_secs_f64(bytes as f64 * 8.0 / self.bandwidth_bps as f64);
            let done = start + sending;
            self.link_free_at = Some(done);
            release = release.max(done + self.base);
        }
        if let Some(last) = self.last_release {
            release = release.max(last);
        }
        self.last_release = Some(release);
        self.queue.push_back((release, item));
    }

    /// When the oldest item is due, if any.
    pub fn next_due(&self) -> Option<Instant> {
        self.queue.front().map(|(at, _)| *at)
    }

    /// The oldest item if it is due at `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<T> {
        match self.queue.front() {
            Some((at, _)) if *at <= now => self.queue.pop_front().map(|(_, item)| item),
            _ => None,
        }
    }

    /// Uniform in [0, 1): xorshift64*, plenty for simulated jitter.
    fn next_unit(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn latency_and_jitter_stay_in_bounds_and_order_is_kept() {
        let now = Instant::now();
        let mut line = DelayLine::new(75 * MS, 15 * MS, 0, 7);
        let mut previous = now;
        let mut earliest = Duration::MAX;
        let mut latest = Duration::ZERO;
        for i in 0..1000u32 {
            let sent = now + i * 33 * MS;
            line.push(sent, i, 20);
            let (due, item) = *line.queue.back().unwrap();
            assert_eq!(item, i);
            assert!(due >= previous, "frame {i} overtook the one before it");
            previous = due;
            earliest = earliest.min(due - sent);
            latest = latest.max(due - sent);
        }
        assert!(earliest >= 60 * MS && earliest < 62 * MS, "earliest {earliest:?}");
        assert!(latest >= 88 * MS && latest <= 91 * MS, "latest {latest:?}");
    }

    #[test]
    fn items_come_out_only_when_due() {
        let now = Instant::now();
        let mut line = DelayLine::new(50 * MS, Duration::ZERO, 0, 1);
        line.push(now, "a", 10);
        assert_eq!(line.pop_due(now + 49 * MS), None);
        assert_eq!(line.pop_due(now + 50 * MS), Some("a"));
        assert!(line.is_empty());
    }

    #[test]
    fn bandwidth_cap_spaces_frames_by_their_size() {
        let now = Instant::now();
        // 80 kbit/s: a 1,000-byte frame takes 100 ms on the wire.
        let mut line = DelayLine::new(Duration::ZERO, Duration::ZERO, 80_000, 1);
        for i in 0..5 {
            line.push(now, i, 1000);
        }
        let dues: Vec<Duration> = line.queue.iter().map(|(at, _)| *at - now).collect();
        assert_eq!(dues, (1..=5).map(|i| i * 100 * MS).collect::<Vec<_>>());
    }

    #[test]
    fn a_perfect_link_is_a_passthrough() {
        assert!(LinkConditions::default().is_perfect());
        assert!(LinkConditions::default().downstream::<u8>(1).is_passthrough());
        let bad = LinkConditions { latency: 150 * MS, jitter: 30 * MS, bandwidth_bps: 0, datagram_loss_percent: 0 };
        assert!(!bad.downstream::<u8>(1).is_passthrough());
    }

    #[test]
    fn datagram_loss_drops_about_its_share_and_none_by_default() {
        let mut none = LinkConditions::default().datagram_loss(7);
        assert!((0..1000).all(|_| !none.drops()));
        let mut five = LinkConditions { datagram_loss_percent: 5, ..LinkConditions::default() }.datagram_loss(7);
        let dropped = (0..20_000).filter(|_| five.drops()).count();
        assert!((800..1200).contains(&dropped), "{dropped} of 20000");
        assert!(!LinkConditions { datagram_loss_percent: 5, ..LinkConditions::default() }.is_perfect());
    }
}
