//! The hall of fame: every ended life is stored, and three boards (all time, this ISO week,
//! today, in UTC) show each pilot's best result. It survives restarts, and a broken database
//! never stops the game: the server then runs without it and says why.
//!
//! - `mod.rs`: [`LifeResult`], [`HallOfFameError`], the [`HallOfFameStore`] trait, clocks,
//!   and [`HallOfFame`], the handle rooms and HTTP handlers share.
//! - `writer`: the "hall-of-fame" thread that batches results into transactions.
//! - [`sqlite`]: the SQLite backend, `<data_dir>/hall_of_fame.sqlite3`.
//! - [`redis_store`]: the Redis backend (`--redis`), whose boards every server of a fleet shares.
//! - [`periods`]: where each board's day and week begin.

pub mod periods;
pub mod redis_store;
pub mod sqlite;
#[cfg(test)]
mod tests;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use driftfire_shared::input::{name_skeleton, sanitize_name};
use driftfire_shared::protocol::{Board, BoardEntry, Period, Placement};

pub use redis_store::RedisStore;
pub use sqlite::{FILE_NAME, SqliteStore};
pub use writer::{COMMIT_INTERVAL, FLUSH_INTERVAL};

/// Results waiting for the writer thread. A full room ends at most a few lives a second and a
/// commit takes milliseconds, so 4,096 rides out a stalled disk of many seconds; beyond that
/// results are dropped (and counted) rather than let a game tick wait or memory grow.
const QUEUE_CAPACITY: usize = 4096;

/// How long [`HallOfFame::shutdown`] waits for the writer to commit what is queued: within the
/// server's two seconds to exit.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// What a name that cleans to nothing is stored as (room names are already cleaned, so this
/// only guards against a caller that did not): one shared "pilot" rather than a lost result.
const FALLBACK_NAME: &str = "pilot";

/// One ended life, as the room reports it.
pub struct LifeResult {
    /// The pilot's name as shown in the room (cleaned again before it is stored).
    pub name: String,
    /// Points at the end of the life (the room scoreboard's running total).
    pub score: u32,
    /// Ships destroyed, running total in that room.
    pub kills: u32,
    /// Deaths, running total in that room.
    pub deaths: u32,
    /// How long the life lasted, seconds.
    pub alive_secs: u32,
    /// The room's name.
    pub room: String,
    /// When the life ended, Unix seconds (UTC); decides which day and week boards it is on.
    pub ended_at: i64,
    /// Called from the writer thread after the commit with the boards this result made, only
    /// if it made at least one. Keep it quick and non-blocking (a `try_send`, say).
    pub notify: Option<Box<dyn FnOnce(Vec<Placement>) + Send>>,
}

impl std::fmt::Debug for LifeResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LifeResult")
            .field("name", &self.name)
            .field("score", &self.score)
            .field("kills", &self.kills)
            .field("deaths", &self.deaths)
            .field("alive_secs", &self.alive_secs)
            .field("room", &self.room)
            .field("ended_at", &self.ended_at)
            .field("notify", &self.notify.is_some())
            .finish()
    }
}

/// Errors at the hall of fame's boundary.
#[derive(Debug, thiserror::Error)]
pub enum HallOfFameError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be opened as an SQLite database (unreadable, corrupt, not a database).
    #[error("cannot open {path} as an SQLite database: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file's schema is not one this server can use (newer than it knows, say).
    #[error("cannot use {path}: {reason}")]
    Schema {
        /// The database file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A schema migration failed (and was rolled back).
    #[error("cannot use {path}: migrating the schema to version {version} failed: {source}")]
    Migration {
        /// The database file.
        path: PathBuf,
        /// The version the failed migration leads to.
        version: i64,
        /// Why.
        source: rusqlite::Error,
    },
    /// The writer thread could not be started.
    #[error("cannot start the hall-of-fame writer thread: {0}")]
    Thread(std::io::Error),
    /// Storing results failed (disk full, read-only file, I/O error…).
    #[error("hall of fame write failed: {0}")]
    Write(rusqlite::Error),
    /// Reading a board failed.
    #[error("hall of fame read failed: {0}")]
    Read(rusqlite::Error),
    /// The Redis URL does not parse.
    #[error("bad Redis URL for the hall of fame: {0}")]
    RedisUrl(redis::RedisError),
    /// A Redis command failed (Redis unreachable, too slow, or it refused the command).
    #[error("hall of fame Redis error: {0}")]
    Redis(redis::RedisError),
    /// The hall of fame is not running; the reason says why.
    #[error("hall of fame unavailable: {0}")]
    Unavailable(String),
}

