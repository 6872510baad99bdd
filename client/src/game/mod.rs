//! The arena: snapshots become entities with interpolated motion, input goes up, and the world
//! is drawn with a follow camera, effects and a HUD.

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

/// Drawing and UI.
pub(super) fn presentation_plugin(app: &mut App) {
    app.add_plugins((camera::plugin, render::plugin, effects::plugin, hud::plugin, netgraph::plugin));
}

/// A player's colour: hues spread by the golden angle so neighbours' ids look different.
pub fn player_color(id: driftfire_shared::protocol::PlayerId) -> Color {
    let hue = (id.0 as f32 * 137.508) % 360.0;
    Color::hsl(hue, 0.85, 0.62)
}
