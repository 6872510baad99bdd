//! The protocol conversation: open the socket when connecting, say Hello, turn Welcome into a
//! [`Session`], keep the player list, scores and round-trip time current, and route every
//! outgoing message through one outbox.

use std::collections::BTreeMap;

use bevy::prelude::*;
use driftfire_shared::protocol::{
    ClientMsg, PROTOCOL_VERSION, PlayerId, RejectReason, ResumeOutcome, ResumeToken, RoomTarget, RoomWelcome, ScoreEntry, ServerMsg,
};

use crate::launch::Launch;
use crate::net::{Connection, NetEvent, describe_close};
use crate::reconnect::{Reconnecting, may_reconnect};
use crate::screens::Screen;

/// Chat lines remembered for the HUD.
pub const CHAT_LINES_KEPT: usize = 8;

/// Seconds between round-trip probes (the HUD's ping).
const PING_INTERVAL_S: f64 = 1.0;

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
const HELLO_TIMEOUT_SECS: f64 = 15.0;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Outgoing>();
    app.init_resource::<PilotName>();
    app.init_resource::<DisconnectNotice>();
    app.init_resource::<FrameWarmth>();
    app.add_systems(First, measure_warmth);
    app.add_systems(OnEnter(Screen::Connecting), request_connection);
    app.add_systems(Update, (open_connection_when_warm, give_up_waiting_for_welcome).run_if(in_state(Screen::Connecting)));
    app.add_systems(Update, handle_net_events);
    app.add_systems(Update, send_pings.run_if(in_state(Screen::Playing)));
    app.add_systems(OnEnter(Screen::Title), close_connection);
    app.add_systems(PostUpdate, flush_outbox);
}

/// A message for the server. Every system sends through this, so tests can read what the
/// game would send without a socket.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct Outgoing(pub ClientMsg);

/// The name the player chose on the title screen.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct PilotName(pub String);

/// Why the last connection ended, for the Disconnected screen.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct DisconnectNotice(pub String);

/// Who killed you last, while your ship waits to respawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Death {
    /// The killer's name, or `None` for an asteroid.
    pub killer: Option<String>,
}

/// Everything known about the session after Welcome.
#[derive(Resource, Debug, Clone)]
pub struct Session {
    /// Your id.
    pub me: PlayerId,
    /// Your name as the server stored it.
    pub name: String,
    /// Server tick rate.
    pub tick_hz: u16,
    /// Arena size.
    pub arena: Vec2,
    /// The room you are in.
    pub room: RoomWelcome,
    /// Proves who you are when resuming after a drop.
    pub resume_token: ResumeToken,
    /// Everyone in the room.
    pub players: BTreeMap<PlayerId, String>,
    /// Latest scoreboard, highest first.
    pub scores: Vec<ScoreEntry>,
    /// Set when your ship is destroyed; cleared when it is back.
    pub death: Option<Death>,
    /// Smoothed round-trip time, ms.
    pub rtt_ms: Option<f32>,
    /// Recent kills for the feed: (killer, victim, time).
    pub kill_feed: Vec<(Option<String>, String, f64)>,
    /// Recent chat lines and join/leave notices: (speaker, text, time); speaker `None` for
    /// notices and the server. Newest last, at most [`CHAT_LINES_KEPT`].
    pub chat: Vec<(Option<String>, String, f64)>,
    /// The operator's latest announcement and when it arrived.
    pub announcement: Option<(String, f64)>,
    ping_nonce: u32,
    ping_sent_at: Option<(u32, f64)>,
    last_ping_at: f64,
}

impl Session {
    /// A player's name, or a placeholder for someone who already left.
    pub fn name_of(&self, id: PlayerId) -> String {
        self.players.get(&id).cloned().unwrap_or_else(|| format!("pilot {}", id.0))
    }

    /// Your score entry, if the scoreboard has arrived.
    pub fn my_score(&self) -> Option<&ScoreEntry> {
        self.scores.iter().find(|s| s.id == self.me)
    }
}