/// Where results are stored, so another backend (Redis) can slot in later. Blocking methods:
/// callers run them off the async runtime (the writer thread, `spawn_blocking`).
pub trait HallOfFameStore: Send {
    /// Stores a batch of results in one transaction and returns, for each result (same order),
    /// the boards it made: rank ≤ `BOARD_SIZE` among the best-per-name of each period's board
    /// at `now` (a result that is not its pilot's best there made none). A store whose backend
    /// does not answer may instead keep the batch in memory (counted in
    /// [`HallOfFameStore::backlog`]) and return no placements; an `Err` means the batch is lost.
    fn record(&mut self, batch: &[LifeResult], now: i64) -> Result<Vec<Vec<Placement>>, HallOfFameError>;

    /// The best result per name on `period`'s board at time `now` (Unix s), best first (higher
    /// score, then earlier), at most `limit`.
    fn top(&mut self, period: Period, now: i64, limit: usize) -> Result<Vec<BoardEntry>, HallOfFameError>;

    /// Deletes boards of periods long past `now` (housekeeping; nothing by default). Returns
    /// how many rows went.
    fn prune(&mut self, now: i64) -> Result<usize, HallOfFameError> {
        let _ = now;
        Ok(0)
    }

    /// Retries storing what the store holds back (a Redis store's buffer while Redis does not
    /// answer); the writer calls it every [`FLUSH_INTERVAL`] while [`HallOfFameStore::backlog`]
    /// shows results buffered and none arrive. Nothing by default.
    fn flush(&mut self, now: i64) -> Result<(), HallOfFameError> {
        let _ = now;
        Ok(())
    }

    /// What the store holds back now, and how many results it dropped since it was opened
    /// (none by default: a store that cannot write returns an error instead).
    fn backlog(&self) -> Backlog {
        Backlog::default()
    }
}

/// Results a store keeps in memory because its backend does not answer (see
/// [`HallOfFameStore::backlog`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Results accepted by [`HallOfFameStore::record`] but not stored yet.
    pub buffered: usize,
    /// Results dropped from a full buffer since the store was opened (oldest first).
    pub dropped: u64,
}

/// Tells the time, Unix seconds (UTC); tests set it by hand.
pub trait Clock: Send + Sync {
    /// Now, Unix seconds.
    fn now(&self) -> i64;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX)
    }
}

/// A clock that only moves when told to (tests, and integration tests across day boundaries).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: i64) -> Self {
        Self(AtomicI64::new(now))
    }

    /// Sets the time.
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The hall of fame's health, for `/metrics` and the admin page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HallOfFameStatus {
    /// Whether results are being kept.
    pub available: bool,
    /// Why not, when not.
    pub reason: Option<String>,
    /// Results committed since start.
    pub writes_ok: u64,
    /// Transactions that failed since start (each lost its batch).
    pub write_errors: u64,
    /// Results lost since start: queue full, unavailable, shut down, in a failed batch, or
    /// (Redis backend) dropped from a full buffer or still buffered at shutdown.
    pub dropped: u64,
    /// Results waiting to be stored now: in the writer's queue, plus (Redis backend) those
    /// buffered in memory while Redis does not answer (see [`HallOfFame::buffered`]).
    pub queued: usize,
}

/// The handle the server keeps: cheap to clone, `Send + Sync`. Results go to a writer thread
/// through a bounded queue; boards are read on a second connection.
#[derive(Clone)]
pub struct HallOfFame {
    inner: Arc<Inner>,
}

/// What every clone of a [`HallOfFame`] shares.
struct Inner {
    /// Tells boards which day and week it is.
    clock: Arc<dyn Clock>,
    /// `None` when unavailable or after shutdown.
    queue: Mutex<Option<SyncSender<LifeResult>>>,
    /// Reads boards; `None` when unavailable.
    reader: Option<Mutex<Box<dyn HallOfFameStore>>>,
    /// Health and counters, shared with the writer thread.
    shared: Arc<writer::Shared>,
    /// The writer thread, until [`HallOfFame::shutdown`] joins it.
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for HallOfFame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HallOfFame").field("status", &self.status()).finish()
    }
}

