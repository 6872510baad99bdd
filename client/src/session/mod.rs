//! The protocol conversation. The session is the one reader of the game connection's events
//! (beside the snapshot receiver): it turns Welcome into a [`Session`] and [`SessionStarted`],
//! follows a redirect to another server of the fleet (staying on the Connecting screen, at most
//! [`MAX_REDIRECTS`](crate::state::MAX_REDIRECTS) in a row), applies the room's messages to the
//! feeds in [`roster`], and turns every ending (the server's typed `Disconnect`, a `Rejected`, a
//! bare close, a lost link, or a failure reported through [`EndSession`]) into an
//! [`EndReason`] that decides alone whether to reconnect ([`EndReason::may_resume`]) or to end
//! with [`SessionEnded`] on the Disconnected screen.
//!
//! - `mod.rs`: [`Session`], the handler of connection events, leaving, and the outbox flush.
//! - [`events`]: the typed messages the session publishes and takes, and the outbox.
//! - [`connect`]: warm-up wait, opening the socket with Hello, following a redirect, the Hello
//!   timeout.
//! - [`reconnect`]: backoff and retry after a resumable drop (logic only); `silence`: a game
//!   whose snapshots stop shows a sign, then reconnects by itself.
//! - [`roster`]: players, scores, chat, kill feed, announcement, round trip.
//! - [`room_list`]: the title screen's room list, asked for on a socket of its own.
//! - [`hall_of_fame`]: the title screen's hall-of-fame boards, asked for on the room list's
//!   socket.

pub mod connect;
pub mod events;
pub mod hall_of_fame;
pub mod reconnect;
pub mod room_list;
pub mod roster;
mod silence;

use bevy::prelude::*;
use driftfire_shared::protocol::{
    ClientMsg, DisconnectReason, PlayerId, RejectReason, ResumeOutcome, ResumeToken, RoomTarget, RoomWelcome, ServerMsg,
};

use self::connect::{PendingConnect, follow_redirect};
use self::events::{EndSession, MadeBoard, Outgoing, Publish, SessionEnded, SessionStarted};
use self::reconnect::Reconnecting;
use self::roster::{RoomFeeds, RoundTrip};
use crate::console::{Report, report};
use crate::launch::{KeptSession, Launch, save_resume};
use crate::net::{Connection, LinkEnd, NetEvent};
use crate::state::{DisconnectNotice, EndReason, GameServer, GameSet, PilotName, PlayTarget, Screen};

/// Seconds between round-trip probes (the HUD's ping): a number that follows a changing network
/// within seconds, for one tiny message a second. Each probe also refreshes the kept resume token.
const PING_INTERVAL_S: f64 = 1.0;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((events::plugin, connect::plugin, roster::plugin, room_list::plugin, hall_of_fame::plugin, silence::plugin));
    app.init_resource::<ServerSaid>();
    app.add_systems(OnEnter(Screen::Connecting), start_connecting);
    // A retry is decided on what this frame's events said (a new drop schedules the next one).
    app.add_systems(
        Update,
        (follow_connection, reconnect::retry_when_due.run_if(in_state(Screen::Playing).and_then(resource_exists::<Reconnecting>)))
            .chain()
            .in_set(GameSet::Session),
    );
    app.add_systems(Update, send_pings.in_set(GameSet::Session).run_if(in_state(Screen::Playing)));
    app.add_systems(OnEnter(Screen::Title), close_connection);
    app.add_systems(PostUpdate, flush_outbox);
}

/// Who you are in the game, from Welcome: identity, room, the token to resume with, and the
/// rules the server announced. What the room tells you later is in [`roster`].
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
}

/// What the server said before closing (`Disconnect`, or `Rejected` during the handshake),
/// until the close it announces arrives.
#[derive(Resource, Debug, Default)]
struct ServerSaid(Option<DisconnectReason>);

fn start_connecting(
    mut commands: Commands,
    time: Res<Time<Real>>,
    launch: Res<Launch>,
    mut server: ResMut<GameServer>,
    mut notice: ResMut<DisconnectNotice>,
    mut said: ResMut<ServerSaid>,
    mut feeds: RoomFeeds,
) {
    // Play and Retry start at the launch's server (or the picked room's), redirects counted
    // afresh.
    server.start(&launch);
    notice.0 = None;
    said.0 = None;
    feeds.clear();
    commands.remove_resource::<Session>();
    commands.insert_resource(PendingConnect::since(time.elapsed_secs_f64()));
}

