//! What only the Redis store does, against a real `redis-server` (one per test, on a free
//! loopback port, killed when the test ends): key expiry, undecodable details, its tie order,
//! two servers sharing one board, and Redis going away and coming back. What every store does
//! is in `contract_tests`.

use std::sync::Arc;

use super::*;
use crate::hall_of_fame::periods::{DAY_BOARD_KEEP_SECS, DAY_SECS, WEEK_BOARD_KEEP_SECS, WEEK_SECS, day_start};
use crate::hall_of_fame::test_redis::Redis;
use crate::hall_of_fame::test_support::{MONDAY, PATIENCE, life, life_notified, names, wait_until};
use crate::hall_of_fame::{HallOfFame, ManualClock};

fn store(server: &Redis) -> RedisStore {
    RedisStore::open(&server.url()).expect("url")
}

#[test]
fn day_and_week_keys_expire_and_all_time_keys_do_not() {
    let server = Redis::start();
    let mut s = store(&server);
    let now = MONDAY + 2 * DAY_SECS + 3600; // Wednesday 01:00
    let day = day_start(now);
    // The second result's day board is past its retention at `now`: not written at all.
    let expired_day = day - DAY_BOARD_KEEP_SECS;
    s.record(&[life("ada", 5, now), life("bob", 7, expired_day)], now).expect("record");
    let mut conn = server.connection();
    // TTL in seconds; -1: no expiry; -2: no such key. A second may pass between set and read.
    let mut assert_ttl = |key: String, expected: i64| {
        let ttl: i64 = redis::cmd("TTL").arg(&key).query(&mut conn).expect("ttl");
        let range = if expected < 0 { expected..=expected } else { expected - 2..=expected };
        assert!(range.contains(&ttl), "{key}: TTL {ttl}, expected {expected}");
    };
    for key in [board_key(Period::Day, day), entries_key(Period::Day, day)] {
        // The retention counts from the day's start, an hour ago.
        assert_ttl(key, DAY_BOARD_KEEP_SECS - 3600);
    }
    for key in [board_key(Period::Week, MONDAY), entries_key(Period::Week, MONDAY)] {
        assert_ttl(key, WEEK_BOARD_KEEP_SECS - 2 * DAY_SECS - 3600);
    }
    // Bob's week board (a week earlier) is written, with what it has left.
    let bobs_week = MONDAY - WEEK_SECS;
    assert_eq!(period_start(Period::Week, expired_day), bobs_week);
    assert_ttl(board_key(Period::Week, bobs_week), WEEK_BOARD_KEEP_SECS - WEEK_SECS - 2 * DAY_SECS - 3600);
    for key in [board_key(Period::AllTime, 0), entries_key(Period::AllTime, 0)] {
        assert_ttl(key, -1);
    }
    // Bob's day board had expired: not written.
    assert_ttl(board_key(Period::Day, expired_day), -2);
    assert_ttl(entries_key(Period::Day, expired_day), -2);
    // The day after it is still kept, until tomorrow's 00:00: a result there is written.
    s.record(&[life("cy", 9, expired_day + DAY_SECS)], now).expect("record");
    assert_ttl(board_key(Period::Day, expired_day + DAY_SECS), DAY_SECS - 3600);
    assert_eq!(board_key(Period::Day, day), format!("driftfire:hof:day:{day}"));
    assert_eq!(entries_key(Period::Week, MONDAY), format!("driftfire:hof:week:{MONDAY}:entries"));
    assert_eq!(names(&s.top(Period::AllTime, now, 10).expect("top")), [("cy", 9), ("bob", 7), ("ada", 5)]);
}

#[test]
fn equal_scores_rank_by_name_key_descending() {
    let server = Redis::start();
    let mut s = store(&server);
    // Redis's order for equal scores (`ZREVRANGE`), whatever the times: "bob" after "cy".
    let placed = s.record(&[life("bob", 500, MONDAY - 60), life("cy", 500, MONDAY - 40)], MONDAY).expect("record");
    assert_eq!(names(&s.top(Period::Day, MONDAY - 1, 10).expect("top")), [("cy", 500), ("bob", 500)]);
    // Placements rank in the same order.
    assert_eq!(placed[0].first(), Some(&Placement { period: Period::AllTime, rank: 2 }));
    assert_eq!(placed[1].first(), Some(&Placement { period: Period::AllTime, rank: 1 }));
}

#[test]
fn details_that_do_not_decode_are_skipped_and_replaced() {
    let server = Redis::start();
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
    let server = Redis::start();
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
    let mut server = Redis::start();
    let now = MONDAY + 3600;
    let hall = HallOfFame::open_redis(&server.url(), Arc::new(ManualClock::new(now)));
    let (first, placed) = life_notified("ada", 100, now);
    assert!(hall.record(first));
    placed.recv_timeout(PATIENCE).expect("stored");

    // Mid-game: Redis goes away (its data saved, as a real one would keep it).
    server.shutdown_saving();
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
    server.restart();
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
    let mut server = Redis::reserve();
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
    server.restart();
    wait_until("the buffer is flushed", || hall.buffered() == 0);
    let status = hall.status();
    assert_eq!((status.available, status.reason, status.writes_ok, status.dropped), (true, None, 2, 1));
    wait_until("boards read again", || hall.top(Period::AllTime, 10).is_ok());
    assert_eq!(names(&hall.top(Period::AllTime, 10).expect("top")), [("cy", 3), ("bob", 2)]);
    hall.shutdown();
}

#[test]
fn results_still_buffered_at_shutdown_are_counted_as_lost() {
    let server = Redis::reserve();
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
    let mut server = Redis::reserve();
    let mut s = store(&server);
    s.capacity = 3;
    let now = MONDAY;
    let placed = s.record(&[life("a", 1, now), life("b", 2, now)], now).expect("buffered, not an error");
    assert_eq!(placed, [vec![], vec![]]);
    s.record(&[life("c", 3, now), life("d", 4, now), life("a", 5, now)], now).expect("buffered");
    assert_eq!(s.backlog(), Backlog { buffered: 3, dropped: 2 });
    assert!(matches!(s.top(Period::Day, now, 10), Err(HallOfFameError::Unavailable(_))), "within the retry interval");
    server.restart();
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
