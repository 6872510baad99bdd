//! The lobby: the registry of rooms and the server-wide ids. Quick play seats a player in the
//! fullest public room with space and opens a new one when every one is full; codes find any
//! room, public or private; the room list and operator announcements go over every open room.
//! Rooms opened on request ("create room") count against their creator's address
//! (`max_rooms_per_ip`) while they are open, and an empty private room closes sooner
//! (`private_room_idle_close`), so one address cannot fill the server's room slots.
//! Resume tickets, which bring a dropped player back to the room they left, are in [`tickets`].

pub mod tickets;

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use driftfire_shared::input::normalize_room_code;
use driftfire_shared::protocol::{PlayerId, ROOM_CODE_ALPHABET, ROOM_CODE_LEN, Redirect, RejectReason, RoomInfo, RoomTarget};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::fleet::{Fleet, RegisteredRoom};
use crate::room::{AttachId, RoomCommand, RoomHandle, RoomId, RoomSpec, spawn_room};
use crate::secrets::random_bytes;
use crate::state::Services;
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
    fleet: OnceLock<Fleet>,
    /// Set once the server drains before shutting down: no new players.
    draining: AtomicBool,
}

/// Where a target's seat is: here, or on another server of the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seating {
    /// Seat the player on this server.
    Here,
    /// Send the player to another server.
    Elsewhere(Redirect),
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
    /// An empty lobby; rooms open on demand.
    pub fn new(config: ServerConfig, shutdown: CancellationToken, tracker: TaskTracker, services: Services) -> Self {
        Self {
            rooms: Mutex::new(Vec::new()),
            next_room_id: AtomicU32::new(1),
            next_attach: AtomicU64::new(1),
            tickets: Tickets::new(config.resume_window),
            config,
            shutdown,
            tracker,
            services,
            fleet: OnceLock::new(),
            draining: AtomicBool::new(false),
        }
    }

    /// A fresh player id, never reused while the server runs.
    pub fn new_player_id(&self) -> PlayerId {
        PlayerId(self.services.player_ids.fetch_add(1, Ordering::Relaxed))
    }

    /// A fresh number for one connection's time in a room, so a room can ignore the goodbye
    /// of a connection that a resume has already replaced.
    pub fn new_attach_id(&self) -> AttachId {
        AttachId(self.next_attach.fetch_add(1, Ordering::Relaxed))
    }

    /// Joins this lobby to a fleet (once, at start).
    pub fn set_fleet(&self, fleet: Fleet) {
        let _ = self.fleet.set(fleet);
    }

    /// Stops taking new players (the server is about to shut down); with a fleet, the next
    /// heartbeat tells the others, which stop sending players here.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
        if let Some(fleet) = self.fleet.get() {
            fleet.start_draining();
        }
    }

    /// Whether the server takes no new players.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Players in every room (dropped players waiting to resume included).
    pub fn players(&self) -> usize {
        self.rooms().iter().map(|r| r.shared.players()).sum()
    }

    /// The fleet this server is part of, if any.
    pub fn fleet(&self) -> Option<&Fleet> {
        self.fleet.get()
    }

    /// Whether `target`'s seat is on this server or another one of the fleet (by the directory
    /// cached at the last heartbeat). Without a fleet, always here.
    ///
    /// - Quick play: the server with the fullest public room with a free seat, of those not
    ///   draining (this one wins ties); with every room full, the least-loaded server that may
    ///   open one. The chosen server gets `QuickPlayHere` and seats the player itself.
    /// - A code: here if the room is here, else on the server whose directory entry lists it.
    /// - A new room: here, unless this server is draining.
    pub fn placement(&self, target: &RoomTarget) -> Seating {
        let Some(fleet) = self.fleet.get() else { return Seating::Here };
        let draining = self.is_draining();
        let max = self.config.max_players_per_room;
        let others: Vec<_> = fleet.others().into_iter().filter(|s| !s.draining).collect();
        let elsewhere = |url: &str, room: RoomTarget| Seating::Elsewhere(Redirect { url: url.to_string(), room });
        match target {
            RoomTarget::QuickPlay => {
                let local_best = if draining {
                    None
                } else {
                    self.open_rooms()
                        .iter()
                        .map(|e| &e.room)
                        .filter(|r| !r.shared.private && r.shared.players() < max)
                        .map(|r| r.shared.players())
                        .max()
                };
                let remote_best = others
                    .iter()
                    .flat_map(|s| s.rooms.iter().map(move |r| (s, r)))
                    .filter(|(_, r)| !r.private && r.players < r.max_players)
                    .max_by_key(|(_, r)| r.players);
                // The chosen server seats the player by its own quick play (`QuickPlayHere`): the
                // room seen in its last heartbeat may have filled since.
                match (local_best, remote_best) {
                    (Some(here), Some((server, room))) if usize::from(room.players) > here => {
                        elsewhere(&server.url, RoomTarget::QuickPlayHere)
                    }
                    (Some(_), _) => Seating::Here,
                    (None, Some((server, _))) => elsewhere(&server.url, RoomTarget::QuickPlayHere),
                    (None, None) => self.least_loaded(draining, &others, RoomTarget::QuickPlayHere),
                }
            }
            RoomTarget::QuickPlayHere => Seating::Here,
            RoomTarget::Code(code) => {
                let Some(code) = normalize_room_code(code) else { return Seating::Here };
                if self.open_rooms().iter().any(|e| e.room.shared.code == code) {
                    return Seating::Here;
                }
                match fleet.locate_code(&code) {
                    Some(url) => elsewhere(&url, RoomTarget::Code(code)),
                    None => Seating::Here,
                }
            }
            RoomTarget::Create { private, ai_pilots } => {
                if draining {
                    self.least_loaded(draining, &others, RoomTarget::Create { private: *private, ai_pilots: *ai_pilots })
                } else {
                    Seating::Here
                }
            }
        }
    }

    /// The server with the fewest players that may open a room (this one wins ties).
    fn least_loaded(&self, draining: bool, others: &[crate::fleet::ServerEntry], room: RoomTarget) -> Seating {
        let here = (!draining && self.free_room_slots() > 0)
            .then(|| self.registered_rooms().iter().map(|r| usize::from(r.players)).sum::<usize>());
        let best_other = others.iter().filter(|s| s.free_rooms > 0).min_by_key(|s| s.players);
        match (here, best_other) {
            (Some(mine), Some(other)) if other.players < mine => Seating::Elsewhere(Redirect { url: other.url.clone(), room }),
            (None, Some(other)) => Seating::Elsewhere(Redirect { url: other.url.clone(), room }),
            _ => Seating::Here,
        }
    }

    /// This server's rooms as the fleet registry carries them (private ones with their codes).
    pub fn registered_rooms(&self) -> Vec<RegisteredRoom> {
        let max = u16::try_from(self.config.max_players_per_room).unwrap_or(u16::MAX);
        self.open_rooms()
            .iter()
            .map(|e| RegisteredRoom {
                name: e.room.shared.name.clone(),
                code: e.room.shared.code.clone(),
                players: u16::try_from(e.room.shared.players()).unwrap_or(u16::MAX),
                max_players: max,
                private: e.room.shared.private,
            })
            .collect()
    }

    /// Rooms this server may still open.
    pub fn free_room_slots(&self) -> usize {
        self.config.max_rooms.saturating_sub(self.open_rooms().len())
    }

    /// 99th percentile of every room's recent ticks, milliseconds.
    pub fn tick_p99_ms(&self) -> f64 {
        let mut samples: Vec<Duration> = Vec::new();
        for room in self.rooms() {
            samples.extend_from_slice(room.shared.stats.lock().expect("tick stats lock").recent());
        }
        crate::tick_stats::percentile(&mut samples, 99.0).as_secs_f64() * 1e3
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
        let max = self.config.max_players_per_room;
        let mut rooms = self.open_rooms();
        let mut candidates: Vec<&RoomHandle> = rooms.iter().map(|e| &e.room).filter(|r| !r.shared.private).collect();
        candidates.sort_by_key(|r| std::cmp::Reverse(r.shared.players()));
        if let Some(room) = candidates.into_iter().find(|r| r.shared.try_reserve(max)) {
            return Ok(room.clone());
        }
        self.open_room(&mut rooms, false, true, None)
    }

    fn by_code(&self, code: &str) -> Result<RoomHandle, RejectReason> {
        let code = normalize_room_code(code).ok_or(RejectReason::BadRoomCode)?;
        let rooms = self.open_rooms();
        let room = rooms.iter().map(|e| &e.room).find(|r| r.shared.code == code).ok_or(RejectReason::RoomNotFound)?;
        if room.shared.try_reserve(self.config.max_players_per_room) { Ok(room.clone()) } else { Err(RejectReason::RoomFull) }
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
            let taken_elsewhere = self.fleet.get().is_some_and(|fleet| fleet.code_taken(&code));
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
        let reserved = room.shared.try_reserve(self.config.max_players_per_room);
        debug_assert!(reserved, "a new room has space");
        tracing::info!(room = %id, private, ai_pilots, "room opened");
        rooms.push(Entry { room: room.clone(), creator });
        Ok(room)
    }

    /// The room list: public rooms with their codes, private ones without, fullest first;
    /// with a fleet, every live server's rooms, each with its server's URL.
    pub fn list(&self) -> Vec<RoomInfo> {
        let rooms: Vec<RoomHandle> = self.open_rooms().iter().map(|e| e.room.clone()).collect();
        let max = u16::try_from(self.config.max_players_per_room).unwrap_or(u16::MAX);
        let mut list: Vec<RoomInfo> = rooms
            .iter()
            .map(|r| RoomInfo {
                name: r.shared.name.clone(),
                code: (!r.shared.private).then(|| r.shared.code.clone()),
                players: u16::try_from(r.shared.players()).unwrap_or(u16::MAX),
                max_players: max,
                private: r.shared.private,
                server: None,
            })
            .collect();
        if let Some(fleet) = self.fleet.get() {
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

    /// Every open room, for the status summary.
    pub fn rooms(&self) -> Vec<RoomHandle> {
        self.rooms.lock().expect("rooms lock").iter().map(|e| &e.room).filter(|r| !r.shared.is_closed()).cloned().collect()
    }
}
