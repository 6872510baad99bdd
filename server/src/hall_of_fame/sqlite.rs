//! The SQLite backend of the hall of fame: one file in WAL mode, a versioned schema with ordered
//! migrations, a `results` log of every life and a `best` table of each pilot's best result per
//! board, so a board is one indexed range read.

use std::path::{Path, PathBuf};
use std::time::Duration;

use driftfire_shared::protocol::{BOARD_SIZE, BoardEntry, Period, Placement};
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use super::periods::{board_retention, period_start};
use super::{HallOfFameError, HallOfFameStore, LifeResult, name_key};

/// How long a statement waits for a lock held by another connection (the reader, the writer's
/// checkpoint, a second server on the same file) before failing: long enough for any commit of
/// ours, short enough that a board request in `spawn_blocking` never hangs.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// Schema migrations in order: entry `i` takes the schema from version `i` to `i + 1` (stored
/// in `PRAGMA user_version`). Never edit a shipped entry; append a new one.
const MIGRATIONS: &[&str] = &[
    // v1: the initial schema. `best.period` holds `Period::as_str` ("all", "week", "day");
    // `period_start` is `periods::period_start` (0 for all time). `best_rank` serves both the
    // board read and the rank of a new result, in board order.
    "CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        score INTEGER NOT NULL,
        kills INTEGER NOT NULL,
        deaths INTEGER NOT NULL,
        alive_secs INTEGER NOT NULL,
        room TEXT NOT NULL,
        ended_at INTEGER NOT NULL
    );
    CREATE TABLE best (
        period TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        name_key TEXT NOT NULL,
        name TEXT NOT NULL,
        score INTEGER NOT NULL,
        kills INTEGER NOT NULL,
        deaths INTEGER NOT NULL,
        alive_secs INTEGER NOT NULL,
        room TEXT NOT NULL,
        ended_at INTEGER NOT NULL,
        result_id INTEGER NOT NULL,
        PRIMARY KEY (period, period_start, name_key)
    ) WITHOUT ROWID;
    CREATE INDEX best_rank ON best (period, period_start, score DESC, ended_at, result_id);",
];

/// The schema version this code writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The file name inside the server's data directory.
pub const FILE_NAME: &str = "hall_of_fame.sqlite3";

/// Board order: higher score first, then the earlier result, then the earlier insert (a total
/// order, so boards and ranks never disagree).
const BOARD_ORDER: &str = "ORDER BY score DESC, ended_at ASC, result_id ASC";

