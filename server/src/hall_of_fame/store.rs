//! The one contract every hall-of-fame backend keeps: [`HallOfFameStore`], what it is given
//! ([`LifeResult`]) and what it may hold back ([`Backlog`]). `contract_tests` checks both
//! backends against it through this trait alone.

use driftfire_shared::protocol::{BoardEntry, Period, Placement};

use super::error::HallOfFameError;
use super::names::board_name;

/// One ended life, as the room reports it.
pub struct LifeResult {
    /// The result as a board shows it: name as shown in the room (cleaned again before it is
    /// stored, see [`LifeResult::board_entry`]), score, kills, deaths, time alive, room, and
    /// `ended_at`, which decides the day and week boards it is on.
    pub entry: BoardEntry,
    /// Called from the writer thread after the commit with the boards this result made, only
    /// if it made at least one. Keep it quick and non-blocking (a `try_send`, say).
    pub notify: Option<Box<dyn FnOnce(Vec<Placement>) + Send>>,
}

impl LifeResult {
    /// The entry as every backend stores it: [`LifeResult::entry`] with its name cleaned by
    /// [`board_name`].
    pub fn board_entry(&self) -> BoardEntry {
        let mut entry = self.entry.clone();
        entry.name = board_name(&entry.name);
        entry
    }
}

impl std::fmt::Debug for LifeResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LifeResult").field("entry", &self.entry).field("notify", &self.notify.is_some()).finish()
    }
}

/// Where results are stored: SQLite (one server) or Redis (a fleet). Blocking methods: callers
/// run them off the async runtime (the writer thread, `spawn_blocking`).
///
/// Every store keeps, per board (all time; each ISO week and each UTC day, see
/// [`periods`](super::periods)), each pilot's best result: pilots are told apart by
/// [`name_key`](super::name_key) of the [`board_name`]; a result is a pilot's best when its
/// score is higher, or equal and its life ended earlier. Day and week boards are kept for
/// [`board_retention`](super::periods::board_retention) after they begin.
pub trait HallOfFameStore: Send {
    /// Stores a batch of results in one transaction and returns, for each result (same order),
    /// the boards it made: rank ≤ `BOARD_SIZE` among the best-per-name of each period's board
    /// at `now` (a result that is not its pilot's best there made none). A store whose backend
    /// does not answer may instead keep the batch in memory (counted in
    /// [`HallOfFameStore::backlog`]) and return no placements; an `Err` means the batch is lost.
    fn record(&mut self, batch: &[LifeResult], now: i64) -> Result<Vec<Vec<Placement>>, HallOfFameError>;

    /// The best result per name on `period`'s board at time `now` (Unix s), best first, at
    /// most `limit`. Higher scores first; equal scores in an order each store fixes (SQLite:
    /// the earlier result first; Redis: by name key, descending), the same one `record` ranks by.
    fn top(&mut self, period: Period, now: i64, limit: usize) -> Result<Vec<BoardEntry>, HallOfFameError>;

    /// Deletes boards past their retention at `now` (housekeeping for a store whose boards do
    /// not expire by themselves; nothing by default). Returns how many rows went.
    fn prune(&mut self, now: i64) -> Result<usize, HallOfFameError> {
        let _ = now;
        Ok(0)
    }

    /// Retries storing what the store holds back (a Redis store's buffer while Redis does not
    /// answer); the writer calls it every [`FLUSH_INTERVAL`](super::FLUSH_INTERVAL) while
    /// [`HallOfFameStore::backlog`] shows results buffered and none arrive. Nothing by default.
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
