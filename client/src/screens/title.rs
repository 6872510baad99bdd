//! Title screen: the name field (typed straight into, prefilled and remembered), Play, the room
//! list, the hall of fame beside them, and the controls. Enter plays too. `autoplay` skips the
//! screen.
//!
//! On a phone the screen is arranged for it ([`Fit`]): upright, everything in one column;
//! sideways, the hall of fame beside a compact column; it is rebuilt when the phone turns. In
//! the browser the name field is covered by the page's text box ([`TextBox`]), so tapping it
//! opens the phone's keyboard. The name is never required: it is prefilled, and an unusable one
//! becomes a random one when Play is pressed.

use bevy::ecs::hierarchy::ChildSpawnerCommands;
use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::prelude::*;
use driftfire_shared::protocol::{MAX_NAME_CHARS, RoomTarget};

use super::hall_of_fame::hall_of_fame_section;
use super::rooms::room_list_section;
use crate::launch::{Launch, initial_name};
use crate::state::{PilotName, PlayTarget, Screen};
use crate::ui::kit::written::Written;
use crate::ui::kit::*;
use crate::ui::layout::{Fit, Layout};
use crate::ui::page::{TextBox, TextBoxSubmitted, TypingAt};
use crate::ui::text_field::{caret, edit};
use crate::ui::widgets::{ACCENT, DIM, button, label, screen_root};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, prefill_name);
    app.add_systems(OnEnter(Screen::Title), (spawn_title, autoplay).chain());
    app.add_systems(Update, (rearrange, type_name, sync_name_box, show_name, press_play).chain().run_if(in_state(Screen::Title)));
}

/// The title screen's root, with the arrangement it was built for.
#[derive(Component)]
struct TitleRoot(Fit);

#[derive(Component)]
struct NameText;

/// The name field's box (with the page's text box over it).
#[derive(Component)]
struct NameField;

#[derive(Component)]
struct PlayButton;

/// Set once autoplay has been used, so coming back to the title does not rejoin by itself.
#[derive(Resource)]
struct AutoplayUsed;

fn prefill_name(mut commands: Commands, launch: Res<Launch>) {
    commands.insert_resource(PilotName(initial_name(&launch)));
}

fn spawn_title(mut commands: Commands, target: Res<PlayTarget>, layout: Res<Layout>, name: Res<PilotName>) {
    build(&mut commands, &target, &layout, &name);
}

/// Rebuilds the screen when the window changes arrangement (a phone turned). What it shows
/// lives in resources (name, rooms, hall of fame), so nothing is lost.
fn rearrange(
    mut commands: Commands,
    roots: Query<(Entity, &TitleRoot)>,
    target: Res<PlayTarget>,
    layout: Res<Layout>,
    name: Res<PilotName>,
) {
    let Ok((root, TitleRoot(fit))) = roots.single() else { return };
    if *fit != layout.fit {
        commands.entity(root).despawn();
        build(&mut commands, &target, &layout, &name);
    }
}

fn build(commands: &mut Commands, target: &PlayTarget, layout: &Layout, name: &PilotName) {
    let target = match &target.0 {
        RoomTarget::QuickPlay | RoomTarget::QuickPlayHere => "Play joins the fullest open room".to_string(),
        RoomTarget::Code(code) => format!("Play joins room {code}"),
        RoomTarget::Create { ai_pilots: false, .. } => "Play opens a new private room".to_string(),
        RoomTarget::Create { ai_pilots: true, .. } => "Play opens a new private room with AI pilots".to_string(),
    };
    let hint = if layout.touch {
        "Tap Play  |  left thumb steers, pushed further thrusts  |  right thumb fires"
    } else {
        "Enter to play  |  mouse aims  |  W / Up / right mouse thrusts  |  left mouse / Space fires"
    };
    let fit = layout.fit;
    let mut root = commands.spawn((screen_root(), TitleRoot(fit), DespawnOnExit(Screen::Title)));
    match fit {
        Fit::Desktop => {
            root.with_children(|root| {
                root.spawn(label("DRIFTFIRE", 72.0, ACCENT));
                root.spawn(label("Arena space combat. Drift, aim, fire.", 20.0, DIM));
                root.spawn(Node { height: px(24), ..default() });
                // Side by side on a wide screen; the hall of fame goes below on a narrow one.
                root.spawn(Node {
                    flex_wrap: FlexWrap::Wrap,
                    justify_content: JustifyContent::Center,
                    align_items: AlignItems::FlexStart,
                    column_gap: px(48),
                    row_gap: px(18),
                    ..default()
                })
                .with_children(|row| {
                    row.spawn(column(18.0)).with_children(|column| {
                        column.spawn(label("Pilot name", 18.0, DIM));
                        column.spawn(name_field(name, 340.0, 30.0));
                        column.spawn(button("Play", PlayButton));
                        column.spawn(label(target, 16.0, DIM));
                        column.spawn(room_list_section(fit));
                    });
                    row.spawn(hall_of_fame_section(fit, layout.touch));
                });
                root.spawn(label(hint, 16.0, DIM));
            });
        }
        Fit::Portrait => {
            root.insert(Node { row_gap: px(10), ..compact_root() });
            root.with_children(|root| {
                root.spawn(label("DRIFTFIRE", 44.0, ACCENT));
                play_column(root, name, target, fit);
                root.spawn(hall_of_fame_section(fit, layout.touch));
                root.spawn((label(hint, 15.0, DIM), Node { max_width: px(440), ..default() }));
            });
        }
        Fit::Landscape => {
            root.insert(Node { flex_direction: FlexDirection::Row, column_gap: px(28), ..compact_root() });
            root.with_children(|root| {
                root.spawn(column(8.0)).with_children(|column| {
                    column.spawn(label("DRIFTFIRE", 40.0, ACCENT));
                    play_column(column, name, target, fit);
                });
                root.spawn(column(8.0)).with_children(|column| {
                    column.spawn(hall_of_fame_section(fit, layout.touch));
                    column.spawn((label(hint, 14.0, DIM), Node { max_width: px(440), ..default() }));
                });
            });
        }
    }
}

