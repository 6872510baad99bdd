//! The arena: snapshots become entities with interpolated motion, input goes up, and the world
//! is drawn with a follow camera, effects and a HUD.
//!
//! Logic (runs headless): [`snapshots`] (the snapshot receiver: frames → [`snapshots::WorldUpdate`]),
//! [`sync`] (updates → entities, interpolation), [`clock`] (server time and interpolation delay),
//! [`predict`] (your ship, predicted and reconciled), [`input`] (controls → inputs at the tick
//! rate), [`chat`] (the chat line being typed).
//! Interface (text only, runs headless too): `hud`.
//! Presentation: `camera`, `render` (the vector-line look), `effects` (explosions), `netgraph`
//! (F3).

mod camera;
pub mod chat;
pub mod clock;
mod effects;
mod hud;
pub mod input;
mod netgraph;
pub mod predict;
mod render;
pub mod snapshots;
pub mod sync;

use bevy::prelude::*;

/// What runs without a window (tests use it on `MinimalPlugins`).
pub(super) fn logic_plugin(app: &mut App) {
    app.add_plugins((snapshots::plugin, sync::plugin, predict::plugin, input::plugin, chat::plugin));
}

/// The HUD: text over the arena, nothing drawn (tests read it on `MinimalPlugins`).
pub(super) fn interface_plugin(app: &mut App) {
    app.add_plugins(hud::plugin);
}

/// Drawing.
pub(super) fn presentation_plugin(app: &mut App) {
    app.add_plugins((camera::plugin, render::plugin, effects::plugin, netgraph::plugin));
}
