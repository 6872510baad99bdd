//! UI building blocks shared by the screens and the HUD.
//!
//! - [`widgets`]: colours, text, buttons with hover feedback, the full-screen column.
//! - [`text_field`]: the one-line editor behind the name field and the chat line.

pub mod text_field;
pub mod widgets;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins(widgets::plugin);
}
