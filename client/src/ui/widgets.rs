//! Shared look of the menus and the HUD: colours, panels, buttons (and tabs) with hover feedback.

use bevy::prelude::*;

use crate::ui::kit::*;

/// Accent colour (titles, focused field, primary button).
pub const ACCENT: Color = Color::srgb(0.35, 0.85, 1.0);
/// Dim text.
pub const DIM: Color = Color::srgb(0.55, 0.6, 0.7);
const BUTTON_IDLE: Color = Color::srgb(0.10, 0.16, 0.26);
const BUTTON_HOVER: Color = Color::srgb(0.16, 0.26, 0.40);
const BUTTON_PRESSED: Color = Color::srgb(0.22, 0.45, 0.62);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, button_feedback);
}

/// A full-screen, centred column.
pub fn screen_root() -> Node {
    Node {
        width: percent(100),
        height: percent(100),
        flex_direction: FlexDirection::Column,
        justify_content: JustifyContent::Center,
        align_items: AlignItems::Center,
        row_gap: px(18),
        ..default()
    }
}

/// Text in the default font.
pub fn label(text: impl Into<String>, size: f32, color: Color) -> impl Bundle {
    (Text::new(text), TextFont::from_font_size(size), TextColor(color), TextLayout::justify(Justify::Center))
}

/// A button with a text label and a marker component to find it by.
pub fn button(text: impl Into<String>, marker: impl Component) -> impl Bundle {
    sized_button(text, marker, ButtonSize { min_width: 220.0, padding: Vec2::new(24.0, 12.0), font: 24.0 })
}

/// A secondary button, two of which fit side by side on a 390 px phone.
pub fn side_button(text: impl Into<String>, marker: impl Component) -> impl Bundle {
    sized_button(text, marker, ButtonSize { min_width: 150.0, padding: Vec2::new(14.0, 8.0), font: 18.0 })
}

/// How big a [`sized_button`] is: its narrowest width, its padding (horizontal, vertical) and
/// its label's font size, px.
struct ButtonSize {
    min_width: f32,
    padding: Vec2,
    font: f32,
}

fn sized_button(text: impl Into<String>, marker: impl Component, size: ButtonSize) -> impl Bundle {
    (
        Button,
        marker,
        Node {
            min_width: px(size.min_width),
            padding: UiRect::axes(px(size.padding.x), px(size.padding.y)),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            border: UiRect::all(px(2)),
            border_radius: BorderRadius::all(px(8)),
            ..default()
        },
        BorderColor::all(ACCENT),
        BackgroundColor(BUTTON_IDLE),
        children![label(text, size.font, Color::WHITE)],
    )
}

/// A small button choosing one of a few views of the same panel (a board's period, say), with
/// a marker component to find it by. [`tab_border`] marks the chosen one.
pub fn tab(text: impl Into<String>, marker: impl Component) -> impl Bundle {
    (
        Button,
        marker,
        Node {
            min_width: px(96),
            padding: UiRect::axes(px(14), px(6)),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            border: UiRect::all(px(2)),
            border_radius: BorderRadius::all(px(6)),
            ..default()
        },
        tab_border(false),
        BackgroundColor(BUTTON_IDLE),
        children![label(text, 16.0, Color::WHITE)],
    )
}

/// A tab's border: the accent colour on the chosen one, faint on the others.
pub fn tab_border(chosen: bool) -> BorderColor {
    BorderColor::all(if chosen { ACCENT } else { DIM.with_alpha(0.35) })
}

fn button_feedback(mut buttons: Query<(&Interaction, &mut BackgroundColor), (Changed<Interaction>, With<Button>)>) {
    for (interaction, mut background) in &mut buttons {
        background.0 = match interaction {
            Interaction::Pressed => BUTTON_PRESSED,
            Interaction::Hovered => BUTTON_HOVER,
            Interaction::None => BUTTON_IDLE,
        };
    }
}
