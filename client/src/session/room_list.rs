//! The server's room list, for the title screen: while a [`RoomList`] resource exists, a small
//! socket of its own asks the server for its rooms every few seconds (a request with an id,
//! answered once, given up after a timeout) and keeps the latest answer in it. The screen that
//! wants the list inserts the resource and removes it when done, which closes the socket.
//!
//! The socket also carries the title screen's other requests (the hall of fame, see
//! [`hall_of_fame`](super::hall_of_fame)) through [`RoomList::ask`]: the list's frequent
//! requests keep it from going idle, and their replies are handed over in
//! [`RoomList::take_replies`].

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
    /// Whether the socket has opened (a browser drops what is sent before).
    open: bool,
    next_request: RequestId,
    /// The request in flight and when it was sent.
    waiting: Option<(RequestId, f64)>,
    last_asked: f64,
    /// Replies to other requests sent on this socket, this frame.
    replies: Vec<(RequestId, Reply)>,
    /// The latest list, if any.
    pub rooms: Option<Vec<RoomInfo>>,
    /// Why the list is missing, if it is.
    pub problem: Option<String>,
}

impl Default for RoomList {
    fn default() -> Self {
        Self {
            socket: None,
            open: false,
            next_request: RequestId(1),
            waiting: None,
            last_asked: f64::NEG_INFINITY,
            replies: Vec::new(),
            rooms: None,
            problem: None,
        }
    }
}

impl RoomList {
    /// Sends the request `ask` builds around a fresh id on this socket, opening the socket with
    /// it if there is none. Returns the id, or `None` while the socket is still opening: ask
    /// again on a later frame.
    pub(super) fn ask(&mut self, server_url: &str, ask: impl FnOnce(RequestId) -> ClientMsg) -> Option<RequestId> {
        let request = self.next_request;
        match &self.socket {
            Some(socket) if self.open => socket.send(&ask(request)),
            Some(_) => return None,
            // The first request goes out as soon as the socket opens.
            None => {
                self.socket = Some(Connection::open(server_url, &ask(request)));
                self.open = false;
            }
        }
        self.next_request = RequestId(request.0.wrapping_add(1));
        Some(request)
    }

    /// Replies that arrived this frame for requests other than the room list's own, taken out.
    /// Whoever sent them matches them by id; what is not taken is dropped next frame.
    pub(super) fn take_replies(&mut self) -> Vec<(RequestId, Reply)> {
        std::mem::take(&mut self.replies)
    }

    fn drop_socket(&mut self) {
        self.socket = None;
        self.open = false;
        self.waiting = None;
    }
}

/// Reads the socket, hands over other replies, and asks for the rooms when due. Other askers on
/// this socket run after it.
pub(super) fn poll_rooms(mut list: ResMut<RoomList>, launch: Res<Launch>, time: Res<Time<Real>>) {
    let now = time.elapsed_secs_f64();
    list.replies.clear();
    let mut events = Vec::new();
    if let Some(socket) = &list.socket {
        while let Some(event) = socket.try_recv() {
            events.push(event);
        }
    }
    for event in events {
        match event {
            NetEvent::Opened => list.open = true,
            // A late reply to a request already given up on is ignored.
            NetEvent::Received(ServerMsg::Reply { request, reply: Reply::Rooms(rooms) })
                if list.waiting.is_some_and(|(id, _)| id == request) =>
            {
                list.waiting = None;
                list.rooms = Some(rooms);
                list.problem = None;
            }
            NetEvent::Received(ServerMsg::Reply { request, reply }) => list.replies.push((request, reply)),
            NetEvent::Closed(_) => list.drop_socket(),
            NetEvent::Received(_) => {}
        }
    }
    if let Some((_, sent)) = list.waiting
        && now - sent > REQUEST_TIMEOUT_SECS
    {
        list.problem = Some("The room list is not answering.".into());
        list.drop_socket();
    }
    if list.waiting.is_none()
        && now - list.last_asked >= REFRESH_SECS
        && let Some(request) = list.ask(&launch.server_url, |request| ClientMsg::ListRooms { request })
    {
        list.waiting = Some((request, now));
        list.last_asked = now;
    }
}
