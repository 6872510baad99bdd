//! The `Screen` state and the UI of each screen but the arena's HUD.

mod connecting;
mod disconnected;
mod rooms;
mod title;
pub mod widgets;

use bevy::prelude::*;

/// Which screen the game shows. UI spawned for a screen carries `DespawnOnExit(screen)`.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    /// Name field and Play button.
    #[default]
    Title,
    /// Socket opening, Hello sent, waiting for Welcome.
    Connecting,
    /// In the arena.
    Playing,
    /// The connection ended: the reason and a Retry button.
    Disconnected,
}

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((widgets::plugin, title::plugin, rooms::plugin, connecting::plugin, disconnected::plugin));
}
