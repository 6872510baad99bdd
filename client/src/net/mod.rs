//! The connection to the game server, behind one API for the whole game. Underneath,
//! `native.rs` races WebTransport (`quic.rs`, wtransport) against tokio-tungstenite's WebSocket on
//! a background thread and `wasm.rs` uses the page's link (`web/link.js`: the same race in the
//! browser); both deliver [`NetEvent`]s into a channel that a `PreUpdate` system drains.
//! Only the session and the snapshot receiver (`game/snapshots.rs`) read those events.

#[cfg(not(target_family = "wasm"))]
mod native;
#[cfg(not(target_family = "wasm"))]
mod quic;
#[cfg(not(target_family = "wasm"))]
use native as platform;
#[cfg(not(target_family = "wasm"))]
pub use native::pin_transport;
#[cfg(target_family = "wasm")]
mod wasm;
#[cfg(target_family = "wasm")]
use wasm as platform;

use std::sync::atomic::{AtomicU64, Ordering};

use bevy::prelude::*;
use driftfire_shared::codec::{decode_server, encode_client};
use driftfire_shared::protocol::{ClientMsg, CloseCode, ServerMsg};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<NetEvent>();
    app.add_systems(PreUpdate, drain_socket);
}

/// Something that happened on the connection.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum NetEvent {
    /// The socket is open and Hello has gone out.
    Opened,
    /// A message from the server.
    Received(ServerMsg),
    /// The connection is over; nothing follows.
    Closed(LinkEnd),
}

/// How a connection ended, as the transport saw it. Whether to come back is the session's
/// call (it also knows the server's typed reason, which arrives as a message before the close).
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEnd {
    /// A close frame arrived.
    Frame {
        /// Its code.
        code: CloseCode,
        /// Its text: for people reading logs, never for deciding.
        reason: String,
    },
    /// No close frame: the link died, or the server could not be reached. `detail` is the
    /// transport's error, if it gave one.
    Lost(String),
    /// A frame from the server did not decode (this build and the server disagree); the
    /// transport stopped reading.
    Undecodable(String),
}

/// Traffic counters for the HUD and the net graph.
#[derive(Debug, Default)]
pub struct Traffic {
    /// Bytes received (WebSocket payloads).
    pub down_bytes: AtomicU64,
    /// Bytes sent.
    pub up_bytes: AtomicU64,
}

/// The open (or opening) connection. Removing the resource closes it.
#[derive(Resource)]
pub struct Connection {
    socket: platform::Socket,
    /// Where it points.
    pub url: String,
    /// Byte counters.
    pub traffic: std::sync::Arc<Traffic>,
}

impl Connection {
    /// Starts connecting to `url` (`ws://` or `wss://`); progress arrives as [`NetEvent`]s.
    /// `hello` is sent by the transport the moment the socket opens, independent of the frame
    /// loop, so a throttled background tab still meets the server's handshake timeout.
    pub fn open(url: &str, hello: &ClientMsg) -> Self {
        let traffic = std::sync::Arc::new(Traffic::default());
        let hello = match encode_client(hello) {
            Ok(bytes) => bytes,
            Err(error) => {
                crate::console::error(format_args!("cannot encode {hello:?}: {error}"));
                Vec::new()
            }
        };
        traffic.up_bytes.fetch_add(hello.len() as u64, Ordering::Relaxed);
        Self { socket: platform::Socket::connect(url, traffic.clone(), hello), url: url.to_string(), traffic }
    }

    /// Queues a message for the server. Silently dropped if the socket is not open: the game
    /// learns about a dead socket through `NetEvent::Closed`, not from each send.
    pub fn send(&self, msg: &ClientMsg) {
        match encode_client(msg) {
            Ok(bytes) => {
                self.traffic.up_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                self.socket.send(bytes);
            }
            Err(error) => crate::console::error(format_args!("cannot encode {msg:?}: {error}")),
        }
    }

    /// The transport carrying it (`webtransport` or `websocket`), for the net graph.
    pub fn transport(&self) -> String {
        platform::transport_name()
    }

    /// The next event from the transport, if any (the game's connection is drained by
    /// `drain_socket`; other sockets, such as the room list's, call this themselves).
    pub fn try_recv(&self) -> Option<NetEvent> {
        self.socket.try_recv()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.socket.close();
    }
}

/// Decodes one binary frame from the server; an undecodable frame ends the connection, because
/// client and server evidently disagree about the protocol.
fn decode_frame(bytes: &[u8], traffic: &Traffic) -> NetEvent {
    traffic.down_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    match decode_server(bytes) {
        Ok(msg) => NetEvent::Received(msg),
        Err(error) => NetEvent::Closed(LinkEnd::Undecodable(error.to_string())),
    }
}

/// Moves everything the transport received into Bevy messages, once per frame.
fn drain_socket(mut commands: Commands, connection: Option<Res<Connection>>, mut events: MessageWriter<NetEvent>) {
    let Some(connection) = connection else { return };
    while let Some(event) = connection.try_recv() {
        if event == NetEvent::Opened {
            crate::console::report(crate::console::Report::Transport(&connection.transport()));
        }
        let closed = matches!(event, NetEvent::Closed(_));
        events.write(event);
        if closed {
            commands.remove_resource::<Connection>();
            break;
        }
    }
}
