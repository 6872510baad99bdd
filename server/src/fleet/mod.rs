//! Many servers, one game (`--redis URL`): each server registers itself and its rooms in Redis
//! under keys that expire unless refreshed, keeps a cached directory of every live server's
//! rooms (so no request ever waits on Redis), and hears announcements from any server. Game
//! traffic never crosses Redis: a room stays owned by the one process that ticks it.
//!
//! - `mod.rs`: [`FleetConfig`], the [`Fleet`] handle and the directory it caches.
//! - `keys`: the Redis key layout, in one place.
//! - `registry`: the heartbeat that publishes this server and refreshes the directory.
//! - `announce`: operator announcements over Redis pub/sub.
//!
//! Without `--redis` there is no `Fleet` and the server behaves exactly as a single server.

mod announce;
pub mod keys;
mod registry;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use driftfire_shared::protocol::{ResumeToken, RoomInfo};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::lobby::Lobby;

/// How often a server re-publishes itself and re-reads the directory.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// A server's registry entry lives this long unless refreshed: four missed heartbeats. A
/// crashed server's rooms leave every list within this plus one heartbeat (10 s), while a slow
/// Redis round trip or a brief pause never drops a live one.
pub const ENTRY_TTL: Duration = Duration::from_secs(8);

/// Each Redis command waits at most this long; the game never waits on Redis at all (the
/// heartbeat and the subscriber do), so this only bounds how stale the directory can get.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(1);

/// Settings of the scale-out mode.
#[derive(Clone, Debug)]
pub struct FleetConfig {
    /// `redis://host:port/db`.
    pub redis_url: String,
    /// The address browsers use to reach this server's game socket (`ws(s)://…/ws`).
    pub public_url: String,
    /// This server's id in the registry (unique in the fleet).
    pub server_id: String,
}

/// A room as the registry carries it (private rooms with their codes: the registry is
/// internal; lists leave private codes out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredRoom {
    /// Display name.
    pub name: String,
    /// Its code.
    pub code: String,
    /// Players in it now.
    pub players: u16,
    /// Seats.
    pub max_players: u16,
    /// Left out of quick play and lists show no code.
    pub private: bool,
}

/// One server's registry entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerEntry {
    /// Its id.
    pub id: String,
    /// Its public game-socket URL.
    pub url: String,
    /// Taking no new players (shutting down).
    pub draining: bool,
    /// Players on it.
    pub players: usize,
    /// Rooms it may still open.
    pub free_rooms: usize,
    /// 99th percentile of its recent ticks, milliseconds.
    pub tick_p99_ms: f64,
    /// Its rooms.
    pub rooms: Vec<RegisteredRoom>,
}

/// The shared handle to the scale-out mode.
#[derive(Clone, Debug)]
pub struct Fleet {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: FleetConfig,
    /// The other live servers, as of the latest heartbeat (never this server).
    others: RwLock<Vec<ServerEntry>>,
    /// Whether the latest Redis round trip worked.
    redis_up: AtomicBool,
    /// Servers in the registry at the latest heartbeat, this one included.
    registry_size: AtomicU64,
    /// Redis commands sent, for `/metrics`.
    commands: AtomicU64,
    /// Set when the server starts draining.
    draining: AtomicBool,
    /// Where announcements are published.
    client: redis::Client,
}

/// Errors at the fleet's boundary.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The Redis URL does not parse.
    #[error("bad --redis URL: {0}")]
    BadUrl(#[source] redis::RedisError),
}

impl Fleet {
    /// Starts the heartbeat and the announcement subscriber. Redis being down is no error:
    /// both retry until it is back, and the server runs on its local rooms meanwhile.
    pub fn start(config: FleetConfig, lobby: Arc<Lobby>, shutdown: CancellationToken, tasks: &TaskTracker) -> Result<Self, FleetError> {
        let client = redis::Client::open(config.redis_url.as_str()).map_err(FleetError::BadUrl)?;
        let fleet = Self {
            inner: Arc::new(Inner {
                config,
                others: RwLock::new(Vec::new()),
                redis_up: AtomicBool::new(false),
                registry_size: AtomicU64::new(0),
                commands: AtomicU64::new(0),
                draining: AtomicBool::new(false),
                client: client.clone(),
            }),
        };
        tasks.spawn(registry::heartbeat(fleet.clone(), client.clone(), lobby.clone(), shutdown.clone()));
        tasks.spawn(announce::subscribe(fleet.clone(), client, lobby, shutdown));
        Ok(fleet)
    }