/// The note for the player after a Welcome, if it is not a plain first join.
fn welcome_note(resume: ResumeOutcome, reconnecting: bool, failed_over: bool) -> Option<&'static str> {
    match (resume, reconnecting) {
        (ResumeOutcome::Resumed, _) => Some("Reconnected: you are back where you were."),
        (ResumeOutcome::Restored, _) => Some("Your server went down: you are in a new room, your score came with you."),
        (_, true) if failed_over => Some("Your server went down: you are in a new room."),
        (ResumeOutcome::Expired, _) => Some("Your session had expired, so you joined as a new pilot."),
        (ResumeOutcome::Fresh, true) => Some("Reconnected as a new pilot."),
        (ResumeOutcome::Fresh, false) => None,
    }
}

/// How the transport's ending reads once we know whether the server said why first.
fn end_reason(said: Option<DisconnectReason>, end: &LinkEnd) -> EndReason {
    match (said, end) {
        (Some(reason), _) => EndReason::Server(reason),
        (None, LinkEnd::Frame { code, reason }) => EndReason::Closed { code: *code, text: reason.clone() },
        (None, LinkEnd::Lost(detail)) => EndReason::LinkLost(detail.clone()),
        (None, LinkEnd::Undecodable(error)) => EndReason::Undecodable(error.clone()),
    }
}

fn follow_connection(
    mut commands: Commands,
    mut events: MessageReader<NetEvent>,
    mut failures: MessageReader<EndSession>,
    session: Option<Res<Session>>,
    reconnecting: Option<Res<Reconnecting>>,
    mut said: ResMut<ServerSaid>,
    mut feeds: RoomFeeds,
    mut target: ResMut<PlayTarget>,
    mut server: ResMut<GameServer>,
    pilot: Res<PilotName>,
    screen: Res<State<Screen>>,
    mut next_screen: ResMut<NextState<Screen>>,
    mut notice: ResMut<DisconnectNotice>,
    mut publish: Publish,
    time: Res<Time<Real>>,
    mut opened: Local<bool>,
) {
    let now = time.elapsed_secs_f64();
    // The session as of this point of the stream: a Welcome earlier in the batch counts at once.
    let mut live = session.map(|s| (s.me, s.resume_token));
    let mut attempt = reconnecting.map(|r| r.attempt);
    // A failure reported by the rest of the client ends the session before anything else.
    let mut over = failures.read().next().map(|EndSession(reason)| reason.clone());
    failures.clear();
    for event in events.read() {
        if over.is_some() {
            break;
        }
        match event {
            NetEvent::Opened => {
                *opened = true;
                crate::console::debug("socket open, Hello sent");
            }
            NetEvent::Received(ServerMsg::Welcome(welcome)) => {
                let failed_over = server.failed_over;
                // The session is on this server now (where redirects led, if any).
                server.landed();
                // Kept before anything else: every Welcome retires the token that got us here,
                // so a reload from now on must present this one, to this server.
                save_resume(Some(&KeptSession { token: welcome.resume_token, server: Some(server.url.clone()) }));
                report(Report::Joined(welcome));
                // A private room is where Retry and an expired resume should lead back to.
                if welcome.room.private {
                    target.0 = RoomTarget::Code(welcome.room.code.clone());
                }
                feeds.start(welcome);
                if let Some(note) = welcome_note(welcome.resume, attempt.is_some(), failed_over) {
                    report(Report::Note(note));
                    feeds.note(note.to_string(), now);
                }
                commands.remove_resource::<Reconnecting>();
                attempt = None;
                said.0 = None;
                commands.insert_resource(Session {
                    me: welcome.player_id,
                    name: welcome.name.clone(),
                    tick_hz: welcome.tick_hz,
                    arena: welcome.arena,
                    room: welcome.room.clone(),
                    resume_token: welcome.resume_token,
                });
                live = Some((welcome.player_id, welcome.resume_token));
                publish.started.write(SessionStarted { me: welcome.player_id, resume: welcome.resume });
                // Also from Playing to Playing: the world, prediction and HUD start over, and
                // the full snapshot that follows every Welcome fills them again.
                next_screen.set(Screen::Playing);
            }
            NetEvent::Received(ServerMsg::Rejected { reason }) => {
                // The close that follows carries this too (as `Disconnect`), except after a
                // version mismatch, where only this version-proof message can be read.
                said.0 = Some(DisconnectReason::Rejected(reason.clone()));
                // A room that is gone, full or mistyped: Retry and Play go to quick play (on the
                // launch's server, if the room was picked on another one).
                if matches!(reason, RejectReason::RoomFull | RejectReason::RoomNotFound | RejectReason::BadRoomCode) {
                    target.0 = RoomTarget::QuickPlay;
                    server.picked = None;
                }
            }
            NetEvent::Received(ServerMsg::Redirect(redirect)) => {
                // No ending: the room is on another server, so the client goes there at once
                // (on the Connecting screen, or under the reconnect overlay). What this socket
                // says after it is its goodbye (`Disconnect(Redirected)` and the close).
                if *screen.get() == Screen::Title {
                    continue; // The player has left already.
                }
                let resume = attempt.and(live.map(|(_, token)| token));
                match follow_redirect(&mut commands, &mut server, redirect, &pilot, resume) {
                    Ok(()) => {
                        said.0 = None;
                        break;
                    }
                    Err(end) => over = Some(end),
                }
            }
            NetEvent::Received(ServerMsg::Disconnect(reason)) => said.0 = Some(reason.clone()),
            NetEvent::Received(ServerMsg::MadeBoard { placements }) => {
                for placement in placements {
                    report(Report::MadeBoard(*placement));
                }
                publish.made_board.write(MadeBoard(placements.clone()));
            }
            NetEvent::Received(msg) => {
                if let Some((me, _)) = live
                    && let Some(kill) = feeds.apply(me, msg, now)
                {
                    publish.killed.write(kill);
                }
            }
            NetEvent::Closed(end) => {
                let end = end_reason(said.0.take(), end);
                // A reconnect that never opened was refused: nothing listens where the session
                // was (its server died), so the next attempts go through the entrance.
                let had_opened = std::mem::take(&mut *opened);
                let refused = attempt.is_some() && !had_opened;
                if refused && server.fail_over() {
                    report(Report::FailingOver { entrance: &server.url });
                }
                // Through the entrance, a private room that died with its server is not found:
                // quick play seats the player instead (the Rejected above chose it).
                let room_gone = server.failed_over && end == EndReason::Server(DisconnectReason::Rejected(RejectReason::RoomNotFound));
                // A dropped game (not a refusal, not a goodbye) tries to get back by itself.
                if *screen.get() == Screen::Playing
                    && (end.may_resume() || room_gone)
                    && let Some((_, token)) = live
                {
                    let next = attempt.map_or(1, |a| a + 1);
                    report(Report::Reconnecting { why: &end.describe(), attempt: next });
                    if let Some(retry) = Reconnecting::schedule(next, now, token) {
                        commands.insert_resource(retry);
                        attempt = Some(next);
                        continue;
                    }
                    over = Some(EndReason::GaveUp { attempts: next - 1, last: Box::new(end) });
                } else {
                    over = Some(end);
                }
            }
        }
    }
    events.clear();
    let Some(end) = over else { return };
    if end == EndReason::Server(DisconnectReason::SessionInUse) {
        // The kept token belongs to a connection that is still alive (a duplicated tab, a
        // copied token): Retry joins as a new pilot instead of asking for it again.
        save_resume(None);
    }
    commands.remove_resource::<Reconnecting>();
    // Closed already dropped it; a reported failure has not.
    commands.remove_resource::<Connection>();
    if *screen.get() != Screen::Title {
        report(Report::Disconnected(&end.describe()));
        next_screen.set(Screen::Disconnected);
    }
    notice.0 = Some(end.clone());
    publish.ended.write(SessionEnded(end));
}

