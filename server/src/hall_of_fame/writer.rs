//! The hall of fame's writer thread: takes results off the bounded queue, commits them in
//! batches at most every [`COMMIT_INTERVAL`], tells each result's owner which boards it made,
//! and prunes old boards once an hour. It never panics and never stops on a write error. A
//! store that buffers results while its backend is down (Redis) is asked to flush them every
//! [`FLUSH_INTERVAL`] while the server is quiet.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Backlog, Clock, HallOfFameStore, LifeResult, lock};

/// The most time between a result's arrival and its commit when results stream in: a `kill -9`
/// of the server loses at most this much (well under the one second allowed), while a busy
/// server still makes only four transactions a second.
pub const COMMIT_INTERVAL: Duration = Duration::from_millis(250);

/// The most results in one transaction, so a backlog after a stall commits in bounded steps
/// (the queue's capacity: one full queue per transaction).
const MAX_BATCH: usize = 4096;

/// How often the writer asks a store that holds results back (Redis down) to store them, when
/// no results arrive to trigger it: results reach the boards about a second after Redis is back.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// How often old day and week boards are pruned (and once at start).
const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// At most one warning line per this long while writes keep failing (the lines in between are
/// counted in the next one), so a full disk does not flood the log.
const WARN_INTERVAL: Duration = Duration::from_secs(10);

/// After this many failed commits in a row the hall of fame reports itself unavailable (with
/// the error) until a commit succeeds again; one failure may be a passing lock.
const FAILURES_BEFORE_UNAVAILABLE: u32 = 3;

/// What the handle and the writer thread share: health and counters.
#[derive(Default)]
pub(super) struct Shared {
    /// Why the hall of fame could not start (fixed at open; `None` when it did).
    pub unavailable: Option<String>,
    /// Why writes are failing now (set after repeated failures, cleared by a success).
    pub failing: Mutex<Option<String>>,
    /// Results committed.
    pub writes_ok: AtomicU64,
    /// Transactions that failed (each lost its whole batch).
    pub write_errors: AtomicU64,
    /// Results lost: queue full, hall of fame unavailable or shut down, or a failed batch.
    pub dropped: AtomicU64,
    /// Results in the queue now.
    pub queued: AtomicUsize,
    /// Results the store holds in memory because its backend does not answer (Redis down).
    pub buffered: AtomicUsize,
}

/// Starts the writer thread, named "hall-of-fame"; it runs until every sender is gone and the
/// queue is drained and committed.
pub(super) fn spawn(
    store: Box<dyn HallOfFameStore>,
    queue: Receiver<LifeResult>,
    shared: Arc<Shared>,
    clock: Arc<dyn Clock>,
) -> std::io::Result<JoinHandle<()>> {
    let writer = Writer {
        store,
        queue,
        shared,
        clock,
        last_commit: None,
        next_prune: Instant::now(),
        failures_in_row: 0,
        backlog_failing: false,
        warn: WarnLimiter::default(),
    };
    std::thread::Builder::new().name("hall-of-fame".into()).spawn(move || writer.run())
}

/// The writer thread's state.
struct Writer {
    /// The backend, owned by this thread alone.
    store: Box<dyn HallOfFameStore>,
    /// The results [`super::HallOfFame::record`] queued.
    queue: Receiver<LifeResult>,
    /// Health and counters, read by [`super::HallOfFame::status`].
    shared: Arc<Shared>,
    /// The `now` each batch is ranked at and boards are pruned by.
    clock: Arc<dyn Clock>,
    /// When the last transaction ended; the next one waits until [`COMMIT_INTERVAL`] after it.
    last_commit: Option<Instant>,
    /// When to prune old boards next.
    next_prune: Instant,
    /// Failed commits since the last success.
    failures_in_row: u32,
    /// Whether `shared.failing` was set because the store's buffer overflowed (cleared once
    /// the buffer is empty again).
    backlog_failing: bool,
    /// Keeps write and prune warnings to one per [`WARN_INTERVAL`].
    warn: WarnLimiter,
}