impl HallOfFame {
    /// Opens (creating the directory and the file) `<data_dir>/hall_of_fame.sqlite3` and starts
    /// the writer thread. Never fails: on any error (unwritable directory, corrupt file, not a
    /// database, newer schema, failed migration) it logs one `error` line with the path and
    /// the cause and returns a handle without a hall of fame ([`HallOfFame::status`] says why).
    pub fn open(data_dir: &Path, clock: Arc<dyn Clock>) -> HallOfFame {
        let path = data_dir.join(FILE_NAME);
        let opened = std::fs::create_dir_all(data_dir)
            .map_err(|source| HallOfFameError::CreateDir { path: data_dir.to_path_buf(), source })
            .and_then(|()| SqliteStore::open(&path))
            .and_then(|writer| Ok((writer, SqliteStore::open_reader(&path)?)))
            .and_then(|(writer, reader)| HallOfFame::with_stores(Box::new(writer), Box::new(reader), clock.clone()));
        match opened {
            Ok(hall) => {
                tracing::info!(path = %path.display(), "hall of fame open");
                hall
            }
            Err(error) => {
                tracing::error!(path = %path.display(), "hall of fame unavailable, results will not be kept: {error}");
                HallOfFame::unavailable(error.to_string(), clock)
            }
        }
    }

    /// A hall of fame in the Redis at `redis_url` (`redis://host:port/db`), shared by every
    /// server of a fleet: a writer [`RedisStore`] on the writer thread and a reader one for
    /// boards. Never fails and never waits on Redis: a URL that does not parse logs one
    /// `error` line and returns a handle without a hall of fame ([`HallOfFame::status`] says
    /// why); a Redis that does not answer (at start or later) only means results wait in
    /// memory (see [`RedisStore`]) and boards read as unavailable until it answers again.
    pub fn open_redis(redis_url: &str, clock: Arc<dyn Clock>) -> HallOfFame {
        let opened = RedisStore::open(redis_url)
            .and_then(|writer| Ok((writer, RedisStore::open(redis_url)?.reader())))
            .and_then(|(writer, reader)| HallOfFame::with_stores(Box::new(writer), Box::new(reader), clock.clone()));
        match opened {
            Ok(hall) => {
                tracing::info!("hall of fame on Redis: boards shared by the fleet");
                hall
            }
            Err(error) => {
                // The URL is not logged: it may hold a password.
                tracing::error!("hall of fame unavailable, results will not be kept: {error}");
                HallOfFame::unavailable(error.to_string(), clock)
            }
        }
    }

    /// A handle with no database at all: results are dropped (and counted), boards are
    /// [`HallOfFameError::Unavailable`] with `reason`.
    pub fn disabled(reason: impl Into<String>) -> HallOfFame {
        let reason = reason.into();
        tracing::info!(%reason, "hall of fame disabled");
        HallOfFame::unavailable(reason, Arc::new(SystemClock))
    }

