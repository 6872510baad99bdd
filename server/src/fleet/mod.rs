//! Many servers, one game (`--redis URL`): each server registers itself and its rooms in Redis
//! under keys that expire unless refreshed, keeps a cached directory of every live server's
//! rooms (so no request ever waits on Redis), and hears announcements from any server. Game
//! traffic never crosses Redis: a room stays owned by the one process that ticks it.
//!
//! The fleet sits below the lobby and never names it (mini-redis' `Db` handle with its
//! background task): [`Fleet::start`] takes a callback that reads this server's [`LocalLoad`]
//! for each heartbeat, and hands the announcements it hears back on a channel.
//!
//! - `mod.rs`: the [`Fleet`] handle, the directory it caches and its one Redis connection.
//! - `placement`: where a player is seated, a pure function of the load and the directory.
//! - `keys`: the Redis key layout, in one place.
//! - `registry`: the heartbeat that publishes this server and refreshes the directory.
//! - `announce`: operator announcements over Redis pub/sub.
//! - `liveness`: which servers of the directory still beat (a dead one leaves at once).
//! - `records`: each player's name and tally, so a crashed server's players keep their score.
//!
//! Without `--redis` there is no `Fleet` and the server behaves exactly as a single server.

mod announce;
pub mod keys;
mod liveness;
mod placement;
mod records;
mod registry;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use driftfire_shared::protocol::{ResumeToken, RoomInfo, RoomTarget};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use placement::{Seating, place};
pub use records::{Failover, RECENT_FAILOVERS, RecordLookup, StoredRecord};

use crate::config::FleetConfig;
use crate::room::{LiveRecord, RoomSummary};

/// How often a server re-publishes itself and re-reads the directory.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// A server's registry entry lives this long unless refreshed: four missed heartbeats. A
/// crashed server's rooms leave every list within this plus one heartbeat (10 s), while a slow
/// Redis round trip or a brief pause never drops a live one.
pub const ENTRY_TTL: Duration = Duration::from_secs(8);

/// Each Redis command waits at most this long; the game never waits on Redis at all (the
/// heartbeat and the subscriber do), so this only bounds how stale the directory can get.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(1);

/// This server as the fleet sees it, read fresh for each heartbeat and each placement.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalLoad {
    /// Taking no new players (shutting down).
    pub draining: bool,
    /// Rooms it may still open.
    pub free_rooms: usize,
    /// 99th percentile of its recent ticks, milliseconds.
    pub tick_p99_ms: f64,
    /// Its rooms.
    pub rooms: Vec<RoomSummary>,
    /// Its players' records, for the heartbeat to store (empty where only seats matter).
    pub records: Vec<LiveRecord>,
}

impl LocalLoad {
    /// Players in its rooms.
    pub fn players(&self) -> usize {
        self.rooms.iter().map(|r| r.players).sum()
    }
}

/// One server's registry entry (JSON in Redis).
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
    /// Its rooms (private ones with their codes: the registry is internal).
    pub rooms: Vec<RoomSummary>,
    /// Its heartbeat count: readers drop a server whose count stops moving (`liveness`).
    #[serde(default)]
    pub beat: u64,
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
    /// This server's heartbeats so far.
    beats: AtomicU64,
    /// The other servers' heartbeat counts, to tell the live from the silent.
    liveness: std::sync::Mutex<liveness::Liveness>,
    /// The latest players seated here after their server died (`records`).
    failovers: std::sync::Mutex<std::collections::VecDeque<Failover>>,
    /// Where pub/sub connections come from (a subscription needs a connection of its own).
    client: redis::Client,
    /// The one connection every command goes through: multiplexed, reconnecting by itself,
    /// and lazy (Redis being down at start is no error).
    redis: ConnectionManager,
}

/// Errors at the fleet's boundary.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The Redis URL does not parse.
    #[error("bad --redis URL: {0}")]
    BadUrl(#[source] redis::RedisError),
}

