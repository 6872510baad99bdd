//! The hall of fame: every ended life is stored, and three boards (all time, this ISO week,
//! today, in UTC) show each pilot's best result. It survives restarts, and a broken database
//! never stops the game: the server then runs without it and says why.
//!
//! - `mod.rs`: [`HallOfFame`], the handle rooms and HTTP handlers share, and its
//!   [`HallOfFameStatus`].
//! - `store`: the [`HallOfFameStore`] trait every backend implements, and [`LifeResult`].
//! - `error`: [`HallOfFameError`].
//! - `clock`: [`Clock`], [`SystemClock`], [`ManualClock`].
//! - `names`: [`board_name`] and [`name_key`], who a result's pilot is.
//! - `writer`: the "hall-of-fame" thread that batches results into transactions.
//! - [`sqlite`]: the SQLite backend, `<data_dir>/hall_of_fame.sqlite3`.
//! - [`redis_store`]: the Redis backend (`--redis`), whose boards every server of a fleet shares.
//! - [`periods`]: where each board's day and week begin, and how long day and week boards are
//!   kept (both backends).
//! - `contract_tests` (tests only): the [`HallOfFameStore`] contract, run against both backends.

mod clock;
#[cfg(test)]
mod contract_tests;
mod error;
mod names;
pub mod periods;
pub mod redis_store;
pub mod sqlite;
mod store;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
mod writer;

/// The test `redis-server` launcher the integration tests use too (one copy of its port-race
/// handling). Not every helper is used by the unit tests: the fleet tests use the rest.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../tests/common/redis.rs"]
mod test_redis;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use driftfire_shared::protocol::{Board, BoardEntry, Period};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::HallOfFameError;
pub use names::{board_name, name_key};
pub use redis_store::RedisStore;
pub use sqlite::{FILE_NAME, SqliteStore};
pub use store::{Backlog, HallOfFameStore, LifeResult};
pub use writer::{COMMIT_INTERVAL, FLUSH_INTERVAL};

/// Results waiting for the writer thread. A full room ends at most a few lives a second and a
/// commit takes milliseconds, so 4,096 rides out a stalled disk of many seconds; beyond that
/// results are dropped (and counted) rather than let a game tick wait or memory grow.
const QUEUE_CAPACITY: usize = 4096;

/// How long [`HallOfFame::shutdown`] waits for the writer to commit what is queued: within the
/// server's two seconds to exit.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

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

/// Locks a mutex, ignoring poisoning: every value behind one here stays consistent even if a
/// holder panicked.
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
