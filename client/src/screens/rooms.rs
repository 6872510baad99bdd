//! The title screen's room list: a small socket of its own asks the server for its rooms every
//! few seconds (a request with an id, answered once, given up after a timeout) and shows them as
//! rows; a public room's row joins it, and a button opens a new private room.

use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, Reply, RequestId, RoomInfo, RoomTarget, ServerMsg};

use super::Screen;
use super::widgets::{ACCENT, DIM, button, label};
use crate::launch::Launch;
use crate::net::{Connection, NetEvent};
use crate::session::PilotName;

/// Seconds between refreshes of the list.
const REFRESH_SECS: f64 = 3.0;

/// A request without its reply after this long is given up (and the socket reopened).
pub const REQUEST_TIMEOUT_SECS: f64 = 5.0;

/// Rows shown at most; the list is sorted fullest first.
const MAX_ROWS: usize = 5;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Title), open_browser);
    app.add_systems(OnExit(Screen::Title), |mut commands: Commands| commands.remove_resource::<RoomBrowser>());
    app.add_systems(Update, (poll_rooms, show_rooms, choose_room).chain().run_if(in_state(Screen::Title)));
}

/// The room list's own connection and what it last heard.
#[derive(Resource)]
pub struct RoomBrowser {
    socket: Option<Connection>,
    next_request: RequestId,
    /// The request in flight and when it was sent.
    waiting: Option<(RequestId, f64)>,
    last_asked: f64,
    /// The latest list, if any.
    rooms: Option<Vec<RoomInfo>>,
    /// Why the list is missing, if it is.
    problem: Option<String>,
    /// What the list on screen shows (rooms, problem), so it is rebuilt only on change.
    shown: Option<(Option<Vec<RoomInfo>>, Option<String>)>,
}

#[derive(Component)]
struct RoomList;

#[derive(Component)]
struct JoinRow(String);

#[derive(Component)]
pub(super) struct CreatePrivateButton;

fn open_browser(mut commands: Commands) {
    commands.insert_resource(RoomBrowser {
        socket: None,
        next_request: 1,
        waiting: None,
        last_asked: f64::NEG_INFINITY,
        rooms: None,
        problem: None,
        shown: None,
    });
}

fn poll_rooms(browser: Option<ResMut<RoomBrowser>>, launch: Res<Launch>, time: Res<Time<Real>>) {
    let Some(mut browser) = browser else { return };
    let now = time.elapsed_secs_f64();
    let mut events = Vec::new();
    if let Some(socket) = &browser.socket {
        while let Some(event) = socket.try_recv() {
            events.push(event);
        }
    }
    for event in events {
        match event {
            NetEvent::Received(ServerMsg::Reply { request, reply: Reply::Rooms(rooms) }) => {
                if browser.waiting.is_some_and(|(id, _)| id == request) {
                    browser.waiting = None;
                    browser.rooms = Some(rooms);
                    browser.problem = None;
                }
            }
            NetEvent::Closed { .. } => {
                browser.socket = None;
                browser.waiting = None;
            }
            _ => {}
        }
    }
    if let Some((_, sent)) = browser.waiting
        && now - sent > REQUEST_TIMEOUT_SECS
    {
        browser.problem = Some("The room list is not answering.".into());
        browser.socket = None;
        browser.waiting = None;
    }
    if browser.waiting.is_none() && now - browser.last_asked >= REFRESH_SECS {
        let request = browser.next_request;
        browser.next_request = browser.next_request.wrapping_add(1);
        let ask = ClientMsg::ListRooms { request };
        match &browser.socket {
            Some(socket) => socket.send(&ask),
            // The first request goes out as soon as the socket opens.
            None => browser.socket = Some(Connection::open(&launch.server_url, &ask)),
        }
        browser.waiting = Some((request, now));
        browser.last_asked = now;
    }
}

/// The text of one row.
pub fn describe_room(room: &RoomInfo) -> String {
    let kind = if room.private { "private | needs its link" } else { "public" };
    format!("{}   {}/{}   {kind}", room.name, room.players, room.max_players)
}

fn show_rooms(mut commands: Commands, browser: Option<ResMut<RoomBrowser>>, list: Query<Entity, With<RoomList>>) {
    let Some(mut browser) = browser else { return };
    let Ok(list) = list.single() else { return };
    let current = (browser.rooms.clone(), browser.problem.clone());
    if browser.shown.as_ref() == Some(&current) {
        return;
    }
    commands.entity(list).despawn_related::<Children>();
    match &browser.rooms {
        None => {
            let text = browser.problem.clone().unwrap_or_else(|| "Looking for rooms...".into());
            commands.entity(list).with_child(label(text, 16.0, DIM));
        }
        Some(rooms) if rooms.is_empty() => {
            commands.entity(list).with_child(label("No rooms yet: Play opens one.", 16.0, DIM));
        }
        Some(rooms) => {
            crate::telemetry::report(&format!("driftfire: room list: {}", rooms.iter().map(describe_room).collect::<Vec<_>>().join("; ")));
            for room in rooms.iter().take(MAX_ROWS) {
                match &room.code {
                    Some(code) => commands.entity(list).with_child(row(describe_room(room), JoinRow(code.clone()))),
                    None => commands.entity(list).with_child(label(describe_room(room), 16.0, DIM)),
                };
            }
        }
    }
    browser.shown = Some(current);
}

fn row(text: String, marker: JoinRow) -> impl Bundle {
    (
        Button,
        marker,
        Node {
            min_width: px(420),
            padding: UiRect::axes(px(14), px(6)),
            border: UiRect::all(px(1)),
            border_radius: BorderRadius::all(px(6)),
            ..default()
        },
        BorderColor::all(ACCENT.with_alpha(0.5)),
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.4)),
        children![label(text, 16.0, Color::WHITE)],
    )
}

/// The list's place on the title screen.
pub(super) fn room_list_section() -> impl Bundle {
    (
        Node { flex_direction: FlexDirection::Column, align_items: AlignItems::Center, row_gap: px(6), ..default() },
        children![
            label("Rooms", 18.0, DIM),
            (Node { flex_direction: FlexDirection::Column, align_items: AlignItems::Center, row_gap: px(4), ..default() }, RoomList),
            button("Create private room", CreatePrivateButton),
        ],
    )
}

fn choose_room(
    rows: Query<(&Interaction, &JoinRow), Changed<Interaction>>,
    create: Query<&Interaction, (Changed<Interaction>, With<CreatePrivateButton>)>,
    mut launch: ResMut<Launch>,
    mut name: ResMut<PilotName>,
    mut next: ResMut<NextState<Screen>>,
) {
    let target = if let Some((_, JoinRow(code))) = rows.iter().find(|(i, _)| **i == Interaction::Pressed) {
        RoomTarget::Code(code.clone())
    } else if create.iter().any(|i| *i == Interaction::Pressed) {
        RoomTarget::Create { private: true }
    } else {
        return;
    };
    launch.room = target;
    super::title::commit_name(&mut name);
    next.set(Screen::Connecting);
}