/// A connection to the hall-of-fame database: the writer's (which creates and migrates the
/// file) or a reader's.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` for writing: WAL mode,
    /// `synchronous=NORMAL`, a busy timeout, then the schema migrated to [`SCHEMA_VERSION`].
    /// Fails on a file that is not a database, a newer schema, or a failed migration.
    pub fn open(path: &Path) -> Result<Self, HallOfFameError> {
        let open_error = |source| HallOfFameError::Open { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        // WAL: the reader connection reads while the writer commits. This is the first
        // statement that reads the file, so a corrupt file or a non-database fails here.
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)).map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(HallOfFameError::Schema { path: path.to_path_buf(), reason: format!("cannot switch to WAL mode (got {mode:?})") });
        }
        // NORMAL in WAL mode: a commit survives the process being killed (only a power loss
        // may lose the last commits), without an fsync per transaction.
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_error)?;
        migrate(&conn, path)?;
        Ok(Self { conn })
    }

    /// Opens an existing, already migrated database at `path` for reading only (boards), next
    /// to the writer's connection.
    pub fn open_reader(path: &Path) -> Result<Self, HallOfFameError> {
        let open_error = |source| HallOfFameError::Open { path: path.to_path_buf(), source };
        // Read-write flags without CREATE: a WAL reader needs the shared-memory file, and
        // `query_only` below forbids writes.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        conn.pragma_update(None, "query_only", true).map_err(open_error)?;
        let version = user_version(&conn).map_err(open_error)?;
        if version != SCHEMA_VERSION {
            return Err(HallOfFameError::Schema {
                path: path.to_path_buf(),
                reason: format!("schema version {version}, expected {SCHEMA_VERSION}"),
            });
        }
        Ok(Self { conn })
    }

    /// Deletes the day and week boards past their [`board_retention`] at `now` (those that
    /// began at or before `now` minus it); returns how many rows went. The `results` log is
    /// kept whole.
    fn prune_boards(&mut self, now: i64) -> rusqlite::Result<usize> {
        let mut rows = 0;
        for period in Period::ALL {
            if let Some(retention) = board_retention(period) {
                rows += self.conn.execute(
                    "DELETE FROM best WHERE period = ?1 AND period_start <= ?2",
                    params![period.as_str(), now.saturating_sub(retention)],
                )?;
            }
        }
        Ok(rows)
    }

    /// Inserts the batch and computes its placements, inside one transaction.
    fn record_batch(&mut self, batch: &[LifeResult], now: i64) -> rusqlite::Result<Vec<Vec<Placement>>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = Vec::with_capacity(batch.len());
        {
            let mut insert = tx.prepare(
                "INSERT INTO results (name, name_key, score, kills, deaths, alive_secs, room, ended_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            // Replaces a pilot's best only with a better one (higher score, or the same score
            // earlier), the board order.
            let mut upsert = tx.prepare(
                "INSERT INTO best (period, period_start, name_key, name, score, kills, deaths, alive_secs, room, ended_at, result_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (period, period_start, name_key) DO UPDATE SET
                     name = excluded.name, score = excluded.score, kills = excluded.kills, deaths = excluded.deaths,
                     alive_secs = excluded.alive_secs, room = excluded.room, ended_at = excluded.ended_at,
                     result_id = excluded.result_id
                 WHERE excluded.score > best.score OR (excluded.score = best.score AND excluded.ended_at < best.ended_at)",
            )?;
            for result in batch {
                let e = result.board_entry();
                let key = name_key(&e.name);
                insert.execute(params![e.name, key, e.score, e.kills, e.deaths, e.alive_secs, e.room, e.ended_at])?;
                let id = tx.last_insert_rowid();
                for period in Period::ALL {
                    let start = period_start(period, e.ended_at);
                    upsert.execute(params![
                        period.as_str(),
                        start,
                        key,
                        e.name,
                        e.score,
                        e.kills,
                        e.deaths,
                        e.alive_secs,
                        e.room,
                        e.ended_at,
                        id
                    ])?;
                }
                ids.push(id);
            }
        }
        // Placements on the boards as they stand at `now`, after the whole batch: a result
        // placed if it is its pilot's best there and within the top BOARD_SIZE.
        let mut placements = vec![Vec::new(); batch.len()];
        {
            let sql = format!("SELECT result_id FROM best WHERE period = ?1 AND period_start = ?2 {BOARD_ORDER} LIMIT ?3");
            let mut top_ids = tx.prepare(&sql)?;
            for period in Period::ALL {
                let board: Vec<i64> = top_ids
                    .query_map(params![period.as_str(), period_start(period, now), BOARD_SIZE as i64], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for (i, id) in ids.iter().enumerate() {
                    if let Some(position) = board.iter().position(|b| b == id) {
                        placements[i].push(Placement { period, rank: position as u16 + 1 });
                    }
                }
            }
        }
        tx.commit()?;
        Ok(placements)
    }

    /// Reads a board: each pilot's best, best first.
    fn read_top(&mut self, period: Period, now: i64, limit: usize) -> rusqlite::Result<Vec<BoardEntry>> {
        let sql = format!(
            "SELECT name, score, kills, deaths, alive_secs, room, ended_at FROM best
             WHERE period = ?1 AND period_start = ?2 {BOARD_ORDER} LIMIT ?3"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        stmt.query_map(params![period.as_str(), period_start(period, now), limit], |row| {
            Ok(BoardEntry {
                name: row.get(0)?,
                score: row.get(1)?,
                kills: row.get(2)?,
                deaths: row.get(3)?,
                alive_secs: row.get(4)?,
                room: row.get(5)?,
                ended_at: row.get(6)?,
            })
        })?
        .collect()
    }
}

impl HallOfFameStore for SqliteStore {
    fn record(&mut self, batch: &[LifeResult], now: i64) -> Result<Vec<Vec<Placement>>, HallOfFameError> {
        self.record_batch(batch, now).map_err(HallOfFameError::Write)
    }

    fn top(&mut self, period: Period, now: i64, limit: usize) -> Result<Vec<BoardEntry>, HallOfFameError> {
        self.read_top(period, now, limit).map_err(HallOfFameError::Read)
    }

    fn prune(&mut self, now: i64) -> Result<usize, HallOfFameError> {
        self.prune_boards(now).map_err(HallOfFameError::Write)
    }
}

/// The schema version stored in the file (0 for a new file).
fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the schema to [`SCHEMA_VERSION`], one migration per transaction. Each step re-reads
/// the version inside its transaction, so two servers opening the same file do not both migrate.
fn migrate(conn: &Connection, path: &Path) -> Result<(), HallOfFameError> {
    let path_buf = || PathBuf::from(path);
    loop {
        let version = user_version(conn).map_err(|source| HallOfFameError::Open { path: path_buf(), source })?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if version > SCHEMA_VERSION {
            return Err(HallOfFameError::Schema {
                path: path_buf(),
                reason: format!(
                    "schema version {version} is newer than this server knows ({SCHEMA_VERSION}); \
                     run a newer server or move the file away"
                ),
            });
        }
        if version < 0 {
            return Err(HallOfFameError::Schema { path: path_buf(), reason: format!("invalid schema version {version}") });
        }
        let step = || -> rusqlite::Result<()> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let result = (|| {
                if user_version(conn)? == version {
                    conn.execute_batch(MIGRATIONS[version as usize])?;
                    conn.pragma_update(None, "user_version", version + 1)?;
                }
                conn.execute_batch("COMMIT")
            })();
            if result.is_err() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            result
        };
        step().map_err(|source| HallOfFameError::Migration { path: path_buf(), version: version + 1, source })?;
    }
}