fn close_connection(
    mut commands: Commands,
    connection: Option<Res<Connection>>,
    session: Option<Res<Session>>,
    mut server: ResMut<GameServer>,
    mut feeds: RoomFeeds,
    mut outbox: MessageWriter<Outgoing>,
) {
    // Play starts at the launch's server again, unless a room on another is picked.
    server.picked = None;
    // Leaving a game on purpose: a reload should not bring it back. (The title screen is also
    // the first screen of a page load, when the kept token must survive until Connecting.)
    if connection.is_some() || session.is_some() {
        save_resume(None);
    }
    commands.remove_resource::<PendingConnect>();
    commands.remove_resource::<Reconnecting>();
    if connection.is_some() {
        outbox.write(Outgoing(ClientMsg::Leave));
    }
    commands.remove_resource::<Session>();
    feeds.clear();
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

fn send_pings(
    session: Option<Res<Session>>,
    reconnecting: Option<Res<Reconnecting>>,
    server: Res<GameServer>,
    time: Res<Time<Real>>,
    mut round_trip: ResMut<RoundTrip>,
    mut outbox: MessageWriter<Outgoing>,
) {
    let Some(session) = session else { return };
    let Some(nonce) = round_trip.probe_due(time.elapsed_secs_f64(), PING_INTERVAL_S) else { return };
    // The token is good as of now (while connected), so a reload within the resume window
    // gets this session back.
    if reconnecting.is_none() {
        save_resume(Some(&KeptSession { token: session.resume_token, server: Some(server.url.clone()) }));
    }
    outbox.write(Outgoing(ClientMsg::Ping { nonce }));
}
