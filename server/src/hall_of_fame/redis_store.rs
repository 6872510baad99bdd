//! The Redis backend of the hall of fame (`--redis URL`): every server of a fleet writes its
//! results into the same keys, so the boards are fleet-wide. One sorted set per board ranks
//! each pilot's best score; a hash beside it holds the details of that best result.
//!
//! | key | type | member / field → value | written | expires |
//! |---|---|---|---|---|
//! | `driftfire:hof:all` | sorted set | name key → best score | [`RECORD_SCRIPT`], only upward (`ZADD GT CH`) | never |
//! | `driftfire:hof:all:entries` | hash | name key → JSON [`BoardEntry`] of that best | with the score, only when it improved | never |
//! | `driftfire:hof:week:{week_start}` | sorted set | as the all-time set | as above | [`WEEK_BOARD_KEEP_SECS`](super::periods::WEEK_BOARD_KEEP_SECS) (5 weeks) after `week_start` |
//! | `driftfire:hof:week:{week_start}:entries` | hash | as the all-time hash | as above | as its set |
//! | `driftfire:hof:day:{day_start}` | sorted set | as the all-time set | as above | [`DAY_BOARD_KEEP_SECS`](super::periods::DAY_BOARD_KEEP_SECS) (8 days) after `day_start` |
//! | `driftfire:hof:day:{day_start}:entries` | hash | as the all-time hash | as above | as its set |
//!
//! `{week_start}` and `{day_start}` are Unix seconds from [`periods`](super::periods) (Monday
//! 00:00 UTC, 00:00 UTC); the name key is [`name_key`]. Day and week keys get their TTL on
//! every write (computed from the period's start and [`board_retention`], the SQLite store's
//! rule too, so it never grows), and no prune is needed. A result whose board has expired by
//! the time it is written (buffered long while Redis was down) is not written there.
//!
//! - **Best per name.** A result replaces its pilot's best on a board when its score is higher,
//!   or equal and the life ended earlier (the SQLite store's rule). [`RECORD_SCRIPT`] does the
//!   compare-and-set for a whole batch in one `EVAL` (one round trip, atomic), so two servers
//!   writing the same pilot at once keep the better result. Replaying a batch changes nothing,
//!   so a batch retried after a lost reply counts once.
//! - **Order.** Higher score first; equal scores in reverse order of name key (Redis's order
//!   for `ZREVRANGE`), not by time as in SQLite. Accepted: ties at the top are rare and the
//!   order is still stable.
//! - **Placements.** A result made a board when, after its batch, it is its pilot's stored best
//!   on the board of `now`'s period and its pilot ranks ≤ [`BOARD_SIZE`] (`ZREVRANK` + 1).
//! - **Faults.** Connections are blocking with [`CONNECT_TIMEOUT`] and [`RESPONSE_TIMEOUT`]; an
//!   error drops the connection and the next try (at most every [`RETRY_INTERVAL`]) reconnects.
//!   While Redis does not answer, [`HallOfFameStore::record`] keeps results in memory (at most
//!   [`BUFFER_CAPACITY`], the oldest dropped and counted beyond that) and returns no
//!   placements; the writer thread calls [`HallOfFameStore::flush`] to store them once Redis
//!   answers (their placements are not reported). Reads fail meanwhile: boards show as
//!   unavailable.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use driftfire_shared::protocol::{BOARD_SIZE, BoardEntry, Period, Placement};

use super::periods::{board_retention, period_start};
use super::{Backlog, HallOfFameError, HallOfFameStore, LifeResult, name_key};

/// Every key of the hall of fame starts with this.
pub const KEY_PREFIX: &str = "driftfire:hof";

/// How long opening a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a command's reply may take (a batch's script takes milliseconds).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

/// After a failure, Redis is not tried again before this long: while it is down a batch is
/// buffered and a board read fails at once, without waiting on a connection each time.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// The most results kept in memory while Redis does not answer: at a few lives a second per
/// room that is many minutes of a busy server, and about 2 MB. Beyond it the oldest go.
pub const BUFFER_CAPACITY: usize = 10_000;

/// The most results in one `EVAL` when the buffer is flushed, so a long backlog goes in
/// bounded steps well within [`RESPONSE_TIMEOUT`].
const FLUSH_CHUNK: usize = 1_000;

