//! The arena: snapshots become entities with interpolated motion, input goes up, and the world
//! is drawn with a follow camera, effects and a HUD.
//!
//! Logic (runs headless): [`snapshots`] (the snapshot receiver: frames → [`snapshots::WorldUpdate`]),
//! [`sync`] (updates → entities, interpolation), [`clock`] (server time and interpolation delay),
//! [`predict`] (your ship, predicted and reconciled), [`input`] (controls → inputs at the tick
//! rate), [`touch`] (the virtual stick and fire button on touch screens, and their UI),
//! [`chat`] (the chat line being typed).
//! Interface (UI nodes only, runs headless too): [`hud`], [`minimap`].
//! Feel (runs headless too): [`effects`] (hits, shots, explosions derived from snapshots:
//! cues and particles), [`camera`] (follow, look-ahead, shake, your killer while you wait),
//! [`audio`] (synthesized sounds, mute).
//! Presentation: `lines` (the line mesh), `render` (the vector-line look, effects included),
//! `netgraph` (F3).

pub mod audio;
pub mod camera;
pub mod chat;
pub mod clock;
pub mod effects;
pub mod hud;
pub mod input;
mod lines;
pub mod minimap;
mod netgraph;
pub mod predict;
mod render;
pub mod snapshots;
pub mod sync;
pub mod touch;

use bevy::prelude::*;

/// What runs without a window (tests use it on `MinimalPlugins`).
pub(super) fn logic_plugin(app: &mut App) {
    app.add_plugins((snapshots::plugin, sync::plugin, predict::plugin, input::plugin, chat::plugin, touch::plugin));
    app.add_plugins((effects::plugin, camera::plugin, audio::plugin));
}

/// The HUD and the minimap: UI over the arena, nothing drawn in the world (tests read it on
/// `MinimalPlugins`).
pub(super) fn interface_plugin(app: &mut App) {
    app.add_plugins((hud::plugin, minimap::plugin));
}

/// Drawing.
pub(super) fn presentation_plugin(app: &mut App) {
    app.add_plugins((lines::plugin, render::plugin, netgraph::plugin));
}
