//! What a room tells the fleet about each of its players so that a crash does not cost them
//! their game: name and tally, keyed by the session's resume token, republished every second
//! into [`RoomShared`](super::RoomShared) for the fleet's heartbeat to store in Redis. A server
//! that seats a player whose server died restores the tally into a fresh ship
//! ([`RoomCommand::Join`](super::RoomCommand::Join)'s `restored`).

use driftfire_shared::protocol::ResumeToken;
use driftfire_shared::sim::Score;
use serde::{Deserialize, Serialize};

use super::Room;

/// A player's standing, as restored after a failover. (Kill streaks are the client's
/// presentation of recent kills, not part of the score: a fresh ship starts a fresh streak.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Points.
    pub score: u32,
    /// Ships destroyed.
    pub kills: u32,
    /// Times destroyed.
    pub deaths: u32,
}

impl From<Score> for Tally {
    fn from(score: Score) -> Self {
        Self { score: score.score, kills: score.kills, deaths: score.deaths }
    }
}

impl From<Tally> for Score {
    fn from(tally: Tally) -> Self {
        Self { score: tally.score, kills: tally.kills, deaths: tally.deaths }
    }
}

/// One player of a room as of the last publication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveRecord {
    /// The session's current resume token (what its client will present).
    pub token: ResumeToken,
    /// The name shown in the room.
    pub name: String,
    /// Their standing.
    pub tally: Tally,
}

impl Room {
    /// Republishes every member's record (dropped members waiting to resume included: their
    /// server may die before they are back).
    pub(super) fn publish_records(&self) {
        let records = self
            .members
            .values()
            .map(|member| LiveRecord {
                token: member.token,
                name: member.name.clone(),
                tally: self.world.get::<Score>(member.ship).copied().map(Tally::from).unwrap_or_default(),
            })
            .collect();
        *self.shared.records.lock().expect("records lock") = records;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_goes_into_a_score_and_back_unchanged() {
        let tally = Tally { score: 120, kills: 3, deaths: 2 };
        assert_eq!(Tally::from(Score::from(tally)), tally);
    }
}
