//! A room: one simulated `World` ticked at a fixed rate, and the players in it.
//!
//! Connection tasks never touch the world. They send [`RoomCommand`]s through a bounded channel
//! that the room drains at the start of each tick, and receive encoded frames through their own
//! bounded outbound queue, which the room fills with `try_send` so a tick never waits on a socket.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy_ecs::prelude::*;
use bytes::Bytes;
use driftfire_shared::codec::encode_server;
use driftfire_shared::delta::{DeltaEncoder, GridEntity};
use driftfire_shared::input::ValidInput;
use driftfire_shared::protocol::{PlayerId, ResumeOutcome, ResumeToken, ScoreEntry, ServerMsg};
use driftfire_shared::sim::{self, NetEntity, Position, Score, Ship, ShipControl, SimConfig, SimEvent, SimEvents, SimTick};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::config::ServerConfig;
use crate::metrics::{SnapshotTotals, TickStats};
use crate::snapshots::{FrameRequest, TickView, client_frame};

mod membership;

/// Room inbox capacity. Players send ~30 inputs/s each; a room of 50 produces ~50 commands per
/// tick, so 4,096 absorbs over a second of backlog before senders wait.
pub const ROOM_INBOX: usize = 4096;

/// Per-player outbound queue, in messages. Two seconds of snapshots at 30 Hz: a client further
/// behind than that is not going to catch up and is disconnected.
pub const OUTBOUND_QUEUE: usize = 64;

/// Inputs a player may have waiting. The room applies exactly one per tick, in order, so the
/// server replays the same input sequence the client predicted with; a burst after network
/// jitter drains over the next ticks. More than 4 (~130 ms at 30 Hz) only adds latency, so the
/// oldest is dropped (a client whose clock runs fast cannot gain speed either).
pub const MAX_QUEUED_INPUTS: usize = 4;

/// Inputs a player's queue must hold before the room consumes them again after running dry:
/// one input of slack absorbs a tick of arrival jitter, so the room rarely has to repeat an
/// input (which the player's prediction would then have to correct).
pub const INPUT_BUFFER_TARGET: usize = 2;

/// A lone input is applied after waiting this many ticks anyway, so a client that sends only
/// now and then (a hidden tab) is not held back for good.
pub const MAX_REFILL_WAIT_TICKS: u8 = 3;

/// Marks a room's player count once it has decided to close, so no reservation can succeed.
const CLOSED: usize = usize::MAX / 2;

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
        /// This connection's time in the room (see `Rooms::new_attach_id`).
        attach: u64,
        /// Goes into Welcome.
        token: ResumeToken,
        /// Goes into Welcome: `Expired` when the player asked to resume and could not.
        resume: ResumeOutcome,
    },
    /// A dropped player is back on a new connection: same ship, score and seat. The room
    /// answers `true` (and sends Welcome and a full snapshot) or `false` if their place is gone.
    Resume {
        /// Who.
        player: PlayerId,
        /// Their new frames queue.
        outbound: mpsc::Sender<Bytes>,
        /// The new connection's attach id.
        attach: u64,
        /// Their next resume token, for Welcome.
        token: ResumeToken,
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
        attach: u64,
    },
    /// A player's connection dropped: their ship stays, shielded and idle, for the resume
    /// window, then goes.
    Detach {
        /// Who.
        player: PlayerId,
        /// Ignored unless it is the player's current connection.
        attach: u64,
    },
}

/// State of a room that the rest of the server may read.
#[derive(Debug)]
pub struct RoomShared {
    /// Room number, unique for the server's lifetime.
    pub id: u32,
    /// Share code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Left out of quick play.
    pub private: bool,
    /// Seats taken or reserved (or [`CLOSED`]).
    seats: AtomicUsize,
    /// Recent tick timings.
    pub stats: Mutex<TickStats>,
}

