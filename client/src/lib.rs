//! Driftfire's game client: a Bevy app for the browser (wasm32) and the desktop, from one code
//! base.
//!
//! # Layout
//! Each module imports only from the ones listed before it (no import cycles).
//! - [`launch`]: how the game was started (URL parameters on the web, flags natively), the
//!   remembered pilot name and kept session (resume token and server). Never changed at
//!   runtime.
//! - [`net`]: the server connection behind one API (`native.rs` / `wasm.rs` underneath).
//! - [`console`]: the console lines people and the browser/smoke tests read: the contract.
//! - [`state`]: the app-wide state: [`Screen`], the frame's order ([`state::GameSet`], configured
//!   once), the pilot name, the room Play enters, the server the game's connection goes to
//!   (redirects included), and why the last connection ended.
//! - [`session`]: the protocol conversation: connect, Welcome, the room's feeds, endings and
//!   reconnects, turned into typed messages the rest reacts to; the outbox; the room list and
//!   the hall of fame.
//! - [`ui`]: shared UI pieces: widgets and the one-line text editor.
//! - [`screens`]: the UI of each screen (title, room list, hall of fame, connecting,
//!   reconnecting overlay, disconnected).
//! - [`game`]: the arena: snapshot → entities with interpolation, prediction, input, camera,
//!   drawing, effects, HUD, net graph.
//! - `telemetry`: the periodic status reports, the loading overlay, `--exit-after-secs`.
//! - `render_scale`: the browser build draws fewer pixels when frames are slow.

pub mod console;
pub mod game;
pub mod launch;
pub mod net;
mod render_scale;
pub mod screens;
pub mod session;
pub mod state;
mod telemetry;
pub mod ui;

use bevy::prelude::*;

pub use launch::Launch;
pub use state::Screen;

/// Everything that works without a window: networking, session, world sync, input sampling,
/// and the feedback modules (effects, camera rig, sound) so tests can reach them.
/// Headless tests add just this on top of `MinimalPlugins` and `StatesPlugin`.
pub fn logic_plugin(app: &mut App) {
    app.add_plugins((state::plugin, net::plugin, session::plugin, game::logic_plugin));
}

/// The menus and the HUD: text and buttons laid out, nothing drawn, so they also run without a
/// window.
/// Headless tests add it after [`logic_plugin`] to read what the screens say (with a
/// `DiagnosticsStore`, which the F3 net graph's FPS line reads when it is open).
pub fn interface_plugin(app: &mut App) {
    app.add_plugins((ui::plugin, screens::plugin, game::interface_plugin));
}

/// The interface, drawing, and everything that needs a window.
pub fn presentation_plugin(app: &mut App) {
    app.add_plugins((interface_plugin, ui::kit::draw::plugin, game::presentation_plugin, telemetry::plugin));
    #[cfg(target_family = "wasm")]
    app.add_plugins(render_scale::plugin);
}

/// The whole game, windowed, as `main` runs it.
pub fn build_app(launch: Launch) -> App {
    let mut app = App::new();
    let window = Window {
        title: "Driftfire".into(),
        canvas: Some("#bevy".into()),
        fit_canvas_to_parent: true,
        // Keeps Space and arrow keys from scrolling the page, and Tab from leaving the canvas.
        prevent_default_event_handling: true,
        ..default()
    };
    console::report_panics();
    #[cfg(not(target_family = "wasm"))]
    if let Some(transport) = &launch.transport {
        net::pin_transport(transport);
    }
    let plugins = DefaultPlugins
        .set(WindowPlugin { primary_window: Some(window), ..default() })
        .set(AssetPlugin { meta_check: bevy::asset::AssetMetaCheck::Never, ..default() });
    // Bevy's log is the desktop's only (the browser's console is written by `console`).
    #[cfg(not(target_family = "wasm"))]
    let plugins = plugins.set(bevy::log::LogPlugin { filter: "wgpu=error,naga=warn,bevy_render=warn".into(), ..default() });
    app.add_plugins(plugins);
    app.add_plugins(bevy::diagnostic::FrameTimeDiagnosticsPlugin::default());
    app.insert_resource(launch);
    app.insert_resource(ClearColor(Color::srgb(0.012, 0.016, 0.035)));
    app.add_plugins((logic_plugin, presentation_plugin));
    app
}
