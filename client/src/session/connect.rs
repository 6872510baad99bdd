//! Opening the game's connection: wait for the renderer to warm up, open the socket to the
//! [`GameServer`] (Hello goes out the moment it opens), follow a redirect to another server of
//! the fleet, and give up if no answer to Hello comes in time.

use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, PROTOCOL_VERSION, Redirect, ResumeToken, RoomTarget};

use super::events::EndSession;
use crate::console::{self, Report, report};
use crate::launch::load_resume;
use crate::net::Connection;
use crate::state::{EndReason, GameServer, GameSet, PilotName, PlayTarget, Screen};

/// A frame slower than this is still warming up: in WebGL2 the first frames compile shaders on
/// the page's only thread, and a socket opened then would sit unanswered (its open event
/// waits for the thread) while the server's handshake clock runs.
const WARM_FRAME_SECS: f32 = 0.25;

/// Consecutive fast frames that mean the renderer has settled.
const WARM_FRAMES_NEEDED: u32 = 2;

/// Connect anyway after this long, so a machine that is simply slow still gets in.
const MAX_WARMUP_WAIT_SECS: f64 = 5.0;

/// Hello is a request too: without Welcome or Rejected this long after the socket was asked
/// for, the attempt is given up (the server's own handshake timeout is 10 s).
pub const HELLO_TIMEOUT_SECS: f64 = 15.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<FrameWarmth>();
    app.add_systems(First, measure_warmth);
    app.add_systems(Update, give_up_waiting_for_welcome.in_set(GameSet::Receive).run_if(in_state(Screen::Connecting)));
    app.add_systems(Update, open_connection_when_warm.in_set(GameSet::Session).run_if(in_state(Screen::Connecting)));
}

/// How many frames in a row were fast (see [`WARM_FRAME_SECS`]).
#[derive(Resource, Debug, Default)]
struct FrameWarmth {
    fast_frames: u32,
}

/// Set on entering Connecting; the socket opens once frames are fast (or after a cap).
#[derive(Resource, Debug)]
pub struct PendingConnect {
    since: f64,
}

impl PendingConnect {
    /// Waiting since `now` (`Time<Real>` seconds).
    pub fn since(now: f64) -> Self {
        Self { since: now }
    }
}

fn measure_warmth(time: Res<Time<Real>>, mut warmth: ResMut<FrameWarmth>) {
    warmth.fast_frames = if time.delta_secs() < WARM_FRAME_SECS { warmth.fast_frames.saturating_add(1) } else { 0 };
}

fn open_connection_when_warm(
    mut commands: Commands,
    pending: Option<Res<PendingConnect>>,
    warmth: Res<FrameWarmth>,
    time: Res<Time<Real>>,
    mut server: ResMut<GameServer>,
    target: Res<PlayTarget>,
    pilot: Res<PilotName>,
) {
    let Some(pending) = pending else { return };
    let waited = time.elapsed_secs_f64() - pending.since;
    if warmth.fast_frames < WARM_FRAMES_NEEDED && waited < MAX_WARMUP_WAIT_SECS {
        return;
    }
    commands.remove_resource::<PendingConnect>();
    // After a reload of this tab, pick the game up where it was (if the server still holds it),
    // on the server that holds it.
    let kept = load_resume();
    if let Some(url) = kept.as_ref().and_then(|kept| kept.server.clone()) {
        server.url = url;
    }
    connect(&mut commands, &server.url, &target.0, &pilot, kept.map(|kept| kept.token));
}

/// Opens the socket to `url`; Hello (asking for `room`, resuming `resume` if given) goes out
/// the moment it opens.
pub fn connect(commands: &mut Commands, url: &str, room: &RoomTarget, pilot: &PilotName, resume: Option<ResumeToken>) {
    let hello = ClientMsg::Hello { version: PROTOCOL_VERSION, name: pilot.0.clone(), room: room.clone(), resume };
    commands.insert_resource(Connection::open(url, &hello));
    match resume {
        Some(token) => console::info(format_args!("connecting to {url} to resume session {token:?}")),
        None => console::info(format_args!("connecting to {url}")),
    }
}

/// Hello was answered with a redirect: connect to the other server at once, asking it for the
/// redirect's room with the same name (and the same resume token, if the Hello was resuming),
/// unless this attempt has been passed on [`MAX_REDIRECTS`](crate::state::MAX_REDIRECTS) times
/// already (then the reason to end it with). The new connection replaces the old, which the
/// server is closing anyway.
pub(super) fn follow_redirect(
    commands: &mut Commands,
    server: &mut GameServer,
    redirect: &Redirect,
    pilot: &PilotName,
    resume: Option<ResumeToken>,
) -> Result<(), EndReason> {
    server.follow(&redirect.url)?;
    report(Report::Redirected { url: &redirect.url, room: &redirect.room });
    connect(commands, &redirect.url, &redirect.room, pilot, resume);
    Ok(())
}

fn give_up_waiting_for_welcome(
    pending: Option<Res<PendingConnect>>,
    connection: Option<Res<Connection>>,
    time: Res<Time<Real>>,
    mut entered: Local<Option<f64>>,
    mut end: MessageWriter<EndSession>,
) {
    // Measured from the moment the socket is opened (after any warm-up wait), and again for
    // each server a redirect leads to (its connection replaces the last one).
    let Some(connection) = connection.filter(|_| pending.is_none()) else {
        *entered = None;
        return;
    };
    if connection.is_changed() {
        *entered = None;
    }
    let now = time.elapsed_secs_f64();
    let since = *entered.get_or_insert(now);
    if now - since > HELLO_TIMEOUT_SECS {
        *entered = None;
        end.write(EndSession(EndReason::NoAnswer { secs: HELLO_TIMEOUT_SECS }));
    }
}
