//! Connecting screen: shown from opening the socket until Welcome, "Moving to another server"
//! while following a redirect, with the server it is talking to; Esc or Cancel goes back.

use bevy::prelude::*;

use crate::state::{GameServer, GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::widgets::{ACCENT, DIM, button, label, screen_root};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Connecting), spawn_connecting);
    // After the session, so a redirect shows in the frame it is followed.
    app.add_systems(Update, (animate.in_set(GameSet::Present), cancel).run_if(in_state(Screen::Connecting)));
}

#[derive(Component)]
struct Dots;

#[derive(Component)]
struct Destination;

#[derive(Component)]
struct CancelButton;

fn spawn_connecting(mut commands: Commands, server: Res<GameServer>) {
    commands.spawn((
        screen_root(),
        DespawnOnExit(Screen::Connecting),
        children![
            (label("Connecting", 40.0, ACCENT), Dots),
            (label(server.url.clone(), 18.0, DIM), Destination),
            button("Cancel", CancelButton),
        ],
    ));
}

/// The heading (with its dots) and the server, which a redirect changes.
fn animate(
    time: Res<Time>,
    server: Res<GameServer>,
    mut heading: Single<&mut Text, With<Dots>>,
    mut destination: Single<&mut Text, (With<Destination>, Without<Dots>)>,
) {
    let dots = (time.elapsed_secs() * 3.0) as usize % 4;
    let what = if server.hops > 0 { "Moving to another server" } else { "Connecting" };
    heading.0 = format!("{what}{}", ".".repeat(dots));
    if destination.0 != server.url {
        destination.0.clone_from(&server.url);
    }
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
