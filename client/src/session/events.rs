//! The typed messages the session publishes (the rest of the game reacts to these instead of
//! reading the socket), the one it takes from the rest of the game ([`EndSession`]), and the
//! outbox every system sends through.

use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, PlayerId, ResumeOutcome};

use crate::state::EndReason;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Outgoing>();
    app.add_message::<SessionStarted>();
    app.add_message::<SessionEnded>();
    app.add_message::<Killed>();
    app.add_message::<EndSession>();
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

/// A part of the client gave up on the connection (the snapshot stream stopped decoding, the
/// server never answered Hello). The session tears down and says why; the reporter does not.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct EndSession(pub EndReason);
