//! The app-wide state every other module builds on, at the bottom of the client: which
//! [`Screen`] is shown, the order of the frame ([`GameSet`], configured once here), the pilot's
//! name, which room Play enters ([`PlayTarget`]), which server the game's connection goes to
//! ([`GameServer`]: a fleet may send the player elsewhere), and why the last connection ended
//! ([`EndReason`], shown through [`DisconnectNotice`]).
//!
//! Nothing here imports another client module but `launch` (start-up options).

use bevy::prelude::*;
use driftfire_shared::input::precheck_name;
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
    app.init_resource::<GameServer>();
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
    /// random name. The result is remembered for next time. (Checked without Unicode's
    /// normalization, which the server applies: see [`precheck_name`].)
    pub fn commit(&mut self) {
        self.0 = precheck_name(&self.0).unwrap_or_else(|_| random_pilot_name());
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

/// Redirects followed at most on the way to one Welcome (from Play, Retry, or a reconnect after
/// a drop); one more and the attempt ends with [`EndReason::TooManyRedirects`], so a
/// misconfigured fleet cannot bounce a player between its servers for ever.
pub const MAX_REDIRECTS: u32 = 3;

/// Which server the game's connection goes to: part of the session's state, because the
/// servers of a fleet answer for each other. A Hello may be answered with a redirect to another
/// server, and a room on the title screen's list may live on another server; a reconnect must
/// then go back to the server the session is actually on, not to the launch's.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct GameServer {
    /// The server of the room picked from the title screen's list, when it is not the launch's
    /// own (`RoomInfo::server`); `None`: Play and Retry start at [`Launch::server_url`]. Back
    /// to `None` on every return to the title screen.
    pub picked: Option<String>,
    /// The game socket the session is on, or the current attempt goes to: where Play started,
    /// or where redirects led. Reconnects and the kept resume token go here.
    pub url: String,
    /// Redirects followed since the attempt started (Play, Retry) or the last Welcome.
    pub hops: u32,
    /// Where the player came in: the page's origin, or the desktop's `--server`
    /// ([`Launch::server_url`]). In a fleet its server seats anyone by quick play, and sends a
    /// resume token back to the server that still holds its seat.
    pub entrance: String,
    /// The session's server refused a reconnect (nothing listens there: it died), so the
    /// attempts go through [`entrance`](Self::entrance) until the next Welcome.
    pub failed_over: bool,
}

impl FromWorld for GameServer {
    fn from_world(world: &mut World) -> Self {
        let entrance = world.resource::<Launch>().server_url.clone();
        Self { picked: None, url: entrance.clone(), hops: 0, entrance, failed_over: false }
    }
}

impl GameServer {
    /// A fresh attempt (Play, Retry): back to the picked room's server or the launch's, with
    /// no redirect followed yet.
    pub fn start(&mut self, launch: &Launch) {
        self.url = self.picked.clone().unwrap_or_else(|| launch.server_url.clone());
        self.hops = 0;
        self.entrance = launch.server_url.clone();
        self.failed_over = false;
    }

    /// The session's server refused a reconnect: the next attempts go through the entrance,
    /// which seats the player elsewhere (or sends them back, if their seat lives on). Again
    /// whenever a server the entrance pointed to refuses too. Returns whether anything changed
    /// (not when the attempt was at the entrance already: a single server that is down is
    /// simply retried, as before).
    pub fn fail_over(&mut self) -> bool {
        if self.url == self.entrance || self.entrance.is_empty() {
            return false;
        }
        self.url = self.entrance.clone();
        self.hops = 0;
        self.failed_over = true;
        true
    }

    /// Follows a redirect to `url`, or refuses once this attempt has followed
    /// [`MAX_REDIRECTS`] (the reason to end it with).
    pub fn follow(&mut self, url: &str) -> Result<(), EndReason> {
        if self.hops >= MAX_REDIRECTS {
            return Err(EndReason::TooManyRedirects { followed: self.hops, next: url.to_string() });
        }
        self.url = url.to_string();
        self.hops += 1;
        Ok(())
    }

    /// A Welcome: the session is on [`url`](Self::url) now, and a later reconnect's redirects
    /// count afresh.
    pub fn landed(&mut self) {
        self.hops = 0;
        self.failed_over = false;
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
    /// The servers kept answering Hello with redirects: [`MAX_REDIRECTS`] were followed and
    /// another one came.
    TooManyRedirects {
        /// Redirects followed.
        followed: u32,
        /// Where the one refused pointed.
        next: String,
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
            Self::Undecodable(_) | Self::LostSync(_) | Self::NoAnswer { .. } | Self::GaveUp { .. } | Self::TooManyRedirects { .. } => false,
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
            Self::TooManyRedirects { followed, next } => {
                format!("Too many redirects: gave up after {followed} (the next pointed to {next}).")
            }
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
        let bounced = EndReason::TooManyRedirects { followed: 3, next: "ws://b.example/ws".into() };
        assert_eq!(bounced.describe(), "Too many redirects: gave up after 3 (the next pointed to ws://b.example/ws).");
        assert!(!bounced.may_resume());
    }

    #[test]
    fn a_refused_reconnect_fails_over_to_the_entrance_once_and_only_from_elsewhere() {
        let launch = Launch { server_url: "ws://entrance.example/ws".into(), ..Launch::default() };
        let mut server = GameServer { picked: None, url: launch.server_url.clone(), hops: 0, entrance: String::new(), failed_over: false };
        server.start(&launch);
        assert!(!server.fail_over(), "a session at the entrance retries the entrance");
        server.follow("ws://a.example/ws").unwrap();
        server.landed();
        assert!(server.fail_over());
        assert_eq!((server.url.as_str(), server.hops, server.failed_over), ("ws://entrance.example/ws", 0, true));
        assert!(!server.fail_over(), "the entrance itself is retried");
        // The entrance passes the player on; the Welcome there ends the failover.
        server.follow("ws://b.example/ws").unwrap();
        server.landed();
        assert!(!server.failed_over);
        assert!(server.fail_over(), "b may die too");
    }

    #[test]
    fn redirects_are_capped_per_attempt_and_count_afresh_after_a_welcome_or_a_new_attempt() {
        let launch = Launch { server_url: "ws://a.example/ws".into(), ..Launch::default() };
        let mut server =
            GameServer { picked: None, url: launch.server_url.clone(), hops: 0, entrance: launch.server_url.clone(), failed_over: false };
        for hop in 1..=MAX_REDIRECTS {
            let url = format!("ws://s{hop}.example/ws");
            assert_eq!(server.follow(&url), Ok(()));
            assert_eq!((server.url.as_str(), server.hops), (url.as_str(), hop));
        }
        let refused = server.follow("ws://again.example/ws");
        assert_eq!(refused, Err(EndReason::TooManyRedirects { followed: MAX_REDIRECTS, next: "ws://again.example/ws".into() }));
        assert_eq!(server.url, format!("ws://s{MAX_REDIRECTS}.example/ws"), "a refused redirect goes nowhere");

        // A Welcome lands the session where the redirects led: a reconnect resumes there, and
        // may be passed on again.
        server.landed();
        assert_eq!(server.url, format!("ws://s{MAX_REDIRECTS}.example/ws"));
        assert_eq!(server.follow("ws://b.example/ws"), Ok(()));

        // Play (or Retry) starts over at the launch's server, or at a picked room's own.
        server.start(&launch);
        assert_eq!((server.url.as_str(), server.hops), ("ws://a.example/ws", 0));
        server.picked = Some("ws://c.example/ws".into());
        server.start(&launch);
        assert_eq!(server.url, "ws://c.example/ws");
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
