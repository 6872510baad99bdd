//! The hall-of-fame contract: what every [`HallOfFameStore`] does, written once and run against
//! each backend (SQLite in a temporary directory, Redis in a real `redis-server` of the test's
//! own), through the trait alone and through the [`HallOfFame`] handle the server opens over
//! it. Each test runs as `on_sqlite::<name>` and `on_redis::<name>`. What only one backend does
//! (its tie order, schema, pruning, key expiry, Redis outages…) is tested beside it.

use std::sync::Arc;

use driftfire_shared::protocol::{Board, Period, Placement};

use super::periods::{DAY_BOARD_KEEP_SECS, DAY_SECS, WEEK_BOARD_KEEP_SECS, WEEK_SECS, day_start, week_start};
use super::test_redis::Redis;
use super::test_support::{MONDAY, PATIENCE, life, life_notified, names};
use super::{Backlog, Clock, FILE_NAME, HallOfFame, HallOfFameStatus, HallOfFameStore, LifeResult, ManualClock, RedisStore, SqliteStore};

/// A backend under test: an empty store of its own, there as long as this value lives.
trait Backend {
    /// Starts an empty one.
    fn start() -> Self;

    /// A new connection to it, as the writer thread gets one.
    fn store(&self) -> Box<dyn HallOfFameStore>;

    /// The handle the server opens over it, telling the time by `clock`.
    fn hall(&self, clock: Arc<dyn Clock>) -> HallOfFame;
}

/// SQLite: a database file in a temporary directory.
struct Sqlite(tempfile::TempDir);

impl Backend for Sqlite {
    fn start() -> Self {
        Self(tempfile::tempdir().expect("temp dir"))
    }

    fn store(&self) -> Box<dyn HallOfFameStore> {
        Box::new(SqliteStore::open(&self.0.path().join(FILE_NAME)).expect("open"))
    }

    fn hall(&self, clock: Arc<dyn Clock>) -> HallOfFame {
        HallOfFame::open(self.0.path(), clock)
    }
}

/// Redis: a `redis-server` on a free loopback port.
struct RedisServer(Redis);

impl Backend for RedisServer {
    fn start() -> Self {
        Self(Redis::start())
    }

    fn store(&self) -> Box<dyn HallOfFameStore> {
        Box::new(RedisStore::open(&self.0.url()).expect("url"))
    }

    fn hall(&self, clock: Arc<dyn Clock>) -> HallOfFame {
        HallOfFame::open_redis(&self.0.url(), clock)
    }
}

/// Runs each contract test against every backend, as `on_sqlite::<test>` and `on_redis::<test>`.
macro_rules! run_against_every_backend {
    ($($test:ident),+ $(,)?) => {
        mod on_sqlite {
            $(#[test]
            fn $test() {
                super::$test::<super::Sqlite>();
            })+
        }
        mod on_redis {
            $(#[test]
            fn $test() {
                super::$test::<super::RedisServer>();
            })+
        }
    };
}

run_against_every_backend!(
    boards_keep_each_pilots_best,
    an_equal_score_keeps_the_earlier_life,
    confusable_names_count_as_one_pilot,
    names_are_cleaned_and_empty_ones_become_pilot,
    day_boards_roll_over_at_utc_midnight,
    week_boards_roll_over_on_monday_utc,
    record_returns_the_boards_each_result_made,
    results_from_an_ended_period_place_only_on_current_boards,
    boards_past_their_retention_are_dropped,
    the_handle_reports_placements_and_rolls_over_with_the_week,
    the_handle_rolls_the_day_board_over_with_the_clock,
    shutdown_commits_what_is_queued,
);

