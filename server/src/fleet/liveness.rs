//! Which servers of the directory are still beating: each entry carries its server's heartbeat
//! count, and a server whose count has not moved for [`STALE_AFTER`] (it missed its last
//! heartbeat: it died, or lost Redis) leaves quick play, the room lists and resume lookups at
//! once, seconds before its entry's TTL would take it off. Local clocks only: no server's
//! clock is compared with another's.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{HEARTBEAT, ServerEntry};

/// A server counts as gone once its heartbeat count has not moved for this long: one and a half
/// heartbeats, so one late beat (a slow Redis round trip) never drops a live server, while a
/// dead one is out within two reads of the directory (≤ 4 s) instead of the entry's 8–10 s.
pub const STALE_AFTER: Duration = Duration::from_millis(HEARTBEAT.as_millis() as u64 * 3 / 2);

/// The heartbeat counts last seen, per server id, and when each last moved.
#[derive(Debug, Default)]
pub struct Liveness {
    seen: HashMap<String, (u64, Instant)>,
}

impl Liveness {
    /// Of `entries` read at `now`, those whose server is still beating. Forgets servers that
    /// are no longer listed.
    pub fn live(&mut self, entries: Vec<ServerEntry>, now: Instant) -> Vec<ServerEntry> {
        self.seen.retain(|id, _| entries.iter().any(|e| &e.id == id));
        entries
            .into_iter()
            .filter(|entry| {
                let (beat, moved) = self.seen.entry(entry.id.clone()).or_insert((entry.beat, now));
                if *beat != entry.beat {
                    *beat = entry.beat;
                    *moved = now;
                }
                now.duration_since(*moved) < STALE_AFTER
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, beat: u64) -> ServerEntry {
        ServerEntry {
            id: id.into(),
            url: format!("ws://{id}/ws"),
            draining: false,
            players: 0,
            free_rooms: 1,
            tick_p99_ms: 0.0,
            rooms: Vec::new(),
            beat,
        }
    }

    fn ids(entries: &[ServerEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn a_server_whose_beat_stops_is_dropped_after_one_and_a_half_heartbeats() {
        let mut liveness = Liveness::default();
        let start = Instant::now();
        let at = |secs: f64| start + Duration::from_secs_f64(secs);
        assert_eq!(ids(&liveness.live(vec![entry("a", 1), entry("b", 1)], at(0.0))), ["a", "b"]);
        // b dies after beat 1; a keeps beating. One read later b is merely late.
        assert_eq!(ids(&liveness.live(vec![entry("a", 2), entry("b", 1)], at(2.0))), ["a", "b"]);
        // Two reads later it has missed its heartbeat: gone, while its entry still exists.
        assert_eq!(ids(&liveness.live(vec![entry("a", 3), entry("b", 1)], at(4.0))), ["a"]);
    }

    #[test]
    fn a_late_beat_keeps_a_server_and_a_restarted_one_counts_again() {
        let mut liveness = Liveness::default();
        let start = Instant::now();
        let at = |secs: f64| start + Duration::from_secs_f64(secs);
        liveness.live(vec![entry("a", 5)], at(0.0));
        // Read twice between two of its beats (timer jitter): still within the limit.
        assert_eq!(ids(&liveness.live(vec![entry("a", 5)], at(1.9))), ["a"]);
        assert_eq!(ids(&liveness.live(vec![entry("a", 6)], at(2.1))), ["a"]);
        // Restarted (its count starts over): a change is a change.
        assert_eq!(ids(&liveness.live(vec![entry("a", 1)], at(3.0))), ["a"]);
    }
}
