//! Tests of the Redis backend against a real `redis-server` (one per test, on a free loopback
//! port, killed when the test ends): boards, placements, expiry, two servers sharing one board,
//! and Redis going away and coming back.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};

use super::*;
use crate::hall_of_fame::periods::WEEK_SECS;
use crate::hall_of_fame::{HallOfFame, ManualClock};

/// 2024-01-01 00:00:00 UTC, a Monday.
const MONDAY: i64 = 1_704_067_200;

/// How long a test waits for something the writer thread does.
const PATIENCE: Duration = Duration::from_secs(3);

/// A `redis-server` of this test's own, without persistence except the dump an orderly
/// [`RedisServer::stop`] writes into its temporary directory (so a restart keeps the data).
struct RedisServer {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one on a free port.
    fn start() -> Self {
        for _ in 0..5 {
            let mut server = Self::not_started();
            if server.spawn() {
                return server;
            }
        }
        panic!("redis-server did not start");
    }

    /// A free port where nothing listens (yet): [`RedisServer::spawn`] starts Redis there.
    fn not_started() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        Self { port, dir: tempfile::tempdir().expect("temp dir"), child: None }
    }

    /// Starts `redis-server` on this port; `true` once it accepts connections.
    fn spawn(&mut self) -> bool {
        let child = Command::new("/usr/bin/redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (the Debian package) must be installed at /usr/bin/redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                // Another test may have taken the port between our finding it free and our
                // Redis binding it (which then exits): what answers is ours only if it runs in
                // our directory.
                if self.answers_from_our_dir() {
                    return true;
                }
                break;
            }
            if self.child.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_some()) {
                break; // Exited: the port was taken after all.
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
        false
    }

    /// Whether the Redis on this port is the one started in this server's directory.
    fn answers_from_our_dir(&self) -> bool {
        let ours = self.dir.path().canonicalize().ok();
        let dir: Option<Vec<String>> = redis::Client::open(self.url())
            .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(1)))
            .and_then(|mut connection| redis::cmd("CONFIG").arg("GET").arg("dir").query(&mut connection))
            .ok();
        let theirs = dir.and_then(|reply| reply.get(1).and_then(|dir| std::path::Path::new(dir).canonicalize().ok()));
        ours.is_some() && ours == theirs
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A connection for the test's own checks.
    fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url()).and_then(|c| c.get_connection_with_timeout(Duration::from_secs(1))).expect("connect")
    }

    /// Stops it in order (`SHUTDOWN SAVE`: the data survives a [`RedisServer::spawn`]).
    fn stop(&mut self) {
        let _: redis::RedisResult<()> = redis::cmd("SHUTDOWN").arg("SAVE").query(&mut self.connection());
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn life(name: &str, score: u32, ended_at: i64) -> LifeResult {
    LifeResult { name: name.into(), score, kills: score / 100, deaths: 1, alive_secs: 60, room: "Nebula".into(), ended_at, notify: None }
}

/// A result whose placements arrive on the returned channel.
fn life_notified(name: &str, score: u32, ended_at: i64) -> (LifeResult, mpsc::Receiver<Vec<Placement>>) {
    let (tx, rx) = mpsc::channel();
    let notify: Box<dyn FnOnce(Vec<Placement>) + Send> = Box::new(move |placed| {
        let _ = tx.send(placed);
    });
    (LifeResult { notify: Some(notify), ..life(name, score, ended_at) }, rx)
}

fn names(entries: &[BoardEntry]) -> Vec<(&str, u32)> {
    entries.iter().map(|e| (e.name.as_str(), e.score)).collect()
}

fn store(server: &RedisServer) -> RedisStore {
    RedisStore::open(&server.url()).expect("url")
}

/// Waits (at most [`PATIENCE`]) until `done`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn boards_keep_each_pilots_best_across_a_day_boundary() {
    let server = RedisServer::start();
    let mut s = store(&server);
    let now = MONDAY + 2 * DAY_SECS + 3600; // Wednesday 01:00
    let batch = [life("ada", 300, now - 50), life("bob", 500, now - 40), life("ADA", 700, now - 30), life("cy", 200, now - 60)];
    s.record(&batch, now).expect("record");
    // A later, worse result does not replace a pilot's best; confusables are one pilot.
    s.record(&[life("bob", 100, now - 10), life("Аda", 10, now - 5)], now).expect("record");
    for period in Period::ALL {
        assert_eq!(names(&s.top(period, now, 10).expect("top")), [("ADA", 700), ("bob", 500), ("cy", 200)], "{period:?}");
    }
    assert_eq!(names(&s.top(Period::AllTime, now, 2).expect("top")), [("ADA", 700), ("bob", 500)]);
    assert_eq!(s.top(Period::AllTime, now, 0).expect("top"), []);
    let bob = &s.top(Period::Day, now, 10).expect("top")[1];
    assert_eq!((bob.kills, bob.deaths, bob.alive_secs, bob.room.as_str(), bob.ended_at), (5, 1, 60, "Nebula", now - 40));

    // An equal score replaces the details only if that life ended earlier (SQLite's rule).
    s.record(&[life("cy", 200, now - 100), life("cy", 200, now)], now).expect("record");
    assert_eq!(s.top(Period::Day, now, 10).expect("top")[2].ended_at, now - 100);

    // Across midnight (Thursday 00:00): a new day board, the same week and all-time boards.
    let midnight = MONDAY + 3 * DAY_SECS;
    s.record(&[life("late", 900, midnight - 1)], midnight - 1).expect("record");
    s.record(&[life("early", 100, midnight), life("bob", 600, midnight)], midnight).expect("record");
    assert_eq!(names(&s.top(Period::Day, midnight - 1, 10).expect("top")), [("late", 900), ("ADA", 700), ("bob", 500), ("cy", 200)]);
    assert_eq!(names(&s.top(Period::Day, midnight, 10).expect("top")), [("bob", 600), ("early", 100)]);
    assert_eq!(names(&s.top(Period::Day, midnight + DAY_SECS, 10).expect("top")), []);
    let whole_week = [("late", 900), ("ADA", 700), ("bob", 600), ("cy", 200), ("early", 100)];
    assert_eq!(names(&s.top(Period::Week, midnight, 10).expect("top")), whole_week);
    assert_eq!(names(&s.top(Period::AllTime, midnight, 10).expect("top")), whole_week);
    // Next Monday: a new week board.
    assert_eq!(names(&s.top(Period::Week, MONDAY + WEEK_SECS, 10).expect("top")), []);
}