/// How many frames in a row were fast (see [`WARM_FRAME_SECS`]).
#[derive(Resource, Debug, Default)]
struct FrameWarmth {
    fast_frames: u32,
}

/// Set on entering Connecting; the socket opens once frames are fast (or after a cap).
#[derive(Resource, Debug)]
struct PendingConnect {
    since: f64,
}

fn measure_warmth(time: Res<Time<Real>>, mut warmth: ResMut<FrameWarmth>) {
    warmth.fast_frames = if time.delta_secs() < WARM_FRAME_SECS { warmth.fast_frames.saturating_add(1) } else { 0 };
}

fn request_connection(mut commands: Commands, time: Res<Time<Real>>, mut notice: ResMut<DisconnectNotice>) {
    notice.0.clear();
    commands.remove_resource::<Session>();
    commands.insert_resource(PendingConnect { since: time.elapsed_secs_f64() });
}

fn open_connection_when_warm(
    mut commands: Commands,
    pending: Option<Res<PendingConnect>>,
    warmth: Res<FrameWarmth>,
    time: Res<Time<Real>>,
    launch: Res<Launch>,
    pilot: Res<PilotName>,
) {
    let Some(pending) = pending else { return };
    let waited = time.elapsed_secs_f64() - pending.since;
    if warmth.fast_frames < WARM_FRAMES_NEEDED && waited < MAX_WARMUP_WAIT_SECS {
        return;
    }
    commands.remove_resource::<PendingConnect>();
    // After a reload of this tab, pick the game up where it was (if the server still holds it).
    connect(&mut commands, &launch, &pilot, crate::launch::load_resume());
}

/// Opens the socket; Hello (asking for `launch.room`, resuming `resume` if given) goes out
/// the moment it opens.
pub fn connect(commands: &mut Commands, launch: &Launch, pilot: &PilotName, resume: Option<ResumeToken>) {
    let hello = ClientMsg::Hello { version: PROTOCOL_VERSION, name: pilot.0.clone(), room: launch.room.clone(), resume };
    commands.insert_resource(Connection::open(&launch.server_url, &hello));
    match resume {
        Some(token) => info!("connecting to {} to resume session {token:?}", launch.server_url),
        None => info!("connecting to {}", launch.server_url),
    }
}

fn give_up_waiting_for_welcome(
    mut commands: Commands,
    pending: Option<Res<PendingConnect>>,
    connection: Option<Res<Connection>>,
    time: Res<Time<Real>>,
    mut entered: Local<Option<f64>>,
    mut notice: ResMut<DisconnectNotice>,
    mut next_screen: ResMut<NextState<Screen>>,
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
        commands.remove_resource::<Connection>();
        notice.0 = format!("The server did not answer within {HELLO_TIMEOUT_SECS:.0} s.");
        next_screen.set(Screen::Disconnected);
    }
}

fn close_connection(
    mut commands: Commands,
    connection: Option<Res<Connection>>,
    session: Option<Res<Session>>,
    mut outbox: MessageWriter<Outgoing>,
) {
    // Leaving a game on purpose: a reload should not bring it back. (The title screen is also
    // the first screen of a page load, when the kept token must survive until Connecting.)
    if connection.is_some() || session.is_some() {
        crate::launch::save_resume(None);
    }
    commands.remove_resource::<PendingConnect>();
    commands.remove_resource::<Reconnecting>();
    if connection.is_some() {
        outbox.write(Outgoing(ClientMsg::Leave));
    }
    commands.remove_resource::<Session>();
}

fn flush_outbox(
    mut commands: Commands,
    mut outbox: MessageReader<Outgoing>,
    connection: Option<Res<Connection>>,
    screen: Res<State<Screen>>,
) {
    let Some(connection) = connection else {
        outbox.clear();
        return;
    };
    for Outgoing(msg) in outbox.read() {
        connection.send(msg);
    }
    // Leaving (back on the title screen): the Leave above is queued; dropping closes the socket.
    if *screen.get() == Screen::Title {
        commands.remove_resource::<Connection>();
    }
}

