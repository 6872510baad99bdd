//! Where each hall-of-fame board's period begins: pure functions of a Unix time (UTC), so the
//! boards roll over at midnight and on Monday with no job that deletes anything; and how long
//! past boards are kept, one rule for every backend (SQLite prunes by it, Redis sets TTLs by it).

use driftfire_shared::protocol::Period;

/// Seconds in a UTC day (Unix time has no leap seconds).
pub const DAY_SECS: i64 = 86_400;

/// Seconds in a week.
pub const WEEK_SECS: i64 = 7 * DAY_SECS;

/// The Monday 00:00 UTC that starts the ISO week holding the epoch: 1970-01-01 was a Thursday,
/// so its week began three days earlier, on 1969-12-29.
const EPOCH_WEEK_START: i64 = -3 * DAY_SECS;

/// How long a day board is kept, counted from 00:00 UTC of its day: at any moment today's
/// board and the seven before it exist. Two days at the least: the board that just ended is
/// still "yesterday" for players in every time zone (UTC−12 to UTC+14) for another day, and a
/// life that ended just before midnight must still land on its day board when it is stored
/// later (committed after midnight, or buffered while Redis was down). The other six days keep
/// a week of daily history ("last Tuesday") at little cost: one row (SQLite) or one hash field
/// and set member (Redis) per pilot who played that day.
pub const DAY_BOARD_KEEP_SECS: i64 = 8 * DAY_SECS;

/// How long a week board is kept, counted from Monday 00:00 UTC of its week: at any moment this
/// week's board and the four before it exist. Two weeks at the least, for the same reasons as
/// a day board ("last week" everywhere, Sunday night's late results); the rest keeps a month
/// of weekly history.
pub const WEEK_BOARD_KEEP_SECS: i64 = 5 * WEEK_SECS;

// A board must outlive its own period and the next one (see the two constants above).
const _: () = assert!(DAY_BOARD_KEEP_SECS >= 2 * DAY_SECS && WEEK_BOARD_KEEP_SECS >= 2 * WEEK_SECS);

/// How long after its start `period`'s board is kept (`None`: the all-time board, forever). A
/// board that began at `start` is dropped from `start + retention` on: Redis expires its keys
/// then (and writes no result there after), SQLite's next prune deletes its rows.
pub fn board_retention(period: Period) -> Option<i64> {
    match period {
        Period::AllTime => None,
        Period::Week => Some(WEEK_BOARD_KEEP_SECS),
        Period::Day => Some(DAY_BOARD_KEEP_SECS),
    }
}

/// The start of `now`'s UTC day (00:00:00), Unix seconds. Floors, so times before 1970 work too.
pub fn day_start(now: i64) -> i64 {
    // Saturating: absurd times (near i64::MIN) land on some day instead of overflowing.
    now.div_euclid(DAY_SECS).saturating_mul(DAY_SECS)
}

/// The start of `now`'s ISO week (Monday 00:00:00 UTC), Unix seconds.
pub fn week_start(now: i64) -> i64 {
    // Saturating: absurd times (near i64::MIN) land on some week instead of overflowing.
    EPOCH_WEEK_START.saturating_add(now.saturating_sub(EPOCH_WEEK_START).div_euclid(WEEK_SECS).saturating_mul(WEEK_SECS))
}

/// The start of `period`'s board that holds `now`: 0 for all time (one board forever), else the
/// day's or the week's start.
pub fn period_start(period: Period, now: i64) -> i64 {
    match period {
        Period::AllTime => 0,
        Period::Week => week_start(now),
        Period::Day => day_start(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-01-01 00:00:00 UTC, a Monday.
    const MONDAY_2024_01_01: i64 = 1_704_067_200;

    #[test]
    fn day_starts_at_utc_midnight() {
        assert_eq!(day_start(0), 0);
        assert_eq!(day_start(DAY_SECS - 1), 0);
        assert_eq!(day_start(DAY_SECS), DAY_SECS);
        assert_eq!(day_start(MONDAY_2024_01_01 + 12 * 3600), MONDAY_2024_01_01);
        // Before the epoch: floor, not truncation towards zero.
        assert_eq!(day_start(-1), -DAY_SECS);
    }

    #[test]
    fn week_starts_on_monday() {
        // 1970-01-01 (Thursday) belongs to the week of Monday 1969-12-29.
        assert_eq!(week_start(0), -3 * DAY_SECS);
        // 1970-01-05 was the first Monday after the epoch.
        assert_eq!(week_start(4 * DAY_SECS), 4 * DAY_SECS);
        assert_eq!(week_start(4 * DAY_SECS - 1), -3 * DAY_SECS);
        assert_eq!(week_start(MONDAY_2024_01_01), MONDAY_2024_01_01);
        assert_eq!(week_start(MONDAY_2024_01_01 + WEEK_SECS - 1), MONDAY_2024_01_01);
        assert_eq!(week_start(MONDAY_2024_01_01 + WEEK_SECS), MONDAY_2024_01_01 + WEEK_SECS);
        // Sunday 23:59:59 is still last week; a second later is the new week.
        assert_eq!(week_start(MONDAY_2024_01_01 - 1), MONDAY_2024_01_01 - WEEK_SECS);
        assert_eq!(week_start(-4 * DAY_SECS), -10 * DAY_SECS);
    }

    #[test]
    fn every_start_is_a_fixed_point() {
        for t in [-WEEK_SECS * 3 - 17, -1, 0, 1, 123_456_789, MONDAY_2024_01_01 + 5 * DAY_SECS + 7] {
            for p in [Period::Week, Period::Day] {
                let start = period_start(p, t);
                assert!(start <= t, "{p:?} {t}");
                assert_eq!(period_start(p, start), start, "{p:?} {t}");
            }
            assert!(t - week_start(t) < WEEK_SECS);
            assert!(t - day_start(t) < DAY_SECS);
        }
    }

    #[test]
    fn all_time_is_one_board_and_extremes_do_not_overflow() {
        assert_eq!(period_start(Period::AllTime, i64::MIN), 0);
        assert_eq!(period_start(Period::AllTime, i64::MAX), 0);
        let _ = week_start(i64::MIN);
        let _ = week_start(i64::MAX);
        let _ = day_start(i64::MIN);
        let _ = day_start(i64::MAX);
    }
}