#[test]
fn the_handle_rolls_the_day_board_over_with_the_clock() {
    let server = RedisServer::start();
    let midnight = MONDAY + 2 * DAY_SECS;
    let clock = Arc::new(ManualClock::new(midnight - 1));
    let hall = HallOfFame::open_redis(&server.url(), clock.clone());
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
    clock.set(midnight - 1);
    assert_eq!(names(&hall.top(Period::Day, 10).expect("top")), [("late", 900)]);
    let status = hall.status();
    assert!(status.available, "{status:?}");
    assert_eq!((status.writes_ok, status.write_errors, status.dropped, status.queued), (2, 0, 0, 0));
    hall.shutdown();
}

#[test]
fn record_returns_the_boards_each_result_made() {
    let server = RedisServer::start();
    let mut s = store(&server);
    let now = MONDAY + 100;
    // Yesterday's (Sunday's) champion: on the all-time board only for today's pilots.
    s.record(&[life("old", 10_000, MONDAY - 100)], MONDAY - 100).expect("record");
    let fill: Vec<LifeResult> = (0..10).map(|i| life(&format!("p{i}"), 1000 + i, now - 50)).collect();
    s.record(&fill, now).expect("record");
    let batch = [life("top", 5000, now), life("low", 1, now), life("p3", 2, now), life("p9", 2000, now)];
    let placed = s.record(&batch, now).expect("record");
    let p = |period, rank| Placement { period, rank };
    use Period::{AllTime, Day, Week};
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
    assert_eq!(s.backlog(), Backlog::default());
}

#[test]
fn day_and_week_keys_expire_and_all_time_keys_do_not() {
    let server = RedisServer::start();
    let mut s = store(&server);
    let now = MONDAY + 2 * DAY_SECS + 3600; // Wednesday 01:00
    // The second result's day board (Sunday's) is past its 3 days: not written at all.
    s.record(&[life("ada", 5, now), life("bob", 7, MONDAY - 1)], now).expect("record");
    let mut conn = server.connection();
    // TTL in seconds; -1: no expiry; -2: no such key. A second may pass between set and read.
    let mut assert_ttl = |key: String, expected: i64| {
        let ttl: i64 = redis::cmd("TTL").arg(&key).query(&mut conn).expect("ttl");
        let range = if expected < 0 { expected..=expected } else { expected - 2..=expected };
        assert!(range.contains(&ttl), "{key}: TTL {ttl}, expected {expected}");
    };
    let day = MONDAY + 2 * DAY_SECS;
    for key in [board_key(Period::Day, day), entries_key(Period::Day, day)] {
        // 3 days after the day began: 2 days and 23 hours from now.
        assert_ttl(key, DAY_KEEP_SECS - 3600);
    }
    for key in [board_key(Period::Week, MONDAY), entries_key(Period::Week, MONDAY)] {
        assert_ttl(key, WEEK_KEEP_SECS - 2 * DAY_SECS - 3600);
    }
    // Last week's board (bob's) is written, with what it has left.
    assert_ttl(board_key(Period::Week, MONDAY - WEEK_SECS), WEEK_KEEP_SECS - WEEK_SECS - 2 * DAY_SECS - 3600);
    for key in [board_key(Period::AllTime, 0), entries_key(Period::AllTime, 0)] {
        assert_ttl(key, -1);
    }
    // Sunday's day board had expired: not written.
    assert_ttl(board_key(Period::Day, MONDAY - DAY_SECS), -2);
    assert_eq!(board_key(Period::Day, day), format!("driftfire:hof:day:{day}"));
    assert_eq!(entries_key(Period::Week, MONDAY), format!("driftfire:hof:week:{MONDAY}:entries"));
    assert_eq!(names(&s.top(Period::AllTime, now, 10).expect("top")), [("bob", 7), ("ada", 5)]);
}

