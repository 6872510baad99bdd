//! The typed messages the session publishes (the rest of the game reacts to these instead of
//! reading the socket), the one it takes from the rest of the game ([`EndSession`]), and the
//! outbox every system sends through.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, Period, Placement, PlayerId, ResumeOutcome};

use crate::state::EndReason;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Outgoing>();
    app.add_message::<SessionStarted>();
    app.add_message::<SessionEnded>();
    app.add_message::<Killed>();
    app.add_message::<MadeBoard>();
    app.add_message::<EndSession>();
}

/// Everything the session publishes, as one system parameter.
#[derive(SystemParam)]
pub(super) struct Publish<'w> {
    pub started: MessageWriter<'w, SessionStarted>,
    pub ended: MessageWriter<'w, SessionEnded>,
    pub killed: MessageWriter<'w, Killed>,
    pub made_board: MessageWriter<'w, MadeBoard>,
}

/// A message for the server. Every system sends through this, so tests can read what the
/// game would send without a socket.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct Outgoing(pub ClientMsg);

/// Welcome arrived: a session began (a first join, a resume, or a move to another room).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct SessionStarted {
    /// Your id.
    pub me: PlayerId,
    /// Whether the server honoured the resume token.
    pub resume: ResumeOutcome,
}

/// The session (or the attempt to start one) is over for good: no reconnect follows. The
/// Disconnected screen shows the reason.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct SessionEnded(pub EndReason);

/// A ship was destroyed. The names are resolved when the kill is announced (a pilot may leave
/// right after).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct Killed {
    /// The shooter; `None` for an asteroid.
    pub killer: Option<PlayerId>,
    /// The shooter's name.
    pub killer_name: Option<String>,
    /// Whose ship it was.
    pub victim: PlayerId,
    /// Their name.
    pub victim_name: String,
}

/// Your life that just ended made one or more hall-of-fame boards (the server's
/// `MadeBoard`, usually within a second of the death): each board with your rank there.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct MadeBoard(pub Vec<Placement>);

impl MadeBoard {
    /// The line the player reads, narrowest board first: `New record: #3 today, #7 this week`.
    pub fn headline(&self) -> String {
        let mut placements = self.0.clone();
        // Today, then this week, then all time: the order a result climbs them.
        placements.sort_by_key(|p| std::cmp::Reverse(Period::ALL.iter().position(|period| *period == p.period)));
        let ranks: Vec<String> = placements.iter().map(|p| format!("#{} {}", p.rank, p.period.title().to_lowercase())).collect();
        format!("New record: {}", ranks.join(", "))
    }
}

/// A part of the client gave up on the connection (the snapshot stream stopped decoding, the
/// server never answered Hello). The session tears down and says why; the reporter does not.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct EndSession(pub EndReason);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_narrowest_board_first() {
        let made = MadeBoard(vec![Placement { period: Period::Week, rank: 7 }, Placement { period: Period::Day, rank: 3 }]);
        assert_eq!(made.headline(), "New record: #3 today, #7 this week");
        let everywhere = MadeBoard(vec![
            Placement { period: Period::AllTime, rank: 1 },
            Placement { period: Period::Day, rank: 1 },
            Placement { period: Period::Week, rank: 1 },
        ]);
        assert_eq!(everywhere.headline(), "New record: #1 today, #1 this week, #1 all time");
    }
}