impl Fleet {
    /// A handle for `config`'s fleet, with its Redis connection set up lazily: nothing is sent
    /// until [`start`](Self::start) or the first command.
    pub fn connect(config: FleetConfig) -> Result<Self, FleetError> {
        let client = redis::Client::open(config.redis_url.as_str()).map_err(FleetError::BadUrl)?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(REDIS_TIMEOUT);
        let redis = ConnectionManager::new_lazy_with_config(client.clone(), manager_config).map_err(FleetError::BadUrl)?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                others: RwLock::new(Vec::new()),
                redis_up: AtomicBool::new(false),
                registry_size: AtomicU64::new(0),
                commands: AtomicU64::new(0),
                beats: AtomicU64::new(0),
                liveness: std::sync::Mutex::new(liveness::Liveness::default()),
                failovers: std::sync::Mutex::new(std::collections::VecDeque::with_capacity(RECENT_FAILOVERS)),
                client,
                redis,
            }),
        })
    }

    /// Starts the heartbeat, which publishes what `local_load` reads each beat, and the
    /// subscriber, which sends other servers' announcements to `announcements`. Redis being
    /// down is no error: both retry until it is back, and the server runs on its local rooms
    /// meanwhile. Both stop at `shutdown`.
    /// Players' records live `record_ttl` unless refreshed (the resume window).
    pub fn start(
        &self,
        local_load: impl Fn() -> LocalLoad + Send + Sync + 'static,
        record_ttl: Duration,
        announcements: mpsc::Sender<String>,
        shutdown: CancellationToken,
        tasks: &TaskTracker,
    ) {
        tasks.spawn(registry::heartbeat(self.clone(), local_load, record_ttl, shutdown.clone()));
        tasks.spawn(announce::subscribe(self.clone(), announcements, shutdown));
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

    /// The connection for one command (a clone of the one manager: cheap, same socket).
    fn redis(&self) -> ConnectionManager {
        self.inner.redis.clone()
    }

    /// Where `target` is seated, by `here` and the directory cached at the last heartbeat
    /// (see [`place`]).
    pub fn place(&self, target: &RoomTarget, here: &LocalLoad) -> Seating {
        place(target, here, &self.inner.others.read().expect("directory lock"))
    }

    /// The other servers' rooms as a room list shows them: private rooms without their codes,
    /// each with its server's URL.
    pub fn remote_rooms(&self) -> Vec<RoomInfo> {
        let others = self.inner.others.read().expect("directory lock");
        others.iter().flat_map(|server| server.rooms.iter().map(|room| room.list_entry(Some(server.url.clone())))).collect()
    }

    /// Whether any other live server (by the cached directory) has a room with `code`.
    pub fn code_taken(&self, code: &str) -> bool {
        self.inner.others.read().expect("directory lock").iter().any(|s| s.rooms.iter().any(|r| r.code == code))
    }

    /// Notes in Redis that the session of `token` waits on this server for `window` (its
    /// player dropped), so another server its player reaches can send them here. Fire and
    /// forget: Redis being down only loses the cross-server resume.
    pub fn note_session_dropped(&self, token: &ResumeToken, window: Duration) {
        let mut redis = self.redis();
        let key = keys::session(token);
        let url = self.public_url().to_string();
        self.count_commands(1);
        tokio::spawn(async move {
            let mut command = redis::cmd("SET");
            command.arg(&key).arg(&url).arg("EX").arg(window.as_secs().max(1));
            if !matches!(tokio::time::timeout(REDIS_TIMEOUT, command.query_async::<()>(&mut redis)).await, Ok(Ok(()))) {
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
        let mut redis = self.redis();
        let mut command = redis::cmd("GET");
        command.arg(&key);
        let url = tokio::time::timeout(REDIS_TIMEOUT, command.query_async::<Option<String>>(&mut redis)).await.ok()?.ok()??;
        let live = self.inner.others.read().expect("directory lock").iter().any(|s| s.url == url && !s.draining);
        live.then_some(url)
    }

    /// Publishes an operator announcement to every other server (this server delivers its own
    /// copy locally). Returns whether Redis took it.
    pub async fn publish_announcement(&self, text: &str) -> bool {
        announce::publish(self, text).await
    }
}
