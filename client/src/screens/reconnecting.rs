//! The reconnect overlay: "Reconnecting... (attempt n, in s)" over the frozen game while the
//! session retries a dropped connection, and Esc or its Give up button (for phones) to give up
//! (back to the title).

use bevy::prelude::*;

use crate::session::reconnect::Reconnecting;
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::widgets::{ACCENT, DIM, button, label};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, (show_overlay, give_up).in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

#[derive(Component)]
struct Overlay;

#[derive(Component)]
struct AttemptText;

#[derive(Component)]
struct GiveUpButton;

fn show_overlay(
    mut commands: Commands,
    reconnecting: Option<Res<Reconnecting>>,
    overlay: Query<Entity, With<Overlay>>,
    mut text: Query<&mut Text, With<AttemptText>>,
    time: Res<Time<Real>>,
) {
    let Some(reconnecting) = reconnecting else {
        for entity in &overlay {
            commands.entity(entity).despawn();
        }
        return;
    };
    let wait = (reconnecting.next_try_at - time.elapsed_secs_f64()).max(0.0);
    let line = if wait > 0.05 {
        format!("Reconnecting... (attempt {}, in {wait:.1} s)", reconnecting.attempt)
    } else {
        format!("Reconnecting... (attempt {})", reconnecting.attempt)
    };
    if let Ok(mut text) = text.single_mut() {
        text.0 = line;
        return;
    }
    commands.spawn((
        Overlay,
        DespawnOnExit(Screen::Playing),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            align_items: AlignItems::Center,
            justify_content: JustifyContent::Center,
            row_gap: px(12),
            ..default()
        },
        BackgroundColor(Color::srgba(0.0, 0.0, 0.05, 0.6)),
        GlobalZIndex(50),
        children![
            (label(line, 36.0, ACCENT), AttemptText),
            label("Connection lost. Esc: give up", 18.0, DIM),
            button("Give up", GiveUpButton)
        ],
    ));
}

fn give_up(
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Query<&Interaction, (Changed<Interaction>, With<GiveUpButton>)>,
    reconnecting: Option<Res<Reconnecting>>,
    mut next: ResMut<NextState<Screen>>,
) {
    let pressed = buttons.iter().any(|i| *i == Interaction::Pressed);
    if reconnecting.is_some() && (pressed || keys.just_pressed(KeyCode::Escape)) {
        next.set(Screen::Title);
    }
}
