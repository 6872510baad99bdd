//! The SQLite backend of the hall of fame: one file in WAL mode, a versioned schema with ordered
//! migrations, a `results` log of every life and a `best` table of each pilot's best result per
//! board, so a board is one indexed range read.

use std::path::{Path, PathBuf};
use std::time::Duration;

use driftfire_shared::protocol::{BOARD_SIZE, BoardEntry, Period, Placement};
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use super::periods::{DAY_SECS, WEEK_SECS, day_start, period_start, week_start};
use super::{HallOfFameError, HallOfFameStore, LifeResult, board_name, name_key};

/// How long a statement waits for a lock held by another connection (the reader, the writer's
/// checkpoint, a second server on the same file) before failing: long enough for any commit of
/// ours, short enough that a board request in `spawn_blocking` never hangs.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// Day boards older than this many days before today are pruned: a week of history is kept
/// for anyone who wants "yesterday" later, and the table stays small.
const KEEP_DAYS: i64 = 8;

/// Week boards older than this many weeks before this one are pruned (same reason).
const KEEP_WEEKS: i64 = 5;

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

    /// Deletes day boards older than [`KEEP_DAYS`] days and week boards older than
    /// [`KEEP_WEEKS`] weeks before `now`'s; returns how many rows went. The `results` log is
    /// kept whole.
    fn prune_boards(&mut self, now: i64) -> rusqlite::Result<usize> {
        let oldest_day = day_start(now).saturating_sub(KEEP_DAYS * DAY_SECS);
        let oldest_week = week_start(now).saturating_sub(KEEP_WEEKS * WEEK_SECS);
        self.conn.execute(
            "DELETE FROM best WHERE (period = ?1 AND period_start < ?2) OR (period = ?3 AND period_start < ?4)",
            params![Period::Day.as_str(), oldest_day, Period::Week.as_str(), oldest_week],
        )
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
            for r in batch {
                let name = board_name(&r.name);
                let key = name_key(&name);
                insert.execute(params![name, key, r.score, r.kills, r.deaths, r.alive_secs, r.room, r.ended_at])?;
                let id = tx.last_insert_rowid();
                for period in Period::ALL {
                    let start = period_start(period, r.ended_at);
                    upsert.execute(params![
                        period.as_str(),
                        start,
                        key,
                        name,
                        r.score,
                        r.kills,
                        r.deaths,
                        r.alive_secs,
                        r.room,
                        r.ended_at,
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
    use super::*;
    use crate::hall_of_fame::periods::WEEK_SECS;

    /// 2024-01-01 00:00:00 UTC, a Monday.
    const MONDAY: i64 = 1_704_067_200;

    /// A life in room "Nebula" with `score / 100` kills.
    fn life(name: &str, score: u32, ended_at: i64) -> LifeResult {
        LifeResult {
            name: name.into(),
            score,
            kills: score / 100,
            deaths: 1,
            alive_secs: 60,
            room: "Nebula".into(),
            ended_at,
            notify: None,
        }
    }

    /// A fresh store in a temp dir (kept alive by the returned guard).
    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join(FILE_NAME)).expect("open");
        (dir, store)
    }

    /// A board as (name, score) pairs.
    fn names(entries: &[BoardEntry]) -> Vec<(&str, u32)> {
        entries.iter().map(|e| (e.name.as_str(), e.score)).collect()
    }

    #[test]
    fn boards_keep_each_pilots_best_in_board_order() {
        let (_dir, mut s) = store();
        let now = MONDAY + 3600;
        let batch = [life("ada", 300, now - 50), life("bob", 500, now - 40), life("ADA", 700, now - 30), life("cy", 500, now - 60)];
        s.record(&batch, now).expect("record");
        // A later, worse result does not replace a pilot's best.
        s.record(&[life("bob", 100, now - 10)], now).expect("record");
        for period in Period::ALL {
            let top = s.top(period, now, 10).expect("top");
            // "ADA" and "ada" are one pilot; ties go to the earlier result (cy before bob).
            assert_eq!(names(&top), [("ADA", 700), ("cy", 500), ("bob", 500)], "{period:?}");
        }
        assert_eq!(names(&s.top(Period::AllTime, now, 2).expect("top")), [("ADA", 700), ("cy", 500)]);
        let bob = &s.top(Period::Day, now, 10).expect("top")[2];
        assert_eq!((bob.kills, bob.deaths, bob.alive_secs, bob.room.as_str(), bob.ended_at), (5, 1, 60, "Nebula", now - 40));
    }

    #[test]
    fn confusable_names_count_as_one_pilot() {
        let (_dir, mut s) = store();
        // Cyrillic "а" in the second name; full-width letters in the third (NFKC).
        s.record(&[life("paypal", 100, MONDAY), life("pаypal", 200, MONDAY), life("ｐａｙｐａｌ", 50, MONDAY)], MONDAY).expect("record");
        let top = s.top(Period::AllTime, MONDAY, 10).expect("top");
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].score, 200);
    }

    #[test]
    fn names_are_cleaned_and_empty_ones_become_pilot() {
        let (_dir, mut s) = store();
        s.record(&[life("  a\u{200b}ce  \n", 10, MONDAY), life("\u{200b} \u{2800}", 20, MONDAY)], MONDAY).expect("record");
        assert_eq!(names(&s.top(Period::Day, MONDAY, 10).expect("top")), [("pilot", 20), ("ace", 10)]);
    }

    #[test]
    fn day_boards_roll_over_at_utc_midnight() {
        let (_dir, mut s) = store();
        let midnight = MONDAY + 2 * DAY_SECS; // Wednesday 00:00
        s.record(&[life("late", 900, midnight - 1)], midnight - 1).expect("record");
        s.record(&[life("early", 100, midnight)], midnight).expect("record");
        assert_eq!(names(&s.top(Period::Day, midnight - 1, 10).expect("top")), [("late", 900)]);
        assert_eq!(names(&s.top(Period::Day, midnight, 10).expect("top")), [("early", 100)]);
        assert_eq!(names(&s.top(Period::Day, midnight + DAY_SECS, 10).expect("top")), []);
        assert_eq!(names(&s.top(Period::Week, midnight, 10).expect("top")), [("late", 900), ("early", 100)]);
        assert_eq!(names(&s.top(Period::AllTime, midnight, 10).expect("top")), [("late", 900), ("early", 100)]);
    }

    #[test]
    fn week_boards_roll_over_on_monday_utc() {
        let (_dir, mut s) = store();
        let sunday_last_second = MONDAY + WEEK_SECS - 1;
        let next_monday = MONDAY + WEEK_SECS;
        s.record(&[life("sunday", 900, sunday_last_second)], sunday_last_second).expect("record");
        s.record(&[life("monday", 100, next_monday), life("sunday", 50, next_monday)], next_monday).expect("record");
        assert_eq!(names(&s.top(Period::Week, sunday_last_second, 10).expect("top")), [("sunday", 900)]);
        assert_eq!(names(&s.top(Period::Week, next_monday, 10).expect("top")), [("monday", 100), ("sunday", 50)]);
        assert_eq!(names(&s.top(Period::Day, next_monday, 10).expect("top")), [("monday", 100), ("sunday", 50)]);
        assert_eq!(names(&s.top(Period::AllTime, next_monday, 10).expect("top")), [("sunday", 900), ("monday", 100)]);
    }

    #[test]
    fn record_returns_the_boards_each_result_made() {
        let (_dir, mut s) = store();
        let now = MONDAY + 100;
        // Yesterday's (Sunday's) champion: on the all-time board only for today's pilots.
        s.record(&[life("old", 10_000, MONDAY - 100)], MONDAY - 100).expect("record");
        let fill: Vec<LifeResult> = (0..10).map(|i| life(&format!("p{i}"), 1000 + i, now - 50)).collect();
        s.record(&fill, now).expect("record");
        let batch = [life("top", 5000, now), life("low", 1, now), life("p3", 2, now), life("p9", 2000, now)];
        let placed = s.record(&batch, now).expect("record");
        let p = |period, rank| Placement { period, rank };
        use Period::{AllTime, Day, Week};
        // "top" is 2nd all time (after "old"), 1st on this week's and today's boards.
        assert_eq!(placed[0], [p(AllTime, 2), p(Week, 1), p(Day, 1)]);
        // Below ten others: no board.
        assert_eq!(placed[1], []);
        // Not p3's best: p3's earlier 1003 stays on the boards, this result made none.
        assert_eq!(placed[2], []);
        // p9 improved its own best and keeps a place.
        assert_eq!(placed[3], [p(AllTime, 3), p(Week, 2), p(Day, 2)]);
    }

    #[test]
    fn results_from_an_ended_period_place_only_on_current_boards() {
        let (_dir, mut s) = store();
        // Recorded just after midnight but the life ended before it: yesterday's day board.
        let placed = s.record(&[life("late", 10, MONDAY - 1)], MONDAY).expect("record");
        assert_eq!(placed[0], [Placement { period: Period::AllTime, rank: 1 }]);
    }

    #[test]
    fn prune_drops_old_day_and_week_boards_only() {
        let (_dir, mut s) = store();
        let now = MONDAY + 20 * WEEK_SECS;
        s.record(&[life("ancient", 5, MONDAY), life("recent", 7, now - DAY_SECS)], now).expect("record");
        let pruned = s.prune(now).expect("prune");
        // Ancient's day and week rows; all time and recent's rows stay.
        assert_eq!(pruned, 2);
        assert_eq!(names(&s.top(Period::AllTime, now, 10).expect("top")), [("recent", 7), ("ancient", 5)]);
        assert_eq!(names(&s.top(Period::Day, now - DAY_SECS, 10).expect("top")), [("recent", 7)]);
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
