//! The values messages carry: ids, tokens, room targets and descriptions, replies, Welcome and
//! the reasons a Hello is refused. Newtypes on the wire cost nothing: bincode writes a
//! one-field struct exactly like its field.

use bevy_math::Vec2;
use serde::{Deserialize, Serialize};

#[allow(unused_imports)] // named by doc links
use super::{BOARD_SIZE, ClientMsg, PROTOCOL_VERSION, RESUME_WINDOW_SECS, ServerMsg};

/// A player's identity for the lifetime of their session on the server.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayerId(pub u32);

/// A simulated entity's identity on the wire (ships, bullets, asteroids share one id space).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetId(pub u32);

/// Matches a reply to its request; chosen by the client, echoed by the server.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RequestId(pub u32);

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
    /// Quick play that the fleet has already routed to this server (a [`Redirect`] says it):
    /// the fullest public room here with a free seat, or a new one here; never redirected
    /// again, so a directory a heartbeat out of date cannot bounce a player around.
    QuickPlayHere,
    /// The room with this code (public or private), e.g. from a `/?room=CODE` link.
    Code(String),
    /// A new room; a private one is left out of quick play and joined by its code.
    Create {
        /// Left out of quick play (the room list shows it, without its code).
        private: bool,
        /// The creator asks for AI pilots (a public room always has them, if the server runs
        /// any; a private room only when this is set).
        ai_pilots: bool,
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
    /// A hall-of-fame board, answering [`ClientMsg::HallOfFame`].
    HallOfFame(Board),
    /// The room is on another server: you stay where you are; to go there, reconnect as the
    /// redirect says (answering [`ClientMsg::JoinRoom`]).
    Redirect(Redirect),
}

/// Which hall-of-fame board: every board keeps each name's best result in its period.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Period {
    /// Since the server's database began.
    #[default]
    AllTime,
    /// This ISO week (from Monday 00:00 UTC).
    Week,
    /// Today (from 00:00 UTC).
    Day,
}

impl Period {
    /// Every board, in the order the title screen offers them.
    pub const ALL: [Period; 3] = [Period::AllTime, Period::Week, Period::Day];

    /// The name used in URLs (`?period=`) and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::AllTime => "all",
            Period::Week => "week",
            Period::Day => "day",
        }
    }

    /// The board's title as players read it.
    pub fn title(self) -> &'static str {
        match self {
            Period::AllTime => "All time",
            Period::Week => "This week",
            Period::Day => "Today",
        }
    }
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| format!("unknown period {s:?} (all, week or day)"))
    }
}

/// A hall-of-fame board as the server sends it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct Board {
    /// Which board.
    pub period: Period,
    /// Best first; at most the number asked for (and at most [`BOARD_SIZE`] over the socket).
    pub entries: Vec<BoardEntry>,
    /// `false` when the server runs without its hall of fame (its database failed); `entries`
    /// is then empty.
    pub available: bool,
}

/// A pilot's best result on a board.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BoardEntry {
    /// The pilot's name as it was shown in the room.
    pub name: String,
    /// Points at the end of that life (the room scoreboard's running total).
    pub score: u32,
    /// Ships destroyed, running total in that room.
    pub kills: u32,
    /// Deaths, running total in that room (the ending life's included if it ended in one).
    pub deaths: u32,
    /// How long that life lasted, seconds.
    pub alive_secs: u32,
    /// The room's name.
    pub room: String,
    /// When the life ended, seconds since the Unix epoch (UTC).
    pub ended_at: i64,
}

/// Where a result landed: rank 1 is the top of that board.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The board.
    pub period: Period,
    /// 1-based rank, at most [`BOARD_SIZE`].
    pub rank: u16,
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
    /// The game-socket URL of the server the room lives on, when that is not the server you
    /// asked (several servers acting as one game); `None` for a room right here.
    pub server: Option<String>,
}

/// Where to go instead: the room you asked for lives on another server of the fleet. Connect
/// to `url` and send Hello again with `room` as the target.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The other server's game socket (`ws(s)://…/ws`).
    pub url: String,
    /// What to ask that server for (a room's code, or a new room there).
    pub room: RoomTarget,
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
    /// The token's server is gone (it crashed) and another server of the fleet seated the
    /// player in a fresh ship with the score, kills and deaths that server last recorded.
    Restored,
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

/// A player as others see them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlayerInfo {
    /// Their id.
    pub id: PlayerId,
    /// Their display name.
    pub name: String,
    /// A server-side AI pilot (it keeps a quiet arena lively; the scoreboard and kill feed
    /// mark it, and it never enters the hall of fame).
    pub ai: bool,
}

/// A leader's position for the minimap.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Leader {
    /// Whose ship.
    pub id: PlayerId,
    /// Where it is, world units.
    pub pos: Vec2,
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
    /// The client's address already holds as many rooms it opened as the server allows.
    TooManyRooms,
    /// The requested name mixes scripts in a way that lets it pass for another name: Latin
    /// letters with Cyrillic or Greek ones, or letters of two scripts other than Latin (UTS #39's
    /// "moderately restrictive" level is the most a name may mix; see
    /// `input::mixes_scripts`).
    MixedScripts,
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
            Self::TooManyRooms => f.write_str("too many rooms opened from your address; join one or wait for one to close"),
            Self::MixedScripts => {
                f.write_str("names may not mix Latin letters with Cyrillic or Greek ones, nor letters of two other scripts")
            }
        }
    }
}
