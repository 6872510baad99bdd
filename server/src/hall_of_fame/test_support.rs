//! What the hall of fame's tests share: a fixed Monday, results to record, boards as
//! `(name, score)` pairs, and waiting on the writer thread.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use driftfire_shared::protocol::{BoardEntry, Placement};

use super::LifeResult;

/// 2024-01-01 00:00:00 UTC, a Monday.
pub const MONDAY: i64 = 1_704_067_200;

/// How long a test waits for something the writer thread does.
pub const PATIENCE: Duration = Duration::from_secs(3);

/// A life in room "Nebula" with `score / 100` kills, one death and a minute alive.
pub fn life(name: &str, score: u32, ended_at: i64) -> LifeResult {
    let entry = BoardEntry { name: name.into(), score, kills: score / 100, deaths: 1, alive_secs: 60, room: "Nebula".into(), ended_at };
    LifeResult { entry, notify: None }
}

/// A result whose placements arrive on the returned channel.
pub fn life_notified(name: &str, score: u32, ended_at: i64) -> (LifeResult, mpsc::Receiver<Vec<Placement>>) {
    let (tx, rx) = mpsc::channel();
    let notify: Box<dyn FnOnce(Vec<Placement>) + Send> = Box::new(move |placed| {
        let _ = tx.send(placed);
    });
    (LifeResult { notify: Some(notify), ..life(name, score, ended_at) }, rx)
}

/// A board as (name, score) pairs.
pub fn names(entries: &[BoardEntry]) -> Vec<(&str, u32)> {
    entries.iter().map(|e| (e.name.as_str(), e.score)).collect()
}

/// Waits (at most [`PATIENCE`]) until `done`.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
