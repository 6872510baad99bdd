//! Opening the game's connection: wait for the renderer to warm up, open the socket (Hello goes
//! out the moment it opens), and give up if no answer to Hello comes in time.

use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, PROTOCOL_VERSION, ResumeToken};

use super::events::EndSession;
use crate::launch::{Launch, load_resume};
use crate::net::Connection;
use crate::state::{EndReason, GameSet, PilotName, PlayTarget, Screen};

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
    launch: Res<Launch>,
    target: Res<PlayTarget>,
    pilot: Res<PilotName>,
) {
    let Some(pending) = pending else { return };
    let waited = time.elapsed_secs_f64() - pending.since;
    if warmth.fast_frames < WARM_FRAMES_NEEDED && waited < MAX_WARMUP_WAIT_SECS {
        return;
    }
    commands.remove_resource::<PendingConnect>();
    // After a reload of this tab, pick the game up where it was (if the server still holds it).
    connect(&mut commands, &launch, &target, &pilot, load_resume());
}

/// Opens the socket; Hello (asking for `target`, resuming `resume` if given) goes out the
/// moment it opens.
pub fn connect(commands: &mut Commands, launch: &Launch, target: &PlayTarget, pilot: &PilotName, resume: Option<ResumeToken>) {
    let hello = ClientMsg::Hello { version: PROTOCOL_VERSION, name: pilot.0.clone(), room: target.0.clone(), resume };
    commands.insert_resource(Connection::open(&launch.server_url, &hello));
    match resume {
        Some(token) => info!("connecting to {} to resume session {token:?}", launch.server_url),
        None => info!("connecting to {}", launch.server_url),
    }
}

fn give_up_waiting_for_welcome(
    pending: Option<Res<PendingConnect>>,
    connection: Option<Res<Connection>>,
    time: Res<Time<Real>>,
    mut entered: Local<Option<f64>>,
    mut end: MessageWriter<EndSession>,
) {
    // Measured from the moment the socket is opened (after any warm-up wait).
    if pending.is_some() || connection.is_none() {
        *entered = None;
        return;
    }
    let now = time.elapsed_secs_f64();
    let since = *entered.get_or_insert(now);
    if now - since > HELLO_TIMEOUT_SECS {
        *entered = None;
        end.write(EndSession(EndReason::NoAnswer { secs: HELLO_TIMEOUT_SECS }));
    }
}
