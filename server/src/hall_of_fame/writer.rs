//! The hall of fame's writer thread: takes results off the bounded queue, commits them in
//! batches at most every [`COMMIT_INTERVAL`], tells each result's owner which boards it made,
//! and prunes old boards once an hour. It never panics and never stops on a write error.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Clock, HallOfFameStore, LifeResult, lock};

/// The most time between a result's arrival and its commit when results stream in: a `kill -9`
/// of the server loses at most this much (well under the one second allowed), while a busy
/// server still makes only four transactions a second.
pub const COMMIT_INTERVAL: Duration = Duration::from_millis(250);

/// The most results in one transaction, so a backlog after a stall commits in bounded steps
/// (the queue's capacity: one full queue per transaction).
const MAX_BATCH: usize = 4096;

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
            let wait = self.next_prune.saturating_duration_since(Instant::now());
            match self.queue.recv_timeout(wait) {
                Ok(result) => batch.push(self.took(result)),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
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
                return;
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
        let outcome = self.store.record(batch, self.clock.now());
        self.last_commit = Some(Instant::now());
        match outcome {
            Ok(placements) => {
                self.shared.writes_ok.fetch_add(count, Ordering::Relaxed);
                self.failures_in_row = 0;
                if lock(&self.shared.failing).take().is_some() {
                    tracing::info!("hall of fame writes work again");
                }
                self.warn = WarnLimiter::default();
                for (result, placed) in batch.drain(..).zip(placements) {
                    if let Some(notify) = result.notify
                        && !placed.is_empty()
                        && catch_unwind(AssertUnwindSafe(|| notify(placed))).is_err()
                    {
                        tracing::warn!(name = %result.name, "hall of fame placement callback panicked");
                    }
                }
            }
            Err(error) => {
                batch.clear();
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
