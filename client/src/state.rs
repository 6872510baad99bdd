//! The app-wide state every other module builds on, at the bottom of the client: which
//! [`Screen`] is shown, the order of the frame ([`GameSet`], configured once here), the pilot's
//! name, which room Play enters ([`PlayTarget`]), and why the last connection ended
//! ([`EndReason`], shown through [`DisconnectNotice`]).
//!
//! Nothing here imports another client module but `launch` (start-up options).

use bevy::prelude::*;
use driftfire_shared::input::sanitize_name;
use driftfire_shared::protocol::{CloseCode, DisconnectReason, RoomTarget};

use crate::launch::{Launch, random_pilot_name, save_name};

pub(super) fn plugin(app: &mut App) {
    app.init_state::<Screen>();
    // Order new `GameSet` variants by adding them here: this is the only place the frame's
    // order is configured.
    app.configure_sets(
        Update,
        (GameSet::Receive, GameSet::Session, GameSet::Sync, GameSet::Reconcile, GameSet::Input, GameSet::Step, GameSet::Present).chain(),
    );
    app.init_resource::<PilotName>();
    app.init_resource::<PlayTarget>();
    app.init_resource::<DisconnectNotice>();
}

/// Which screen the game shows. UI spawned for a screen carries `DespawnOnExit(screen)`.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    /// Name field and Play button.
    #[default]
    Title,
    /// Socket opening, Hello sent, waiting for Welcome.
    Connecting,
    /// In the arena (also while reconnecting after a drop, over the frozen game).
    Playing,
    /// The connection ended: the reason and a Retry button.
    Disconnected,
}

/// The steps of a frame in `Update`, in order. Every system whose order matters (network,
/// world, prediction, drawing) is in one of these; menu-only systems need none. When adding a
/// variant, order it in the `configure_sets` call in [`plugin`].
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GameSet {
    /// Watchdogs and the snapshot receiver read what arrived: snapshot frames become
    /// `WorldUpdate`s, and a stream that stops decoding or a Hello never answered is reported
    /// to the session, so it can end the session within this same frame.
    Receive,
    /// The session reacts to the connection: Welcome, endings, reconnects, roster and feeds,
    /// pings, the room list.
    Session,
    /// Snapshots become entities; the render clock advances; objects are interpolated.
    Sync,
    /// New snapshots correct the prediction of your ship.
    Reconcile,
    /// The controls are sampled into this frame's inputs.
    Input,
    /// The inputs just sent advance the prediction; your ship is drawn from it.
    Step,
    /// Everything that only shows the result: camera, drawing, effects, HUD, reports.
    Present,
}

/// The name the player chose on the title screen.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct PilotName(pub String);

impl PilotName {
    /// Only names the server accepts leave the title screen: an unusable one gets a fresh
    /// random name. The result is remembered for next time.
    pub fn commit(&mut self) {
        self.0 = sanitize_name(&self.0).unwrap_or_else(|_| random_pilot_name());
        save_name(&self.0);
    }
}

/// Which room Play (and Retry, and a reconnect) enters: quick play, a shared code, or a new
/// private room. Starts as the launch's `room`; the title screen's buttons change it, a private
/// room you joined makes it that room's code (so Retry returns there), and a room that is gone,
/// full or mistyped sends it back to quick play. [`Launch`] itself is never changed.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct PlayTarget(pub RoomTarget);

impl FromWorld for PlayTarget {
    fn from_world(world: &mut World) -> Self {
        Self(world.resource::<Launch>().room.clone())
    }
}

/// Why a connection (or an attempt at one) ended. The client never reads prose to decide:
/// [`may_resume`](Self::may_resume) is the server's typed contract when there is one, the
/// close code's when there is not.
#[derive(Debug, Clone, PartialEq)]
pub enum EndReason {
    /// The server said why: `ServerMsg::Disconnect` (or `Rejected`) came before the close.
    Server(DisconnectReason),
    /// A close frame without a typed reason first (a proxy, a restart, an older server).
    Closed {
        /// The frame's code.
        code: CloseCode,
        /// The frame's text, for people only.
        text: String,
    },
    /// The link died without a close frame, or the server could not be reached. `detail` is
    /// the transport's error, for people only (may be empty).
    LinkLost(String),
    /// A frame from the server did not decode: client and server disagree about the protocol.
    Undecodable(String),
    /// The snapshot stream stopped decoding: the client no longer knows the world.
    LostSync(String),
    /// No Welcome or Rejected within this many seconds of opening the socket.
    NoAnswer {
        /// The timeout, seconds.
        secs: f64,
    },
    /// Every reconnect attempt failed; `last` is how the final one ended.
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// How the last attempt ended.
        last: Box<EndReason>,
    },
}

impl EndReason {
    /// Whether the client should get back by itself (and present its resume token): the
    /// server's [`DisconnectReason::may_resume`], a bare close code's
    /// [`CloseCode::may_retry`], or a link that simply failed. A local failure is not retried.
    pub fn may_resume(&self) -> bool {
        match self {
            Self::Server(reason) => reason.may_resume(),
            Self::Closed { code, .. } => code.may_retry(),
            Self::LinkLost(_) => true,
            Self::Undecodable(_) | Self::LostSync(_) | Self::NoAnswer { .. } | Self::GaveUp { .. } => false,
        }
    }

