//! Disconnected screen: why the connection ended, Retry (Enter) and Back to title (Esc).

use bevy::prelude::*;

use crate::state::{DisconnectNotice, Screen};
use crate::ui::kit::*;
use crate::ui::widgets::{ACCENT, DIM, button, label, screen_root};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Disconnected), spawn_disconnected);
    app.add_systems(Update, choose.run_if(in_state(Screen::Disconnected)));
}

#[derive(Component)]
struct RetryButton;

#[derive(Component)]
struct BackButton;

fn spawn_disconnected(mut commands: Commands, notice: Res<DisconnectNotice>) {
    let reason = notice.text();
    commands.spawn((
        screen_root(),
        DespawnOnExit(Screen::Disconnected),
        children![
            label("Disconnected", 44.0, ACCENT),
            (label(reason, 20.0, Color::WHITE), Node { max_width: px(720), ..default() }),
            button("Retry", RetryButton),
            button("Back to title", BackButton),
            label("Enter: retry  |  Esc: title", 16.0, DIM),
        ],
    ));
}

fn choose(
    keys: Res<ButtonInput<KeyCode>>,
    retry: Query<&Interaction, (Changed<Interaction>, With<RetryButton>)>,
    back: Query<&Interaction, (Changed<Interaction>, With<BackButton>)>,
    mut next: ResMut<NextState<Screen>>,
) {
    if keys.just_pressed(KeyCode::Enter) || retry.iter().any(|i| *i == Interaction::Pressed) {
        next.set(Screen::Connecting);
    } else if keys.just_pressed(KeyCode::Escape) || back.iter().any(|i| *i == Interaction::Pressed) {
        next.set(Screen::Title);
    }
}
