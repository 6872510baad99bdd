//! The game's own UI kit: boxes, text and buttons described with Bevy-UI-like components
//! ([`style`]), laid out as flexbox ([`layout`]), drawn as one mesh in the game's vector style
//! with a stroke font ([`draw`], [`font`]), and pressed with mouse or finger ([`focus`]). Text
//! players wrote goes through a real text engine instead ([`written`]), for every script.
//!
//! Why not `bevy_ui`: it needs `bevy_text` and its shaping stack (parley, harfrust, skrifa,
//! swash, a font), which with `bevy_ui`'s own render path were 0.55 MB of the 2.7 MB brotli
//! browser bundle (BENCHMARKS.md, "Bundle size"); this kit is about a thousand lines over
//! `taffy` (the layout engine `bevy_ui` uses) and draws in one call.

pub mod draw;
mod focus;
pub mod font;
mod layout;
mod style;
#[cfg(test)]
mod tests;
pub mod written;

use bevy::input::InputSystems;
use bevy::prelude::*;

pub use layout::{StackEntry, UiStack};
pub use style::*;

/// The UI's systems in `PostUpdate`: the layout runs in [`UiSystems::Layout`].
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum UiSystems {
    /// Nodes laid out: [`ComputedNode`]s and [`UiStack`] are current after it.
    Layout,
}

/// Layout and pointer: works without a window (headless tests read the laid-out UI).
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<UiScale>();
    app.init_resource::<UiStack>();
    app.init_resource::<layout::Relaid>();
    app.add_systems(PreUpdate, focus::update_interactions.after(InputSystems));
    app.add_systems(PostUpdate, layout::lay_out.in_set(UiSystems::Layout));
}

/// Whether each entry of `stack` is shown: its own [`Visibility`], or its parent's when it
/// inherits.
pub(crate) fn shown(stack: &UiStack, visibility: impl Fn(Entity) -> Visibility) -> Vec<bool> {
    let mut shown: Vec<bool> = Vec::with_capacity(stack.entries.len());
    for entry in &stack.entries {
        let parent = entry.parent.and_then(|parent| shown.get(parent).copied()).unwrap_or(true);
        shown.push(match visibility(entry.entity) {
            Visibility::Hidden => false,
            Visibility::Visible => true,
            Visibility::Inherited => parent,
        });
    }
    shown
}
