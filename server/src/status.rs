//! The JSON the server reports about itself: `/api/status` (uptime, connections, players, tick
//! timings and snapshot figures, per room and overall) and `/api/rooms` (the room list, as the
//! title screen shows it).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use driftfire_shared::protocol::{PROTOCOL_VERSION, RoomInfo};
use serde::Serialize;

use crate::metrics::{SnapshotSummary, SnapshotTotals, percentile};
use crate::room::RoomId;
use crate::state::ServerState;

/// `/api/status`.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The server's crate version.
    version: &'static str,
    /// [`PROTOCOL_VERSION`].
    protocol: u32,
    /// Seconds since start.
    uptime_s: u64,
    /// Ticks per second of every room.
    tick_hz: u16,
    /// Open WebSocket connections (in handshake or playing).
    connections: usize,
    /// Players in all rooms.
    players: usize,
    /// Open rooms.
    rooms: usize,
    /// 99th percentile of recent tick durations over all rooms, milliseconds.
    tick_p99_ms: f64,
    /// Mean of recent tick durations over all rooms, milliseconds.
    tick_mean_ms: f64,
    /// Ticks that overran their deadline, all open rooms, since they opened.
    tick_overruns: u64,
    /// Snapshots sent by the open rooms.
    snapshots: SnapshotSummary,
    /// Each open room.
    room_list: Vec<RoomStatus>,
}

/// A room as `/api/status` shows it.
#[derive(Debug, Serialize)]
pub struct RoomStatus {
    /// Room number.
    id: RoomId,
    /// Display name.
    name: String,
    /// Left out of quick play.
    private: bool,
    /// Players in it.
    players: usize,
    /// Seats.
    max_players: usize,
    /// Ticks that overran their deadline.
    tick_overruns: u64,
}

/// `GET /api/status`.
pub async fn status(State(state): State<Arc<ServerState>>) -> Json<Status> {
    Json(summarize(&state))
}

/// `GET /api/rooms`: the same list a `ListRooms` request gets.
pub async fn rooms(State(state): State<Arc<ServerState>>) -> Json<Vec<RoomInfo>> {
    Json(state.lobby.list())
}

/// Gathers the figures of every open room.
fn summarize(state: &ServerState) -> Status {
    let mut samples: Vec<Duration> = Vec::new();
    let mut room_list = Vec::new();
    let mut overruns = 0;
    let mut snapshots = SnapshotTotals::default();
    for room in state.lobby.rooms() {
        let stats = room.shared.stats.lock().expect("tick stats lock");
        samples.extend_from_slice(stats.recent());
        overruns += stats.overruns;
        snapshots.add(&stats.snapshots);
        room_list.push(RoomStatus {
            id: room.shared.id,
            name: room.shared.name.clone(),
            private: room.shared.private,
            players: room.shared.players(),
            max_players: state.config.max_players_per_room,
            tick_overruns: stats.overruns,
        });
    }
    let mean = if samples.is_empty() { 0.0 } else { samples.iter().map(Duration::as_secs_f64).sum::<f64>() / samples.len() as f64 };
    Status {
        version: env!("CARGO_PKG_VERSION"),
        protocol: PROTOCOL_VERSION,
        uptime_s: state.started.elapsed().as_secs(),
        tick_hz: state.config.tick_hz,
        connections: state.admission.open(),
        players: room_list.iter().map(|s| s.players).sum(),
        rooms: room_list.len(),
        tick_p99_ms: percentile(&mut samples, 99.0).as_secs_f64() * 1e3,
        tick_mean_ms: mean * 1e3,
        tick_overruns: overruns,
        snapshots: snapshots.into(),
        room_list,
    }
}
