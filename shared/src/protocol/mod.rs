//! The wire protocol: every message a client and the server exchange, grouped by when it is valid.
//!
//! Messages travel as bincode (see [`crate::codec`]) inside binary WebSocket frames. The very first
//! client message must be [`ClientMsg::Hello`], which carries [`PROTOCOL_VERSION`]; the server
//! answers [`ServerMsg::Welcome`] or [`ServerMsg::Rejected`]. Every connection the server ends
//! gets a typed [`ServerMsg::Disconnect`] before its close frame (see [`close`]).
//!
//! - `mod.rs`: the two message enums, [`PROTOCOL_VERSION`] and the protocol's limits.
//! - [`types`]: ids, tokens and the payloads the messages carry.
//! - [`close`]: close codes, [`DisconnectReason`] and `may_resume()`: the disconnect contract.

pub mod close;
pub mod types;

pub use close::{CloseCode, DisconnectReason, Violation};
pub use types::*;

use bevy_math::Vec2;
use serde::{Deserialize, Serialize};

/// Bumped on every incompatible change to any type in this module. `Hello` is variant 0 of
/// [`ClientMsg`] and `version` its first field, so every past and future build can decode it
/// and a mismatch gets a typed [`RejectReason::VersionMismatch`] instead of garbage.
pub const PROTOCOL_VERSION: u32 = 13;

/// Characters of a room code ([`ROOM_CODE_ALPHABET`]): 32^5 ≈ 33 million codes, short enough to
/// read out loud, too many to guess while a room exists.
pub const ROOM_CODE_LEN: usize = 5;

/// Letters and digits a room code is made of: no 0/O or 1/I, which read alike.
pub const ROOM_CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Seconds a dropped player may take to come back with their [`ResumeToken`] and find their
/// ship, score and room as they left them.
pub const RESUME_WINDOW_SECS: u64 = 30;

/// Entries of a hall-of-fame board a client is sent and what "made the board" means: the
/// title screen shows this many, and a result ranked within it earns a [`ServerMsg::MadeBoard`].
pub const BOARD_SIZE: usize = 10;

/// Leaders shown on the minimap ([`ServerMsg::Leaders`]).
pub const LEADERS: usize = 5;

/// Longest chat message, in characters (after cleaning); longer ones are cut.
pub const MAX_CHAT_CHARS: usize = 200;

/// Longest accepted player name, in characters (after trimming).
pub const MAX_NAME_CHARS: usize = 16;

/// World area a client is sent, centred on its ship: the camera never shows more than this,
/// whatever the window size (a 16:10 screen's worth), so a big monitor is no advantage.
pub const VIEW_SIZE: Vec2 = Vec2::new(1600.0, 1000.0);

/// Entities this far outside the view are sent as well, so they exist (with a little history
/// to interpolate) before they scroll into sight.
pub const VIEW_MARGIN: f32 = 250.0;

/// Client → server.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum ClientMsg {
    // ---- Valid only as the first message of a connection ----
    /// Opens the session. Must stay variant 0 with `version` first (see [`PROTOCOL_VERSION`]).
    /// Answered by exactly one [`ServerMsg::Welcome`] or [`ServerMsg::Rejected`].
    Hello {
        /// The client's [`PROTOCOL_VERSION`].
        version: u32,
        /// Requested display name; the server trims, filters and makes it unique.
        name: String,
        /// Which room to enter.
        room: RoomTarget,
        /// The token of a dropped session to pick up again (same id, ship, score and room).
        /// An unknown or expired token is no error: the player joins `room` afresh and
        /// [`Welcome::resume`] says so.
        resume: Option<ResumeToken>,
    },

    // ---- Valid before Hello (a title screen's room list) and after Welcome ----
    /// Asks for the list of rooms; answered by one [`ServerMsg::Reply`] with the same id.
    ListRooms {
        /// Chosen by the client to match the reply.
        request: RequestId,
    },
    /// Asks for a hall-of-fame board; answered by one [`ServerMsg::Reply`] with the same id
    /// carrying [`Reply::HallOfFame`] (at most [`BOARD_SIZE`] entries).
    HallOfFame {
        /// Chosen by the client to match the reply.
        request: RequestId,
        /// Which board.
        period: Period,
    },

    // ---- Valid after Welcome ----
    /// The player's controls, sent once per client tick. The server applies the newest one.
    Input(InputFrame),
    /// Round-trip probe; the server answers [`ServerMsg::Pong`] with the same nonce at once.
    Ping {
        /// Opaque value echoed back so the client can match the answer to its send time.
        nonce: u32,
    },
    /// The player leaves on purpose; the server removes the ship and closes normally.
    Leave,
    /// Moves you to another room (quick play, a code, or a new room); answered by one
    /// [`ServerMsg::Reply`]. On [`Reply::Joined`] a [`ServerMsg::Welcome`] for the new room
    /// follows; on any other reply you stay where you are.
    JoinRoom {
        /// Chosen by the client to match the reply.
        request: RequestId,
        /// Where to go.
        target: RoomTarget,
    },
    /// A chat line for everyone in the room. The server strips control and invisible
    /// characters, cuts it to [`MAX_CHAT_CHARS`], and allows 3 lines per 5 s per player.
    Chat {
        /// What the player typed.
        text: String,
    },
}

