//! Recent tick durations of a room, for `tick_p99_ms` in `/api/status`.

use std::time::Duration;

/// Ticks remembered per room: 10 s at 30 Hz, so p99 reflects the present, not the whole uptime.
const RECENT_TICKS: usize = 300;

/// A ring of the most recent tick durations plus an overrun counter.
#[derive(Debug, Default)]
pub struct TickStats {
    recent: Vec<Duration>,
    next: usize,
    /// Ticks whose work ran past the next tick's deadline, since the room opened.
    pub overruns: u64,
    /// Ticks run since the room opened.
    pub ticks: u64,
}

impl TickStats {
    /// Records one tick's duration.
    pub fn record(&mut self, took: Duration) {
        self.ticks += 1;
        if self.recent.len() < RECENT_TICKS {
            self.recent.push(took);
        } else {
            self.recent[self.next] = took;
        }
        self.next = (self.next + 1) % RECENT_TICKS;
    }

    /// The recent durations, oldest first or not; order does not matter for percentiles.
    pub fn recent(&self) -> &[Duration] {
        &self.recent
    }
}

/// The `p`-th percentile (0..=100) of `samples` by nearest rank; zero for no samples.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_most_recent_and_p99_picks_the_tail() {
        let mut stats = TickStats::default();
        for i in 0..1000u64 {
            stats.record(Duration::from_micros(i));
        }
        assert_eq!(stats.recent().len(), RECENT_TICKS);
        assert_eq!(stats.ticks, 1000);
        let mut samples = stats.recent().to_vec();
        assert_eq!(percentile(&mut samples, 100.0), Duration::from_micros(999));
        assert_eq!(percentile(&mut samples, 99.0), Duration::from_micros(996));
        assert_eq!(percentile(&mut [], 99.0), Duration::ZERO);
    }
}
