//! Driftfire's game client: a Bevy app for the browser (wasm32) and the desktop, from one code
//! base.
//!
//! # Layout
//! - [`launch`]: how the game was started (URL parameters on the web, flags natively), the
//!   remembered pilot name.
//! - [`net`]: the server connection behind one API (`native.rs` / `wasm.rs` underneath).
//! - [`session`]: the protocol conversation: Hello → Welcome, pings, players, scores, and the
//!   outbox every system sends through.
//! - [`screens`]: the `Screen` state (Title → Connecting → Playing, Disconnected) and its UI.
//! - [`game`]: the arena: snapshot → entities with interpolation, input, camera, drawing, HUD.
//! - `telemetry`: one-line status reports on the console (used by the browser and smoke tests).

pub mod game;
pub mod launch;
pub mod net;
pub mod reconnect;
pub mod screens;
pub mod session;
mod telemetry;

use bevy::prelude::*;

pub use launch::Launch;
pub use screens::Screen;

/// Everything that works without a window: networking, session, world sync, input sampling.
/// Headless tests add just this on top of `MinimalPlugins` and `StatesPlugin`.
pub fn logic_plugin(app: &mut App) {
    app.init_state::<Screen>();
    app.add_plugins((net::plugin, session::plugin, reconnect::plugin, game::logic_plugin));
}

/// Drawing, UI and everything that needs a window.
pub fn presentation_plugin(app: &mut App) {
    app.add_plugins((screens::plugin, game::presentation_plugin, reconnect::overlay_plugin, telemetry::plugin));
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
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin { primary_window: Some(window), ..default() })
            .set(AssetPlugin { meta_check: bevy::asset::AssetMetaCheck::Never, ..default() })
            .set(bevy::log::LogPlugin { filter: "wgpu=error,naga=warn,bevy_render=warn".into(), ..default() }),
    );
    app.add_plugins(bevy::diagnostic::FrameTimeDiagnosticsPlugin::default());
    app.insert_resource(launch);
    app.insert_resource(ClearColor(Color::srgb(0.012, 0.016, 0.035)));
    app.add_plugins((logic_plugin, presentation_plugin));
    app
}
