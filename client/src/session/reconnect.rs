//! Reconnect and resume: when a game's connection drops, the client tries again by itself with
//! exponential backoff and jitter, showing "Reconnecting… (attempt n)" over the frozen game,
//! and presents its resume token so the server hands back the same ship, score and room.

use bevy::prelude::*;
use driftfire_shared::protocol::ResumeToken;

use crate::launch::{Launch, entropy};
use crate::net::Connection;
use crate::screens::Screen;
use crate::screens::widgets::{ACCENT, DIM, label};
use crate::session::{PilotName, connect};

/// First retry after about this long (before jitter).
const FIRST_DELAY_SECS: f64 = 0.5;

/// The delay doubles per attempt up to this: a server restarting or a train leaving a tunnel
/// is usually back within seconds, and a player should not wait longer than this to learn so.
const MAX_DELAY_SECS: f64 = 8.0;

/// After this many failed attempts (about a minute and a half) the client gives up and shows
/// the Disconnected screen; the resume window has long passed by then.
pub const MAX_ATTEMPTS: u32 = 15;

/// Logic: scheduling and opening the retries (runs without a window).
pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, retry_when_due.run_if(in_state(Screen::Playing).and_then(resource_exists::<Reconnecting>)));
}

/// Presentation: the overlay, and Esc to give up.
pub(super) fn overlay_plugin(app: &mut App) {
    app.add_systems(Update, (show_overlay, give_up).run_if(in_state(Screen::Playing)));
}

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

/// Whether a close is worth retrying: the link failed, or the server asked us to come back
/// later. A refusal, a protocol violation or a normal goodbye is not retried.
pub fn may_reconnect(code: Option<u16>, reason: &str) -> bool {
    match code {
        None => true,
        // Going away (a proxy or a restart), internal error, service restart, try again later.
        Some(1001 | 1011 | 1012 | 1013 | 1014) => true,
        // Our own tab was too quiet (stalled, or the link hiccupped): nothing wrong with us.
        Some(1008) => reason.starts_with("idle timeout") || reason.starts_with("write timeout"),
        Some(_) => false,
    }
}

fn retry_when_due(
    mut commands: Commands,
    reconnecting: Res<Reconnecting>,
    connection: Option<Res<Connection>>,
    time: Res<Time<Real>>,
    launch: Res<Launch>,
    pilot: Res<PilotName>,
) {
    if connection.is_none() && time.elapsed_secs_f64() >= reconnecting.next_try_at {
        connect(&mut commands, &launch, &pilot, Some(reconnecting.token));
    }
}

#[derive(Component)]
struct Overlay;

#[derive(Component)]
struct AttemptText;

fn show_overlay(
    mut commands: Commands,
    reconnecting: Option<Res<Reconnecting>>,
    overlay: Query<Entity, With<Overlay>>,
    mut text: Query<&mut Text, With<AttemptText>>,
    time: Res<Time<Real>>,
) {
    let Some(reconnecting) = reconnecting else {
        for entity in &overlay {
            commands.entity(entity).despawn();
        }
        return;
    };
    let wait = (reconnecting.next_try_at - time.elapsed_secs_f64()).max(0.0);
    let line = if wait > 0.05 {
        format!("Reconnecting... (attempt {}, in {wait:.1} s)", reconnecting.attempt)
    } else {
        format!("Reconnecting... (attempt {})", reconnecting.attempt)
    };
    if let Ok(mut text) = text.single_mut() {
        text.0 = line;
        return;
    }
    commands.spawn((
        Overlay,
        DespawnOnExit(Screen::Playing),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            align_items: AlignItems::Center,
            justify_content: JustifyContent::Center,
            row_gap: px(12),
            ..default()
        },
        BackgroundColor(Color::srgba(0.0, 0.0, 0.05, 0.6)),
        GlobalZIndex(50),
        children![(label(line, 36.0, ACCENT), AttemptText), label("Connection lost. Esc: give up", 18.0, DIM)],
    ));
}

fn give_up(keys: Res<ButtonInput<KeyCode>>, reconnecting: Option<Res<Reconnecting>>, mut next: ResMut<NextState<Screen>>) {
    if reconnecting.is_some() && keys.just_pressed(KeyCode::Escape) {
        next.set(Screen::Title);
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

    #[test]
    fn only_link_failures_are_retried() {
        assert!(may_reconnect(None, ""));
        assert!(may_reconnect(Some(1001), "server restarting"));
        assert!(may_reconnect(Some(1008), "idle timeout: no traffic from the client"));
        assert!(!may_reconnect(Some(1008), "rate limit exceeded: too many messages"));
        assert!(!may_reconnect(Some(1000), "goodbye"));
        assert!(!may_reconnect(Some(1007), "undecodable message"));
    }
}
