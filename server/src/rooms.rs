//! The set of rooms: quick play seats a player in the fullest public room with space and opens
//! a new one when every one is full; codes find any room, public or private; resume tickets
//! bring a dropped player back to the room they left.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use driftfire_shared::input::normalize_room_code;
use driftfire_shared::protocol::{PlayerId, ROOM_CODE_ALPHABET, ROOM_CODE_LEN, RejectReason, ResumeToken, RoomInfo, RoomTarget};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::metrics::percentile;
use crate::room::{RoomHandle, RoomSpec, spawn_room};

/// Names public rooms take in turn (with a number once the list wraps).
const ROOM_NAMES: [&str; 12] =
    ["Vega", "Orion", "Lyra", "Draco", "Cygnus", "Aquila", "Carina", "Pavo", "Hydra", "Lupus", "Norma", "Volans"];

/// All rooms of the server.
#[derive(Debug)]
pub struct Rooms {
    rooms: Mutex<Vec<RoomHandle>>,
    next_room_id: AtomicU32,
    next_player_id: AtomicU32,
    next_attach: AtomicU64,
    tickets: Mutex<HashMap<ResumeToken, Ticket>>,
    config: ServerConfig,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

/// What a resume token stands for.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The player to bring back.
    pub player: PlayerId,
    /// Their room.
    pub room: RoomHandle,
    /// `None` while their connection lives; set when it drops.
    expires: Option<Instant>,
}

/// A room as `/api/status` shows it.
#[derive(Debug, Serialize)]
pub struct RoomStatus {
    /// Room number.
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Left out of quick play.
    pub private: bool,
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

/// Fills `buf` from the OS's random source.
pub fn random_bytes(buf: &mut [u8]) {
    // The OS source failing means the machine is unusable for secrets; there is no fallback.
    getrandom::fill(buf).expect("the OS random source works");
}

/// A fresh random room code.
fn random_code() -> String {
    let mut bytes = [0u8; ROOM_CODE_LEN];
    random_bytes(&mut bytes);
    // 32 letters: the low five bits of each random byte pick one, uniformly.
    bytes.iter().map(|b| char::from(ROOM_CODE_ALPHABET[usize::from(b & 31)])).collect()
}

impl Rooms {
    /// An empty set; rooms open on demand.
    pub fn new(config: ServerConfig, shutdown: CancellationToken, tracker: TaskTracker) -> Self {
        Self {
            rooms: Mutex::new(Vec::new()),
            next_room_id: AtomicU32::new(1),
            next_player_id: AtomicU32::new(1),
            next_attach: AtomicU64::new(1),
            tickets: Mutex::new(HashMap::new()),
            config,
            shutdown,
            tracker,
        }
    }

    /// A fresh player id, never reused while the server runs.
    pub fn new_player_id(&self) -> PlayerId {
        PlayerId(self.next_player_id.fetch_add(1, Ordering::Relaxed))
    }

    /// A fresh number for one connection's time in a room, so a room can ignore the goodbye
    /// of a connection that a resume has already replaced.
    pub fn new_attach_id(&self) -> u64 {
        self.next_attach.fetch_add(1, Ordering::Relaxed)
    }

    /// Reserves a seat where `target` says. The caller must then send `RoomCommand::Join`
    /// (which keeps the seat) to the returned room.
    pub fn seat(&self, target: &RoomTarget) -> Result<RoomHandle, RejectReason> {
        match target {
            RoomTarget::QuickPlay => self.quick_play(),
            RoomTarget::Code(code) => self.by_code(code),
            RoomTarget::Create { private } => {
                let mut rooms = self.open_rooms();
                self.open_room(&mut rooms, *private)
            }
        }
    }

    fn open_rooms(&self) -> std::sync::MutexGuard<'_, Vec<RoomHandle>> {
        let mut rooms = self.rooms.lock().expect("rooms lock");
        rooms.retain(|r| !r.shared.is_closed());
        rooms
    }

    /// A seat in the fullest public room with space, or in a new public room.
    fn quick_play(&self) -> Result<RoomHandle, RejectReason> {
        let max = self.config.max_players_per_room;
        let mut rooms = self.open_rooms();
        let mut candidates: Vec<&RoomHandle> = rooms.iter().filter(|r| !r.shared.private).collect();
        candidates.sort_by_key(|r| std::cmp::Reverse(r.shared.players()));
        if let Some(room) = candidates.into_iter().find(|r| r.shared.try_reserve(max)) {
            return Ok(room.clone());
        }
        self.open_room(&mut rooms, false)
    }

