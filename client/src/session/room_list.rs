//! The server's room list, for the title screen: while a [`RoomList`] resource exists, a small
//! socket of its own asks the server for its rooms every few seconds (a request with an id,
//! answered once, given up after a timeout) and keeps the latest answer in it. The screen that
//! wants the list inserts the resource and removes it when done, which closes the socket.

use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, Reply, RequestId, RoomInfo, ServerMsg};

use crate::launch::Launch;
use crate::net::{Connection, NetEvent};
use crate::state::GameSet;

/// Seconds between refreshes of the list: a room a friend just opened shows up while you are
/// still typing your name, and one small request every few seconds costs the server nothing.
const REFRESH_SECS: f64 = 3.0;

/// A request without its reply after this long is given up (and the socket reopened).
pub const REQUEST_TIMEOUT_SECS: f64 = 5.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, poll_rooms.in_set(GameSet::Session).run_if(resource_exists::<RoomList>));
}

/// The room list's own connection and what it last heard.
#[derive(Resource)]
pub struct RoomList {
    socket: Option<Connection>,
    next_request: RequestId,
    /// The request in flight and when it was sent.
    waiting: Option<(RequestId, f64)>,
    last_asked: f64,
    /// The latest list, if any.
    pub rooms: Option<Vec<RoomInfo>>,
    /// Why the list is missing, if it is.
    pub problem: Option<String>,
}

impl Default for RoomList {
    fn default() -> Self {
        Self { socket: None, next_request: RequestId(1), waiting: None, last_asked: f64::NEG_INFINITY, rooms: None, problem: None }
    }
}

fn poll_rooms(mut list: ResMut<RoomList>, launch: Res<Launch>, time: Res<Time<Real>>) {
    let now = time.elapsed_secs_f64();
    let mut events = Vec::new();
    if let Some(socket) = &list.socket {
        while let Some(event) = socket.try_recv() {
            events.push(event);
        }
    }
    for event in events {
        match event {
            // A late reply to a request already given up on is ignored.
            NetEvent::Received(ServerMsg::Reply { request, reply: Reply::Rooms(rooms) })
                if list.waiting.is_some_and(|(id, _)| id == request) =>
            {
                list.waiting = None;
                list.rooms = Some(rooms);
                list.problem = None;
            }
            NetEvent::Closed(_) => {
                list.socket = None;
                list.waiting = None;
            }
            _ => {}
        }
    }
    if let Some((_, sent)) = list.waiting
        && now - sent > REQUEST_TIMEOUT_SECS
    {
        list.problem = Some("The room list is not answering.".into());
        list.socket = None;
        list.waiting = None;
    }
    if list.waiting.is_none() && now - list.last_asked >= REFRESH_SECS {
        let request = list.next_request;
        list.next_request = RequestId(request.0.wrapping_add(1));
        let ask = ClientMsg::ListRooms { request };
        match &list.socket {
            Some(socket) => socket.send(&ask),
            // The first request goes out as soon as the socket opens.
            None => list.socket = Some(Connection::open(&launch.server_url, &ask)),
        }
        list.waiting = Some((request, now));
        list.last_asked = now;
    }
}
