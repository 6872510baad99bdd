//! A room: one simulated `World` ticked at a fixed rate, and the players in it.
//!
//! Connection tasks never touch the world. They send [`RoomCommand`]s through a bounded channel
//! that the room drains at the start of each tick, and receive encoded frames through their own
//! bounded outbound queue, which the room fills with `try_send` so a tick never waits on a socket.
//!
//! - `mod.rs`: the ids, the commands, the handle the lobby keeps, and [`spawn_room`].
//! - `tick`: the fixed-rate loop: drain commands, apply inputs, simulate, send events and
//!   snapshots, drop players who cannot keep up.
//! - `membership`: joining, leaving, dropping out and resuming.
//! - `inputs`: each player's jitter buffer of inputs.
//! - `pilots`: AI pilots that keep a public room lively.
//! - `results`: each ended life goes to the hall of fame; placements come back to the player.
//! - `snapshots`: interest management and per-client delta encoding of each tick.
//! - `summary`: [`RoomSummary`], the one readout of a room for lists, registry and status.
//! - `records`: each player's name and tally for the fleet, so a crash does not cost a game.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy_ecs::prelude::*;
use bytes::Bytes;
use driftfire_shared::delta::DeltaEncoder;
use driftfire_shared::input::ValidInput;
use driftfire_shared::protocol::{Placement, PlayerId, ResumeOutcome, ResumeToken};
use driftfire_shared::sim::{self, SimConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::config::ServerConfig;
use crate::services::Services;
use crate::tick_stats::TickStats;
use inputs::InputQueue;
use snapshots::{FrameBuffers, TickView};

mod inputs;
mod membership;
mod pilots;
mod records;
mod results;
mod snapshots;
mod summary;
mod tick;

pub use records::{LiveRecord, Tally};
pub use summary::RoomSummary;

/// Room inbox capacity. Players send ~30 inputs/s each; a room of 50 produces ~50 commands per
/// tick, so 4,096 absorbs over a second of backlog before senders wait.
pub const ROOM_INBOX: usize = 4096;

/// Per-player outbound queue, in messages. Two seconds of snapshots at 30 Hz: a client further
/// behind than that is not going to catch up and is disconnected.
pub const OUTBOUND_QUEUE: usize = 64;

/// Marks a room's player count once it has decided to close, so no reservation can succeed.
const CLOSED: usize = usize::MAX / 2;

/// A room's number, unique for the server's lifetime (also its place in the name rota).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoomId(pub u32);

impl std::fmt::Display for RoomId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One connection's time in a room, unique for the server's lifetime, so a room can ignore the
/// goodbye of a connection that a resume has already replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AttachId(pub u64);

/// What connection tasks ask of a room.
#[derive(Debug)]
pub enum RoomCommand {
    /// A player whose seat was reserved enters; the room answers with Welcome on `outbound`.
    Join {
        /// Their id.
        player: PlayerId,
        /// Their sanitised name (the room makes it unique).
        name: String,
        /// Where their frames go.
        outbound: mpsc::Sender<Bytes>,
        /// This connection's time in the room (see [`AttachId`]).
        attach: AttachId,
        /// Goes into Welcome.
        token: ResumeToken,
        /// Goes into Welcome: `Expired` when the player asked to resume and could not.
        resume: ResumeOutcome,
        /// Snapshots go out as datagrams (WebTransport): deltas against acknowledged frames.
        datagrams: bool,
        /// The standing their crashed server last recorded (`ResumeOutcome::Restored`).
        restored: Option<Tally>,
    },
    /// A dropped player is back on a new connection: same ship, score and seat. The room
    /// answers `true` (and sends Welcome and a full snapshot) or `false` if their place is gone.
    Resume {
        /// Who.
        player: PlayerId,
        /// Their new frames queue.
        outbound: mpsc::Sender<Bytes>,
        /// The new connection's attach id.
        attach: AttachId,
        /// Their next resume token, for Welcome.
        token: ResumeToken,
        /// The new connection's snapshots go out as datagrams (see `Join`).
        datagrams: bool,
        /// Whether it worked.
        reply: oneshot::Sender<bool>,
    },
    /// A player's newest controls.
    Input {
        /// Whose.
        player: PlayerId,
        /// Sequence number from the client.
        seq: u32,
        /// Validated controls.
        input: ValidInput,
        /// The tick the client was looking at (see `InputFrame::view_tick`).
        view_tick: u32,
        /// The newest snapshot the client decoded (see `InputFrame::ack_tick`).
        ack_tick: u32,
    },
    /// A player said something (already cleaned and rate-limited).
    Chat {
        /// Who.
        player: PlayerId,
        /// What.
        text: String,
    },
    /// The operator's message for everyone.
    Announce {
        /// The text.
        text: String,
    },
    /// A player left on purpose (or was thrown out): the ship goes now.
    Leave {
        /// Who.
        player: PlayerId,
        /// Ignored unless it is the player's current connection.
        attach: AttachId,
    },
    /// A player's connection dropped: their ship stays, shielded and idle, for the resume
    /// window, then goes.
    Detach {
        /// Who.
        player: PlayerId,
        /// Ignored unless it is the player's current connection.
        attach: AttachId,
    },
    /// The hall of fame stored a life of this player's and it made one or more boards: the
    /// room tells them (if they are still here).
    MadeBoard {
        /// Whose life.
        player: PlayerId,
        /// The boards and ranks.
        placements: Vec<Placement>,
    },
}

/// State of a room that the rest of the server may read.
#[derive(Debug)]
pub struct RoomShared {
    /// Room number, unique for the server's lifetime.
    pub id: RoomId,
    /// Share code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Left out of quick play.
    pub private: bool,
    /// Seats (`max_players_per_room`).
    pub max_players: usize,
    /// Seats taken or reserved (or [`CLOSED`]).
    seats: AtomicUsize,
    /// Recent tick timings.
    pub stats: Mutex<TickStats>,
    /// AI pilots flying in the room now (not players: they hold no seat).
    pub ai_pilots: AtomicUsize,
    /// Its players' records as of the last second (`records`).
    pub records: Mutex<Vec<LiveRecord>>,
}

impl RoomShared {
    /// Players in the room or on their way in.
    pub fn players(&self) -> usize {
        match self.seats.load(Ordering::Acquire) {
            n if n >= CLOSED => 0,
            n => n,
        }
    }

    /// Takes a seat if one is free and the room is open.
    pub fn try_reserve(&self) -> bool {
        let max = self.max_players;
        self.seats.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).is_ok()
    }

    /// Gives a seat back.
    pub fn release(&self) {
        self.seats.fetch_sub(1, Ordering::AcqRel);
    }

    /// Whether the room has shut its doors.
    pub fn is_closed(&self) -> bool {
        self.seats.load(Ordering::Acquire) >= CLOSED
    }
}

