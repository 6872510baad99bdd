//! The HUD's look, shared by its parts: text, translucent panels, full-width rows for banners,
//! bars, and the colours that say good, worrying and bad.

use bevy::prelude::*;

use crate::ui::kit::written;
use crate::ui::kit::*;

/// Behind every panel: dark enough to read over a bright explosion, light enough to see the
/// arena through.
pub(super) const PANEL: Color = Color::srgba(0.0, 0.02, 0.06, 0.55);
/// An empty bar's track.
pub(super) const TRACK: Color = Color::srgba(1.0, 1.0, 1.0, 0.12);
/// Spawn protection, and anything that says "safe".
pub(super) const SHIELD: Color = Color::srgb(0.45, 0.75, 1.0);
/// A healthy ship, and the score gained.
pub(super) const GOOD: Color = Color::srgb(0.35, 0.95, 0.5);
/// Half health, streaks.
pub(super) const WARN: Color = Color::srgb(1.0, 0.8, 0.25);
/// Low health.
pub(super) const BAD: Color = Color::srgb(1.0, 0.3, 0.3);

/// An empty text of `size` in `color`, for a system to fill.
pub(super) fn text(size: f32, color: Color) -> impl Bundle {
    (Text::new(""), TextFont::from_font_size(size), TextColor(color))
}

/// An empty text of `size` in `color` that shows what players wrote (names, chat): drawn by the
/// text engine, in every script.
pub(super) fn written(size: f32, color: Color) -> impl Bundle {
    (text(size, color), written::Written)
}

/// A translucent rounded panel laid out as `node` says.
pub(super) fn panel(node: Node) -> impl Bundle {
    (Node { padding: UiRect::all(px(10)), border_radius: BorderRadius::all(px(6)), ..node }, BackgroundColor(PANEL))
}

/// A full-width row `top` pixels down that centres what it holds (score, banners, toasts).
pub(super) fn centred_row(top: f32) -> Node {
    Node { position_type: PositionType::Absolute, width: percent(100), top: px(top), justify_content: JustifyContent::Center, ..default() }
}

/// A bar's track, `width` by `height` pixels; its child is the fill.
pub(super) fn bar_track(width: f32, height: f32) -> impl Bundle {
    (Node { width: px(width), height: px(height), border_radius: BorderRadius::all(px(3)), ..default() }, BackgroundColor(TRACK))
}

/// A bar's fill, full to start with; systems set its width in percent.
pub(super) fn fill(color: Color) -> impl Bundle {
    (Node { width: percent(100), height: percent(100), border_radius: BorderRadius::all(px(3)), ..default() }, BackgroundColor(color))
}

/// Green above half health, yellow above a quarter, red below.
pub(super) fn health_color(health: u8) -> Color {
    match health {
        51.. => GOOD,
        26..=50 => WARN,
        _ => BAD,
    }
}

/// Sets a text only when it differs, so an unchanged HUD does not relayout every frame.
pub(super) fn show(text: &mut Mut<Text>, shown: String) {
    text.set_if_neq(Text(shown));
}

/// Sets a visibility only when it differs.
pub(super) fn reveal(visibility: &mut Mut<Visibility>, shown: bool) {
    visibility.set_if_neq(if shown { Visibility::Inherited } else { Visibility::Hidden });
}

/// Shows or hides a node and lets the layout close the gap it leaves.
pub(super) fn reveal_row(node: &mut Mut<Node>, visibility: &mut Mut<Visibility>, shown: bool) {
    let display = if shown { Display::Flex } else { Display::None };
    if node.display != display {
        node.display = display;
    }
    reveal(visibility, shown);
}
