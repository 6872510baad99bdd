//! The lobby: the registry of rooms and the server-wide ids. Quick play seats a player in the
//! fullest public room with space and opens a new one when every one is full; codes find any
//! room, public or private; the room list and operator announcements go over every open room.
//! Rooms opened on request ("create room") count against their creator's address
//! (`max_rooms_per_ip`) while they are open, and an empty private room closes sooner
//! (`private_room_idle_close`), so one address cannot fill the server's room slots.
//! With a fleet, where a player is seated is the fleet's placement policy over this server's
//! [`LocalLoad`]; the lobby owns the one drain flag. Resume tickets, which bring a dropped
//! player back to the room they left, are in [`tickets`].

#[cfg(test)]
mod tests;
pub mod tickets;

use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use driftfire_shared::input::normalize_room_code;
use driftfire_shared::protocol::{PlayerId, ROOM_CODE_ALPHABET, ROOM_CODE_LEN, RejectReason, RoomInfo, RoomTarget};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::fleet::{Fleet, LocalLoad, Seating};
use crate::room::{AttachId, RoomCommand, RoomHandle, RoomId, RoomSpec, RoomSummary, spawn_room};
use crate::secrets::random_bytes;
use crate::services::Services;
use crate::tick_stats::PooledTicks;
use tickets::Tickets;

/// Names public rooms take in turn (with a number once the list wraps).
const ROOM_NAMES: [&str; 12] =
    ["Vega", "Orion", "Lyra", "Draco", "Cygnus", "Aquila", "Carina", "Pavo", "Hydra", "Lupus", "Norma", "Volans"];

/// All rooms of the server, and the ids that must be unique across them.
#[derive(Debug)]
pub struct Lobby {
    rooms: Mutex<Vec<Entry>>,
    next_room_id: AtomicU32,
    next_attach: AtomicU64,
    /// Resume tickets of every room's players.
    pub tickets: Tickets,
    config: ServerConfig,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    services: Services,
    /// The other servers, when this one is part of a fleet (`--redis`).
    fleet: Option<Fleet>,
    /// Set once the server drains before shutting down: no new players (and, with a fleet,
    /// the next heartbeat tells the others). The server's one drain flag.
    draining: AtomicBool,
}

/// A room in the registry, with the address that asked for it (rooms quick play opened have
/// none).
#[derive(Debug, Clone)]
struct Entry {
    room: RoomHandle,
    creator: Option<IpAddr>,
}

/// A fresh random room code.
fn random_code() -> String {
    let mut bytes = [0u8; ROOM_CODE_LEN];
    random_bytes(&mut bytes);
    // 32 letters: the low five bits of each random byte pick one, uniformly.
    bytes.iter().map(|b| char::from(ROOM_CODE_ALPHABET[usize::from(b & 31)])).collect()
}

impl Lobby {
    /// An empty lobby; rooms open on demand. With `fleet`, placement and room codes take the
    /// other servers into account.
    pub fn new(config: ServerConfig, shutdown: CancellationToken, tracker: TaskTracker, services: Services, fleet: Option<Fleet>) -> Self {
        Self {
            rooms: Mutex::new(Vec::new()),
            next_room_id: AtomicU32::new(1),
            next_attach: AtomicU64::new(1),
            tickets: Tickets::new(config.resume_window),
            config,
            shutdown,
            tracker,
            services,
            fleet,
            draining: AtomicBool::new(false),
        }
    }

    /// A fresh player id, never reused while the server runs.
    pub fn new_player_id(&self) -> PlayerId {
        self.services.new_player_id()
    }

    /// A fresh number for one connection's time in a room, so a room can ignore the goodbye
    /// of a connection that a resume has already replaced.
    pub fn new_attach_id(&self) -> AttachId {
        AttachId(self.next_attach.fetch_add(1, Ordering::Relaxed))
    }