/// A phone's full-screen root (replacing [`screen_root`]'s node): the same, a little inset,
/// with the gaps left to each arrangement.
fn compact_root() -> Node {
    Node { padding: UiRect::all(px(8)), row_gap: Val::ZERO, ..screen_root() }
}

/// A centred column with `gap` pixels between its items.
fn column(gap: f32) -> Node {
    Node { flex_direction: FlexDirection::Column, align_items: AlignItems::Center, row_gap: px(gap), ..default() }
}

/// A phone's column: the name field, Play, where Play goes (upright only), the rooms.
fn play_column(parent: &mut ChildSpawnerCommands, name: &PilotName, target: String, fit: Fit) {
    parent.spawn(column(8.0)).with_children(|column| {
        column.spawn(label("Pilot name (optional)", 15.0, DIM));
        column.spawn(name_field(name, 300.0, 24.0));
        column.spawn(button("Play", PlayButton));
        if fit == Fit::Portrait {
            column.spawn(label(target, 15.0, DIM));
        }
        column.spawn(room_list_section(fit));
    });
}

/// The box the pilot name is typed into (the page's text box lies over it in the browser).
fn name_field(name: &PilotName, min_width: f32, font_size: f32) -> impl Bundle {
    (
        Node {
            min_width: px(min_width),
            padding: UiRect::axes(px(16), px(10)),
            justify_content: JustifyContent::Center,
            border: UiRect::all(px(2)),
            border_radius: BorderRadius::all(px(6)),
            ..default()
        },
        BorderColor::all(ACCENT),
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.5)),
        TextBox::new(name.0.clone(), MAX_NAME_CHARS, "go", TypingAt::Node),
        NameField,
        children![(label("", font_size, Color::WHITE), NameText, Written)],
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

/// The page's text box and the name: while it is typed into, it holds the name; otherwise it
/// shows the name (typed on the keyboard, or prefilled).
fn sync_name_box(mut name: ResMut<PilotName>, mut field: Query<&mut TextBox, With<NameField>>) {
    let Ok(mut field) = field.single_mut() else { return };
    if field.focused {
        if name.0 != field.text {
            name.0.clone_from(&field.text);
        }
    } else if field.text != name.0 {
        field.text.clone_from(&name.0);
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
    mut submitted: MessageReader<TextBoxSubmitted>,
    field: Query<(), With<NameField>>,
    mut name: ResMut<PilotName>,
    mut next: ResMut<NextState<Screen>>,
) {
    let clicked = buttons.iter().any(|i| *i == Interaction::Pressed);
    // Enter in the page's text box (the phone keyboard's Go).
    let entered = submitted.read().filter(|entered| field.contains(entered.entity)).last().map(|entered| entered.text.clone());
    if !(clicked || entered.is_some() || keys.just_pressed(KeyCode::Enter) || keys.just_pressed(KeyCode::NumpadEnter)) {
        return;
    }
    if let Some(text) = entered {
        name.0 = text;
    }
    name.commit();
    next.set(Screen::Connecting);
}