impl RoomShared {
    /// Players in the room or on their way in.
    pub fn players(&self) -> usize {
        match self.seats.load(Ordering::Acquire) {
            n if n >= CLOSED => 0,
            n => n,
        }
    }

    /// Takes a seat if one of `max` is free and the room is open.
    pub fn try_reserve(&self, max: usize) -> bool {
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

struct Member {
    name: String,
    ship: Entity,
    outbound: mpsc::Sender<Bytes>,
    /// The connection currently playing this member.
    attach: u64,
    /// Tick at which the connection dropped; the member waits for a resume until the window
    /// passes.
    detached_at: Option<u64>,
    /// Inputs received and not yet applied, oldest first.
    pending: VecDeque<(u32, ValidInput)>,
    /// Newest sequence number received (older or repeated ones are ignored).
    last_received_seq: u32,
    /// Sequence number of the input applied in the latest tick; snapshots echo it.
    last_input_seq: u32,
    /// The queue ran dry: wait until it holds [`INPUT_BUFFER_TARGET`] inputs again (or an
    /// input has waited [`MAX_REFILL_WAIT_TICKS`]).
    starved: bool,
    /// Ticks a lone input has waited for company while starved.
    refill_wait: u8,
    /// Mirrors what this player's client holds, for delta snapshots.
    encoder: DeltaEncoder,
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
    /// Reused buffers for interest queries.
    scratch: (Vec<usize>, Vec<GridEntity>),
}

/// What makes a room itself.
#[derive(Debug, Clone)]
pub struct RoomSpec {
    /// Room number.
    pub id: u32,
    /// Share code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Left out of quick play.
    pub private: bool,
    /// Simulation seed.
    pub seed: u64,
}

/// Opens a room and starts its tick task.
pub fn spawn_room(
    spec: RoomSpec,
    config: &ServerConfig,
    shutdown: CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
) -> RoomHandle {
    let RoomSpec { id, code, name, private, seed } = spec;
    let shared = Arc::new(RoomShared { id, code, name, private, seats: AtomicUsize::new(0), stats: Mutex::new(TickStats::default()) });
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
        scratch: (Vec::new(), Vec::new()),
    };
    tracker.spawn(room.run(commands, shutdown));
    RoomHandle { shared, inbox }
}

impl Room {
    async fn run(mut self, mut commands: mpsc::Receiver<RoomCommand>, shutdown: CancellationToken) {
        let period = Duration::from_secs_f64(1.0 / f64::from(self.tick_hz));
        let mut deadline = Instant::now() + period;
        let mut idle_since = Instant::now();
        let mut last_overrun_log = Instant::now() - Duration::from_secs(60);
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = sleep_until(deadline) => {}
            }
            let started = Instant::now();
            self.tick(&mut commands);
            let finished = Instant::now();
            // Absolute deadlines: the next tick is due one period after this one was due, not
            // after it finished, so the rate does not drift.
            deadline += period;
            let overrun = finished > deadline;
            {
                let mut stats = self.shared.stats.lock().expect("tick stats lock");
                stats.record(finished - started);
                if overrun {
                    stats.overruns += 1;
                }
            }
            if overrun {
                if finished - last_overrun_log > Duration::from_secs(5) {
                    last_overrun_log = finished;
                    tracing::warn!(room = self.shared.id, took_ms = (finished - started).as_secs_f64() * 1e3, "tick overran its deadline");
                }
                // Far behind (e.g. the process was paused): skip the missed ticks, don't burst.
                if finished - deadline > period * 4 {
                    deadline = finished + period;
                }
            }
            if !self.members.is_empty() || self.shared.players() > 0 {
                idle_since = finished;
            } else if finished - idle_since > self.idle_close
                && self.shared.seats.compare_exchange(0, CLOSED, Ordering::AcqRel, Ordering::Acquire).is_ok()
            {
                tracing::info!(room = self.shared.id, "room closed after idling");
                break;
            }
        }
        // Leftover joins (reserved before close) are refused by dropping their senders.
        self.shared.seats.store(CLOSED, Ordering::Release);
    }

    /// One tick: drain commands, apply inputs, simulate, broadcast.
    fn tick(&mut self, commands: &mut mpsc::Receiver<RoomCommand>) {
        // Bounded drain: commands arriving during the drain wait for the next tick.
        for _ in 0..commands.len() {
            let Ok(command) = commands.try_recv() else { break };
            self.handle(command);
        }
        self.tend_detached();
        self.apply_queued_inputs();
        self.schedule.run(&mut self.world);
        let tick = self.world.resource::<SimTick>().0;

        let events = std::mem::take(&mut self.world.resource_mut::<SimEvents>().0);
        for event in events {
            if let SimEvent::ShipDestroyed { killer, victim } = event {
                self.broadcast(&ServerMsg::Kill { killer, victim });
            }
        }
        if tick % u64::from(self.tick_hz) == 0 {
            let entries = self.scoreboard();
            self.broadcast(&ServerMsg::Scoreboard { entries });
        }
        self.send_snapshots(tick);
    }

    fn handle(&mut self, command: RoomCommand) {
        match command {
            RoomCommand::Join { player, name, outbound, attach, token, resume } => {
                self.join(player, name, Attachment { outbound, attach, token, resume })
            }
            RoomCommand::Resume { player, outbound, attach, token, reply } => {
                let resumed = self.resume(player, Attachment { outbound, attach, token, resume: ResumeOutcome::Resumed });
                let _ = reply.send(resumed);
            }
            RoomCommand::Input { player, seq, mut input, view_tick } => {
                let tick = self.world.resource::<SimTick>().0;
                let max_rewind = self.world.resource::<SimConfig>().max_rewind_ticks;
                if let Some(member) = self.members.get_mut(&player)
                    && seq > member.last_received_seq
                {
                    member.last_received_seq = seq;
                    // Lag compensation: how far behind the present the shooter's view was.
                    let behind = tick.saturating_sub(u64::from(view_tick));
                    input.rewind_ticks = behind.min(u64::from(max_rewind)) as u8;
                    member.pending.push_back((seq, input));
                    if member.pending.len() > MAX_QUEUED_INPUTS {
                        member.pending.pop_front();
                    }
                }
            }
            RoomCommand::Chat { player, text } => {
                if self.members.contains_key(&player) {
                    self.broadcast(&ServerMsg::Chat { from: Some(player), text });
                }
            }
            RoomCommand::Announce { text } => self.broadcast(&ServerMsg::Announcement { text }),
            RoomCommand::Leave { player, attach } => {
                if self.members.get(&player).is_some_and(|m| m.attach == attach) {
                    self.remove(player);
                }
            }
            RoomCommand::Detach { player, attach } => self.detach(player, attach),
        }
    }

    /// Each player's next input becomes their ship's control for this tick. With none waiting
    /// (a late packet) the previous control simply continues, and the queue refills to its
    /// jitter-buffer depth before inputs are consumed again.
    fn apply_queued_inputs(&mut self) {
        for member in self.members.values_mut().filter(|m| m.detached_at.is_none()) {
            if member.starved && member.pending.len() < INPUT_BUFFER_TARGET && member.refill_wait < MAX_REFILL_WAIT_TICKS {
                member.refill_wait += u8::from(!member.pending.is_empty());
                continue;
            }
            member.refill_wait = 0;
            let Some((seq, input)) = member.pending.pop_front() else {
                member.starved = true;
                continue;
            };
            member.starved = false;
            member.last_input_seq = seq;
            if let Some(mut control) = self.world.get_mut::<ShipControl>(member.ship) {
                control.0 = input;
            }
        }
    }

    fn scoreboard(&mut self) -> Vec<ScoreEntry> {
        let mut entries: Vec<ScoreEntry> = self
            .world
            .query::<(&Ship, &Score)>()
            .iter(&self.world)
            .map(|(ship, s)| ScoreEntry { id: ship.owner, score: s.score, kills: s.kills, deaths: s.deaths })
            .collect();
        entries.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
        entries
    }

    /// Each player gets what is in and near their view, as a delta against their last frame.
    fn send_snapshots(&mut self, tick: u64) {
        if self.members.is_empty() {
            return;
        }
        let view = TickView::new(&mut self.world);
        let mut totals = SnapshotTotals::default();
        let mut overflowed = Vec::new();
        for (id, member) in self.members.iter_mut().filter(|(_, m)| m.detached_at.is_none()) {
            let center = self.world.get::<Position>(member.ship).map_or(bevy_math::Vec2::ZERO, |p| p.0);
            let own = self.world.get::<NetEntity>(member.ship).map(|n| n.0.0);
            let request = FrameRequest {
                tick,
                last_input_seq: member.last_input_seq,
                center,
                own,
                budget_bytes: self.snapshot_budget_bytes,
                view: &view,
            };
            match client_frame(&mut member.encoder, &request, &mut self.scratch, &mut totals) {
                Ok(bytes) => {
                    if !try_deliver(&member.outbound, Bytes::from(bytes)) {
                        overflowed.push(*id);
                    }
                }
                Err(error) => {
                    // The client's decoder now lags the encoder: start it over with a full frame.
                    tracing::error!(room = self.shared.id, player = id.0, %error, "snapshot encode failed");
                    member.encoder.reset();
                }
            }
        }
        self.shared.stats.lock().expect("tick stats lock").snapshots.add(&totals);
        self.drop_slow(overflowed);
    }

    fn broadcast(&mut self, msg: &ServerMsg) {
        let bytes = match encode_server(msg) {
            Ok(bytes) => Bytes::from(bytes),
            Err(error) => return tracing::error!(%error, "broadcast encode failed"),
        };
        let overflowed: Vec<PlayerId> = self
            .members
            .iter()
            .filter(|(_, m)| m.detached_at.is_none() && !try_deliver(&m.outbound, bytes.clone()))
            .map(|(id, _)| *id)
            .collect();
        self.drop_slow(overflowed);
    }

    fn send_to(&mut self, player: PlayerId, msg: &ServerMsg) {
        let Some(member) = self.members.get(&player).filter(|m| m.detached_at.is_none()) else { return };
        match encode_server(msg) {
            Ok(bytes) => {
                if !try_deliver(&member.outbound, Bytes::from(bytes)) {
                    self.drop_slow(vec![player]);
                }
            }
            Err(error) => tracing::error!(%error, "message encode failed"),
        }
    }

    /// Players whose queue would not take a frame. A full queue means a client too slow to keep
    /// up: it is removed, and dropping the sender tells its connection task, which closes the
    /// socket with a reason. A closed queue means the connection task has just ended and its
    /// Leave or Detach is on the way: until then the player counts as dropped (and so may still
    /// resume), rather than removed by a frame that raced the goodbye.
    fn drop_slow(&mut self, players: Vec<PlayerId>) {
        for player in players {
            let Some(member) = self.members.get(&player) else { continue };
            if member.outbound.is_closed() {
                let attach = member.attach;
                self.detach(player, attach);
            } else {
                tracing::debug!(room = self.shared.id, player = player.0, "outbound queue full: dropping player");
                self.remove(player);
            }
        }
    }
}

/// A connection taking (or retaking) a member's place.
pub(super) struct Attachment {
    outbound: mpsc::Sender<Bytes>,
    attach: u64,
    token: ResumeToken,
    resume: ResumeOutcome,
}

/// Queues a frame without waiting. False if the queue is full or closed.
fn try_deliver(outbound: &mpsc::Sender<Bytes>, bytes: Bytes) -> bool {
    outbound.try_send(bytes).is_ok()
}