fn boards_keep_each_pilots_best<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
    let now = MONDAY + 2 * DAY_SECS + 3600; // Wednesday 01:00
    let batch = [life("ada", 300, now - 50), life("bob", 500, now - 40), life("ADA", 700, now - 30), life("cy", 200, now - 60)];
    s.record(&batch, now).expect("record");
    // A later, worse result does not replace a pilot's best; "ADA", "ada" and "Аda" (a
    // Cyrillic "А") are one pilot.
    s.record(&[life("bob", 100, now - 10), life("\u{410}da", 10, now - 5)], now).expect("record");
    for period in Period::ALL {
        assert_eq!(names(&s.top(period, now, 10).expect("top")), [("ADA", 700), ("bob", 500), ("cy", 200)], "{period:?}");
    }
    // At most `limit`, the best first.
    assert_eq!(names(&s.top(Period::AllTime, now, 2).expect("top")), [("ADA", 700), ("bob", 500)]);
    assert_eq!(s.top(Period::AllTime, now, 0).expect("top"), []);
    // The entry is the best life's, whole.
    let bob = &s.top(Period::Day, now, 10).expect("top")[1];
    assert_eq!((bob.kills, bob.deaths, bob.alive_secs, bob.room.as_str(), bob.ended_at), (5, 1, 60, "Nebula", now - 40));
}

fn an_equal_score_keeps_the_earlier_life<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
    let now = MONDAY + 2 * DAY_SECS + 3600;
    s.record(&[life("cy", 200, now - 60)], now).expect("record");
    // The same score again: the details are replaced only by a life that ended earlier.
    let placed = s.record(&[life("cy", 200, now - 100), life("cy", 200, now)], now).expect("record");
    let all_boards = Period::ALL.map(|period| Placement { period, rank: 1 }).to_vec();
    assert_eq!(placed, [all_boards, vec![]]);
    for period in Period::ALL {
        let top = s.top(period, now, 10).expect("top");
        assert_eq!(top.iter().map(|e| (e.name.as_str(), e.ended_at)).collect::<Vec<_>>(), [("cy", now - 100)], "{period:?}");
    }
}

fn confusable_names_count_as_one_pilot<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
    // Cyrillic "а" in the second name; full-width letters in the third (NFKC).
    s.record(&[life("paypal", 100, MONDAY), life("pаypal", 200, MONDAY), life("ｐａｙｐａｌ", 50, MONDAY)], MONDAY).expect("record");
    let top = s.top(Period::AllTime, MONDAY, 10).expect("top");
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].score, 200);
}

fn names_are_cleaned_and_empty_ones_become_pilot<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
    s.record(&[life("  a\u{200b}ce  \n", 10, MONDAY), life("\u{200b} \u{2800}", 20, MONDAY)], MONDAY).expect("record");
    assert_eq!(names(&s.top(Period::Day, MONDAY, 10).expect("top")), [("pilot", 20), ("ace", 10)]);
}

fn day_boards_roll_over_at_utc_midnight<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
    let midnight = MONDAY + 2 * DAY_SECS; // Wednesday 00:00
    s.record(&[life("late", 900, midnight - 1), life("bob", 500, midnight - 2)], midnight - 1).expect("record");
    s.record(&[life("early", 100, midnight), life("bob", 600, midnight)], midnight).expect("record");
    assert_eq!(names(&s.top(Period::Day, midnight - 1, 10).expect("top")), [("late", 900), ("bob", 500)]);
    // A new day board: bob's best today is today's result.
    assert_eq!(names(&s.top(Period::Day, midnight, 10).expect("top")), [("bob", 600), ("early", 100)]);
    assert_eq!(names(&s.top(Period::Day, midnight + DAY_SECS, 10).expect("top")), []);
    // The same week and all-time boards.
    let whole_week = [("late", 900), ("bob", 600), ("early", 100)];
    assert_eq!(names(&s.top(Period::Week, midnight, 10).expect("top")), whole_week);
    assert_eq!(names(&s.top(Period::AllTime, midnight, 10).expect("top")), whole_week);
    // Next Monday: a new week board.
    assert_eq!(names(&s.top(Period::Week, MONDAY + WEEK_SECS, 10).expect("top")), []);
}

fn week_boards_roll_over_on_monday_utc<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
    let sunday_last_second = MONDAY + WEEK_SECS - 1;
    let next_monday = MONDAY + WEEK_SECS;
    s.record(&[life("sunday", 900, sunday_last_second)], sunday_last_second).expect("record");
    s.record(&[life("monday", 100, next_monday), life("sunday", 50, next_monday)], next_monday).expect("record");
    assert_eq!(names(&s.top(Period::Week, sunday_last_second, 10).expect("top")), [("sunday", 900)]);
    assert_eq!(names(&s.top(Period::Week, next_monday, 10).expect("top")), [("monday", 100), ("sunday", 50)]);
    assert_eq!(names(&s.top(Period::Day, next_monday, 10).expect("top")), [("monday", 100), ("sunday", 50)]);
    assert_eq!(names(&s.top(Period::AllTime, next_monday, 10).expect("top")), [("sunday", 900), ("monday", 100)]);
}

