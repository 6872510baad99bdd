//! The room's fixed-rate loop: each tick drains the inbox, applies one queued input per player,
//! runs the shared simulation, sends events and per-client snapshots, and drops players whose
//! outbound queue is full. Deadlines are absolute, so the rate does not drift; a tick that
//! overruns is logged (at a limited rate) and a far-behind loop skips ticks instead of bursting.

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use driftfire_shared::codec::encode_server;
use driftfire_shared::protocol::{LEADERS, Leader, PlayerId, ResumeOutcome, ScoreEntry, ServerMsg};
use driftfire_shared::sim::{NetEntity, Position, Score, Ship, ShipControl, SimConfig, SimEvent, SimEvents, SimTick};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;

use super::snapshots::{FrameRequest, client_frame};
use super::{Attachment, CLOSED, Room, RoomCommand};
use crate::tick_stats::SnapshotTotals;

/// Minimap updates per second: leaders move slowly at minimap scale, and each update costs
/// every player ~60 bytes.
const LEADERS_PER_SECOND: u16 = 2;

impl Room {
    /// Ticks until shutdown or until the room has been empty for its idle period.
    pub(super) async fn run(mut self, mut commands: mpsc::Receiver<RoomCommand>, shutdown: CancellationToken) {
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
            self.services.metrics.tick_duration.observe((finished - started).as_secs_f64());
            if overrun {
                self.services.metrics.tick_overruns.inc();
            }
            if overrun {
                if finished - last_overrun_log > Duration::from_secs(5) {
                    last_overrun_log = finished;
                    tracing::warn!(room = %self.shared.id, took_ms = (finished - started).as_secs_f64() * 1e3, "tick overran its deadline");
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
                tracing::info!(room = %self.shared.id, "room closed after idling");
                break;
            }
        }
        // Leftover joins (reserved before close) are refused by dropping their senders.
        self.shared.seats.store(CLOSED, Ordering::Release);
        // Shutdown: every life still in play ends here (an idle room has none).
        self.end_all_lives();
    }

    /// One tick: drain commands, apply inputs, simulate, broadcast.
    fn tick(&mut self, commands: &mut mpsc::Receiver<RoomCommand>) {
        // Bounded drain: commands arriving during the drain wait for the next tick.
        for _ in 0..commands.len() {
            let Ok(command) = commands.try_recv() else { break };
            self.handle(command);
        }
        self.tend_detached();
        self.fly_pilots();
        self.apply_queued_inputs();
        self.schedule.run(&mut self.world);
        let tick = self.world.resource::<SimTick>().0;

        let events = std::mem::take(&mut self.world.resource_mut::<SimEvents>().0);
        for event in events {
            if let SimEvent::ShipDestroyed { killer, victim } = event {
                self.broadcast(&ServerMsg::Kill { killer, victim });
                self.end_life(victim, true);
            }
        }
        if tick.is_multiple_of(u64::from(self.tick_hz)) {
            let entries = self.scoreboard();
            self.broadcast(&ServerMsg::Scoreboard { entries });
            self.publish_records();
        }
        if tick.is_multiple_of(u64::from((self.tick_hz / LEADERS_PER_SECOND).max(1))) {
            let leaders = self.leaders();
            self.broadcast(&ServerMsg::Leaders { leaders });
        }
        self.send_snapshots(tick);
    }

