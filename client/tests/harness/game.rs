//! A game as a server tells it, written straight into the app's network inbox: a Welcome for
//! [`ME`] with [`OTHER`] in the room, ships, and snapshots sent through the real delta encoder
//! so they travel the real wire format.

use bevy::prelude::*;
use driftfire_client::Screen;
use driftfire_client::game::sync::NetObject;
use driftfire_client::net::NetEvent;
use driftfire_client::session::Session;
use driftfire_shared::delta::{Budget, DeltaEncoder};
use driftfire_shared::protocol::*;
use driftfire_shared::snapshot::*;

use super::app::app;
use super::drive::current_screen;

/// The player the tests play.
pub const ME: PlayerId = PlayerId(7);
/// The other player in the room.
pub const OTHER: PlayerId = PlayerId(8);

/// `msg`, as if it had just arrived from the server (read on the next frame).
pub fn receive(app: &mut App, msg: ServerMsg) {
    app.world_mut().write_message(NetEvent::Received(msg));
}

/// Welcome for [`ME`] in a public room, with `token` and `resume`, as the socket delivers it.
pub fn welcome_msg(token: ResumeToken, resume: ResumeOutcome) -> NetEvent {
    NetEvent::Received(ServerMsg::Welcome(welcome_body(token, resume)))
}

/// Welcome for [`ME`] in a public room, with `token` and `resume`.
pub fn welcome_body(token: ResumeToken, resume: ResumeOutcome) -> Welcome {
    Welcome {
        player_id: ME,
        name: "me".into(),
        tick_hz: 30,
        tick: 100,
        arena: Vec2::splat(4000.0),
        players: vec![PlayerInfo { id: ME, name: "me".into(), ai: false }, PlayerInfo { id: OTHER, name: "them".into(), ai: false }],
        room: RoomWelcome { name: "Vega".into(), code: "AB2CD".into(), private: false, max_players: 50 },
        resume_token: token,
        resume,
    }
}

/// Lets [`ME`] into the game (a fresh session) and checks it is playing.
pub fn welcome(app: &mut App) {
    app.world_mut().write_message(welcome_msg(ResumeToken([9; 16]), ResumeOutcome::Fresh));
    app.update();
    app.update();
    assert_eq!(current_screen(app), Screen::Playing);
}

/// [`app`] in a game, with a session.
pub fn app_with_session() -> App {
    let mut app = app();
    welcome(&mut app);
    assert!(app.world().get_resource::<Session>().is_some());
    app
}

/// A ship at rest with full health, owned by `owner`.
pub fn ship(id: u32, owner: PlayerId, pos: Vec2) -> ShipState {
    ShipState { id: NetId(id), owner, pos, vel: Vec2::ZERO, angle: 0.0, health: 100, thrusting: false, shielded: false, respawn_in: None }
}

/// The server side of the delta stream, so test snapshots travel the real wire format.
#[derive(Resource)]
struct ServerEncoder(DeltaEncoder);

/// Sends the snapshot of `tick` showing `body` (read on the next frame).
pub fn snapshot(app: &mut App, tick: u64, body: SnapshotBody) {
    let mut encoder = app.world_mut().remove_resource::<ServerEncoder>().unwrap_or(ServerEncoder(DeltaEncoder::new(30)));
    let mut delta = Vec::new();
    let stats = encoder.0.encode_into(tick, &body.to_grid(), &Budget::UNLIMITED, &mut delta);
    app.insert_resource(encoder);
    receive(app, ServerMsg::Snapshot(SnapshotFrame { tick, last_input_seq: 0, base_age: stats.base_age, delta }));
}

/// The ids of the server's objects the client has entities for, sorted.
pub fn net_objects(app: &mut App) -> Vec<NetId> {
    let mut ids: Vec<NetId> = app.world_mut().query::<&NetObject>().iter(app.world()).map(|o| o.id).collect();
    ids.sort();
    ids
}
