//! The JSON the server reports about itself: `/api/status` (uptime, connections, players, tick
//! timings and snapshot figures, per room and overall) and `/api/rooms` (the room list, as the
//! title screen shows it), and `/api/hall-of-fame` (a board of the hall of fame).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use driftfire_shared::protocol::{BOARD_SIZE, BoardEntry, PROTOCOL_VERSION, Period, RoomInfo};
use serde::{Deserialize, Serialize};

use crate::hall_of_fame::HallOfFameStatus;
use crate::room::{RoomId, RoomSummary};
use crate::state::ServerState;
use crate::tick_stats::SnapshotSummary;

/// `/api/status`.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The server's crate version.
    pub(crate) version: &'static str,
    /// [`PROTOCOL_VERSION`].
    pub(crate) protocol: u32,
    /// Seconds since start.
    pub(crate) uptime_s: u64,
    /// Ticks per second of every room.
    pub(crate) tick_hz: u16,
    /// Open WebSocket connections (in handshake or playing).
    pub(crate) connections: usize,
    /// Players in all rooms.
    pub(crate) players: usize,
    /// AI pilots flying in all rooms (not players).
    pub(crate) ai_pilots: usize,
    /// Open rooms.
    pub(crate) rooms: usize,
    /// 99th percentile of recent tick durations over all rooms, milliseconds.
    pub(crate) tick_p99_ms: f64,
    /// Mean of recent tick durations over all rooms, milliseconds.
    pub(crate) tick_mean_ms: f64,
    /// Ticks that overran their deadline, all open rooms, since they opened.
    pub(crate) tick_overruns: u64,
    /// Snapshots sent by the open rooms.
    pub(crate) snapshots: SnapshotSummary,
    /// Each open room.
    pub(crate) room_list: Vec<RoomStatus>,
    /// Whether the hall of fame is recording, and why not.
    pub(crate) hall_of_fame: HallOfFameStatus,
    /// With `--redis`: this server in the fleet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fleet: Option<FleetStatus>,
}

/// `/api/status` → `fleet`.
#[derive(Debug, Serialize)]
pub struct FleetStatus {
    /// This server's id.
    server_id: String,
    /// Its public game-socket URL.
    public_url: String,
    /// Whether Redis answered the latest heartbeat.
    redis_up: bool,
    /// Live servers in the registry, this one included.
    servers: u64,
    /// Taking no new players.
    draining: bool,
}

/// A room as `/api/status` shows it: its [`RoomSummary`] without the code (the status is
/// public; a private room's code is its only lock).
#[derive(Debug, Serialize)]
pub struct RoomStatus {
    /// Room number.
    pub(crate) id: RoomId,
    /// Display name.
    pub(crate) name: String,
    /// Left out of quick play.
    pub(crate) private: bool,
    /// Players in it.
    pub(crate) players: usize,
    /// AI pilots flying in it.
    pub(crate) ai_pilots: usize,
    /// Seats.
    pub(crate) max_players: usize,
    /// Ticks that overran their deadline.
    pub(crate) tick_overruns: u64,
    /// 99th percentile of the room's recent tick durations, milliseconds.
    pub(crate) tick_p99_ms: f64,
}

impl From<RoomSummary> for RoomStatus {
    fn from(room: RoomSummary) -> Self {
        let RoomSummary { id, name, code: _, private, players, max_players, ai_pilots, tick_overruns, tick_p99_ms } = room;
        Self { id, name, private, players, ai_pilots, max_players, tick_overruns, tick_p99_ms }
    }
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
pub(crate) fn summarize(state: &ServerState) -> Status {
    let mut ticks = state.lobby.pooled_ticks();
    let room_list: Vec<RoomStatus> = state.lobby.summaries().into_iter().map(RoomStatus::from).collect();
    Status {
        version: env!("CARGO_PKG_VERSION"),
        protocol: PROTOCOL_VERSION,
        uptime_s: state.started.elapsed().as_secs(),
        tick_hz: state.config.tick_hz,
        connections: state.admission.open(),
        players: room_list.iter().map(|s| s.players).sum(),
        ai_pilots: room_list.iter().map(|s| s.ai_pilots).sum(),
        rooms: room_list.len(),
        tick_p99_ms: ticks.p99_ms(),
        tick_mean_ms: ticks.mean_ms(),
        tick_overruns: ticks.overruns,
        snapshots: ticks.snapshots.into(),
        room_list,
        hall_of_fame: state.services.hall_of_fame.status(),
        fleet: state.fleet.as_ref().map(|fleet| FleetStatus {
            server_id: fleet.server_id().to_string(),
            public_url: fleet.public_url().to_string(),
            redis_up: fleet.redis_up(),
            servers: fleet.registry_size(),
            draining: state.lobby.is_draining(),
        }),
    }
}

/// Query of `/api/hall-of-fame`.
#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    /// `all` (default), `week` or `day`.
    period: Option<String>,
    /// Entries, 1–[`MAX_BOARD_LIMIT`]; default [`BOARD_SIZE`].
    limit: Option<usize>,
}

/// Most entries `/api/hall-of-fame` returns at once.
pub const MAX_BOARD_LIMIT: usize = 100;

/// One line of `/api/hall-of-fame`.
#[derive(Debug, Serialize)]
pub struct RankedEntry {
    /// 1 = best.
    rank: usize,
    #[serde(flatten)]
    entry: BoardEntry,
}

/// `/api/hall-of-fame`.
#[derive(Debug, Serialize)]
pub struct BoardJson {
    period: &'static str,
    /// False when the server runs without its hall of fame (see `/api/status`).
    available: bool,
    entries: Vec<RankedEntry>,
}

/// `GET /api/hall-of-fame?period=all|week|day&limit=N`: each pilot's best result on that
/// board, best first. 400 for an unknown period; 503 (with an empty board) when the hall of
/// fame is unavailable.
pub async fn hall_of_fame(State(state): State<Arc<ServerState>>, Query(query): Query<BoardQuery>) -> Response {
    let period = match query.period.as_deref().map(str::parse::<Period>).transpose() {
        Ok(period) => period.unwrap_or_default(),
        Err(error) => return (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response(),
    };
    let limit = query.limit.unwrap_or(BOARD_SIZE).clamp(1, MAX_BOARD_LIMIT);
    let store = state.services.hall_of_fame.clone();
    let read = tokio::task::spawn_blocking(move || store.top(period, limit)).await;
    let (status, available, entries) = match read {
        Ok(Ok(entries)) => (StatusCode::OK, true, entries),
        Ok(Err(error)) => {
            tracing::debug!(%error, "hall of fame read failed");
            (StatusCode::SERVICE_UNAVAILABLE, false, Vec::new())
        }
        Err(error) => {
            tracing::warn!(%error, "hall of fame read task failed");
            (StatusCode::SERVICE_UNAVAILABLE, false, Vec::new())
        }
    };
    let entries = entries.into_iter().enumerate().map(|(i, entry)| RankedEntry { rank: i + 1, entry }).collect();
    (status, Json(BoardJson { period: period.as_str(), available, entries })).into_response()
}
