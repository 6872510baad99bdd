//! The set of rooms: quick play seats a player in the fullest open room with space and opens a
//! new room when every one is full.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use driftfire_shared::protocol::{PlayerId, RejectReason};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::metrics::percentile;
use crate::room::{RoomHandle, spawn_room};

/// All rooms of the server.
#[derive(Debug)]
pub struct Rooms {
    rooms: Mutex<Vec<RoomHandle>>,
    next_room_id: AtomicU32,
    next_player_id: AtomicU32,
    config: ServerConfig,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

/// A room as `/api/status` shows it.
#[derive(Debug, Serialize)]
pub struct RoomStatus {
    /// Room number.
    pub id: u32,
    /// Players in it.
    pub players: usize,
    /// Seats.
    pub max_players: usize,
    /// Ticks that overran their deadline.
    pub tick_overruns: u64,
}

/// Server-wide room figures.
#[derive(Debug, Serialize)]
pub struct RoomsSummary {
    /// Players in all rooms.
    pub players: usize,
    /// 99th percentile of recent tick durations over all rooms, milliseconds.
    pub tick_p99_ms: f64,
    /// Mean of recent tick durations over all rooms, milliseconds.
    pub tick_mean_ms: f64,
    /// Ticks that overran their deadline, all rooms, since start.
    pub tick_overruns: u64,
    /// Snapshots sent by the open rooms.
    pub snapshots: crate::metrics::SnapshotSummary,
    /// Each open room.
    pub rooms: Vec<RoomStatus>,
}

impl Rooms {
    /// An empty set; rooms open on demand.
    pub fn new(config: ServerConfig, shutdown: CancellationToken, tracker: TaskTracker) -> Self {
        Self {
            rooms: Mutex::new(Vec::new()),
            next_room_id: AtomicU32::new(1),
            next_player_id: AtomicU32::new(1),
            config,
            shutdown,
            tracker,
        }
    }

    /// A fresh player id, never reused while the server runs.
    pub fn new_player_id(&self) -> PlayerId {
        PlayerId(self.next_player_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Reserves a seat in the fullest open room with space, opening a room if needed. The caller
    /// must then send `RoomCommand::Join` (which keeps the seat) to the returned room.
    pub fn quick_play(&self) -> Result<RoomHandle, RejectReason> {
        let max = self.config.max_players_per_room;
        let mut rooms = self.rooms.lock().expect("rooms lock");
        rooms.retain(|r| !r.shared.is_closed());
        let mut candidates: Vec<&RoomHandle> = rooms.iter().collect();
        candidates.sort_by_key(|r| std::cmp::Reverse(r.shared.players()));
        if let Some(room) = candidates.into_iter().find(|r| r.shared.try_reserve(max)) {
            return Ok(room.clone());
        }
        if rooms.len() >= self.config.max_rooms || self.shutdown.is_cancelled() {
            return Err(RejectReason::ServerFull);
        }
        let id = self.next_room_id.fetch_add(1, Ordering::Relaxed);
        let seed = self.config.seed ^ u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let room = spawn_room(id, &self.config, seed, self.shutdown.clone(), &self.tracker);
        let reserved = room.shared.try_reserve(max);
        debug_assert!(reserved, "a new room has space");
        rooms.push(room.clone());
        Ok(room)
    }

    /// Figures for `/api/status`.
    pub fn summary(&self) -> RoomsSummary {
        let rooms = self.rooms.lock().expect("rooms lock").clone();
        let mut samples: Vec<Duration> = Vec::new();
        let mut statuses = Vec::new();
        let mut overruns = 0;
        let mut snapshots = crate::metrics::SnapshotTotals::default();
        for room in rooms.iter().filter(|r| !r.shared.is_closed()) {
            let stats = room.shared.stats.lock().expect("tick stats lock");
            samples.extend_from_slice(stats.recent());
            overruns += stats.overruns;
            snapshots.add(&stats.snapshots);
            statuses.push(RoomStatus {
                id: room.shared.id,
                players: room.shared.players(),
                max_players: self.config.max_players_per_room,
                tick_overruns: stats.overruns,
            });
        }
        let mean = if samples.is_empty() { 0.0 } else { samples.iter().map(Duration::as_secs_f64).sum::<f64>() / samples.len() as f64 };
        RoomsSummary {
            players: statuses.iter().map(|s| s.players).sum(),
            tick_p99_ms: percentile(&mut samples, 99.0).as_secs_f64() * 1e3,
            tick_mean_ms: mean * 1e3,
            tick_overruns: overruns,
            snapshots: snapshots.into(),
            rooms: statuses,
        }
    }
}