    /// This server's id.
    pub fn server_id(&self) -> &str {
        &self.inner.config.server_id
    }

    /// This server's public game-socket URL.
    pub fn public_url(&self) -> &str {
        &self.inner.config.public_url
    }

    /// Whether Redis answered the latest heartbeat.
    pub fn redis_up(&self) -> bool {
        self.inner.redis_up.load(Ordering::Relaxed)
    }

    /// Live servers in the registry (this one included) at the latest heartbeat.
    pub fn registry_size(&self) -> u64 {
        self.inner.registry_size.load(Ordering::Relaxed)
    }

    /// Redis commands sent so far.
    pub fn commands_sent(&self) -> u64 {
        self.inner.commands.load(Ordering::Relaxed)
    }

    fn count_commands(&self, n: u64) {
        self.inner.commands.fetch_add(n, Ordering::Relaxed);
    }

    /// Marks this server as draining: the next heartbeat tells the fleet.
    pub fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::Relaxed);
    }

    /// Whether this server takes no new players.
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::Relaxed)
    }

    /// The other live servers, as of the latest heartbeat.
    pub fn others(&self) -> Vec<ServerEntry> {
        self.inner.others.read().expect("directory lock").clone()
    }

    /// The other servers' rooms as a room list shows them: private rooms without their codes,
    /// each with its server's URL.
    pub fn remote_rooms(&self) -> Vec<RoomInfo> {
        let others = self.inner.others.read().expect("directory lock");
        others
            .iter()
            .flat_map(|server| {
                server.rooms.iter().map(move |room| RoomInfo {
                    name: room.name.clone(),
                    code: (!room.private).then(|| room.code.clone()),
                    players: room.players,
                    max_players: room.max_players,
                    private: room.private,
                    server: Some(server.url.clone()),
                })
            })
            .collect()
    }

    /// Which other server holds the room with `code`, by the cached directory.
    pub fn locate_code(&self, code: &str) -> Option<String> {
        let others = self.inner.others.read().expect("directory lock");
        others.iter().find(|s| s.rooms.iter().any(|r| r.code == code)).map(|s| s.url.clone())
    }

    /// Whether any live server (by the cached directory) has a room with `code`.
    pub fn code_taken(&self, code: &str) -> bool {
        self.locate_code(code).is_some()
    }

    /// Notes in Redis that the session of `token` waits on this server for `window` (its
    /// player dropped), so another server its player reaches can send them here. Fire and
    /// forget: Redis being down only loses the cross-server resume.
    pub fn note_session_dropped(&self, token: &ResumeToken, window: Duration) {
        let client = self.inner.client.clone();
        let key = keys::session(token);
        let url = self.public_url().to_string();
        self.count_commands(1);
        tokio::spawn(async move {
            let stored = tokio::time::timeout(REDIS_TIMEOUT, async {
                let mut connection = client.get_multiplexed_async_connection().await?;
                redis::cmd("SET").arg(&key).arg(&url).arg("EX").arg(window.as_secs().max(1)).query_async::<()>(&mut connection).await
            })
            .await;
            if !matches!(stored, Ok(Ok(()))) {
                tracing::debug!(%key, "could not note the dropped session in Redis");
            }
        });
    }

    /// The live server (other than this one) where the session of `token` waits, if Redis
    /// knows one. A server that died is not in the directory any more: then `None`, and the
    /// player joins afresh here.
    pub async fn session_owner(&self, token: &ResumeToken) -> Option<String> {
        let key = keys::session(token);
        self.count_commands(1);
        let url = tokio::time::timeout(REDIS_TIMEOUT, async {
            let mut connection = self.inner.client.get_multiplexed_async_connection().await?;
            redis::cmd("GET").arg(&key).query_async::<Option<String>>(&mut connection).await
        })
        .await
        .ok()?
        .ok()??;
        let live = self.inner.others.read().expect("directory lock").iter().any(|s| s.url == url && !s.draining);
        live.then_some(url)
    }

    /// Publishes an operator announcement to every other server (this server delivers its own
    /// copy locally). Returns whether Redis took it.
    pub async fn publish_announcement(&self, text: &str) -> bool {
        announce::publish(self, &self.inner.client, text).await
    }
}
