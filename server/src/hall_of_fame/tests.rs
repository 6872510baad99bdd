//! Tests of the [`HallOfFame`] handle that only its SQLite backend or a fake store can drive:
//! durability across a crash, every way of opening degraded, and the writer's error and
//! back-pressure paths. (What the handle does over any backend is in `contract_tests`; ranking
//! and periods are tested there and beside the period functions.)

use std::sync::mpsc;
use std::time::Duration;

use driftfire_shared::protocol::Placement;

use super::test_support::{MONDAY, life, life_notified, names};
use super::*;

fn assert_degraded(hall: &HallOfFame, reason_contains: &str) {
    let status = hall.status();
    assert!(!status.available, "{status:?}");
    let reason = status.reason.expect("a reason");
    assert!(reason.contains(reason_contains), "{reason:?} should mention {reason_contains:?}");
    assert!(!hall.record(life("ada", 1, 0)), "record must drop");
    assert_eq!(hall.status().dropped, 1);
    assert!(matches!(hall.top(Period::AllTime, 10), Err(HallOfFameError::Unavailable(_))));
    assert_eq!(hall.board(Period::Day, 10), Board { period: Period::Day, entries: Vec::new(), available: false });
    hall.shutdown();
}

#[test]
fn committed_results_survive_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(MONDAY));
    let hall = HallOfFame::open(dir.path(), clock.clone());
    let (result, placed) = life_notified("ada", 42, MONDAY);
    assert!(hall.record(result));
    // Placements are sent after the commit.
    placed.recv_timeout(Duration::from_secs(2)).expect("committed");
    // Like a `kill -9`: no shutdown, no close, no checkpoint; the connections stay open.
    std::mem::forget(hall);

    let reopened = HallOfFame::open(dir.path(), clock);
    assert!(reopened.status().available);
    assert_eq!(names(&reopened.top(Period::Day, 10).expect("top")), [("ada", 42)]);
    reopened.shutdown();
}

#[test]
fn a_corrupt_file_degrades_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(FILE_NAME), vec![0x5a_u8; 8192]).expect("garbage");
    let hall = HallOfFame::open(dir.path(), Arc::new(SystemClock));
    assert_degraded(&hall, FILE_NAME);
    assert_degraded(&HallOfFame::open(dir.path(), Arc::new(SystemClock)), "not a database");
}

#[test]
fn an_unusable_data_dir_degrades_with_a_reason() {
    // Tests run as root, where permissions do not stop writes: a data dir under a regular file
    // cannot be created by anyone.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("file");
    let hall = HallOfFame::open(&file.join("data"), Arc::new(SystemClock));
    assert_degraded(&hall, "cannot create the data directory");
}

#[test]
fn a_newer_schema_degrades_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let raw = rusqlite::Connection::open(dir.path().join(FILE_NAME)).expect("raw");
    raw.pragma_update(None, "user_version", sqlite::SCHEMA_VERSION + 5).expect("version");
    drop(raw);
    let hall = HallOfFame::open(dir.path(), Arc::new(SystemClock));
    assert_degraded(&hall, "newer than this server knows");
}

#[test]
fn a_disabled_hall_of_fame_drops_results() {
    assert_degraded(&HallOfFame::disabled("--no-hall-of-fame"), "--no-hall-of-fame");
}

/// A backend whose writes always fail, to drive the writer's error path.
struct FailingStore;

impl HallOfFameStore for FailingStore {
    fn record(&mut self, _: &[LifeResult], _: i64) -> Result<Vec<Vec<Placement>>, HallOfFameError> {
        Err(HallOfFameError::Write(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(13), Some("database or disk is full".into()))))
    }

    fn top(&mut self, _: Period, _: i64, _: usize) -> Result<Vec<BoardEntry>, HallOfFameError> {
        Ok(Vec::new())
    }
}

#[test]
fn write_failures_are_counted_and_the_writer_keeps_going() {
    let hall = HallOfFame::with_stores(Box::new(FailingStore), Box::new(FailingStore), Arc::new(SystemClock)).expect("start");
    for round in 1..=3_u64 {
        assert!(hall.record(life("ada", 1, 0)));
        let deadline = Instant::now() + Duration::from_secs(2);
        while hall.status().write_errors < round && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(hall.status().write_errors, round);
    }
    let status = hall.status();
    assert_eq!((status.writes_ok, status.dropped), (0, 3));
    // Three failures in a row: reported unavailable, with the error.
    assert!(!status.available);
    assert!(status.reason.as_deref().is_some_and(|r| r.contains("disk is full")), "{status:?}");
    // Boards still read.
    assert!(hall.top(Period::Day, 10).is_ok());
    hall.shutdown();
}

#[test]
fn a_full_queue_drops_without_blocking() {
    // A writer that never gets to run: its store blocks the first batch until told.
    struct Blocked(mpsc::Receiver<()>);
    impl HallOfFameStore for Blocked {
        fn record(&mut self, batch: &[LifeResult], _: i64) -> Result<Vec<Vec<Placement>>, HallOfFameError> {
            let _ = self.0.recv();
            Ok(vec![Vec::new(); batch.len()])
        }
        fn top(&mut self, _: Period, _: i64, _: usize) -> Result<Vec<BoardEntry>, HallOfFameError> {
            Ok(Vec::new())
        }
    }
    let (release, blocked) = mpsc::channel();
    let (_, idle) = mpsc::channel();
    let hall = HallOfFame::with_stores(Box::new(Blocked(blocked)), Box::new(Blocked(idle)), Arc::new(SystemClock)).expect("start");
    let started = Instant::now();
    // The writer takes at most one batch (MAX_BATCH, the queue's size) before it blocks, so
    // at most two queues' worth fit.
    let attempts = 2 * QUEUE_CAPACITY + 100;
    let accepted = (0..attempts).filter(|_| hall.record(life("ada", 1, 0))).count();
    assert!(started.elapsed() < Duration::from_millis(500), "record must not block");
    assert!((QUEUE_CAPACITY..=2 * QUEUE_CAPACITY).contains(&accepted), "{accepted}");
    assert_eq!(hall.status().dropped as usize, attempts - accepted);
    drop(release);
    hall.shutdown();
    assert_eq!(hall.status().writes_ok as usize, accepted);
}