#[test]
fn details_that_do_not_decode_are_skipped_and_replaced() {
    let server = RedisServer::start();
    let mut s = store(&server);
    s.record(&[life("ada", 5, MONDAY), life("bob", 3, MONDAY)], MONDAY).expect("record");
    let entries = entries_key(Period::AllTime, 0);
    let () = redis::cmd("HSET").arg(&entries).arg(name_key("ada")).arg("not json").query(&mut server.connection()).expect("hset");
    assert_eq!(names(&s.top(Period::AllTime, MONDAY, 10).expect("top")), [("bob", 3)]);
    // The same score again: the broken details are replaced (and it places again).
    let placed = s.record(&[life("ada", 5, MONDAY + 10)], MONDAY + 10).expect("record");
    assert_eq!(placed[0].first(), Some(&Placement { period: Period::AllTime, rank: 1 }));
    assert_eq!(names(&s.top(Period::AllTime, MONDAY, 10).expect("top")), [("ada", 5), ("bob", 3)]);
}

#[test]
fn two_servers_share_one_board() {
    let server = RedisServer::start();
    let now = MONDAY + 3600;
    let clock = Arc::new(ManualClock::new(now));
    let (one, two) = (HallOfFame::open_redis(&server.url(), clock.clone()), HallOfFame::open_redis(&server.url(), clock));
    let (ada, _) = life_notified("ada", 100, now - 3);
    let (bob, bob_placed) = life_notified("bob", 300, now - 2);
    assert!(one.record(ada) && one.record(bob));
    assert_eq!(bob_placed.recv_timeout(PATIENCE).expect("placed").first(), Some(&Placement { period: Period::AllTime, rank: 1 }));
    // The same pilot on the other server, better: one pilot, its best.
    let (ada2, ada2_placed) = life_notified("ADA", 200, now - 1);
    let (cy, _) = life_notified("cy", 50, now);
    assert!(two.record(ada2) && two.record(cy));
    assert_eq!(ada2_placed.recv_timeout(PATIENCE).expect("placed").first(), Some(&Placement { period: Period::AllTime, rank: 2 }));
    wait_until("both servers stored everything", || one.status().writes_ok == 2 && two.status().writes_ok == 2);
    for hall in [&one, &two] {
        for period in Period::ALL {
            assert_eq!(names(&hall.top(period, 10).expect("top")), [("bob", 300), ("ADA", 200), ("cy", 50)], "{period:?}");
        }
    }
    one.shutdown();
    two.shutdown();
}

#[test]
fn results_wait_in_memory_while_redis_is_down_and_reach_the_board_after() {
    let mut server = RedisServer::start();
    let now = MONDAY + 3600;
    let hall = HallOfFame::open_redis(&server.url(), Arc::new(ManualClock::new(now)));
    let (first, placed) = life_notified("ada", 100, now);
    assert!(hall.record(first));
    placed.recv_timeout(PATIENCE).expect("stored");

    // Mid-game: Redis goes away (its data saved, as a real one would keep it).
    server.stop();
    let started = Instant::now();
    let (second, placed) = life_notified("bob", 200, now);
    assert!(hall.record(second) && hall.record(life("cy", 300, now)));
    wait_until("both results are buffered", || hall.buffered() == 2);
    assert!(started.elapsed() < Duration::from_millis(500), "buffering must not wait on Redis");
    let status = hall.status();
    assert!(status.available, "Redis briefly down is no outage of the hall of fame: {status:?}");
    assert_eq!((status.writes_ok, status.write_errors, status.dropped, status.queued), (1, 0, 0, 2));
    // Boards read as unavailable meanwhile, and fast.
    let read = Instant::now();
    assert!(hall.top(Period::AllTime, 10).is_err());
    assert!(!hall.board(Period::AllTime, 10).available);
    assert!(read.elapsed() < Duration::from_millis(500));

    // Back on the same port: the writer flushes by itself, with no new result to trigger it.
    assert!(server.spawn(), "restart");
    wait_until("the buffer is flushed", || hall.buffered() == 0);
    let status = hall.status();
    assert_eq!((status.available, status.writes_ok, status.dropped, status.queued), (true, 3, 0, 0));
    wait_until("boards read again", || hall.top(Period::AllTime, 10).is_ok());
    assert_eq!(names(&hall.top(Period::AllTime, 10).expect("top")), [("cy", 300), ("bob", 200), ("ada", 100)]);
    // Buffered results report no placements (they were made while no board could be read).
    assert!(placed.try_recv().is_err());
    hall.shutdown();
}

