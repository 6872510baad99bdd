//! Connecting screen: shown from opening the socket until Welcome; Esc or Cancel goes back.

use bevy::prelude::*;

use crate::launch::Launch;
use crate::state::Screen;
use crate::ui::widgets::{ACCENT, DIM, button, label, screen_root};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Connecting), spawn_connecting);
    app.add_systems(Update, (animate, cancel).run_if(in_state(Screen::Connecting)));
}

#[derive(Component)]
struct Dots;

#[derive(Component)]
struct CancelButton;

fn spawn_connecting(mut commands: Commands, launch: Res<Launch>) {
    commands.spawn((
        screen_root(),
        DespawnOnExit(Screen::Connecting),
        children![(label("Connecting", 40.0, ACCENT), Dots), label(launch.server_url.clone(), 18.0, DIM), button("Cancel", CancelButton),],
    ));
}

fn animate(time: Res<Time>, mut text: Single<&mut Text, With<Dots>>) {
    let dots = (time.elapsed_secs() * 3.0) as usize % 4;
    text.0 = format!("Connecting{}", ".".repeat(dots));
}

fn cancel(
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Query<&Interaction, (Changed<Interaction>, With<CancelButton>)>,
    mut next: ResMut<NextState<Screen>>,
) {
    if keys.just_pressed(KeyCode::Escape) || buttons.iter().any(|i| *i == Interaction::Pressed) {
        next.set(Screen::Title);
    }
}