    /// Acts on one command from a connection task.
    fn handle(&mut self, command: RoomCommand) {
        match command {
            RoomCommand::Join { player, name, outbound, attach, token, resume, datagrams, restored } => {
                self.join(player, name, Attachment { outbound, attach, token, resume, datagrams }, restored)
            }
            RoomCommand::Resume { player, outbound, attach, token, datagrams, reply } => {
                let resumed = self.resume(player, Attachment { outbound, attach, token, resume: ResumeOutcome::Resumed, datagrams });
                let _ = reply.send(resumed);
            }
            RoomCommand::Input { player, seq, mut input, view_tick, ack_tick } => {
                let tick = self.world.resource::<SimTick>().0;
                let max_rewind = self.world.resource::<SimConfig>().max_rewind_ticks;
                if let Some(member) = self.members.get_mut(&player) {
                    // Lag compensation: how far behind the present the shooter's view was.
                    let behind = tick.saturating_sub(u64::from(view_tick));
                    input.rewind_ticks = behind.min(u64::from(max_rewind)) as u8;
                    member.inputs.push(seq, input);
                    member.encoder.acknowledge(u64::from(ack_tick));
                }
            }
            RoomCommand::Chat { player, text } => {
                if self.members.contains_key(&player) {
                    self.services.metrics.chat_lines.inc();
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
            RoomCommand::MadeBoard { player, placements } => self.made_board(player, placements),
        }
    }

    /// Each player's next input becomes their ship's control for this tick. With none waiting
    /// (a late packet) the previous control simply continues, and the queue refills to its
    /// jitter-buffer depth before inputs are consumed again.
    fn apply_queued_inputs(&mut self) {
        for member in self.members.values_mut().filter(|m| m.detached_at.is_none()) {
            let shed = member.inputs.shed();
            if let Some(input) = member.inputs.next()
                && let Some(mut control) = self.world.get_mut::<ShipControl>(member.ship)
            {
                control.0 = input;
            }
            if member.inputs.shed() > shed {
                self.services.metrics.inputs_shed.inc();
            }
        }
    }

    /// The top [`LEADERS`] living ships by score, with where they are, for the minimap.
    fn leaders(&mut self) -> Vec<Leader> {
        let mut ships: Vec<(u32, Leader)> = self
            .world
            .query::<(&Ship, &Score, &Position)>()
            .iter(&self.world)
            .filter(|(ship, ..)| ship.is_alive())
            .map(|(ship, score, pos)| (score.score, Leader { id: ship.owner, pos: pos.0 }))
            .collect();
        ships.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
        ships.into_iter().take(LEADERS).map(|(_, leader)| leader).collect()
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
        self.view.read(&mut self.world);
        let mut totals = SnapshotTotals::default();
        let mut overflowed = Vec::new();
        for (id, member) in self.members.iter_mut().filter(|(_, m)| m.detached_at.is_none()) {
            let center = self.world.get::<Position>(member.ship).map_or(bevy_math::Vec2::ZERO, |p| p.0);
            let own = self.world.get::<NetEntity>(member.ship).map(|n| n.0.0);
            let request = FrameRequest {
                tick,
                last_input_seq: member.inputs.last_applied_seq(),
                center,
                own,
                budget_bytes: self.snapshot_budget_bytes,
                view: &self.view,
            };
            let encode_ns_before = totals.encode_ns;
            match client_frame(&mut member.encoder, &request, &mut self.scratch, &mut totals) {
                Ok(bytes) => {
                    let metrics = &self.services.metrics;
                    metrics.snapshot_size.observe(bytes.len() as f64);
                    metrics.snapshot_encode.observe((totals.encode_ns - encode_ns_before) as f64 * 1e-9);
                    if !try_deliver(&member.outbound, bytes) {
                        overflowed.push(*id);
                    }
                }
                Err(error) => {
                    // The client's decoder now lags the encoder: start it over with a full frame.
                    tracing::error!(room = %self.shared.id, player = id.0, %error, "snapshot encode failed");
                    member.encoder.reset();
                }
            }
        }
        self.shared.stats.lock().expect("tick stats lock").snapshots.add(&totals);
        self.drop_slow(overflowed);
    }

    pub(super) fn broadcast(&mut self, msg: &ServerMsg) {
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

    pub(super) fn send_to(&mut self, player: PlayerId, msg: &ServerMsg) {
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
    pub(super) fn drop_slow(&mut self, players: Vec<PlayerId>) {
        for player in players {
            let Some(member) = self.members.get(&player) else { continue };
            if member.outbound.is_closed() {
                let attach = member.attach;
                self.detach(player, attach);
            } else {
                tracing::debug!(room = %self.shared.id, player = player.0, "outbound queue full: dropping player");
                self.remove(player);
            }
        }
    }
}

/// Queues a frame without waiting. False if the queue is full or closed.
fn try_deliver(outbound: &mpsc::Sender<Bytes>, bytes: Bytes) -> bool {
    outbound.try_send(bytes).is_ok()
}
