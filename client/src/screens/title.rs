//! Title screen: the name field (typed straight into, prefilled and remembered), Play, the room
//! list, the hall of fame beside them, and the controls. Enter plays too. `autoplay` skips the
//! screen.

use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::prelude::*;
use driftfire_shared::protocol::{MAX_NAME_CHARS, RoomTarget};

use super::hall_of_fame::hall_of_fame_section;
use super::rooms::room_list_section;
use crate::launch::{Launch, initial_name};
use crate::state::{PilotName, PlayTarget, Screen};
use crate::ui::text_field::{caret, edit};
use crate::ui::widgets::{ACCENT, DIM, button, label, screen_root};

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

fn spawn_title(mut commands: Commands, target: Res<PlayTarget>) {
    let target = match &target.0 {
        RoomTarget::QuickPlay | RoomTarget::QuickPlayHere => "Play joins the fullest open room".to_string(),
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
            (
                // Side by side on a wide screen; the hall of fame goes below on a narrow one.
                Node {
                    flex_wrap: FlexWrap::Wrap,
                    justify_content: JustifyContent::Center,
                    align_items: AlignItems::FlexStart,
                    column_gap: px(48),
                    row_gap: px(18),
                    ..default()
                },
                children![
                    (
                        Node { flex_direction: FlexDirection::Column, align_items: AlignItems::Center, row_gap: px(18), ..default() },
                        children![
                            label("Pilot name", 18.0, DIM),
                            name_field(),
                            button("Play", PlayButton),
                            label(target, 16.0, DIM),
                            room_list_section(),
                        ],
                    ),
                    hall_of_fame_section(),
                ],
            ),
            label("Enter to play  |  mouse aims  |  W / Up / right mouse thrusts  |  left mouse / Space fires", 16.0, DIM),
        ],
    ));
}

/// The box the pilot name is typed into.
fn name_field() -> impl Bundle {
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
    )
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
        // Enter plays (see `press_play`); Escape does nothing here.
        edit(&mut name.0, &key.logical_key, MAX_NAME_CHARS);
    }
}

fn show_name(name: Res<PilotName>, time: Res<Time>, mut text: Single<&mut Text, With<NameText>>) {
    // A blinking caret shows where typing goes.
    let shown = format!("{}{}", name.0, caret(f64::from(time.elapsed_secs())));
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
    name.commit();
    next.set(Screen::Connecting);
}