/// How many `ARGV` entries each board write takes in [`RECORD_SCRIPT`].
const ARGS_PER_WRITE: usize = 6;

/// Stores a batch of board writes and returns each one's rank, atomically.
///
/// `KEYS`: per write, its board's sorted set and hash. `ARGV[1]`: the number of writes `n`;
/// then per write: name key, score, ended_at, JSON entry, TTL seconds (0: none), and "1" if
/// its rank is wanted. Returns `n` integers: the pilot's 1-based rank on that board if the rank
/// was wanted and this write is the pilot's stored best after the whole batch, else 0.
pub const RECORD_SCRIPT: &str = r"
local n = tonumber(ARGV[1])
for i = 0, n - 1 do
  local board, entries = KEYS[2 * i + 1], KEYS[2 * i + 2]
  local a = 2 + i * 6
  local member, score, ended, entry, ttl = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], tonumber(ARGV[a + 4])
  local better = redis.call('ZADD', board, 'GT', 'CH', score, member) == 1
  if not better and tonumber(redis.call('ZSCORE', board, member)) == tonumber(score) then
    -- Same score: the earlier life wins. Details that do not decode are replaced.
    local stored = redis.call('HGET', entries, member)
    local ok, old = pcall(cjson.decode, stored or '')
    local old_ended = ok and type(old) == 'table' and tonumber(old.ended_at)
    better = (not old_ended) or ended < old_ended
  end
  if better then
    redis.call('HSET', entries, member, entry)
  end
  if ttl > 0 then
    redis.call('EXPIRE', board, ttl)
    redis.call('EXPIRE', entries, ttl)
  end
end
local ranks = {}
for i = 0, n - 1 do
  local a = 2 + i * 6
  local rank = 0
  if ARGV[a + 5] == '1' and redis.call('HGET', KEYS[2 * i + 2], ARGV[a]) == ARGV[a + 3] then
    rank = redis.call('ZREVRANK', KEYS[2 * i + 1], ARGV[a]) + 1
  end
  ranks[i + 1] = rank
end
return ranks
";

/// A board's sorted set: `driftfire:hof:all`, `driftfire:hof:week:{start}`, `driftfire:hof:day:{start}`.
pub fn board_key(period: Period, start: i64) -> String {
    match period {
        Period::AllTime => format!("{KEY_PREFIX}:all"),
        Period::Week | Period::Day => format!("{KEY_PREFIX}:{}:{start}", period.as_str()),
    }
}

/// The hash of a board's entries: its sorted set's key + `:entries`.
pub fn entries_key(period: Period, start: i64) -> String {
    format!("{}:entries", board_key(period, start))
}

/// Seconds the keys of `period`'s board starting at `start` have left at `now` (`None`: they
/// never expire; ≤ 0: already gone, nothing is written there).
fn ttl(period: Period, start: i64, now: i64) -> Option<i64> {
    board_retention(period).map(|retention| start.saturating_add(retention).saturating_sub(now))
}

/// A result ready to store (or to wait in the buffer): no callback, its entry encoded.
struct Pending {
    /// The pilot's [`name_key`].
    key: String,
    /// Score, for the sorted set.
    score: u32,
    /// When the life ended: which boards, and the tie-break.
    ended_at: i64,
    /// The [`BoardEntry`] as JSON.
    json: String,
}

impl Pending {
    fn new(result: &LifeResult) -> Self {
        let entry = result.board_entry();
        // A struct of strings and integers always encodes.
        let json = serde_json::to_string(&entry).unwrap_or_default();
        Self { key: name_key(&entry.name), score: entry.score, ended_at: entry.ended_at, json }
    }
}

