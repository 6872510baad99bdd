//! UI building blocks shared by the screens and the HUD.
//!
//! - [`kit`]: the UI itself: Bevy-UI-like boxes, text and buttons, laid out as flexbox, drawn
//!   as one mesh with a stroke font.
//! - [`widgets`]: colours, text, buttons with hover feedback, the full-screen column.
//! - [`text_field`]: the one-line editor behind the name field and the chat line.
//! - [`page`]: the web page around the canvas (one API, `native.rs` / `wasm.rs` underneath):
//!   its text box, which opens a phone's keyboard, and whether there is a touch screen.
//! - [`layout`]: how the UI fits the window: the arrangement for a phone upright or sideways
//!   and the UI scale.

pub mod kit;
pub mod layout;
pub mod page;
pub mod text_field;
pub mod widgets;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((kit::plugin, widgets::plugin, page::plugin, layout::plugin));
}