#[test]
fn redis_down_at_start_overflow_is_counted_and_recovers_by_itself() {
    let mut server = RedisServer::not_started();
    let now = MONDAY + 3600;
    let mut writer = store(&server);
    writer.capacity = 2;
    let reader = store(&server).reader();
    let hall = HallOfFame::with_stores(Box::new(writer), Box::new(reader), Arc::new(ManualClock::new(now))).expect("start");
    for (name, score) in [("ada", 1), ("bob", 2), ("cy", 3)] {
        assert!(hall.record(life(name, score, now)));
    }
    wait_until("the oldest result is dropped", || hall.status().dropped == 1);
    let status = hall.status();
    assert_eq!((status.writes_ok, status.queued), (0, 2));
    // Results being lost is reported, with why…
    assert!(!status.available);
    assert!(status.reason.as_deref().is_some_and(|r| r.contains("buffer is full")), "{status:?}");

    // …until Redis answers and the buffer is empty again.
    assert!(server.spawn(), "start");
    wait_until("the buffer is flushed", || hall.buffered() == 0);
    let status = hall.status();
    assert_eq!((status.available, status.reason, status.writes_ok, status.dropped), (true, None, 2, 1));
    wait_until("boards read again", || hall.top(Period::AllTime, 10).is_ok());
    assert_eq!(names(&hall.top(Period::AllTime, 10).expect("top")), [("cy", 3), ("bob", 2)]);
    hall.shutdown();
}

#[test]
fn results_still_buffered_at_shutdown_are_counted_as_lost() {
    let server = RedisServer::not_started();
    let hall = HallOfFame::open_redis(&server.url(), Arc::new(ManualClock::new(MONDAY)));
    assert!(hall.status().available, "Redis down at start is no error");
    assert!(hall.record(life("ada", 1, MONDAY)) && hall.record(life("bob", 2, MONDAY)));
    wait_until("both results are buffered", || hall.buffered() == 2);
    let started = Instant::now();
    hall.shutdown();
    assert!(started.elapsed() < Duration::from_secs(1), "shutdown must not wait on a dead Redis");
    let status = hall.status();
    assert_eq!((status.writes_ok, status.dropped, status.queued), (0, 2, 0));
}

#[test]
fn the_store_buffers_drops_the_oldest_and_flushes_in_order() {
    let mut server = RedisServer::not_started();
    let mut s = store(&server);
    s.capacity = 3;
    let now = MONDAY;
    let placed = s.record(&[life("a", 1, now), life("b", 2, now)], now).expect("buffered, not an error");
    assert_eq!(placed, [vec![], vec![]]);
    s.record(&[life("c", 3, now), life("d", 4, now), life("a", 5, now)], now).expect("buffered");
    assert_eq!(s.backlog(), Backlog { buffered: 3, dropped: 2 });
    assert!(matches!(s.top(Period::Day, now, 10), Err(HallOfFameError::Unavailable(_))), "within the retry interval");
    assert!(server.spawn(), "start");
    // Still within the retry interval: nothing is tried.
    s.flush(now).expect("flush");
    assert_eq!(s.backlog().buffered, 3);
    s.link.retry_at = None;
    s.flush(now).expect("flush");
    assert_eq!(s.backlog(), Backlog { buffered: 0, dropped: 2 });
    assert_eq!(names(&s.top(Period::Day, now, 10).expect("top")), [("a", 5), ("d", 4), ("c", 3)]);
}

#[test]
fn a_bad_url_degrades_with_a_reason() {
    let hall = HallOfFame::open_redis("definitely not a url", Arc::new(ManualClock::new(MONDAY)));
    let status = hall.status();
    assert!(!status.available);
    assert!(status.reason.as_deref().is_some_and(|r| r.contains("bad Redis URL")), "{status:?}");
    assert!(!hall.record(life("ada", 1, MONDAY)));
    assert!(matches!(hall.top(Period::Day, 10), Err(HallOfFameError::Unavailable(_))));
}