/// Stores `results` with one `EVAL` of [`RECORD_SCRIPT`] and, if `placements`, returns the
/// boards each made (else empty lists).
fn write(conn: &mut redis::Connection, results: &[Pending], now: i64, placements: bool) -> redis::RedisResult<Vec<Vec<Placement>>> {
    let mut keys = Vec::with_capacity(results.len() * 2 * Period::ALL.len());
    let mut args: Vec<String> = Vec::with_capacity(1 + results.len() * ARGS_PER_WRITE * Period::ALL.len());
    let mut writes = Vec::with_capacity(results.len() * Period::ALL.len());
    args.push(String::new()); // The count, set below.
    for (i, result) in results.iter().enumerate() {
        for period in Period::ALL {
            let start = period_start(period, result.ended_at);
            let ttl = ttl(period, start, now);
            if ttl.is_some_and(|ttl| ttl <= 0) {
                continue;
            }
            let current = placements && start == period_start(period, now);
            keys.push(board_key(period, start));
            keys.push(entries_key(period, start));
            args.extend([
                result.key.clone(),
                result.score.to_string(),
                result.ended_at.to_string(),
                result.json.clone(),
                ttl.unwrap_or(0).to_string(),
                if current { "1" } else { "0" }.to_string(),
            ]);
            writes.push((i, period));
        }
    }
    let mut placed = vec![Vec::new(); results.len()];
    if writes.is_empty() {
        return Ok(placed);
    }
    args[0] = writes.len().to_string();
    let ranks: Vec<i64> = redis::cmd("EVAL").arg(RECORD_SCRIPT).arg(keys.len()).arg(&keys).arg(&args).query(conn)?;
    for ((i, period), rank) in writes.into_iter().zip(ranks) {
        if (1..=BOARD_SIZE as i64).contains(&rank) {
            placed[i].push(Placement { period, rank: rank as u16 });
        }
    }
    Ok(placed)
}

/// One blocking connection that reconnects after errors, at most every [`RETRY_INTERVAL`].
struct Link {
    client: redis::Client,
    /// `None` until connected, and after an error.
    conn: Option<redis::Connection>,
    /// No new try before this, after a failure.
    retry_at: Option<Instant>,
    /// The error that took Redis down, while it is down (logged once per outage).
    down: Option<String>,
    /// "writer" or "reader", for the logs.
    role: &'static str,
}

impl Link {
    /// Runs `command` on the connection, connecting first if needed. On an error the
    /// connection is dropped and Redis is not tried again for [`RETRY_INTERVAL`] (tries in
    /// that time fail at once with [`HallOfFameError::Unavailable`]).
    fn run<T>(&mut self, command: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>) -> Result<T, HallOfFameError> {
        if let (Some(retry_at), Some(down)) = (self.retry_at, &self.down)
            && Instant::now() < retry_at
        {
            return Err(HallOfFameError::Unavailable(format!("Redis does not answer: {down}")));
        }
        let outcome = self.connection().and_then(command);
        match outcome {
            Ok(value) => {
                if let Some(error) = self.down.take() {
                    tracing::info!(role = self.role, %error, "hall of fame: Redis answers again");
                }
                self.retry_at = None;
                Ok(value)
            }
            Err(error) => {
                self.conn = None;
                self.retry_at = Some(Instant::now() + RETRY_INTERVAL);
                if self.down.is_none() {
                    tracing::warn!(role = self.role, %error, "hall of fame: Redis does not answer");
                }
                self.down = Some(error.to_string());
                Err(HallOfFameError::Redis(error))
            }
        }
    }

    /// The open connection, or a new one with the timeouts set.
    fn connection(&mut self) -> redis::RedisResult<&mut redis::Connection> {
        if self.conn.is_none() {
            let conn = self.client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
            conn.set_read_timeout(Some(RESPONSE_TIMEOUT))?;
            conn.set_write_timeout(Some(RESPONSE_TIMEOUT))?;
            self.conn = Some(conn);
        }
        self.conn.as_mut().ok_or_else(|| redis::RedisError::from((redis::ErrorKind::Client, "no connection")))
    }
}

/// A hall of fame in Redis: one for the writer thread (which buffers while Redis is down) and
/// one for reading boards. See the module documentation for the keys.
pub struct RedisStore {
    /// The connection.
    link: Link,
    /// Results waiting for Redis, oldest first.
    buffer: VecDeque<Pending>,
    /// The buffer's bound.
    capacity: usize,
    /// Results dropped from a full buffer since open.
    dropped: u64,
    /// Whether the buffer overflowed since it was last empty (one warning per outage).
    overflowing: bool,
    /// Results stored from the buffer since it was last empty, for the log line when it is.
    flushed: usize,
}

