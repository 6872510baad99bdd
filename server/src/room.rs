//! A room: one simulated `World` ticked at a fixed rate, and the players in it.
//!
//! Connection tasks never touch the world. They send [`RoomCommand`]s through a bounded channel
//! that the room drains at the start of each tick, and receive encoded frames through their own
//! bounded outbound queue, which the room fills with `try_send` so a tick never waits on a socket.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy_ecs::prelude::*;
use bytes::Bytes;
use driftfire_shared::codec::{EncodedSnapshotBody, encode_server};
use driftfire_shared::input::ValidInput;
use driftfire_shared::protocol::{PlayerId, PlayerInfo, ScoreEntry, ServerMsg, Welcome};
use driftfire_shared::sim::{self, Score, Ship, ShipControl, SimConfig, SimEvent, SimEvents, SimTick};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::metrics::TickStats;

/// Room inbox capacity. Players send ~30 inputs/s each; a room of 50 produces ~50 commands per
/// tick, so 4,096 absorbs over a second of backlog before senders wait.
pub const ROOM_INBOX: usize = 4096;

/// Per-player outbound queue, in messages. Two seconds of snapshots at 30 Hz: a client further
/// behind than that is not going to catch up and is disconnected.
pub const OUTBOUND_QUEUE: usize = 64;

/// A room with no players for this long closes and frees its memory.
pub const ROOM_IDLE_CLOSE: Duration = Duration::from_secs(60);

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
    },
    /// A player's newest controls.
    Input {
        /// Whose.
        player: PlayerId,
        /// Sequence number from the client.
        seq: u32,
        /// Validated controls.
        input: ValidInput,
    },
    /// A player left (socket closed for any reason).
    Leave {
        /// Who.
        player: PlayerId,
    },
}

/// State of a room that the rest of the server may read.
#[derive(Debug)]
pub struct RoomShared {
    /// Room number, unique for the server's lifetime.
    pub id: u32,
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
    last_input_seq: u32,
}

/// The room task's state: the world and who is in it.
struct Room {
    shared: Arc<RoomShared>,
    world: World,
    schedule: Schedule,
    members: BTreeMap<PlayerId, Member>,
    tick_hz: u16,
}

/// Opens a room and starts its tick task.
pub fn spawn_room(id: u32, tick_hz: u16, seed: u64, shutdown: CancellationToken, tracker: &tokio_util::task::TaskTracker) -> RoomHandle {
    let shared = Arc::new(RoomShared { id, seats: AtomicUsize::new(0), stats: Mutex::new(TickStats::default()) });
    let (inbox, commands) = mpsc::channel(ROOM_INBOX);
    let mut world = sim::new_world(SimConfig::new(tick_hz), seed);
    sim::seed_asteroids(&mut world);
    let room = Room { shared: shared.clone(), world, schedule: sim::build_schedule(), members: BTreeMap::new(), tick_hz };
    tracker.spawn(room.run(commands, shutdown));
    RoomHandle { shared, inbox }
}

