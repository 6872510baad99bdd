//! The client notices silence itself (a tunnel, Wi-Fi that died without a word): once snapshots
//! stop for [`SIGN_AFTER_SECS`] a "Connection problem…" sign shows over the game; after
//! [`RECONNECT_AFTER_SECS`] the connection is dropped and the session resumes on a new one, as
//! after any lost link, instead of waiting for TCP or the server to give up.

use bevy::prelude::*;
use driftfire_shared::protocol::ServerMsg;

use super::reconnect::Reconnecting;
use crate::net::{Connection, LinkEnd, NetEvent};
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::widgets::label;

/// A second without snapshots (30 of them at 30 Hz) is no jitter: tell the player.
const SIGN_AFTER_SECS: f64 = 1.0;

/// Silence this long means the link is gone for now: reconnect (the server keeps the ship for
/// its resume window). Long enough for a Wi-Fi handover, short against the 15 s a server waits.
const RECONNECT_AFTER_SECS: f64 = 4.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<LastHeard>();
    app.add_systems(Update, watch.in_set(GameSet::Receive).run_if(in_state(Screen::Playing)));
    app.add_systems(Update, show_sign.in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

/// Frames the game must have run through a silence before it counts: a tab the browser froze or
/// hid runs none (its socket's messages wait for it), and that is not the network's fault.
const MIN_SILENT_FRAMES: u32 = 10;

/// When the game's connection last delivered a snapshot (`Time<Real>` seconds; `None` until the
/// first on each connection), and the frames run since.
#[derive(Resource, Default)]
struct LastHeard(Option<f64>, u32);

impl LastHeard {
    /// Whether the connection has been silent for `secs` of running game.
    fn silent_for(&self, secs: f64, now: f64) -> bool {
        self.0.is_some_and(|at| now - at >= secs) && self.1 >= MIN_SILENT_FRAMES
    }
}

#[derive(Component)]
struct Sign;

fn watch(
    mut commands: Commands,
    mut events: ParamSet<(MessageReader<NetEvent>, MessageWriter<NetEvent>)>,
    connection: Option<Res<Connection>>,
    time: Res<Time<Real>>,
    mut heard: ResMut<LastHeard>,
) {
    let now = time.elapsed_secs_f64();
    for event in events.p0().read() {
        match event {
            NetEvent::Received(ServerMsg::Snapshot(_)) => *heard = LastHeard(Some(now), 0),
            NetEvent::Closed(_) => heard.0 = None,
            _ => {}
        }
    }
    if connection.is_none() {
        heard.0 = None;
        return;
    }
    heard.1 = heard.1.saturating_add(1);
    if heard.silent_for(RECONNECT_AFTER_SECS, now) {
        heard.0 = None;
        commands.remove_resource::<Connection>();
        events.p1().write(NetEvent::Closed(LinkEnd::Lost(format!("no snapshots for {RECONNECT_AFTER_SECS} s"))));
    }
}

fn show_sign(
    mut commands: Commands,
    heard: Res<LastHeard>,
    reconnecting: Option<Res<Reconnecting>>,
    time: Res<Time<Real>>,
    sign: Query<Entity, With<Sign>>,
) {
    let silent = heard.silent_for(SIGN_AFTER_SECS, time.elapsed_secs_f64()) && reconnecting.is_none();
    match (silent, sign.single()) {
        (true, Err(_)) => {
            commands.spawn((
                Sign,
                DespawnOnExit(Screen::Playing),
                Node {
                    position_type: PositionType::Absolute,
                    top: px(64),
                    width: percent(100),
                    justify_content: JustifyContent::Center,
                    ..default()
                },
                GlobalZIndex(40),
                children![label("Connection problem…", 26.0, Color::srgb(1.0, 0.75, 0.3))],
            ));
        }
        (false, Ok(entity)) => commands.entity(entity).despawn(),
        _ => {}
    }
}