impl RedisStore {
    /// A store for the Redis at `url` (`redis://[:password@]host:port[/db]`). Only checks the
    /// URL: it connects on first use, so a Redis that is down at start is no error.
    pub fn open(url: &str) -> Result<Self, HallOfFameError> {
        let client = redis::Client::open(url).map_err(HallOfFameError::RedisUrl)?;
        Ok(Self {
            link: Link { client, conn: None, retry_at: None, down: None, role: "writer" },
            buffer: VecDeque::new(),
            capacity: BUFFER_CAPACITY,
            dropped: 0,
            overflowing: false,
            flushed: 0,
        })
    }

    /// Marks this store as the one that reads boards (only its log lines change).
    pub fn reader(mut self) -> Self {
        self.link.role = "reader";
        self
    }

    /// Stores the buffer, oldest first, in chunks; `true` once it is empty, `false` if Redis
    /// failed (the rest stays buffered).
    fn drain(&mut self, now: i64) -> bool {
        while !self.buffer.is_empty() {
            let count = self.buffer.len().min(FLUSH_CHUNK);
            let chunk = &self.buffer.make_contiguous()[..count];
            if self.link.run(|conn| write(conn, chunk, now, false)).is_err() {
                return false;
            }
            self.buffer.drain(..count);
            self.flushed += count;
            if self.buffer.is_empty() {
                tracing::info!(stored = self.flushed, "hall of fame: results buffered while Redis was down are stored");
                self.flushed = 0;
                self.overflowing = false;
            }
        }
        true
    }

    /// Buffers results Redis did not take, dropping the oldest beyond the capacity.
    fn keep(&mut self, results: Vec<Pending>) {
        self.buffer.extend(results);
        let excess = self.buffer.len().saturating_sub(self.capacity);
        if excess > 0 {
            self.buffer.drain(..excess);
            self.dropped += excess as u64;
            if !self.overflowing {
                self.overflowing = true;
                tracing::warn!(capacity = self.capacity, "hall of fame: Redis down too long, buffer full: the oldest results are dropped");
            }
        }
    }
}

impl HallOfFameStore for RedisStore {
    fn record(&mut self, batch: &[LifeResult], now: i64) -> Result<Vec<Vec<Placement>>, HallOfFameError> {
        let pending: Vec<Pending> = batch.iter().map(Pending::new).collect();
        // Older results first; if Redis fails on them, this batch waits behind them.
        if self.drain(now)
            && let Ok(placements) = self.link.run(|conn| write(conn, &pending, now, true))
        {
            return Ok(placements);
        }
        self.keep(pending);
        Ok(vec![Vec::new(); batch.len()])
    }

    fn top(&mut self, period: Period, now: i64, limit: usize) -> Result<Vec<BoardEntry>, HallOfFameError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let start = period_start(period, now);
        let (board, entries) = (board_key(period, start), entries_key(period, start));
        let stop = i64::try_from(limit - 1).unwrap_or(i64::MAX);
        self.link.run(|conn| {
            let ranked: Vec<(String, u32)> = redis::cmd("ZREVRANGE").arg(&board).arg(0).arg(stop).arg("WITHSCORES").query(conn)?;
            if ranked.is_empty() {
                return Ok(Vec::new());
            }
            let members: Vec<&str> = ranked.iter().map(|(member, _)| member.as_str()).collect();
            let details: Vec<Option<String>> = redis::cmd("HMGET").arg(&entries).arg(&members).query(conn)?;
            // A member without readable details (its hash edited by hand, say) is left out;
            // the set's score wins over the entry's so the board stays in order.
            Ok(ranked
                .into_iter()
                .zip(details)
                .filter_map(|((_, score), json)| {
                    let entry: BoardEntry = serde_json::from_str(&json?).ok()?;
                    Some(BoardEntry { score, ..entry })
                })
                .collect())
        })
    }

    fn flush(&mut self, now: i64) -> Result<(), HallOfFameError> {
        // Redis still down is no error: the results stay buffered, and the link logged it.
        self.drain(now);
        Ok(())
    }

    fn backlog(&self) -> Backlog {
        Backlog { buffered: self.buffer.len(), dropped: self.dropped }
    }
}

#[cfg(test)]
mod tests;