    /// A handle over any backend: `writer` is moved to the writer thread, `reader` serves
    /// [`HallOfFame::top`] (it may be a second connection to the same store).
    pub fn with_stores(
        writer: Box<dyn HallOfFameStore>,
        reader: Box<dyn HallOfFameStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<HallOfFame, HallOfFameError> {
        let shared = Arc::new(writer::Shared::default());
        let (queue, receiver) = std::sync::mpsc::sync_channel(QUEUE_CAPACITY);
        let thread = writer::spawn(writer, receiver, shared.clone(), clock.clone()).map_err(HallOfFameError::Thread)?;
        let inner =
            Inner { clock, queue: Mutex::new(Some(queue)), reader: Some(Mutex::new(reader)), shared, writer: Mutex::new(Some(thread)) };
        Ok(HallOfFame { inner: Arc::new(inner) })
    }

    /// A handle without a hall of fame, for `reason`.
    fn unavailable(reason: String, clock: Arc<dyn Clock>) -> HallOfFame {
        let shared = Arc::new(writer::Shared { unavailable: Some(reason), ..Default::default() });
        HallOfFame { inner: Arc::new(Inner { clock, queue: Mutex::new(None), reader: None, shared, writer: Mutex::new(None) }) }
    }

    /// Queues a result for the writer thread. Never blocks, so it is safe inside a game tick;
    /// returns `false` if the result was dropped (queue full, unavailable, or shut down).
    pub fn record(&self, result: LifeResult) -> bool {
        let shared = &self.inner.shared;
        let queue = lock(&self.inner.queue);
        let Some(queue) = queue.as_ref() else {
            shared.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        };
        // Counted before the send so the writer's decrement can never come first.
        shared.queued.fetch_add(1, Ordering::Relaxed);
        match queue.try_send(result) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                shared.queued.fetch_sub(1, Ordering::Relaxed);
                let dropped = shared.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // Rate-limited without a clock: the 1st, 2nd, 4th, 8th… drop is logged.
                if dropped.is_power_of_two() {
                    tracing::warn!(dropped, "hall of fame queue full: result dropped");
                }
                false
            }
        }
    }

    /// Reads a board at the clock's now: each pilot's best, best first, at most `limit`.
    /// Blocking (call it from `spawn_blocking`); uses its own connection, which reads while
    /// the writer writes.
    pub fn top(&self, period: Period, limit: usize) -> Result<Vec<BoardEntry>, HallOfFameError> {
        if let Some(reason) = &self.inner.shared.unavailable {
            return Err(HallOfFameError::Unavailable(reason.clone()));
        }
        let Some(reader) = &self.inner.reader else {
            return Err(HallOfFameError::Unavailable("no reader".into()));
        };
        let now = self.inner.clock.now();
        lock(reader).top(period, now, limit)
    }

    /// [`HallOfFame::top`] as the wire's [`Board`]: on any error, an empty board marked
    /// unavailable (read errors are logged; the unavailable reason was logged at open).
    pub fn board(&self, period: Period, limit: usize) -> Board {
        match self.top(period, limit) {
            Ok(entries) => Board { period, entries, available: true },
            Err(error) => {
                if !matches!(error, HallOfFameError::Unavailable(_)) {
                    tracing::warn!(period = period.as_str(), %error, "hall of fame board read failed");
                }
                Board { period, entries: Vec::new(), available: false }
            }
        }
    }

    /// Health: available, or the reason not, and the write counters.
    pub fn status(&self) -> HallOfFameStatus {
        let shared = &self.inner.shared;
        let reason = shared.unavailable.clone().or_else(|| lock(&shared.failing).clone());
        HallOfFameStatus {
            available: reason.is_none(),
            reason,
            writes_ok: shared.writes_ok.load(Ordering::Relaxed),
            write_errors: shared.write_errors.load(Ordering::Relaxed),
            dropped: shared.dropped.load(Ordering::Relaxed),
            queued: shared.queued.load(Ordering::Relaxed).saturating_add(shared.buffered.load(Ordering::Relaxed)),
        }
    }

    /// Results the writer's store holds in memory because its backend does not answer (Redis
    /// down); they are stored when it answers again. Included in [`HallOfFameStatus::queued`].
    pub fn buffered(&self) -> usize {
        self.inner.shared.buffered.load(Ordering::Relaxed)
    }

    /// Commits what is queued and stops the writer thread; later results are dropped. Call at
    /// server shutdown, after the rooms recorded their last lives. Blocks for at most about
    /// two seconds (then logs and leaves the thread to finish on its own). Idempotent.
    pub fn shutdown(&self) {
        // Dropping the only sender lets the writer drain the queue, commit and return.
        drop(lock(&self.inner.queue).take());
        let Some(thread) = lock(&self.inner.writer).take() else { return };
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if thread.is_finished() {
            if thread.join().is_err() {
                tracing::error!("hall of fame writer thread panicked");
            }
        } else {
            let queued = self.inner.shared.queued.load(Ordering::Relaxed);
            tracing::warn!(queued, "hall of fame writer did not finish within {SHUTDOWN_WAIT:?}; the last results may be lost");
        }
    }
}

/// The name a result is stored under: the in-game name cleaner ([`sanitize_name`]: NFKC,
/// visible characters only, whitespace folded, at most `MAX_NAME_CHARS`), or `"pilot"` if
/// nothing is left.
pub fn board_name(raw: &str) -> String {
    sanitize_name(raw).unwrap_or_else(|_| FALLBACK_NAME.to_string())
}

/// The key that makes names one pilot on a board: the name lower-cased, then its TR39
/// confusable skeleton, lower-cased again (so "Ada", "ADA", "Аda" with a Cyrillic "А", "TWIN"
/// and "twin" are one pilot). Lower-casing first matters: the skeleton maps a capital "I" to
/// "l", which would split "TWIN" from "twin". Takes a [`board_name`].
pub fn name_key(name: &str) -> String {
    name_skeleton(&name.to_lowercase()).to_lowercase()
}

/// Locks a mutex, ignoring poisoning: every value behind one here stays consistent even if a
/// holder panicked.
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod name_key_tests {
    use super::name_key;

    #[test]
    fn case_and_confusables_are_one_pilot() {
        assert_eq!(name_key("TWIN"), name_key("twin"));
        assert_eq!(name_key("ADA"), name_key("ada"));
        assert_eq!(name_key("\u{410}da"), name_key("Ada"), "Cyrillic capital A");
        assert_ne!(name_key("ace"), name_key("acer"));
    }
}
