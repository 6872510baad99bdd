//! [`RoomSummary`]: the one readout of a running room that everything outside it uses — the
//! lobby's placement and room list, the fleet's registry entry, `/api/status`, the admin page
//! and `/metrics`. Read once from the room's shared state; the lists' and the status' shapes
//! are conversions of it, so a new field is added in one place.

use std::sync::atomic::Ordering;

use driftfire_shared::protocol::RoomInfo;
use serde::{Deserialize, Serialize};

use super::{RoomId, RoomShared};
use crate::tick_stats::percentile;

/// A room as of now. It also travels in the fleet's registry (JSON in Redis), private codes
/// included: the registry is internal, and [`RoomSummary::list_entry`] leaves them out of lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomSummary {
    /// Room number, unique on its server (another server's rooms may share it).
    #[serde(default)]
    pub id: RoomId,
    /// Display name.
    pub name: String,
    /// Share code (secret for a private room: never in a list or in `/api/status`).
    pub code: String,
    /// Left out of quick play.
    pub private: bool,
    /// Players in it or on their way in (dropped players waiting to resume included).
    pub players: usize,
    /// Seats.
    pub max_players: usize,
    /// AI pilots flying in it (they hold no seat).
    #[serde(default)]
    pub ai_pilots: usize,
    /// Ticks that overran their deadline since the room opened.
    #[serde(default)]
    pub tick_overruns: u64,
    /// 99th percentile of the room's recent tick durations, milliseconds.
    #[serde(default)]
    pub tick_p99_ms: f64,
}

impl RoomSummary {
    /// Whether quick play may seat someone here.
    pub fn has_public_seat(&self) -> bool {
        !self.private && self.players < self.max_players
    }

    /// The room as a room list shows it: a private room without its code; `server` is the
    /// game-socket URL of the server that holds it, `None` for this one.
    pub fn list_entry(&self, server: Option<String>) -> RoomInfo {
        RoomInfo {
            name: self.name.clone(),
            code: (!self.private).then(|| self.code.clone()),
            players: u16::try_from(self.players).unwrap_or(u16::MAX),
            max_players: u16::try_from(self.max_players).unwrap_or(u16::MAX),
            private: self.private,
            server,
        }
    }
}

impl RoomShared {
    /// This room as of now (one short lock of its tick statistics, and a percentile of them).
    pub fn summary(&self) -> RoomSummary {
        let stats = self.stats.lock().expect("tick stats lock");
        let mut samples = stats.recent().to_vec();
        let tick_overruns = stats.overruns;
        drop(stats);
        RoomSummary { tick_overruns, tick_p99_ms: percentile(&mut samples, 99.0).as_secs_f64() * 1e3, ..self.seating() }
    }

    /// This room's summary without its tick figures (left at zero): atomics only, no lock and
    /// no sorting, for what runs on every handshake (placement weighs only seats).
    pub fn seating(&self) -> RoomSummary {
        RoomSummary {
            id: self.id,
            name: self.name.clone(),
            code: self.code.clone(),
            private: self.private,
            players: self.players(),
            max_players: self.max_players,
            ai_pilots: self.ai_pilots.load(Ordering::Relaxed),
            tick_overruns: 0,
            tick_p99_ms: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(private: bool, players: usize) -> RoomSummary {
        RoomSummary {
            id: RoomId(1),
            name: "Vega".into(),
            code: "AB2CD".into(),
            private,
            players,
            max_players: 4,
            ai_pilots: 0,
            tick_overruns: 0,
            tick_p99_ms: 0.0,
        }
    }

    #[test]
    fn lists_show_a_public_code_and_hide_a_private_one() {
        assert_eq!(room(false, 2).list_entry(None).code.as_deref(), Some("AB2CD"));
        let private = room(true, 2).list_entry(Some("ws://b/ws".into()));
        assert_eq!((private.code, private.server.as_deref(), private.private), (None, Some("ws://b/ws"), true));
    }

    #[test]
    fn only_public_rooms_with_space_take_quick_play() {
        assert!(room(false, 3).has_public_seat());
        assert!(!room(false, 4).has_public_seat());
        assert!(!room(true, 0).has_public_seat());
    }

    #[test]
    fn an_older_servers_registry_entry_still_reads() {
        // What a server before this readout wrote into Redis: no id, pilots or tick figures.
        let json = r#"{"name":"Vega","code":"AB2CD","players":3,"max_players":50,"private":false}"#;
        let summary: RoomSummary = serde_json::from_str(json).unwrap();
        assert_eq!((summary.players, summary.max_players, summary.ai_pilots), (3, 50, 0));
    }
}
