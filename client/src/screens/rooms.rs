//! The title screen's room list, as UI: the rows of the session's [`RoomList`] (asked for while
//! the title screen is shown); a public room's row joins it (on its own server, when it lives on
//! another server of the fleet: then every row says which server it is on), and two buttons open
//! a new private room, without or with AI pilots. On a phone the list is narrower and shorter.

use bevy::prelude::*;
use driftfire_shared::protocol::{RoomInfo, RoomTarget};

use crate::console::{Report, describe_rooms, report};
use crate::launch::Launch;
use crate::session::room_list::RoomList;
use crate::state::{GameServer, GameSet, PilotName, PlayTarget, Screen};
use crate::ui::kit::written::Written;
use crate::ui::kit::*;
use crate::ui::layout::Fit;
use crate::ui::widgets::{ACCENT, DIM, label, side_button};

/// Rows shown at most (the list is sorted fullest first): as many as fit on the title screen
/// above the controls line at 720 px, or on a phone's.
fn max_rows(fit: Fit) -> usize {
    match fit {
        Fit::Desktop => 5,
        Fit::Portrait => 3,
        Fit::Landscape => 3,
    }
}

/// The narrowest a row is, px: the rows line up as one list.
fn row_width(fit: Fit) -> f32 {
    if fit.compact() { 360.0 } else { 420.0 }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Title), |mut commands: Commands| commands.insert_resource(RoomList::default()));
    app.add_systems(OnExit(Screen::Title), |mut commands: Commands| commands.remove_resource::<RoomList>());
    app.add_systems(Update, (show_rooms, choose_room).chain().in_set(GameSet::Present).run_if(in_state(Screen::Title)));
}

/// The list's node, with what it shows (rooms, problem), so it is rebuilt only on change, and
/// the arrangement it is in.
#[derive(Component)]
struct RoomListNode {
    shown: Option<(Option<Vec<RoomInfo>>, Option<String>)>,
    fit: Fit,
}

/// A joinable room's row: its code, and its server when that is not the launch's.
#[derive(Component)]
struct JoinRow {
    code: String,
    server: Option<String>,
}

/// Opens a private room; with AI pilots when set.
#[derive(Component)]
struct CreatePrivateButton {
    ai_pilots: bool,
}

fn show_rooms(mut commands: Commands, list: Option<Res<RoomList>>, launch: Res<Launch>, mut node: Query<(Entity, &mut RoomListNode)>) {
    let Some(list) = list else { return };
    let Ok((node, mut shown)) = node.single_mut() else { return };
    let current = (list.rooms.clone(), list.problem.clone());
    if shown.shown.as_ref() == Some(&current) {
        return;
    }
    commands.entity(node).despawn_related::<Children>();
    match &list.rooms {
        None => {
            let text = list.problem.clone().unwrap_or_else(|| "Looking for rooms...".into());
            commands.entity(node).with_child(label(text, 16.0, DIM));
        }
        Some(rooms) if rooms.is_empty() => {
            commands.entity(node).with_child(label("No rooms yet: Play opens one.", 16.0, DIM));
        }
        Some(rooms) => {
            // The list is asked of the launch's server: its rooms come without a server.
            report(Report::RoomList { rooms, asked: &launch.server_url });
            let width = row_width(shown.fit);
            for (room, text) in rooms.iter().zip(describe_rooms(rooms, &launch.server_url)).take(max_rows(shown.fit)) {
                match &room.code {
                    Some(code) => {
                        commands.entity(node).with_child(row(text, width, JoinRow { code: code.clone(), server: room.server.clone() }))
                    }
                    None => commands.entity(node).with_child(label(text, 16.0, DIM)),
                };
            }
        }
    }
    shown.shown = Some(current);
}

fn row(text: String, width: f32, marker: JoinRow) -> impl Bundle {
    (
        Button,
        marker,
        Node {
            min_width: px(width),
            padding: UiRect::axes(px(14), px(6)),
            border: UiRect::all(px(1)),
            border_radius: BorderRadius::all(px(6)),
            ..default()
        },
        BorderColor::all(ACCENT.with_alpha(0.5)),
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.4)),
        children![(label(text, 16.0, Color::WHITE), Written)],
    )
}

/// The list's place on the title screen, arranged for `fit`.
pub(super) fn room_list_section(fit: Fit) -> impl Bundle {
    (
        Node { flex_direction: FlexDirection::Column, align_items: AlignItems::Center, row_gap: px(6), ..default() },
        children![
            // A phone on its side has no height to spare for the heading.
            (label("Rooms", 18.0, DIM), Node { display: if fit == Fit::Landscape { Display::None } else { Display::Flex }, ..default() }),
            (
                Node { flex_direction: FlexDirection::Column, align_items: AlignItems::Center, row_gap: px(4), ..default() },
                RoomListNode { shown: None, fit }
            ),
            (
                Node { column_gap: px(8), ..default() },
                children![
                    side_button("Private room", CreatePrivateButton { ai_pilots: false }),
                    side_button("Private + AI pilots", CreatePrivateButton { ai_pilots: true }),
                ],
            ),
        ],
    )
}

fn choose_room(
    rows: Query<(&Interaction, &JoinRow), Changed<Interaction>>,
    create: Query<(&Interaction, &CreatePrivateButton), Changed<Interaction>>,
    mut target: ResMut<PlayTarget>,
    mut server: ResMut<GameServer>,
    mut name: ResMut<PilotName>,
    mut next: ResMut<NextState<Screen>>,
) {
    // A room on another server is joined there directly, by its code.
    let (chosen, picked) = if let Some((_, row)) = rows.iter().find(|(i, _)| **i == Interaction::Pressed) {
        (RoomTarget::Code(row.code.clone()), row.server.clone())
    } else if let Some((_, button)) = create.iter().find(|(i, _)| **i == Interaction::Pressed) {
        (RoomTarget::Create { private: true, ai_pilots: button.ai_pilots }, None)
    } else {
        return;
    };
    target.0 = chosen;
    server.picked = picked;
    name.commit();
    next.set(Screen::Connecting);
}