impl Writer {
    /// The thread's body: wait for a result, gather more until the commit is due, commit,
    /// repeat; prune when due; return once the queue is drained and every sender gone.
    fn run(mut self) {
        let mut batch = Vec::new();
        loop {
            if Instant::now() >= self.next_prune {
                self.prune();
            }
            let mut wait = self.next_prune.saturating_duration_since(Instant::now());
            if self.shared.buffered.load(Ordering::Relaxed) > 0 {
                wait = wait.min(FLUSH_INTERVAL);
            }
            match self.queue.recv_timeout(wait) {
                Ok(result) => batch.push(self.took(result)),
                Err(RecvTimeoutError::Timeout) => {
                    if self.shared.buffered.load(Ordering::Relaxed) > 0 {
                        self.flush();
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return self.finish(),
            }
            // A quiet server commits at once (players hear about their placement right away);
            // a busy one gathers until COMMIT_INTERVAL after the last commit.
            let due = self.last_commit.map_or_else(Instant::now, |last| last + COMMIT_INTERVAL);
            let mut senders_gone = false;
            while batch.len() < MAX_BATCH {
                let wait = due.saturating_duration_since(Instant::now());
                let next = if wait.is_zero() {
                    self.queue.try_recv().map_err(|e| matches!(e, TryRecvError::Disconnected))
                } else {
                    self.queue.recv_timeout(wait).map_err(|e| matches!(e, RecvTimeoutError::Disconnected))
                };
                match next {
                    Ok(result) => batch.push(self.took(result)),
                    Err(disconnected) => {
                        senders_gone = disconnected;
                        break;
                    }
                }
            }
            self.commit(&mut batch);
            if senders_gone {
                return self.finish();
            }
        }
    }

    /// Counts a result out of the queue.
    fn took(&self, result: LifeResult) -> LifeResult {
        self.shared.queued.fetch_sub(1, Ordering::Relaxed);
        result
    }

    /// Commits the batch in one transaction, then calls each placed result's `notify`
    /// (outside the transaction). On failure the batch is dropped and counted.
    fn commit(&mut self, batch: &mut Vec<LifeResult>) {
        let count = batch.len() as u64;
        let before = self.store.backlog();
        let outcome = self.store.record(batch, self.clock.now());
        self.last_commit = Some(Instant::now());
        match outcome {
            Ok(placements) => {
                let stored = self.settle_backlog(before, count);
                self.shared.writes_ok.fetch_add(stored, Ordering::Relaxed);
                self.failures_in_row = 0;
                if !self.backlog_failing && lock(&self.shared.failing).take().is_some() {
                    tracing::info!("hall of fame writes work again");
                }
                self.warn = WarnLimiter::default();
                for (result, placed) in batch.drain(..).zip(placements) {
                    if let Some(notify) = result.notify
                        && !placed.is_empty()
                        && catch_unwind(AssertUnwindSafe(|| notify(placed))).is_err()
                    {
                        tracing::warn!(name = %result.entry.name, "hall of fame placement callback panicked");
                    }
                }
            }
            Err(error) => {
                batch.clear();
                let stored = self.settle_backlog(before, 0);
                self.shared.writes_ok.fetch_add(stored, Ordering::Relaxed);
                self.shared.write_errors.fetch_add(1, Ordering::Relaxed);
                self.shared.dropped.fetch_add(count, Ordering::Relaxed);
                self.failures_in_row = self.failures_in_row.saturating_add(1);
                if self.failures_in_row >= FAILURES_BEFORE_UNAVAILABLE {
                    *lock(&self.shared.failing) = Some(format!("writes are failing: {error}"));
                }
                if let Some(suppressed) = self.warn.allow() {
                    tracing::warn!(%error, results_lost = count, earlier_failures_not_logged = suppressed, "hall of fame write failed");
                }
            }
        }
    }

    /// Asks the store to store what it holds back (see [`HallOfFameStore::flush`]).
    fn flush(&mut self) {
        let before = self.store.backlog();
        if let Err(error) = self.store.flush(self.clock.now())
            && let Some(suppressed) = self.warn.allow()
        {
            tracing::warn!(%error, earlier_failures_not_logged = suppressed, "hall of fame flush failed");
        }
        let stored = self.settle_backlog(before, 0);
        self.shared.writes_ok.fetch_add(stored, Ordering::Relaxed);
    }

    /// Mirrors the store's backlog into the shared counters after a `record` of `incoming`
    /// results or a flush (`incoming` 0), and returns how many results were stored by it: the
    /// incoming ones and the buffered ones, less those still buffered and those dropped. A
    /// buffer that overflows marks the hall of fame failing until it is empty again.
    fn settle_backlog(&mut self, before: Backlog, incoming: u64) -> u64 {
        let after = self.store.backlog();
        let dropped = after.dropped.saturating_sub(before.dropped);
        self.shared.dropped.fetch_add(dropped, Ordering::Relaxed);
        self.shared.buffered.store(after.buffered, Ordering::Relaxed);
        if dropped > 0 {
            let total = after.dropped;
            *lock(&self.shared.failing) = Some(format!("the store does not answer and its buffer is full: {total} results dropped so far"));
            self.backlog_failing = true;
        } else if self.backlog_failing && after.buffered == 0 {
            self.backlog_failing = false;
            if lock(&self.shared.failing).take().is_some() {
                tracing::info!("hall of fame writes work again");
            }
        }
        (incoming + before.buffered as u64).saturating_sub(after.buffered as u64 + dropped)
    }

    /// At exit: one last flush of what the store holds back; whatever it still holds is lost,
    /// counted and logged.
    fn finish(mut self) {
        if self.store.backlog().buffered == 0 {
            return;
        }
        self.flush();
        let lost = self.store.backlog().buffered;
        if lost > 0 {
            self.shared.buffered.store(0, Ordering::Relaxed);
            self.shared.dropped.fetch_add(lost as u64, Ordering::Relaxed);
            tracing::warn!(lost, "hall of fame results still buffered at shutdown are lost: the store does not answer");
        }
    }

    /// Deletes old day and week boards; a failure is logged (rate-limited) and retried next time.
    fn prune(&mut self) {
        self.next_prune = Instant::now() + PRUNE_INTERVAL;
        match self.store.prune(self.clock.now()) {
            Ok(0) => {}
            Ok(rows) => tracing::debug!(rows, "hall of fame pruned old day and week boards"),
            Err(error) => {
                if let Some(suppressed) = self.warn.allow() {
                    tracing::warn!(%error, earlier_failures_not_logged = suppressed, "hall of fame prune failed");
                }
            }
        }
    }
}

/// Lets one warning through per [`WARN_INTERVAL`] and counts the ones held back.
#[derive(Default)]
struct WarnLimiter {
    /// When the last warning went out.
    last: Option<Instant>,
    /// Warnings held back since.
    suppressed: u64,
}

impl WarnLimiter {
    /// `Some(number held back since the last one)` if a warning may be logged now.
    fn allow(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|last| now < last + WARN_INTERVAL) {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}