    /// Stops taking new players (the server is about to shut down); with a fleet, the next
    /// heartbeat tells the others, which stop sending players here.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Whether the server takes no new players.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Players in every room (dropped players waiting to resume included).
    pub fn players(&self) -> usize {
        self.rooms().iter().map(|r| r.shared.players()).sum()
    }

    /// Whether `target`'s seat is on this server or another one of the fleet (by the directory
    /// cached at the last heartbeat; see `fleet::place`). Without a fleet, always here.
    pub fn placement(&self, target: &RoomTarget) -> Seating {
        let Some(fleet) = &self.fleet else { return Seating::Here };
        // Placement weighs seats only: the rooms without their tick figures (no locks).
        let rooms: Vec<RoomSummary> = self.rooms().iter().map(|r| r.shared.seating()).collect();
        fleet.place(target, &self.load_with(rooms, 0.0))
    }

    /// This server as the fleet sees it: what it publishes each heartbeat, and what placement
    /// weighs against the other servers.
    pub fn local_load(&self) -> LocalLoad {
        let mut load = self.load_with(self.summaries(), self.pooled_ticks().p99_ms());
        load.records = self.rooms().iter().flat_map(|r| r.shared.records.lock().expect("records lock").clone()).collect();
        load
    }

    fn load_with(&self, rooms: Vec<RoomSummary>, tick_p99_ms: f64) -> LocalLoad {
        let free_rooms = self.config.max_rooms.saturating_sub(rooms.len());
        LocalLoad { draining: self.is_draining(), free_rooms, tick_p99_ms, rooms, records: Vec::new() }
    }

    /// Every open room's summary.
    pub fn summaries(&self) -> Vec<RoomSummary> {
        self.rooms().iter().map(|r| r.shared.summary()).collect()
    }

    /// Every open room's tick statistics, pooled.
    pub fn pooled_ticks(&self) -> PooledTicks {
        let mut pooled = PooledTicks::default();
        for room in self.rooms() {
            pooled.add(&room.shared.stats.lock().expect("tick stats lock"));
        }
        pooled
    }

    /// Reserves a seat where `target` says, for a client at `from`. The caller must then send
    /// `RoomCommand::Join` (which keeps the seat) to the returned room.
    pub fn seat(&self, target: &RoomTarget, from: IpAddr) -> Result<RoomHandle, RejectReason> {
        if self.is_draining() {
            return Err(RejectReason::ServerFull);
        }
        match target {
            RoomTarget::QuickPlay | RoomTarget::QuickPlayHere => self.quick_play(),
            RoomTarget::Code(code) => self.by_code(code),
            RoomTarget::Create { private, ai_pilots } => {
                let mut rooms = self.open_rooms();
                let max = self.config.max_rooms_per_ip;
                if max > 0 && rooms.iter().filter(|e| e.creator == Some(from)).count() >= max {
                    return Err(RejectReason::TooManyRooms);
                }
                self.open_room(&mut rooms, *private, *ai_pilots, Some(from))
            }
        }
    }

    fn open_rooms(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        let mut rooms = self.rooms.lock().expect("rooms lock");
        rooms.retain(|e| !e.room.shared.is_closed());
        rooms
    }

    /// A seat in the fullest public room with space, or in a new public room.
    fn quick_play(&self) -> Result<RoomHandle, RejectReason> {
        let mut rooms = self.open_rooms();
        let mut candidates: Vec<&RoomHandle> = rooms.iter().map(|e| &e.room).filter(|r| !r.shared.private).collect();
        candidates.sort_by_key(|r| std::cmp::Reverse(r.shared.players()));
        if let Some(room) = candidates.into_iter().find(|r| r.shared.try_reserve()) {
            return Ok(room.clone());
        }
        self.open_room(&mut rooms, false, true, None)
    }

    fn by_code(&self, code: &str) -> Result<RoomHandle, RejectReason> {
        let code = normalize_room_code(code).ok_or(RejectReason::BadRoomCode)?;
        let rooms = self.open_rooms();
        let room = rooms.iter().map(|e| &e.room).find(|r| r.shared.code == code).ok_or(RejectReason::RoomNotFound)?;
        if room.shared.try_reserve() { Ok(room.clone()) } else { Err(RejectReason::RoomFull) }
    }