fn handle_net_events(
    mut commands: Commands,
    mut events: MessageReader<NetEvent>,
    mut next_screen: ResMut<NextState<Screen>>,
    screen: Res<State<Screen>>,
    mut notice: ResMut<DisconnectNotice>,
    mut session: Option<ResMut<Session>>,
    reconnecting: Option<ResMut<Reconnecting>>,
    mut launch: ResMut<Launch>,
    time: Res<Time<Real>>,
) {
    let now = time.elapsed_secs_f64();
    let mut reconnecting = reconnecting;
    for event in events.read() {
        match event {
            NetEvent::Opened => debug!("socket open, Hello sent"),
            NetEvent::Received(ServerMsg::Welcome(welcome)) => {
                // Kept before anything else: every Welcome retires the token that got us here,
                // so a reload from now on must present this one.
                crate::launch::save_resume(Some(&welcome.resume_token));
                info!(
                    "driftfire: joined as {} (id {}) in room {} {} ({:?}, {:?})",
                    welcome.name,
                    welcome.player_id.0,
                    welcome.room.code,
                    if welcome.room.private { "private" } else { "public" },
                    welcome.resume,
                    welcome.resume_token,
                );
                // A private room is where Retry and an expired resume should lead back to.
                if welcome.room.private {
                    launch.room = RoomTarget::Code(welcome.room.code.clone());
                }
                // Chat survives a reconnect or a room change; the rest starts over.
                let mut chat = session.as_deref().map(|s| s.chat.clone()).unwrap_or_default();
                let note = match (welcome.resume, reconnecting.is_some()) {
                    (ResumeOutcome::Resumed, _) => Some("Reconnected: you are back where you were.".to_string()),
                    (ResumeOutcome::Expired, _) => Some("Your session had expired, so you joined as a new pilot.".to_string()),
                    (ResumeOutcome::Fresh, true) => Some("Reconnected as a new pilot.".to_string()),
                    (ResumeOutcome::Fresh, false) => None,
                };
                if let Some(note) = note {
                    info!("driftfire: {note}");
                    chat.push((None, note, now));
                }
                commands.remove_resource::<Reconnecting>();
                reconnecting = None;
                commands.insert_resource(Session {
                    me: welcome.player_id,
                    name: welcome.name.clone(),
                    tick_hz: welcome.tick_hz,
                    arena: welcome.arena,
                    room: welcome.room.clone(),
                    resume_token: welcome.resume_token,
                    players: welcome.players.iter().map(|p| (p.id, p.name.clone())).collect(),
                    scores: Vec::new(),
                    death: None,
                    rtt_ms: None,
                    kill_feed: Vec::new(),
                    chat,
                    announcement: None,
                    ping_nonce: 0,
                    ping_sent_at: None,
                    last_ping_at: f64::NEG_INFINITY,
                });
                // Also from Playing to Playing: the world, prediction and HUD start over, and
                // the full snapshot that follows every Welcome fills them again.
                next_screen.set(Screen::Playing);
            }
            NetEvent::Received(ServerMsg::Rejected { reason }) => {
                notice.0 = format!("The server refused to let you in: {reason}.");
                // A room that is gone, full or mistyped: Retry and Play go to quick play.
                if matches!(reason, RejectReason::RoomFull | RejectReason::RoomNotFound | RejectReason::BadRoomCode) {
                    launch.room = RoomTarget::QuickPlay;
                }
            }
            NetEvent::Received(ServerMsg::ShuttingDown) => notice.0 = "The server is shutting down.".into(),
            NetEvent::Received(msg) => {
                if let Some(session) = session.as_deref_mut() {
                    update_session(session, msg, time.elapsed_secs_f64());
                }
            }
            NetEvent::Closed { code, reason } => {
                // A dropped game (not a refusal, not a goodbye) tries to get back by itself.
                if *screen.get() == Screen::Playing
                    && notice.0.is_empty()
                    && may_reconnect(*code, reason)
                    && let Some(session) = session.as_deref()
                {
                    let attempt = reconnecting.as_deref().map_or(1, |r| r.attempt + 1);
                    info!("driftfire: connection lost ({}); reconnecting, attempt {attempt}", describe_close(*code, reason));
                    if let Some(next) = Reconnecting::schedule(attempt, now, session.resume_token) {
                        commands.insert_resource(next);
                        continue;
                    }
                    notice.0 = format!("Could not reconnect after {} attempts: {}", attempt - 1, describe_close(*code, reason));
                }
                commands.remove_resource::<Reconnecting>();
                if notice.0.is_empty() {
                    notice.0 = describe_close(*code, reason);
                }
                if *screen.get() != Screen::Title {
                    info!("driftfire: disconnected: {}", notice.0);
                    next_screen.set(Screen::Disconnected);
                }
            }
        }
    }
}

