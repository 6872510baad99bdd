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
pub const PROTOCOL_VERSION: u32 = 4;

/// Characters of a room code ([`ROOM_CODE_ALPHABET`]): 32^5 ≈ 33 million codes, short enough to
/// read out loud, too many to guess while a room exists.
pub const ROOM_CODE_LEN: usize = 5;

/// Letters and digits a room code is made of: no 0/O or 1/I, which read alike.
pub const ROOM_CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Seconds a dropped player may take to come back with their [`ResumeToken`] and find their
/// ship, score and room as they left them.
pub const RESUME_WINDOW_SECS: u64 = 30;

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
    /// Scores of everyone in the room, sent about once a second, highest first.
    Scoreboard {
        /// One entry per player.
        entries: Vec<ScoreEntry>,
    },
    /// The server is stopping; a normal close frame follows.
    ShuttingDown,
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
}

/// Matches a reply to its request; chosen by the client, echoed by the server.
pub type RequestId = u32;

/// A random 128-bit secret that lets a dropped player resume their session; replaced at each
/// resume, valid for [`RESUME_WINDOW_SECS`] after a drop.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResumeToken(pub [u8; 16]);

impl std::fmt::Debug for ResumeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A secret: never printed whole, not even in debug logs.
        write!(f, "ResumeToken({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

/// Which room a player wants.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub enum RoomTarget {
    /// The fullest public room with a free seat, or a new public room.
    #[default]
    QuickPlay,
    /// The room with this code (public or private), e.g. from a `/?room=CODE` link.
    Code(String),
    /// A new room; a private one is left out of quick play and joined by its code.
    Create {
        /// Left out of quick play (the room list shows it, without its code).
        private: bool,
    },
}

/// The answer to a request.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The rooms of the server, fullest first.
    Rooms(Vec<RoomInfo>),
    /// You are in the new room; its [`ServerMsg::Welcome`] follows.
    Joined,
    /// The room has no free seat (or no new room may be opened).
    Full,
    /// No room has that code (it may have closed).
    NotFound,
    /// That is not a room code (wrong length or characters).
    BadCode,
}

/// A room as the room list shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoomInfo {
    /// Display name.
    pub name: String,
    /// The code to join it with; `None` for private rooms (you need the link).
    pub code: Option<String>,
    /// Players in it now.
    pub players: u16,
    /// Seats.
    pub max_players: u16,
    /// Private rooms are not in quick play.
    pub private: bool,
}

/// Whether a Hello's resume token was honoured.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeOutcome {
    /// No token was sent: a fresh join.
    Fresh,
    /// Same id, ship, score and room as before the drop.
    Resumed,
    /// The token was unknown or older than [`RESUME_WINDOW_SECS`]: a fresh join instead.
    Expired,
}

/// The room you are in, as Welcome describes it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoomWelcome {
    /// Display name.
    pub name: String,
    /// Its code; share `/?room=CODE` to bring friends.
    pub code: String,
    /// Left out of quick play.
    pub private: bool,
    /// Seats.
    pub max_players: u16,
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
    /// The room you are in.
    pub room: RoomWelcome,
    /// Keep it to resume this session after a drop; replaced by every Welcome.
    pub resume_token: ResumeToken,
    /// Whether this is a resumed session.
    pub resume: ResumeOutcome,
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
    /// The room of the requested code has no free seat.
    RoomFull,
    /// No room has the requested code (it may have closed).
    RoomNotFound,
    /// The requested code is not a room code.
    BadRoomCode,
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::VersionMismatch { server, client } => {
                write!(f, "protocol version mismatch: server speaks {server}, client speaks {client}; reload to update")
            }
            Self::ServerFull => f.write_str("server is full, try again later"),
            Self::InvalidName => f.write_str("that name is not allowed"),
            Self::RoomFull => f.write_str("that room is full"),
            Self::RoomNotFound => f.write_str("no room has that code (it may have closed)"),
            Self::BadRoomCode => f.write_str("that is not a room code"),
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
