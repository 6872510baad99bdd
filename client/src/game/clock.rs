//! The server's clock as seen from snapshot arrivals, and how far behind it to draw the world:
//! an interpolation delay that adapts to the measured jitter, so the next snapshot has almost
//! always arrived by the time it is needed, and no later than that.

use std::collections::VecDeque;

/// Arrivals remembered: 3 s at 30 Hz. Long enough for a stable jitter percentile, short enough
/// to follow changing networks and clock drift.
const WINDOW: usize = 90;
/// Smallest delay, in snapshot intervals: interpolation needs the next snapshot (1) plus half
/// an interval for frame timing.
pub const MIN_DELAY_TICKS: f64 = 1.5;
/// Largest delay (a third of a second at 30 Hz): past this the world feels sluggish, and a
/// late snapshot is better bridged by brief extrapolation.
pub const MAX_DELAY_TICKS: f64 = 10.0;
/// Safety margin on top of the 95th-percentile lateness, in intervals.
const MARGIN_TICKS: f64 = 0.35;
/// How fast the delay follows its target: up quickly (late snapshots hurt now), down slowly
/// (so one calm second does not undo the cover for a jittery link). Per snapshot.
const RISE_PER_SNAPSHOT: f64 = 0.25;
const FALL_PER_SNAPSHOT: f64 = 0.01;

/// Estimates the server tick from snapshot arrival times.
///
/// Each arrival gives an offset `arrival − tick / hz`. The smallest offset in the window is the
/// best-case transit; the server tick "now" is `(now − that offset) · hz`. How much later than
/// best-case each snapshot came is its lateness; the delay covers the 95th percentile of it.
#[derive(Debug, Clone)]
pub struct SnapshotClock {
    tick_hz: f64,
    arrivals: VecDeque<(f64, u64)>,
    delay_ticks: f64,
}

impl SnapshotClock {
    /// A clock for a server ticking `tick_hz` times per second.
    pub fn new(tick_hz: u16) -> Self {
        Self { tick_hz: f64::from(tick_hz.max(1)), arrivals: VecDeque::with_capacity(WINDOW), delay_ticks: MIN_DELAY_TICKS + 0.5 }
    }

    /// Notes that the snapshot of `tick` arrived at `arrival_s` (seconds, any monotonic origin).
    pub fn record(&mut self, arrival_s: f64, tick: u64) {
        if self.arrivals.back().is_some_and(|&(_, last)| tick <= last) {
            return;
        }
        if self.arrivals.len() == WINDOW {
            self.arrivals.pop_front();
        }
        self.arrivals.push_back((arrival_s, tick));
        let target = (1.0 + self.lateness_p95_ticks() + MARGIN_TICKS).clamp(MIN_DELAY_TICKS, MAX_DELAY_TICKS);
        let step = target - self.delay_ticks;
        self.delay_ticks += step.clamp(-FALL_PER_SNAPSHOT, RISE_PER_SNAPSHOT);
    }

    fn offset(&self, (arrival_s, tick): (f64, u64)) -> f64 {
        arrival_s - tick as f64 / self.tick_hz
    }

    fn base_offset(&self) -> Option<f64> {
        self.arrivals.iter().map(|&a| self.offset(a)).min_by(f64::total_cmp)
    }

    fn lateness_ticks(&self) -> Vec<f64> {
        let Some(base) = self.base_offset() else { return Vec::new() };
        let mut late: Vec<f64> = self.arrivals.iter().map(|&a| (self.offset(a) - base) * self.tick_hz).collect();
        late.sort_by(f64::total_cmp);
        late
    }

    fn lateness_p95_ticks(&self) -> f64 {
        let late = self.lateness_ticks();
        if late.is_empty() {
            return 0.0;
        }
        late[((late.len() as f64 * 0.95).ceil() as usize).clamp(1, late.len()) - 1]
    }

    /// The server's tick at `now_s`, fractional; `None` before the first snapshot.
    pub fn server_tick_at(&self, now_s: f64) -> Option<f64> {
        self.base_offset().map(|base| (now_s - base) * self.tick_hz)
    }

    /// The tick to draw the world at: server time minus the interpolation delay.
    pub fn render_tick_at(&self, now_s: f64) -> Option<f64> {
        self.server_tick_at(now_s).map(|t| t - self.delay_ticks)
    }

    /// Current interpolation delay, in ticks.
    pub fn delay_ticks(&self) -> f64 {
        self.delay_ticks
    }

    /// Current interpolation delay, in milliseconds.
    pub fn delay_ms(&self) -> f64 {
        self.delay_ticks / self.tick_hz * 1e3
    }

    /// Jitter: the standard deviation of snapshot lateness, in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        let late = self.lateness_ticks();
        if late.len() < 2 {
            return 0.0;
        }
        let mean = late.iter().sum::<f64>() / late.len() as f64;
        let var = late.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (late.len() - 1) as f64;
        var.sqrt() / self.tick_hz * 1e3
    }

    /// Lateness of the remembered snapshots in milliseconds, oldest first (the net graph's bars).
    pub fn lateness_ms_history(&self) -> Vec<f64> {
        let Some(base) = self.base_offset() else { return Vec::new() };
        self.arrivals.iter().map(|&a| (self.offset(a) - base) * 1e3).collect()
    }

    /// Snapshots that arrived in the second before `now_s`.
    pub fn rate_at(&self, now_s: f64) -> usize {
        self.arrivals.iter().filter(|(at, _)| now_s - at <= 1.0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_stream_gets_the_minimum_delay_and_the_right_server_time() {
        let mut clock = SnapshotClock::new(30);
        for tick in 100..250u64 {
            // Constant 40 ms transit.
            clock.record(tick as f64 / 30.0 + 0.040, tick);
        }
        assert!((clock.delay_ticks() - MIN_DELAY_TICKS).abs() < 1e-9, "{}", clock.delay_ticks());
        assert!(clock.jitter_ms() < 1e-6);
        let now = 250.0 / 30.0 + 0.040;
        assert!((clock.server_tick_at(now).unwrap() - 250.0).abs() < 1e-6);
        assert!((clock.render_tick_at(now).unwrap() - 248.5).abs() < 1e-6);
        assert_eq!(clock.rate_at(249.5 / 30.0 + 0.040), 30);
    }

    #[test]
    fn jitter_raises_the_delay_to_cover_late_snapshots() {
        let mut clock = SnapshotClock::new(30);
        let mut rng = 0x1234_5678u64;
        let mut last_arrival: f64 = 0.0;
        for tick in 0..400u64 {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let jitter = ((rng >> 33) as f64 / (1u64 << 31) as f64) * 0.060; // 0..60 ms
            // Ordered stream: never before the previous frame.
            last_arrival = (tick as f64 / 30.0 + 0.075 + jitter).max(last_arrival);
            clock.record(last_arrival, tick);
        }
        // Lateness spans ~1.8 ticks: the delay must cover it, but stay well under the cap.
        assert!(clock.delay_ticks() > 2.5 && clock.delay_ticks() < 4.0, "{}", clock.delay_ticks());
        assert!(clock.jitter_ms() > 8.0 && clock.jitter_ms() < 30.0, "{}", clock.jitter_ms());
    }

    #[test]
    fn old_or_repeated_ticks_are_ignored() {
        let mut clock = SnapshotClock::new(30);
        clock.record(1.0, 30);
        clock.record(5.0, 30);
        clock.record(6.0, 10);
        assert_eq!(clock.arrivals.len(), 1);
    }
}