/// Applies one in-game message to the session (not snapshots: the world sync handles those).
pub fn update_session(session: &mut Session, msg: &ServerMsg, now: f64) {
    match msg {
        ServerMsg::PlayerJoined(info) => {
            session.players.insert(info.id, info.name.clone());
            if info.id != session.me {
                push_chat(session, None, format!("{} joined", info.name), now);
            }
        }
        ServerMsg::PlayerLeft { id } => {
            let name = session.name_of(*id);
            session.players.remove(id);
            session.scores.retain(|s| s.id != *id);
            push_chat(session, None, format!("{name} left"), now);
        }
        ServerMsg::Chat { from, text } => {
            let speaker = from.map(|id| session.name_of(id));
            info!("driftfire: chat {}: {text}", speaker.as_deref().unwrap_or("(server)"));
            push_chat(session, speaker, text.clone(), now);
        }
        ServerMsg::Announcement { text } => session.announcement = Some((text.clone(), now)),
        ServerMsg::Scoreboard { entries } => session.scores = entries.clone(),
        ServerMsg::Kill { killer, victim } => {
            let killer_name = killer.map(|k| session.name_of(k));
            if *victim == session.me {
                session.death = Some(Death { killer: killer_name.clone() });
            }
            session.kill_feed.push((killer_name, session.name_of(*victim), now));
            let excess = session.kill_feed.len().saturating_sub(5);
            session.kill_feed.drain(..excess);
        }
        ServerMsg::Pong { nonce } => {
            if let Some((sent_nonce, at)) = session.ping_sent_at
                && sent_nonce == *nonce
            {
                let sample = ((now - at) * 1e3) as f32;
                session.rtt_ms = Some(session.rtt_ms.map_or(sample, |old| old * 0.7 + sample * 0.3));
                session.ping_sent_at = None;
            }
        }
        _ => {}
    }
}

fn push_chat(session: &mut Session, speaker: Option<String>, text: String, now: f64) {
    session.chat.push((speaker, text, now));
    let excess = session.chat.len().saturating_sub(CHAT_LINES_KEPT);
    session.chat.drain(..excess);
}

fn send_pings(
    session: Option<ResMut<Session>>,
    reconnecting: Option<Res<Reconnecting>>,
    time: Res<Time<Real>>,
    mut outbox: MessageWriter<Outgoing>,
) {
    let Some(mut session) = session else { return };
    let now = time.elapsed_secs_f64();
    if now - session.last_ping_at < PING_INTERVAL_S {
        return;
    }
    session.last_ping_at = now;
    // The token is good as of now (while connected), so a reload within the resume window
    // gets this session back.
    if reconnecting.is_none() {
        crate::launch::save_resume(Some(&session.resume_token));
    }
    session.ping_nonce = session.ping_nonce.wrapping_add(1);
    session.ping_sent_at = Some((session.ping_nonce, now));
    outbox.write(Outgoing(ClientMsg::Ping { nonce: session.ping_nonce }));
}