    fn by_code(&self, code: &str) -> Result<RoomHandle, RejectReason> {
        let code = normalize_room_code(code).ok_or(RejectReason::BadRoomCode)?;
        let rooms = self.open_rooms();
        let room = rooms.iter().find(|r| r.shared.code == code).ok_or(RejectReason::RoomNotFound)?;
        if room.shared.try_reserve(self.config.max_players_per_room) { Ok(room.clone()) } else { Err(RejectReason::RoomFull) }
    }

    /// Opens a room (if the cap allows) with one seat reserved.
    fn open_room(&self, rooms: &mut Vec<RoomHandle>, private: bool) -> Result<RoomHandle, RejectReason> {
        if rooms.len() >= self.config.max_rooms || self.shutdown.is_cancelled() {
            return Err(RejectReason::ServerFull);
        }
        let id = self.next_room_id.fetch_add(1, Ordering::Relaxed);
        let code = loop {
            let code = random_code();
            if !rooms.iter().any(|r| r.shared.code == code) {
                break code;
            }
        };
        let name = if private {
            format!("Private {code}")
        } else {
            let index = (id as usize - 1) % ROOM_NAMES.len();
            let round = (id as usize - 1) / ROOM_NAMES.len();
            if round == 0 { ROOM_NAMES[index].to_string() } else { format!("{} {}", ROOM_NAMES[index], round + 1) }
        };
        let seed = self.config.seed ^ u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let spec = RoomSpec { id, code, name, private, seed };
        let room = spawn_room(spec, &self.config, self.shutdown.clone(), &self.tracker);
        let reserved = room.shared.try_reserve(self.config.max_players_per_room);
        debug_assert!(reserved, "a new room has space");
        tracing::info!(room = id, private, "room opened");
        rooms.push(room.clone());
        Ok(room)
    }

    /// The room list: public rooms with their codes, private ones without, fullest first.
    pub fn list(&self) -> Vec<RoomInfo> {
        let rooms = self.open_rooms().clone();
        let max = u16::try_from(self.config.max_players_per_room).unwrap_or(u16::MAX);
        let mut list: Vec<RoomInfo> = rooms
            .iter()
            .map(|r| RoomInfo {
                name: r.shared.name.clone(),
                code: (!r.shared.private).then(|| r.shared.code.clone()),
                players: u16::try_from(r.shared.players()).unwrap_or(u16::MAX),
                max_players: max,
                private: r.shared.private,
            })
            .collect();
        list.sort_by(|a, b| b.players.cmp(&a.players).then_with(|| a.name.cmp(&b.name)));
        list
    }

    /// A new resume token for `player` in `room`, valid while they are connected and for the
    /// resume window after they drop.
    pub fn issue_ticket(&self, player: PlayerId, room: &RoomHandle) -> ResumeToken {
        let mut token = ResumeToken([0; 16]);
        random_bytes(&mut token.0);
        let now = Instant::now();
        let mut tickets = self.tickets.lock().expect("tickets lock");
        // Forget tickets whose window has passed (their rooms have removed those players).
        tickets.retain(|_, t| t.expires.is_none_or(|at| at > now));
        tickets.insert(token, Ticket { player, room: room.clone(), expires: None });
        token
    }

    /// Starts the resume window of a dropped player's ticket.
    pub fn ticket_dropped(&self, token: &ResumeToken) {
        if let Some(ticket) = self.tickets.lock().expect("tickets lock").get_mut(token) {
            ticket.expires = Some(Instant::now() + self.config.resume_window);
        }
    }

    /// Cancels a ticket (the player left on purpose or moved rooms).
    pub fn revoke_ticket(&self, token: &ResumeToken) {
        self.tickets.lock().expect("tickets lock").remove(token);
    }

    /// Takes the ticket for `token` if it is known and its window has not passed. Single use:
    /// a resumed session gets a new token.
    pub fn redeem_ticket(&self, token: &ResumeToken) -> Option<Ticket> {
        let ticket = self.tickets.lock().expect("tickets lock").remove(token)?;
        ticket.expires.is_none_or(|at| at > Instant::now()).then_some(ticket)
    }

    /// Sends the operator's `text` to every open room; returns how many rooms got it.
    pub async fn announce(&self, text: &str) -> usize {
        let rooms = self.rooms.lock().expect("rooms lock").clone();
        let mut reached = 0;
        for room in rooms.iter().filter(|r| !r.shared.is_closed()) {
            if room.inbox.send(crate::room::RoomCommand::Announce { text: text.to_string() }).await.is_ok() {
                reached += 1;
            }
        }
        reached
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
                name: room.shared.name.clone(),
                private: room.shared.private,
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