    /// The sentence the Disconnected screen shows.
    pub fn describe(&self) -> String {
        match self {
            Self::Server(DisconnectReason::ShuttingDown) => "The server is shutting down.".into(),
            Self::Server(DisconnectReason::Rejected(reason)) => format!("The server refused to let you in: {reason}."),
            Self::Server(reason) => describe_close(Some(reason.close_code()), &reason.to_string()),
            Self::Closed { code, text } => describe_close(Some(*code), text),
            Self::LinkLost(detail) => describe_close(None, detail),
            Self::Undecodable(error) => describe_close(None, &format!("undecodable message from server ({error}); reload to update")),
            Self::LostSync(error) => format!("Lost sync with the server ({error}). Press Retry to rejoin."),
            Self::NoAnswer { secs } => format!("The server did not answer within {secs:.0} s."),
            Self::GaveUp { attempts, last } => format!("Could not reconnect after {attempts} attempts: {}", last.describe()),
        }
    }
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A readable sentence for a close (with its code when there was a close frame).
fn describe_close(code: Option<CloseCode>, reason: &str) -> String {
    let what = match code.map(|c| c.0) {
        Some(1000) => "Disconnected",
        Some(1001) => "The server went away",
        Some(1003 | 1007 | 1008 | 1009) => "The server refused this client",
        Some(1011) => "The server hit an internal error",
        Some(1013) => "The server is full",
        Some(_) => "Connection closed",
        None => "Connection lost",
    };
    match (code, reason.is_empty()) {
        (Some(code), true) => format!("{what} (code {code})."),
        (Some(code), false) => format!("{what}: {reason} (code {code})."),
        (None, true) => format!("{what}."),
        (None, false) => format!("{what}: {reason}."),
    }
}

/// How the last connection ended, for the Disconnected screen (`None` while connecting or
/// playing).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct DisconnectNotice(pub Option<EndReason>);

impl DisconnectNotice {
    /// The sentence to show.
    pub fn text(&self) -> String {
        self.0.as_ref().map_or_else(|| "The connection ended.".to_string(), EndReason::describe)
    }
}

#[cfg(test)]
mod tests {
    use driftfire_shared::protocol::{RejectReason, Violation};

    use super::*;

    #[test]
    fn endings_read_as_before() {
        let closed = EndReason::Closed { code: CloseCode::UNSUPPORTED, text: "text frames are not supported".into() };
        assert_eq!(closed.describe(), "The server refused this client: text frames are not supported (code 1003).");
        assert_eq!(EndReason::LinkLost(String::new()).describe(), "Connection lost.");
        assert_eq!(EndReason::LinkLost("reset".into()).describe(), "Connection lost: reset.");
        assert_eq!(EndReason::Server(DisconnectReason::ShuttingDown).describe(), "The server is shutting down.");
        assert_eq!(
            EndReason::Server(DisconnectReason::Rejected(RejectReason::RoomFull)).describe(),
            "The server refused to let you in: that room is full."
        );
        assert_eq!(
            EndReason::Server(DisconnectReason::Violation(Violation::RateLimited)).describe(),
            "The server refused this client: rate limit exceeded: too many messages (code 1008)."
        );
        assert_eq!(EndReason::NoAnswer { secs: 15.0 }.describe(), "The server did not answer within 15 s.");
        let gave_up = EndReason::GaveUp { attempts: 15, last: Box::new(EndReason::LinkLost(String::new())) };
        assert_eq!(gave_up.describe(), "Could not reconnect after 15 attempts: Connection lost.");
        assert_eq!(DisconnectNotice(None).text(), "The connection ended.");
    }

    #[test]
    fn the_server_decides_resumes_and_bare_codes_retry_only_when_the_far_end_went_away() {
        for reason in DisconnectReason::examples() {
            assert_eq!(EndReason::Server(reason.clone()).may_resume(), reason.may_resume(), "{reason:?}");
        }
        // What the old prose-matching `may_reconnect` retried, now from the typed reasons.
        assert!(EndReason::Server(DisconnectReason::IdleTimeout).may_resume());
        assert!(EndReason::Server(DisconnectReason::WriteTimeout).may_resume());
        assert!(!EndReason::Server(DisconnectReason::Violation(Violation::RateLimited)).may_resume());
        assert!(!EndReason::Server(DisconnectReason::Violation(Violation::Undecodable)).may_resume());
        assert!(!EndReason::Server(DisconnectReason::Left).may_resume());
        assert!(EndReason::LinkLost(String::new()).may_resume());
        assert!(EndReason::Closed { code: CloseCode::GOING_AWAY, text: "server restarting".into() }.may_resume());
        assert!(!EndReason::Closed { code: CloseCode::NORMAL, text: "goodbye".into() }.may_resume());
        assert!(!EndReason::Closed { code: CloseCode::INVALID_PAYLOAD, text: "undecodable message".into() }.may_resume());
        assert!(!EndReason::Closed { code: CloseCode::POLICY, text: "idle timeout: no traffic from the client".into() }.may_resume());
        assert!(!EndReason::Undecodable("bad".into()).may_resume());
        assert!(!EndReason::LostSync("bad".into()).may_resume());
    }
}
