//! Reconnect and resume, the logic only: when a game's connection drops and its ending allows a
//! resume, the client tries again by itself with exponential backoff and jitter, presenting its
//! resume token so the server hands back the same ship, score and room. The overlay that shows
//! the attempts is `screens/reconnecting.rs`.

use bevy::prelude::*;
use driftfire_shared::protocol::ResumeToken;

use super::connect::connect;
use crate::launch::entropy;
use crate::net::Connection;
use crate::state::{GameServer, PilotName, PlayTarget};

/// First retry after about this long (before jitter).
const FIRST_DELAY_SECS: f64 = 0.5;

/// The delay doubles per attempt up to this: a server restarting or a train leaving a tunnel
/// is usually back within seconds, and a player should not wait longer than this to learn so.
const MAX_DELAY_SECS: f64 = 8.0;

/// After this many failed attempts (about a minute and a half) the client gives up and shows
/// the Disconnected screen; the resume window has long passed by then.
pub const MAX_ATTEMPTS: u32 = 15;

/// Present while the game is trying to get back into a dropped session.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct Reconnecting {
    /// 1 for the first retry.
    pub attempt: u32,
    /// When the next socket opens (`Time<Real>` seconds).
    pub next_try_at: f64,
    /// The dropped session's token.
    pub token: ResumeToken,
}

impl Reconnecting {
    /// The state for retry number `attempt` after a drop at `now`, or `None` when it is time
    /// to give up.
    pub fn schedule(attempt: u32, now: f64, token: ResumeToken) -> Option<Self> {
        (attempt <= MAX_ATTEMPTS).then(|| Self { attempt, next_try_at: now + backoff_secs(attempt, jitter()), token })
    }
}

/// Delay before retry `attempt` (1-based): doubling from [`FIRST_DELAY_SECS`] up to
/// [`MAX_DELAY_SECS`], scaled by `jitter` in [0, 1] into its upper half, so a server that
/// dropped many players at once is not hit by all of them in the same instant.
pub fn backoff_secs(attempt: u32, jitter: f64) -> f64 {
    let ceiling = (FIRST_DELAY_SECS * 2f64.powi(attempt.saturating_sub(1).min(16) as i32)).min(MAX_DELAY_SECS);
    ceiling * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

fn jitter() -> f64 {
    (entropy() % 1_000_000) as f64 / 1_000_000.0
}

/// Opens the next attempt once its time has come (the session runs it while [`Reconnecting`]),
/// on the server the session is on: where Play started, or where redirects led.
pub(super) fn retry_when_due(
    mut commands: Commands,
    reconnecting: Res<Reconnecting>,
    connection: Option<Res<Connection>>,
    time: Res<Time<Real>>,
    server: Res<GameServer>,
    target: Res<PlayTarget>,
    pilot: Res<PilotName>,
) {
    if connection.is_none() && time.elapsed_secs_f64() >= reconnecting.next_try_at {
        connect(&mut commands, &server.url, &target.0, &pilot, Some(reconnecting.token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        assert_eq!(backoff_secs(1, 1.0), 0.5);
        assert_eq!(backoff_secs(2, 1.0), 1.0);
        assert_eq!(backoff_secs(3, 1.0), 2.0);
        assert_eq!(backoff_secs(10, 1.0), MAX_DELAY_SECS);
        assert_eq!(backoff_secs(u32::MAX, 1.0), MAX_DELAY_SECS);
        assert_eq!(backoff_secs(3, 0.0), 1.0);
        assert!(Reconnecting::schedule(MAX_ATTEMPTS + 1, 0.0, ResumeToken([0; 16])).is_none());
    }
}