impl ClientMsg {
    /// The usual first message: this build's version, a name, quick play, nothing to resume.
    pub fn hello(name: impl Into<String>) -> Self {
        Self::Hello { version: PROTOCOL_VERSION, name: name.into(), room: RoomTarget::QuickPlay, resume: None }
    }
}

/// One sample of a player's controls.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
pub struct InputFrame {
    /// Increases by one per frame sent; snapshots echo the newest one applied.
    pub seq: u32,
    /// Direction the ship should turn toward, radians (0 = +x, counter-clockwise).
    pub aim: f32,
    /// Engine on.
    pub thrust: bool,
    /// Trigger held.
    pub fire: bool,
    /// The server tick the client was drawing other ships at when it sampled this input (its
    /// interpolation clock). The server rewinds hit tests for this input's shots to that tick,
    /// capped, so you hit what you saw (lag compensation).
    pub view_tick: u32,
    /// The newest snapshot tick this client has decoded (0 before the first). Over WebTransport
    /// the server encodes each snapshot as a delta against it (see `crate::delta`); a WebSocket
    /// stream ignores it.
    pub ack_tick: u32,
}

/// Server → client.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum ServerMsg {
    // ---- Answer to Hello: exactly one of these ----
    /// The session is open: who you are and the world you are in.
    Welcome(Welcome),
    /// The room you asked for (or quick play's best seat) is on another server of the fleet:
    /// connect there and say Hello again. `Disconnect(Redirected)` and the close follow.
    Redirect(Redirect),
    /// The session was refused; the server closes the socket right after.
    Rejected {
        /// Why, in a form the client can show.
        reason: RejectReason,
    },

    // ---- Answers to requests (ListRooms, JoinRoom), any time ----
    /// The one answer to a request.
    Reply {
        /// The request's id.
        request: RequestId,
        /// The outcome.
        reply: Reply,
    },

    // ---- After Welcome, until the socket closes ----
    /// The world around you as of `tick`, sent every tick, delta-encoded.
    Snapshot(SnapshotFrame),
    /// Answer to [`ClientMsg::Ping`].
    Pong {
        /// The nonce from the ping.
        nonce: u32,
    },
    /// Someone entered the room (also sent for players present when you join, inside Welcome).
    PlayerJoined(PlayerInfo),
    /// Someone left the room; their ship is gone.
    PlayerLeft {
        /// Who left.
        id: PlayerId,
    },
    /// A ship was destroyed (kill feed, death screen).
    Kill {
        /// The shooter; `None` when an asteroid did it.
        killer: Option<PlayerId>,
        /// The pilot whose ship was destroyed.
        victim: PlayerId,
    },
    /// Where the room's leaders are (the top [`LEADERS`] living ships by score), for the
    /// minimap: sent twice a second, whatever is in your view.
    Leaders {
        /// Best first.
        leaders: Vec<Leader>,
    },
    /// Scores of everyone in the room, sent about once a second, highest first.
    Scoreboard {
        /// One entry per player.
        entries: Vec<ScoreEntry>,
    },
    /// A chat line in your room (or, with `from: None`, a note from the server to you, such
    /// as "slow down"). Join/leave notices and the kill feed come from PlayerJoined,
    /// PlayerLeft and Kill.
    Chat {
        /// Who said it; `None` for the server.
        from: Option<PlayerId>,
        /// The cleaned text.
        text: String,
    },
    /// A message from the server's operator to every player on the server.
    Announcement {
        /// The text.
        text: String,
    },
    /// Your life that just ended (or your session's totals when you left) made one or more
    /// hall-of-fame boards; sent once the result is stored, usually within a second.
    MadeBoard {
        /// Each board it made, with its rank there.
        placements: Vec<Placement>,
    },

    // ---- Last message of a connection the server ends ----
    /// Why the server is closing this connection; its close frame follows at once. The client
    /// decides whether to resume from this reason ([`DisconnectReason::may_resume`]).
    Disconnect(DisconnectReason),
}

/// A snapshot on the wire: what changed around one client since its previous frame.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct SnapshotFrame {
    /// Simulation tick this state belongs to.
    pub tick: u64,
    /// Newest [`InputFrame::seq`] of yours applied up to this tick (0 before the first).
    pub last_input_seq: u32,
    /// Ticks back to the frame this one is a delta against: the previous frame on a WebSocket,
    /// the newest one you acknowledged ([`InputFrame::ack_tick`]) over datagrams; 0 for a full
    /// frame.
    pub base_age: u16,
    /// The entities in and near your view, bit-packed against the baseline frame (see
    /// `base_age`); decoded by `crate::delta::DeltaDecoder`.
    pub delta: Vec<u8>,
}
