//! Hall-of-fame results of a room: when a life ends (the ship is destroyed, the pilot leaves or
//! their resume window passes, or the server shuts down) its result goes to the hall of fame's
//! writer without waiting; if it made a board, the placements come back through the room's
//! inbox and the pilot is told with `ServerMsg::MadeBoard`.

use std::time::{SystemTime, UNIX_EPOCH};

use driftfire_shared::protocol::{BoardEntry, Placement, PlayerId, ServerMsg};
use driftfire_shared::sim::{Score, Ship, SimConfig, SimTick};

use super::{Room, RoomCommand};
use crate::hall_of_fame::LifeResult;

/// Seconds since the Unix epoch, now.
fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Room {
    /// Records `player`'s current life as ended now. `destroyed`: the ship was just destroyed
    /// (its next life begins after the respawn delay); otherwise the pilot is leaving, and a
    /// ship already waiting to respawn has no life left to record.
    pub(super) fn end_life(&mut self, player: PlayerId, destroyed: bool) {
        let tick = self.world.resource::<SimTick>().0;
        let respawn_ticks = u64::from(self.world.resource::<SimConfig>().respawn_ticks);
        let Some(member) = self.members.get_mut(&player) else { return };
        let ship = self.world.get::<Ship>(member.ship);
        if !destroyed && ship.is_none_or(|ship| ship.respawn_in.is_some()) {
            return;
        }
        let score = self.world.get::<Score>(member.ship).copied().unwrap_or_default();
        let alive_ticks = tick.saturating_sub(member.life_started);
        member.life_started = tick + respawn_ticks;
        let inbox = self.inbox.clone();
        let result = LifeResult {
            entry: BoardEntry {
                name: member.name.clone(),
                score: score.score,
                kills: score.kills,
                deaths: score.deaths,
                alive_secs: u32::try_from(alive_ticks / u64::from(self.tick_hz.max(1))).unwrap_or(u32::MAX),
                room: self.shared.name.clone(),
                ended_at: unix_now(),
            },
            notify: Some(Box::new(move |placements: Vec<Placement>| {
                if let Some(inbox) = inbox.upgrade() {
                    // Best effort: a full inbox or a closed room only loses the note.
                    let _ = inbox.try_send(RoomCommand::MadeBoard { player, placements });
                }
            })),
        };
        // A refusal (queue full, store unavailable) is counted by the store.
        let _ = self.services.hall_of_fame.record(result);
    }

    /// Records every pilot's current life: the room is closing (server shutdown).
    pub(super) fn end_all_lives(&mut self) {
        let players: Vec<PlayerId> = self.members.keys().copied().collect();
        for player in players {
            self.end_life(player, false);
        }
    }

    /// Tells a pilot their result made a board.
    pub(super) fn made_board(&mut self, player: PlayerId, placements: Vec<Placement>) {
        if !placements.is_empty() {
            self.send_to(player, &ServerMsg::MadeBoard { placements });
        }
    }
}
