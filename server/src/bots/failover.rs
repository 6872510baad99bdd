//! A bot's way back into the game after its link died, as the game client does it
//! (`client/src/session/reconnect.rs` and `session/mod.rs`): retries with backoff and jitter at
//! the session's server, presenting the resume token; once that server refuses the connection
//! (nothing listens: it died), through an entrance (`--url`, which may list several, as a
//! round-robin name in front of a fleet does), which seats it and restores its recorded score.
//! Timed from the drop to the next Welcome.

use std::time::{Duration, Instant};

use driftfire_shared::protocol::{ResumeOutcome, ResumeToken, RoomTarget, Welcome};
use tokio::time::sleep;

use super::link::{BotLink, Transport};
use super::{BotError, Joined, MAX_REDIRECTS, join};

/// Attempts before a bot gives up (the game client's 15 take a minute and a half; a benchmark
/// wants its answer sooner).
const MAX_ATTEMPTS: u32 = 8;

/// The first retry after about this long, doubling up to [`MAX_DELAY`], each scaled into its
/// upper half by jitter (the client's rule), so a crowd of dropped bots does not arrive at once.
const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(4);

/// How a dropped bot got back.
pub(super) struct Back {
    pub link: Box<BotLink>,
    pub welcome: Box<Welcome>,
    /// The server it is on now.
    pub url: String,
    /// From the drop to the Welcome.
    pub took: Duration,
}

fn backoff(attempt: u32, seed: u64) -> Duration {
    let ceiling = FIRST_DELAY.saturating_mul(1 << (attempt.saturating_sub(1)).min(8)).min(MAX_DELAY);
    // A cheap per-bot, per-attempt jitter in [0.5, 1.0].
    let mixed = (seed ^ u64::from(attempt)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    ceiling.mul_f64(0.5 + 0.5 * (mixed % 1000) as f64 / 1000.0)
}

/// Comes back into the game after the link to `session_url` died at `dropped`: retries there,
/// fails over to an entrance when refused (the next of `entrances` after one that refuses too:
/// a round-robin name in front of a fleet), follows redirects; `None` after [`MAX_ATTEMPTS`].
pub(super) async fn come_back(
    entrances: &[String],
    session_url: &str,
    name: &str,
    token: ResumeToken,
    transport: Transport,
    seed: u64,
    dropped: Instant,
) -> Option<Back> {
    let mut url = session_url.to_string();
    let mut room = RoomTarget::QuickPlay;
    let mut hops = 0;
    let mut attempt = 1;
    let mut wait = true;
    while attempt <= MAX_ATTEMPTS {
        if wait {
            sleep(backoff(attempt, seed)).await;
        }
        wait = true;
        match join(&url, name, room.clone(), transport, Some(token)).await {
            Ok(Joined::Welcome(link, welcome)) => return Some(Back { link, welcome, url, took: dropped.elapsed() }),
            Ok(Joined::Redirect(redirect)) if hops < MAX_REDIRECTS => {
                hops += 1;
                (url, room) = (redirect.url, redirect.room);
                wait = false;
                continue;
            }
            // Refused: nothing listens there; an entrance seats us elsewhere.
            Err(BotError::Connect(_)) => {
                let next = entrances.iter().position(|e| *e == url).map_or(0, |i| i + 1);
                if let Some(entrance) = entrances.iter().cycle().skip(next).take(entrances.len()).find(|e| **e != url) {
                    (url, room, hops) = (entrance.clone(), RoomTarget::QuickPlay, 0);
                    wait = false;
                }
            }
            Ok(Joined::Redirect(_)) | Err(_) => {}
        }
        attempt += 1;
    }
    None
}

/// Whether a Welcome after a drop brought the score along.
pub(super) fn kept_score(welcome: &Welcome) -> bool {
    matches!(welcome.resume, ResumeOutcome::Resumed | ResumeOutcome::Restored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_cap_with_jitter_in_the_upper_half() {
        for seed in 0..50 {
            let first = backoff(1, seed);
            assert!(first >= FIRST_DELAY / 2 && first <= FIRST_DELAY, "{first:?}");
            let late = backoff(20, seed);
            assert!(late >= MAX_DELAY / 2 && late <= MAX_DELAY, "{late:?}");
        }
    }
}
