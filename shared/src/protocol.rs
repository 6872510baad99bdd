//! The wire protocol: every message a client and the server exchange, grouped by when it is valid.
//!
//! Messages travel as bincode (see [`crate::codec`]) inside binary WebSocket frames. The very first
//! client message must be [`ClientMsg::Hello`], which carries [`PROTOCOL_VERSION`]; the server
//! answers [`ServerMsg::Welcome`] or [`ServerMsg::Rejected`].

use bevy_math::Vec2;
use serde::{Deserialize, Serialize};

/// Bumped on every incompatible change to any type in this module. `Hello` is variant 0 of
/// [`ClientMsg`] and `version` its first field, so every past and future build can decode it
/// and a mismatch gets a typed [`RejectReason::VersionMismatch`] instead of garbage.
pub const PROTOCOL_VERSION: u32 = 3;

/// Longest accepted player name, in characters (after trimming).
pub const MAX_NAME_CHARS: usize = 16;

/// World area a client is sent, centred on its ship: the camera never shows more than this,
/// whatever the window size (a 16:10 screen's worth), so a big monitor is no advantage.
pub const VIEW_SIZE: Vec2 = Vec2::new(1600.0, 1000.0);

/// Entities this far outside the view are sent as well, so they exist (with a little history
/// to interpolate) before they scroll into sight.
pub const VIEW_MARGIN: f32 = 250.0;

/// A player's identity for the lifetime of their session on the server.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayerId(pub u32);

/// A simulated entity's identity on the wire (ships, bullets, asteroids share one id space).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetId(pub u32);

/// Client → server.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum ClientMsg {
    // ---- Valid only as the first message of a connection ----
    /// Opens the session. Must stay variant 0 with `version` first (see [`PROTOCOL_VERSION`]).
    Hello {
        /// The client's [`PROTOCOL_VERSION`].
        version: u32,
        /// Requested display name; the server trims, filters and makes it unique.
        name: String,
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
}

/// Server → client.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum ServerMsg {
    // ---- Answer to Hello: exactly one of these ----
    /// The session is open: who you are and the world you are in.
    Welcome(Welcome),
    /// The session was refused; the server closes the socket right after.
    Rejected {
        /// Why, in a form the client can show.
        reason: RejectReason,
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
    /// Scores of everyone in the room, sent about once a second, highest first.
    Scoreboard {
        /// One entry per player.
        entries: Vec<ScoreEntry>,
    },
    /// The server is stopping; a normal close frame follows.
    ShuttingDown,
}

/// Contents of [`ServerMsg::Welcome`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Welcome {
    /// Your id; your ship is the one whose `owner` equals it.
    pub player_id: PlayerId,
    /// Your name as the server stored it (trimmed, made unique).
    pub name: String,
    /// Simulation and snapshot rate, ticks per second.
    pub tick_hz: u16,
    /// Server tick at the moment you joined.
    pub tick: u64,
    /// Size of the arena, centred on the origin.
    pub arena: Vec2,
    /// Everyone in the room, you included.
    pub players: Vec<PlayerInfo>,
}

/// Why a session was refused.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// Client and server speak different protocol versions.
    VersionMismatch {
        /// The server's [`PROTOCOL_VERSION`].
        server: u32,
        /// The version the client sent.
        client: u32,
    },
    /// No room has space and no new room may be opened.
    ServerFull,
    /// The requested name is unusable (empty after removing invisible characters).
    InvalidName,
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::VersionMismatch { server, client } => write!(
                f,
                "protocol version mismatch: server speaks {server}, client speaks {client}; reload to update"
            ),
            Self::ServerFull => f.write_str("server is full, try again later"),
            Self::InvalidName => f.write_str("that name is not allowed"),
        }
    }
}

/// A player as others see them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlayerInfo {
    /// Their id.
    pub id: PlayerId,
    /// Their display name.
    pub name: String,
}

/// One line of the scoreboard.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ScoreEntry {
    /// Whose score.
    pub id: PlayerId,
    /// Points: kills and destroyed asteroids.
    pub score: u32,
    /// Ships destroyed by this player.
    pub kills: u32,
    /// Times this player's ship was destroyed.
    pub deaths: u32,
}

/// A snapshot on the wire: what changed around one client since its previous frame.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct SnapshotFrame {
    /// Simulation tick this state belongs to.
    pub tick: u64,
    /// Newest [`InputFrame::seq`] of yours applied up to this tick (0 before the first).
    pub last_input_seq: u32,
    /// The entities in and near your view, bit-packed against the previous frame of this
    /// connection (the first is full); decoded by `crate::delta::DeltaDecoder`.
    pub delta: Vec<u8>,
}

/// A decoded snapshot: the state around one client at one tick.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Snapshot {
    /// Simulation tick this state belongs to.
    pub tick: u64,
    /// Newest [`InputFrame::seq`] of yours applied up to this tick (0 before the first).
    pub last_input_seq: u32,
    /// Every entity in and near your view.
    pub body: SnapshotBody,
}

/// The entity lists of a snapshot.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct SnapshotBody {
    /// All ships, alive or waiting to respawn.
    pub ships: Vec<ShipState>,
    /// All bullets in flight.
    pub bullets: Vec<BulletState>,
    /// All asteroids.
    pub asteroids: Vec<AsteroidState>,
}

/// A ship on the wire.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct ShipState {
    /// Entity id.
    pub id: NetId,
    /// Pilot.
    pub owner: PlayerId,
    /// Centre, world units.
    pub pos: Vec2,
    /// World units per second.
    pub vel: Vec2,
    /// Facing, radians.
    pub angle: f32,
    /// 0..=100.
    pub health: u8,
    /// Engine on this tick (for the flame).
    pub thrusting: bool,
    /// Spawn protection active: bullets and rocks do no damage.
    pub shielded: bool,
    /// `Some(ticks)` while destroyed and waiting to respawn.
    pub respawn_in: Option<u16>,
}

/// A bullet on the wire.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct BulletState {
    /// Entity id.
    pub id: NetId,
    /// Who fired it.
    pub owner: PlayerId,
    /// Centre, world units.
    pub pos: Vec2,
    /// World units per second.
    pub vel: Vec2,
}

/// An asteroid on the wire.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct AsteroidState {
    /// Entity id.
    pub id: NetId,
    /// 1 (small) ..= 3 (large).
    pub size: u8,
    /// Centre, world units.
    pub pos: Vec2,
    /// World units per second.
    pub vel: Vec2,
}