impl Room {
    async fn run(mut self, mut commands: mpsc::Receiver<RoomCommand>, shutdown: CancellationToken) {
        let period = Duration::from_secs_f64(1.0 / f64::from(self.tick_hz));
        let mut deadline = Instant::now() + period;
        let mut idle_since = Instant::now();
        let mut last_overrun_log = Instant::now() - Duration::from_secs(60);
        tracing::info!(room = self.shared.id, tick_hz = self.tick_hz, "room opened");
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
            } else if finished - idle_since > ROOM_IDLE_CLOSE
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
            RoomCommand::Join { player, name, outbound } => self.join(player, name, outbound),
            RoomCommand::Input { player, seq, input } => {
                if let Some(member) = self.members.get_mut(&player)
                    && seq > member.last_input_seq
                {
                    member.last_input_seq = seq;
                    if let Some(mut control) = self.world.get_mut::<ShipControl>(member.ship) {
                        control.0 = input;
                    }
                }
            }
            RoomCommand::Leave { player } => self.remove(player),
        }
    }

    fn join(&mut self, player: PlayerId, requested: String, outbound: mpsc::Sender<Bytes>) {
        let name = self.unique_name(requested);
        let ship = sim::spawn_ship(&mut self.world, player);
        let info = PlayerInfo { id: player, name: name.clone() };
        self.broadcast(&ServerMsg::PlayerJoined(info));
        self.members.insert(player, Member { name: name.clone(), ship, outbound, last_input_seq: 0 });
        let welcome = ServerMsg::Welcome(Welcome {
            player_id: player,
            name: name.clone(),
            tick_hz: self.tick_hz,
            tick: self.world.resource::<SimTick>().0,
            arena: self.world.resource::<SimConfig>().arena,
            players: self.members.iter().map(|(id, m)| PlayerInfo { id: *id, name: m.name.clone() }).collect(),
        });
        self.send_to(player, &welcome);
        tracing::debug!(room = self.shared.id, player = player.0, %name, "player joined");
    }

    /// `name`, or `name` with the lowest free `#2`, `#3`… suffix if someone has it already.
    fn unique_name(&self, name: String) -> String {
        let taken = |candidate: &str| self.members.values().any(|m| m.name == candidate);
        if !taken(&name) {
            return name;
        }
        (2..).map(|n| format!("{name}#{n}")).find(|c| !taken(c)).expect("some suffix is free")
    }

    fn remove(&mut self, player: PlayerId) {
        let Some(member) = self.members.remove(&player) else { return };
        self.world.despawn(member.ship);
        self.shared.release();
        self.broadcast(&ServerMsg::PlayerLeft { id: player });
        tracing::debug!(room = self.shared.id, player = player.0, "player left");
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

    fn send_snapshots(&mut self, tick: u64) {
        if self.members.is_empty() {
            return;
        }
        let body = sim::snapshot_body(&mut self.world);
        let encoded = match EncodedSnapshotBody::new(&body) {
            Ok(encoded) => encoded,
            Err(error) => {
                tracing::error!(room = self.shared.id, %error, "snapshot too large to encode");
                return;
            }
        };
        let mut overflowed = Vec::new();
        for (id, member) in &self.members {
            match encoded.message_for(tick, member.last_input_seq) {
                Ok(bytes) => {
                    if !try_deliver(&member.outbound, Bytes::from(bytes)) {
                        overflowed.push(*id);
                    }
                }
                Err(error) => tracing::error!(room = self.shared.id, %error, "snapshot encode failed"),
            }
        }
        self.drop_slow(overflowed);
    }

    fn broadcast(&mut self, msg: &ServerMsg) {
        let bytes = match encode_server(msg) {
            Ok(bytes) => Bytes::from(bytes),
            Err(error) => return tracing::error!(%error, "broadcast encode failed"),
        };
        let overflowed: Vec<PlayerId> =
            self.members.iter().filter(|(_, m)| !try_deliver(&m.outbound, bytes.clone())).map(|(id, _)| *id).collect();
        self.drop_slow(overflowed);
    }

    fn send_to(&mut self, player: PlayerId, msg: &ServerMsg) {
        let Some(member) = self.members.get(&player) else { return };
        match encode_server(msg) {
            Ok(bytes) => {
                if !try_deliver(&member.outbound, Bytes::from(bytes)) {
                    self.drop_slow(vec![player]);
                }
            }
            Err(error) => tracing::error!(%error, "message encode failed"),
        }
    }

    /// Removes players whose queue is full (or whose connection is gone). Dropping the sender
    /// tells their connection task, which closes the socket with a reason.
    fn drop_slow(&mut self, players: Vec<PlayerId>) {
        for player in players {
            tracing::debug!(room = self.shared.id, player = player.0, "outbound queue full or closed: dropping player");
            self.remove(player);
        }
    }
}

/// Queues a frame without waiting. False if the queue is full or closed.
fn try_deliver(outbound: &mpsc::Sender<Bytes>, bytes: Bytes) -> bool {
    outbound.try_send(bytes).is_ok()
}
