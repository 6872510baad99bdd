//! Recent tick durations of a room, for `tick_p99_ms` in `/api/status`, and running totals of
//! the snapshots it sent (sizes, delta efficiency, encode cost).

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
    /// Snapshots sent since the room opened.
    pub snapshots: SnapshotTotals,
}

/// Running totals over the snapshots sent to every client.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotTotals {
    /// Snapshot messages sent.
    pub frames: u64,
    /// Their size in bytes, WebSocket payload.
    pub bytes: u64,
    /// Entities in view, summed over frames.
    pub entities_in_view: u64,
    /// Entities that changed against the prediction and were sent as deltas.
    pub changed: u64,
    /// Bits of those delta records.
    pub changed_delta_bits: u64,
    /// Bits the same entities would have cost as full records.
    pub changed_full_bits: u64,
    /// Entities sent as spawns.
    pub spawned: u64,
    /// Updates held back by the bandwidth budget.
    pub deferred: u64,
    /// Time spent building and encoding the frames (interest query, delta, bincode), ns.
    pub encode_ns: u64,
}

impl SnapshotTotals {
    /// Adds another set of totals.
    pub fn add(&mut self, other: &SnapshotTotals) {
        self.frames += other.frames;
        self.bytes += other.bytes;
        self.entities_in_view += other.entities_in_view;
        self.changed += other.changed;
        self.changed_delta_bits += other.changed_delta_bits;
        self.changed_full_bits += other.changed_full_bits;
        self.spawned += other.spawned;
        self.deferred += other.deferred;
        self.encode_ns += other.encode_ns;
    }
}

/// Snapshot figures as `/api/status` shows them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SnapshotSummary {
    /// Snapshot messages sent since start.
    pub frames: u64,
    /// Mean snapshot message size, bytes.
    pub bytes_mean: f64,
    /// Mean entities in a client's view.
    pub entities_in_view_mean: f64,
    /// Mean bits per entity that changed, as a delta record.
    pub bits_per_changed_entity: f64,
    /// Mean bits the same entities would cost as full records.
    pub full_bits_per_changed_entity: f64,
    /// Mean entities changed per snapshot.
    pub changed_per_frame: f64,
    /// Updates held back by the bandwidth budget since start.
    pub deferred: u64,
    /// Mean time to build and encode one client's snapshot, microseconds.
    pub encode_us_per_client: f64,
}

impl From<SnapshotTotals> for SnapshotSummary {
    fn from(t: SnapshotTotals) -> Self {
        let per = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        Self {
            frames: t.frames,
            bytes_mean: per(t.bytes, t.frames),
            entities_in_view_mean: per(t.entities_in_view, t.frames),
            bits_per_changed_entity: per(t.changed_delta_bits, t.changed),
            full_bits_per_changed_entity: per(t.changed_full_bits, t.changed),
            changed_per_frame: per(t.changed, t.frames),
            deferred: t.deferred,
            encode_us_per_client: per(t.encode_ns, t.frames) / 1e3,
        }
    }
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

/// Every open room's tick statistics pooled: the server-wide figures of `/api/status` and of
/// the fleet's registry entry, gathered in one place.
#[derive(Debug, Default)]
pub struct PooledTicks {
    /// Every room's recent tick durations.
    pub recent: Vec<Duration>,
    /// Ticks that overran their deadline, all rooms.
    pub overruns: u64,
    /// Snapshots sent, all rooms.
    pub snapshots: SnapshotTotals,
}

impl PooledTicks {
    /// Adds one room's statistics.
    pub fn add(&mut self, stats: &TickStats) {
        self.recent.extend_from_slice(stats.recent());
        self.overruns += stats.overruns;
        self.snapshots.add(&stats.snapshots);
    }

    /// 99th percentile of the pooled recent ticks, milliseconds.
    pub fn p99_ms(&mut self) -> f64 {
        percentile(&mut self.recent, 99.0).as_secs_f64() * 1e3
    }

    /// Mean of the pooled recent ticks, milliseconds (0 without any).
    pub fn mean_ms(&self) -> f64 {
        if self.recent.is_empty() {
            0.0
        } else {
            self.recent.iter().map(Duration::as_secs_f64).sum::<f64>() / self.recent.len() as f64 * 1e3
        }
    }
}

/// The `p`-th percentile (0..=100) of `samples` by nearest rank; zero (the default) for no
/// samples. Used for tick durations here and for the bots' round trips.
pub fn percentile<T: Copy + PartialOrd + Default>(samples: &mut [T], p: f64) -> T {
    if samples.is_empty() {
        return T::default();
    }
    samples.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
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
        assert_eq!(percentile::<Duration>(&mut [], 99.0), Duration::ZERO);
        assert_eq!(percentile(&mut [3.0, 1.0, 2.0], 50.0), 2.0);
    }
}
