//! Title screen: the name field (typed straight into, prefilled and remembered), Play, and the
//! controls. Enter plays too. `autoplay` skips the screen.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use driftfire_shared::input::sanitize_name;
use driftfire_shared::protocol::{MAX_NAME_CHARS, RoomTarget};

use super::Screen;
use super::widgets::{ACCENT, DIM, button, label, screen_root};
use crate::launch::{Launch, initial_name, save_name};
use crate::session::PilotName;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, prefill_name);
    app.add_systems(OnEnter(Screen::Title), (spawn_title, autoplay).chain());
    app.add_systems(Update, (type_name, show_name, press_play).chain().run_if(in_state(Screen::Title)));
}

#[derive(Component)]
struct NameText;

#[derive(Component)]
struct PlayButton;

/// Set once autoplay has been used, so coming back to the title does not rejoin by itself.
#[derive(Resource)]
struct AutoplayUsed;

fn prefill_name(mut commands: Commands, launch: Res<Launch>) {
    commands.insert_resource(PilotName(initial_name(&launch)));
}

fn spawn_title(mut commands: Commands, launch: Res<Launch>) {
    let target = match &launch.room {
        RoomTarget::QuickPlay => "Play joins the fullest open room".to_string(),
        RoomTarget::Code(code) => format!("Play joins room {code}"),
        RoomTarget::Create { .. } => "Play opens a new private room".to_string(),
    };
    commands.spawn((
        screen_root(),
        DespawnOnExit(Screen::Title),
        children![
            label("DRIFTFIRE", 72.0, ACCENT),
            label("Arena space combat. Drift, aim, fire.", 20.0, DIM),
            (Node { height: px(24), ..default() }),
            label("Pilot name", 18.0, DIM),
            (
                Node {
                    min_width: px(340),
                    padding: UiRect::axes(px(16), px(10)),
                    justify_content: JustifyContent::Center,
                    border: UiRect::all(px(2)),
                    border_radius: BorderRadius::all(px(6)),
                    ..default()
                },
                BorderColor::all(ACCENT),
                BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.5)),
                children![(label("", 30.0, Color::WHITE), NameText)],
            ),
            button("Play", PlayButton),
            label(target, 16.0, DIM),
            super::rooms::room_list_section(),
            label("Enter to play  |  mouse aims  |  W / Up / right mouse thrusts  |  left mouse / Space fires", 16.0, DIM),
        ],
    ));
}

fn autoplay(mut commands: Commands, launch: Res<Launch>, used: Option<Res<AutoplayUsed>>, mut next: ResMut<NextState<Screen>>) {
    if launch.autoplay && used.is_none() {
        commands.insert_resource(AutoplayUsed);
        next.set(Screen::Connecting);
    }
}

fn type_name(mut keys: MessageReader<KeyboardInput>, mut name: ResMut<PilotName>) {
    for key in keys.read() {
        if key.state != ButtonState::Pressed {
            continue;
        }
        match &key.logical_key {
            Key::Backspace => {
                name.0.pop();
            }
            Key::Space if name.0.chars().count() < MAX_NAME_CHARS => name.0.push(' '),
            Key::Character(text) => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    if name.0.chars().count() < MAX_NAME_CHARS {
                        name.0.push(c);
                    }
                }
            }
            _ => {}
        }
    }
}

fn show_name(name: Res<PilotName>, time: Res<Time>, mut text: Single<&mut Text, With<NameText>>) {
    // A blinking caret shows where typing goes.
    let caret = if time.elapsed_secs().fract() < 0.5 { "|" } else { " " };
    let shown = format!("{}{caret}", name.0);
    if text.0 != shown {
        text.0 = shown;
    }
}

fn press_play(
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Query<&Interaction, (Changed<Interaction>, With<PlayButton>)>,
    mut name: ResMut<PilotName>,
    mut next: ResMut<NextState<Screen>>,
) {
    let clicked = buttons.iter().any(|i| *i == Interaction::Pressed);
    if !(clicked || keys.just_pressed(KeyCode::Enter) || keys.just_pressed(KeyCode::NumpadEnter)) {
        return;
    }
    commit_name(&mut name);
    next.set(Screen::Connecting);
}

/// Only names the server accepts leave this screen; an unusable one gets a fresh random name.
pub(super) fn commit_name(name: &mut PilotName) {
    name.0 = sanitize_name(&name.0).unwrap_or_else(|_| crate::launch::random_pilot_name());
    save_name(&name.0);
}
