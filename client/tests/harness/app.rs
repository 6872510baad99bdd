//! The client app without a window: Bevy's minimal plugins and states, the game's `Launch`
//! pointing at a test server, the game's plugins on top, and logs of what the client sent and
//! announced for the tests to read.

use std::time::Duration;

use bevy::diagnostic::DiagnosticsStore;
use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy::time::TimeUpdateStrategy;
use driftfire_client::game::sync::Vanished;
use driftfire_client::session::events::{MadeBoard, Outgoing, SessionEnded, SessionStarted};
use driftfire_client::state::EndReason;
use driftfire_client::{Launch, interface_plugin, logic_plugin};
use driftfire_shared::protocol::ClientMsg;

/// Nothing listens on the discard port: the Connecting screen cannot reach a real server.
pub const NOWHERE: &str = "ws://127.0.0.1:9/ws";

/// One frame of a [`Clock::Stepped`] app: about half a server tick at 30 Hz.
pub const FRAME: Duration = Duration::from_millis(16);

/// How game time passes in a test app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// Every update is one [`FRAME`] of game time, however long it really took: repeatable.
    Stepped,
    /// Wall-clock time, for a client playing against a real server (which keeps its own).
    Real,
}

/// Every message the client queued for its server.
#[derive(Resource, Default)]
pub struct Sent(pub Vec<ClientMsg>);

/// Every object that left the game.
#[derive(Resource, Default)]
pub struct VanishedLog(pub Vec<Vanished>);

/// Every session ending announced.
#[derive(Resource, Default)]
pub struct EndedLog(pub Vec<EndReason>);

/// Every session start announced.
#[derive(Resource, Default)]
pub struct StartedLog(pub Vec<SessionStarted>);

/// Every hall-of-fame placement announced.
#[derive(Resource, Default)]
pub struct MadeBoardLog(pub Vec<MadeBoard>);

fn record(
    mut outbox: MessageReader<Outgoing>,
    mut sent: ResMut<Sent>,
    mut vanished: MessageReader<Vanished>,
    mut log: ResMut<VanishedLog>,
    mut ended: MessageReader<SessionEnded>,
    mut ended_log: ResMut<EndedLog>,
    mut started: MessageReader<SessionStarted>,
    mut started_log: ResMut<StartedLog>,
    mut made_board: MessageReader<MadeBoard>,
    mut made_board_log: ResMut<MadeBoardLog>,
) {
    sent.0.extend(outbox.read().map(|o| o.0.clone()));
    log.0.extend(vanished.read().copied());
    ended_log.0.extend(ended.read().map(|e| e.0.clone()));
    started_log.0.extend(started.read().cloned());
    made_board_log.0.extend(made_board.read().cloned());
}

/// The app without the client's plugins, talking to `server_url`, its time passing by `clock`,
/// with the logs above filled at the end of every frame.
pub fn bare_app(server_url: &str, clock: Clock) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin));
    if clock == Clock::Stepped {
        app.insert_resource(TimeUpdateStrategy::ManualDuration(FRAME));
    }
    app.init_resource::<ButtonInput<KeyCode>>();
    app.init_resource::<ButtonInput<MouseButton>>();
    app.insert_resource(Launch { server_url: server_url.into(), ..Launch::default() });
    app.init_resource::<Sent>();
    app.init_resource::<VanishedLog>();
    app.init_resource::<EndedLog>();
    app.init_resource::<StartedLog>();
    app.init_resource::<MadeBoardLog>();
    app.add_systems(Last, record);
    app
}

/// The game's logic (no menus, no HUD) talking to `server_url`, after its first frame.
pub fn logic_app(server_url: &str, clock: Clock) -> App {
    let mut app = bare_app(server_url, clock);
    app.add_plugins(logic_plugin);
    app.update();
    app
}

/// The game's logic with nowhere to connect, in stepped time: the tests write the server's
/// messages in themselves.
pub fn app() -> App {
    logic_app(NOWHERE, Clock::Stepped)
}

/// The logic with the menus and the HUD on top (text only), talking to `server_url`, in
/// stepped time, after its first frame.
pub fn interface_app(server_url: &str) -> App {
    let mut app = bare_app(server_url, Clock::Stepped);
    // The F3 net graph's FPS line reads it; the game's diagnostics plugins fill it.
    app.init_resource::<DiagnosticsStore>();
    app.add_plugins((logic_plugin, interface_plugin));
    app.update();
    app
}