#[cfg(test)]
mod tests {
    //! What only the SQLite store does: its tie order, pruning, the read-only second
    //! connection and schema versions. What every store does is in `contract_tests`.

    use super::*;
    use crate::hall_of_fame::periods::{DAY_BOARD_KEEP_SECS, DAY_SECS, WEEK_BOARD_KEEP_SECS, WEEK_SECS};
    use crate::hall_of_fame::test_support::{MONDAY, life, names};

    /// A fresh store in a temp dir (kept alive by the returned guard).
    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join(FILE_NAME)).expect("open");
        (dir, store)
    }

    #[test]
    fn equal_scores_rank_the_earlier_result_first() {
        let (_dir, mut s) = store();
        let now = MONDAY + 3600;
        let batch = [life("ada", 300, now - 50), life("bob", 500, now - 40), life("ADA", 700, now - 30), life("cy", 500, now - 60)];
        let placed = s.record(&batch, now).expect("record");
        for period in Period::ALL {
            // cy's 500 ended before bob's: cy first.
            assert_eq!(names(&s.top(period, now, 10).expect("top")), [("ADA", 700), ("cy", 500), ("bob", 500)], "{period:?}");
        }
        assert_eq!(names(&s.top(Period::AllTime, now, 2).expect("top")), [("ADA", 700), ("cy", 500)]);
        // Placements rank in the same order.
        assert_eq!(placed[3].first(), Some(&Placement { period: Period::AllTime, rank: 2 }));
        assert_eq!(placed[1].first(), Some(&Placement { period: Period::AllTime, rank: 3 }));
    }

    #[test]
    fn prune_drops_day_and_week_boards_past_their_retention_only() {
        let (_dir, mut s) = store();
        s.record(&[life("ancient", 5, MONDAY)], MONDAY).expect("record");
        let now = MONDAY + 20 * WEEK_SECS;
        s.record(&[life("recent", 7, now - DAY_SECS)], now).expect("record");
        // Until the last second of its retention, ancient's day board stays.
        assert_eq!(s.prune(MONDAY + DAY_BOARD_KEEP_SECS - 1).expect("prune"), 0);
        assert_eq!(names(&s.top(Period::Day, MONDAY, 10).expect("top")), [("ancient", 5)]);
        assert_eq!(s.prune(MONDAY + DAY_BOARD_KEEP_SECS).expect("prune"), 1);
        assert_eq!(names(&s.top(Period::Day, MONDAY, 10).expect("top")), []);
        assert_eq!(s.prune(MONDAY + WEEK_BOARD_KEEP_SECS - 1).expect("prune"), 0);
        assert_eq!(s.prune(now).expect("prune"), 1, "ancient's week board");
        // All time and recent's rows stay.
        assert_eq!(names(&s.top(Period::AllTime, now, 10).expect("top")), [("recent", 7), ("ancient", 5)]);
        assert_eq!(names(&s.top(Period::Day, now - DAY_SECS, 10).expect("top")), [("recent", 7)]);
        assert_eq!(names(&s.top(Period::Week, now - DAY_SECS, 10).expect("top")), [("recent", 7)]);
    }

    #[test]
    fn a_reader_sees_commits_and_cannot_write() {
        let (dir, mut s) = store();
        let mut reader = SqliteStore::open_reader(&dir.path().join(FILE_NAME)).expect("reader");
        s.record(&[life("ada", 1, MONDAY)], MONDAY).expect("record");
        assert_eq!(names(&reader.top(Period::Day, MONDAY, 10).expect("top")), [("ada", 1)]);
        assert!(matches!(reader.record(&[life("bob", 1, MONDAY)], MONDAY), Err(HallOfFameError::Write(_))));
    }

    #[test]
    fn a_newer_schema_is_refused_and_migration_is_idempotent() {
        let (dir, s) = store();
        drop(s);
        let path = dir.path().join(FILE_NAME);
        // Reopening an up-to-date file migrates nothing and keeps working.
        drop(SqliteStore::open(&path).expect("reopen"));
        let raw = Connection::open(&path).expect("raw");
        raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1).expect("bump");
        drop(raw);
        let error = SqliteStore::open(&path).err().expect("newer schema refused");
        assert!(error.to_string().contains("newer than this server knows"), "{error}");
    }
}
