//! The UI of each [`Screen`](crate::state::Screen) but the arena's HUD. Each file spawns its
//! screen's UI on entering it, tagged to despawn on leaving, and turns clicks and keys into
//! screen changes; the logic behind them is in `session`.
//!
//! - `title.rs`: name field, Play, autoplay. `rooms.rs`: the title screen's room list.
//!   `hall_of_fame.rs`: the title screen's hall of fame and its period tabs.
//! - `connecting.rs`: waiting for Welcome, Cancel.
//! - `reconnecting.rs`: the overlay over the frozen game while the session retries.
//! - `disconnected.rs`: why it ended, Retry, Back to title.

mod connecting;
mod disconnected;
mod hall_of_fame;
mod reconnecting;
mod rooms;
mod title;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((title::plugin, rooms::plugin, hall_of_fame::plugin, connecting::plugin, reconnecting::plugin, disconnected::plugin));
}