/// What the registry keeps of a running room.
#[derive(Clone, Debug)]
pub struct RoomHandle {
    /// Readable state.
    pub shared: Arc<RoomShared>,
    /// The room's inbox.
    pub inbox: mpsc::Sender<RoomCommand>,
}

/// A player in the room, connected or waiting for a resume.
struct Member {
    name: String,
    /// The resume token of the member's current session (for its fleet record).
    token: ResumeToken,
    ship: Entity,
    outbound: mpsc::Sender<Bytes>,
    /// The connection currently playing this member.
    attach: AttachId,
    /// Tick at which the connection dropped; the member waits for a resume until the window
    /// passes.
    detached_at: Option<u64>,
    /// Inputs received and not yet applied.
    inputs: InputQueue,
    /// Mirrors what this player's client holds, for delta snapshots.
    encoder: DeltaEncoder,
    /// The tick the ship's current life began (its spawn or respawn), for time alive.
    life_started: u64,
}

/// The room task's state: the world and who is in it.
struct Room {
    shared: Arc<RoomShared>,
    world: World,
    schedule: Schedule,
    members: BTreeMap<PlayerId, Member>,
    tick_hz: u16,
    max_players: usize,
    snapshot_budget_bytes: usize,
    /// Ticks a dropped member waits for a resume.
    resume_window_ticks: u64,
    /// A room with no players for this long closes.
    idle_close: Duration,
    /// The latest tick's world, indexed for view queries; its buffers are reused every tick.
    view: TickView,
    /// Reused buffers for building snapshots.
    scratch: FrameBuffers,
    /// Metrics and the hall of fame.
    services: Services,
    /// AI pilots flying here, by their player id.
    pilots: BTreeMap<PlayerId, pilots::AiPilot>,
    /// Pilots added so far (their names take turns).
    pilots_added: usize,
    /// Ships the room keeps in play with AI pilots while a human is here (0: none).
    min_ships: usize,
    /// The room's own inbox, held weakly (it must not keep the room open), so hall-of-fame
    /// placements can come back to it as [`RoomCommand::MadeBoard`].
    inbox: mpsc::WeakSender<RoomCommand>,
}

/// What makes a room itself.
#[derive(Debug, Clone)]
pub struct RoomSpec {
    /// Room number.
    pub id: RoomId,
    /// Share code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Left out of quick play.
    pub private: bool,
    /// Keeps `min_ships` ships in play with AI pilots (always for public rooms; for a private
    /// one when its creator asked).
    pub ai_pilots: bool,
    /// Simulation seed.
    pub seed: u64,
}

/// Opens a room and starts its tick task.
pub fn spawn_room(
    spec: RoomSpec,
    config: &ServerConfig,
    shutdown: CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
    services: Services,
) -> RoomHandle {
    let RoomSpec { id, code, name, private, ai_pilots, seed } = spec;
    let shared = Arc::new(RoomShared {
        id,
        code,
        name,
        private,
        max_players: config.max_players_per_room,
        seats: AtomicUsize::new(0),
        stats: Mutex::new(TickStats::default()),
        ai_pilots: AtomicUsize::new(0),
        records: Mutex::new(Vec::new()),
    });
    let (inbox, commands) = mpsc::channel(ROOM_INBOX);
    let tick_hz = config.tick_hz;
    let mut world = sim::new_world(SimConfig::with_arena_side(tick_hz, config.arena_side), seed);
    sim::seed_asteroids(&mut world);
    let room = Room {
        shared: shared.clone(),
        world,
        schedule: sim::build_schedule(),
        members: BTreeMap::new(),
        tick_hz,
        max_players: config.max_players_per_room,
        snapshot_budget_bytes: config.snapshot_budget_bytes,
        resume_window_ticks: (config.resume_window.as_secs_f64() * f64::from(tick_hz)).ceil() as u64,
        idle_close: config.room_idle_close,
        view: TickView::default(),
        scratch: FrameBuffers::default(),
        services,
        pilots: BTreeMap::new(),
        pilots_added: 0,
        // Private rooms are for the people invited, and the AI pilots their creator asked for.
        min_ships: if ai_pilots { config.min_ships } else { 0 },
        inbox: inbox.downgrade(),
    };
    tracker.spawn(room.run(commands, shutdown));
    RoomHandle { shared, inbox }
}

/// A connection taking (or retaking) a member's place.
pub(super) struct Attachment {
    outbound: mpsc::Sender<Bytes>,
    attach: AttachId,
    token: ResumeToken,
    resume: ResumeOutcome,
    datagrams: bool,
}