fn record_returns_the_boards_each_result_made<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
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
    // Two results of one pilot in a batch: only the better one places.
    let placed = s.record(&[life("twin", 7000, now), life("Twin", 8000, now)], now).expect("record");
    assert_eq!(placed, [vec![], vec![p(AllTime, 2), p(Week, 1), p(Day, 1)]]);
    // A result of an ended period places only on the current boards.
    let placed = s.record(&[life("yesterday", 9000, MONDAY - 1)], now).expect("record");
    assert_eq!(placed, [vec![p(AllTime, 2)]]);
    // A store whose backend answers holds nothing back.
    assert_eq!(s.backlog(), Backlog::default());
}

fn results_from_an_ended_period_place_only_on_current_boards<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
    // Recorded just after midnight but the life ended before it: yesterday's day board.
    let placed = s.record(&[life("late", 10, MONDAY - 1)], MONDAY).expect("record");
    assert_eq!(placed[0], [Placement { period: Period::AllTime, rank: 1 }]);
}

fn boards_past_their_retention_are_dropped<B: Backend>() {
    let backend = B::start();
    let mut s = backend.store();
    let now = MONDAY + 3600;
    // The newest day whose board's retention has ended (at today's 00:00), and the day after.
    let day_gone = day_start(now) - DAY_BOARD_KEEP_SECS;
    let day_kept = day_gone + DAY_SECS;
    // Likewise for week boards.
    let week_gone = week_start(now) - WEEK_BOARD_KEEP_SECS;
    let week_kept = week_gone + WEEK_SECS;
    let lives = [
        life("day-gone", 1, day_gone + 10),
        life("day-kept", 2, day_kept + 10),
        life("week-gone", 3, week_gone + 10),
        life("week-kept", 4, week_kept + 10),
    ];
    s.record(&lives, now).expect("record");
    // A store whose boards do not expire by themselves prunes (the writer does, hourly).
    s.prune(now).expect("prune");
    assert_eq!(names(&s.top(Period::Day, day_gone, 10).expect("top")), []);
    assert_eq!(names(&s.top(Period::Day, day_kept, 10).expect("top")), [("day-kept", 2)]);
    assert_eq!(names(&s.top(Period::Week, day_gone, 10).expect("top")), [("day-gone", 1)], "its week board is kept longer");
    assert_eq!(names(&s.top(Period::Week, week_gone, 10).expect("top")), []);
    assert_eq!(names(&s.top(Period::Week, week_kept, 10).expect("top")), [("week-kept", 4)]);
    assert_eq!(names(&s.top(Period::Day, week_kept, 10).expect("top")), [], "its day board is long gone");
    // The all-time board keeps everything.
    assert_eq!(
        names(&s.top(Period::AllTime, now, 10).expect("top")),
        [("week-kept", 4), ("week-gone", 3), ("day-kept", 2), ("day-gone", 1)]
    );
}

/// 2024-01-07 23:59:59 UTC, the last second of a Sunday.
const SUNDAY_LAST_SECOND: i64 = MONDAY + WEEK_SECS - 1;