    /// Opens a room (if the cap allows) with one seat reserved; `creator` is the address that
    /// asked for it, if one did. A public room always gets AI pilots (if the server runs any);
    /// a private one only when its creator asked (`ai_pilots`).
    fn open_room(
        &self,
        rooms: &mut Vec<Entry>,
        private: bool,
        ai_pilots: bool,
        creator: Option<IpAddr>,
    ) -> Result<RoomHandle, RejectReason> {
        if rooms.len() >= self.config.max_rooms || self.shutdown.is_cancelled() {
            return Err(RejectReason::ServerFull);
        }
        let id = RoomId(self.next_room_id.fetch_add(1, Ordering::Relaxed));
        let code = loop {
            let code = random_code();
            // Unique in the fleet too, as far as the directory knows (see `fleet::keys`).
            let taken_elsewhere = self.fleet.as_ref().is_some_and(|fleet| fleet.code_taken(&code));
            if !rooms.iter().any(|e| e.room.shared.code == code) && !taken_elsewhere {
                break code;
            }
        };
        let name = if private {
            format!("Private {code}")
        } else {
            let index = (id.0 as usize - 1) % ROOM_NAMES.len();
            let round = (id.0 as usize - 1) / ROOM_NAMES.len();
            if round == 0 { ROOM_NAMES[index].to_string() } else { format!("{} {}", ROOM_NAMES[index], round + 1) }
        };
        let seed = self.config.seed ^ u64::from(id.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let spec = RoomSpec { id, code, name, private, ai_pilots: ai_pilots || !private, seed };
        let room = if private {
            // Empty, a private room has no way to fill up again but its code: close it sooner.
            let config = ServerConfig { room_idle_close: self.config.private_room_idle_close, ..self.config.clone() };
            spawn_room(spec, &config, self.shutdown.clone(), &self.tracker, self.services.clone())
        } else {
            spawn_room(spec, &self.config, self.shutdown.clone(), &self.tracker, self.services.clone())
        };
        let reserved = room.shared.try_reserve();
        debug_assert!(reserved, "a new room has space");
        tracing::info!(room = %id, private, ai_pilots, "room opened");
        rooms.push(Entry { room: room.clone(), creator });
        Ok(room)
    }

    /// The room list: public rooms with their codes, private ones without, fullest first;
    /// with a fleet, every live server's rooms, each with its server's URL.
    pub fn list(&self) -> Vec<RoomInfo> {
        let mut list: Vec<RoomInfo> = self.summaries().iter().map(|room| room.list_entry(None)).collect();
        if let Some(fleet) = &self.fleet {
            list.extend(fleet.remote_rooms());
        }
        list.sort_by(|a, b| b.players.cmp(&a.players).then_with(|| a.name.cmp(&b.name)));
        list
    }

    /// Sends the operator's `text` to every open room; returns how many rooms got it.
    pub async fn announce(&self, text: &str) -> usize {
        let rooms = self.rooms();
        let mut reached = 0;
        for room in &rooms {
            if room.inbox.send(RoomCommand::Announce { text: text.to_string() }).await.is_ok() {
                reached += 1;
            }
        }
        reached
    }

    /// Delivers the announcements other servers of the fleet sent (see `Fleet::start`) to
    /// every room here, until the channel closes.
    pub async fn deliver_fleet_announcements(&self, mut heard: mpsc::Receiver<String>) {
        while let Some(text) = heard.recv().await {
            let rooms = self.announce(&text).await;
            tracing::info!(rooms, "fleet announcement delivered");
        }
    }

    /// Every open room, for the status summary.
    pub fn rooms(&self) -> Vec<RoomHandle> {
        self.rooms.lock().expect("rooms lock").iter().map(|e| &e.room).filter(|r| !r.shared.is_closed()).cloned().collect()
    }
}