fn the_handle_reports_placements_and_rolls_over_with_the_week<B: Backend>() {
    let backend = B::start();
    let clock = Arc::new(ManualClock::new(SUNDAY_LAST_SECOND));
    let hall = backend.hall(clock.clone());
    assert_eq!(hall.status(), HallOfFameStatus { available: true, reason: None, writes_ok: 0, write_errors: 0, dropped: 0, queued: 0 });

    let (first, placed) = life_notified("ada", 500, SUNDAY_LAST_SECOND);
    assert!(hall.record(first));
    let all_boards = |rank| Period::ALL.map(|period| Placement { period, rank }).to_vec();
    assert_eq!(placed.recv_timeout(PATIENCE).expect("placements"), all_boards(1));

    // Monday 00:00:00: a new week and a new day.
    clock.set(SUNDAY_LAST_SECOND + 1);
    let (second, placed) = life_notified("bob", 100, SUNDAY_LAST_SECOND + 1);
    assert!(hall.record(second));
    let expected = [
        Placement { period: Period::AllTime, rank: 2 },
        Placement { period: Period::Week, rank: 1 },
        Placement { period: Period::Day, rank: 1 },
    ];
    assert_eq!(placed.recv_timeout(PATIENCE).expect("placements"), expected);

    // Last week's, and not its pilot's best there: no board, no call at all.
    let (worse, placed) = life_notified("ADA", 1, SUNDAY_LAST_SECOND);
    let (marker, marker_placed) = life_notified("cy", 50, SUNDAY_LAST_SECOND + 1);
    assert!(hall.record(worse) && hall.record(marker));
    marker_placed.recv_timeout(PATIENCE).expect("marker placed");
    assert!(placed.try_recv().is_err(), "no placement, no call");

    assert_eq!(names(&hall.top(Period::AllTime, 10).expect("top")), [("ada", 500), ("bob", 100), ("cy", 50)]);
    assert_eq!(names(&hall.top(Period::Week, 10).expect("top")), [("bob", 100), ("cy", 50)]);
    assert_eq!(hall.board(Period::Day, 1).entries.len(), 1);
    clock.set(SUNDAY_LAST_SECOND);
    assert_eq!(names(&hall.top(Period::Week, 10).expect("top")), [("ada", 500)]);

    let status = hall.status();
    assert_eq!((status.writes_ok, status.write_errors, status.dropped, status.queued), (4, 0, 0, 0));
    hall.shutdown();
    assert!(!hall.record(life("late", 1, 0)), "shut down: dropped");
    hall.shutdown();
}

fn the_handle_rolls_the_day_board_over_with_the_clock<B: Backend>() {
    let backend = B::start();
    let midnight = MONDAY + 2 * DAY_SECS;
    let clock = Arc::new(ManualClock::new(midnight - 1));
    let hall = backend.hall(clock.clone());
    let (late, placed) = life_notified("late", 900, midnight - 1);
    assert!(hall.record(late));
    let all_boards = |rank| Period::ALL.map(|period| Placement { period, rank }).to_vec();
    assert_eq!(placed.recv_timeout(PATIENCE).expect("placements"), all_boards(1));
    clock.set(midnight);
    let (early, placed) = life_notified("early", 100, midnight);
    assert!(hall.record(early));
    let expected = [
        Placement { period: Period::AllTime, rank: 2 },
        Placement { period: Period::Week, rank: 2 },
        Placement { period: Period::Day, rank: 1 },
    ];
    assert_eq!(placed.recv_timeout(PATIENCE).expect("placements"), expected);
    assert_eq!(names(&hall.top(Period::Day, 10).expect("top")), [("early", 100)]);
    assert_eq!(names(&hall.top(Period::Week, 10).expect("top")), [("late", 900), ("early", 100)]);
    assert_eq!(
        hall.board(Period::Week, 10),
        Board { period: Period::Week, entries: hall.top(Period::Week, 10).expect("top"), available: true }
    );
    clock.set(midnight - 1);
    assert_eq!(names(&hall.top(Period::Day, 10).expect("top")), [("late", 900)]);
    let status = hall.status();
    assert!(status.available, "{status:?}");
    assert_eq!((status.writes_ok, status.write_errors, status.dropped, status.queued), (2, 0, 0, 0));
    hall.shutdown();
}

fn shutdown_commits_what_is_queued<B: Backend>() {
    let backend = B::start();
    let hall = backend.hall(Arc::new(ManualClock::new(SUNDAY_LAST_SECOND)));
    for i in 0..200 {
        assert!(hall.record(life(&format!("p{i}"), i, SUNDAY_LAST_SECOND)));
    }
    hall.shutdown();
    assert_eq!(hall.status().writes_ok, 200);
    drop(hall);
    // A server started again finds every result.
    let reopened = backend.hall(Arc::new(ManualClock::new(SUNDAY_LAST_SECOND)));
    assert_eq!(reopened.top(Period::AllTime, 1000).expect("top").len(), 200);
    reopened.shutdown();
}
