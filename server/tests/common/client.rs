//! A minimal real WebSocket client of the game protocol: raw sockets (`connect`, `send`,
//! `recv`), the disconnect contract checked on every close, and `Client`, a player that said
//! Hello and decodes its snapshot stream.

use driftfire_shared::codec::{decode_server, encode_client};
use driftfire_shared::protocol::{
    ClientMsg, DisconnectReason, InputFrame, PROTOCOL_VERSION, RejectReason, ResumeToken, RoomTarget, ServerMsg, Welcome,
};
use driftfire_shared::snapshot::{Snapshot, SnapshotReader};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use super::WAIT;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A server message, with snapshots already decoded.
#[derive(Debug)]
pub enum Incoming {
    Snapshot(Snapshot),
    Other(ServerMsg),
}

/// This build's Hello: `name` asks for `room`, resuming the session of `resume` if given.
pub fn hello(name: &str, room: RoomTarget, resume: Option<ResumeToken>) -> ClientMsg {
    ClientMsg::Hello { version: PROTOCOL_VERSION, name: name.into(), room, resume }
}

/// The room target that creates a room of one's own (without AI pilots).
pub fn new_room(private: bool) -> RoomTarget {
    RoomTarget::Create { private, ai_pilots: false }
}

pub async fn connect(url: &str) -> Socket {
    connect_async(url).await.expect("websocket connects").0
}

pub async fn send(ws: &mut Socket, msg: &ClientMsg) {
    ws.send(Message::Binary(encode_client(msg).unwrap().into())).await.unwrap();
}

/// Next server message, or the close frame / end of stream as `Err`.
pub async fn recv(ws: &mut Socket) -> Result<ServerMsg, Option<CloseFrame>> {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.expect("server went silent") {
            Some(Ok(Message::Binary(bytes))) => return Ok(decode_server(&bytes).expect("server sends valid messages")),
            Some(Ok(Message::Close(frame))) => return Err(frame),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Err(None),
        }
    }
}

/// Reads until the server closes; returns the close frame. The disconnect contract is checked
/// on the way: the message right before the close frame is `Disconnect` with a reason whose
/// close code and text are the frame's, or, after a protocol version mismatch only, the
/// `Rejected` that the other build can still decode.
pub async fn expect_close(ws: &mut Socket) -> CloseFrame {
    expect_close_after(ws).await.0
}

/// [`expect_close`], also returning the message that came right before the close frame (the
/// `Disconnect`, or the version-mismatch `Rejected`).
pub async fn expect_close_after(ws: &mut Socket) -> (CloseFrame, Option<ServerMsg>) {
    let mut last = None;
    loop {
        match recv(ws).await {
            Ok(msg) => last = Some(msg),
            Err(Some(frame)) => {
                check_disconnect(last.as_ref(), &frame);
                return (frame, last);
            }
            Err(None) => panic!("the connection ended without a close frame (last message: {last:?})"),
        }
    }
}

/// [`expect_close`] where a `Disconnect` must come before the close frame: returns the frame's
/// code and the reason the `Disconnect` gave.
pub async fn expect_reason(ws: &mut Socket) -> (CloseCode, DisconnectReason) {
    match expect_close_after(ws).await {
        (frame, Some(ServerMsg::Disconnect(reason))) => (frame.code, reason),
        (frame, last) => panic!("{frame:?} came after {last:?}, not after a Disconnect"),
    }
}

/// After a version mismatch's `Rejected` (already read): the close frame follows with nothing
/// in between, since the other build may decode nothing else. Returns it.
pub async fn expect_bare_close(ws: &mut Socket) -> CloseFrame {
    match recv(ws).await {
        Err(Some(frame)) => frame,
        other => panic!("expected the close frame right after Rejected, got {other:?}"),
    }
}

/// Panics unless `last` (the message before the close frame `frame`) announced it as the
/// disconnect contract says (see [`contract_broken`]).
pub fn check_disconnect(last: Option<&ServerMsg>, frame: &CloseFrame) {
    if let Some(broken) = contract_broken(last, frame) {
        panic!("{broken}");
    }
}

/// How the close frame `frame` breaks the disconnect contract, given the message `last` right
/// before it: that must be `Disconnect` with a reason whose close code and text are the
/// frame's, or, after a protocol version mismatch only, the `Rejected` that the other build can
/// still decode (and then no `Disconnect`).
pub fn contract_broken(last: Option<&ServerMsg>, frame: &CloseFrame) -> Option<String> {
    match last {
        Some(ServerMsg::Disconnect(DisconnectReason::Rejected(RejectReason::VersionMismatch { .. }))) => {
            Some(format!("a mismatched build got a Disconnect before {frame:?}"))
        }
        Some(ServerMsg::Disconnect(reason))
            if reason.close_code().0 != u16::from(frame.code) || reason.to_string() != frame.reason.as_str() =>
        {
            Some(format!("{reason:?} announced, but the close frame is {frame:?}"))
        }
        Some(ServerMsg::Disconnect(_) | ServerMsg::Rejected { reason: RejectReason::VersionMismatch { .. } }) => None,
        other => Some(format!("close frame {frame:?} without a Disconnect before it (last message: {other:?})")),
    }
}

/// A player: a socket that said Hello and got its Welcome.
pub struct Client {
    pub ws: Socket,
    pub welcome: Welcome,
    pub latest: Option<Snapshot>,
    pub seq: u32,
    pub reader: SnapshotReader,
}

impl Client {
    pub async fn join(url: &str, name: &str) -> Self {
        Self::hello(url, ClientMsg::hello(name)).await.unwrap_or_else(|reason| panic!("rejected: {reason:?}"))
    }

    /// Sends `hello` on a new socket: Welcome makes a client, Rejected is returned as the error.
    pub async fn hello(url: &str, hello: ClientMsg) -> Result<Self, RejectReason> {
        let mut ws = connect(url).await;
        send(&mut ws, &hello).await;
        match recv(&mut ws).await {
            Ok(ServerMsg::Welcome(welcome)) => {
                let reader = SnapshotReader::new(welcome.tick_hz);
                Ok(Self { ws, welcome, latest: None, seq: 0, reader })
            }
            Ok(ServerMsg::Rejected { reason }) => Err(reason),
            Ok(other) => panic!("expected Welcome, got {other:?}"),
            Err(frame) => panic!("closed before Welcome: {frame:?}"),
        }
    }

    /// Says Hello as `name` with `token` (quick play otherwise); panics if rejected. Whether the
    /// session resumed is the Welcome's `resume`.
    pub async fn resume(url: &str, name: &str, token: ResumeToken) -> Self {
        Self::hello(url, hello(name, RoomTarget::QuickPlay, Some(token))).await.unwrap_or_else(|reason| panic!("rejected: {reason:?}"))
    }

    /// Reads until a Welcome (after a room change) and starts a new delta stream.
    pub async fn until_welcome(&mut self) -> Welcome {
        let ServerMsg::Welcome(welcome) = self.until_message(|m| matches!(m, ServerMsg::Welcome(_))).await else { unreachable!() };
        self.reader.reset(welcome.tick_hz);
        self.welcome = welcome.clone();
        welcome
    }

    /// Runs `work` while every one of `clients` keeps reading its socket, as a browser tab
    /// does in the background: the server's pings are answered (a player whose ping goes
    /// unanswered for 3 s is closed as not reading) and snapshots still pass through each
    /// reader. What arrives meanwhile is dropped; a close panics.
    pub async fn reading_while<T>(clients: &mut [&mut Client], work: impl Future<Output = T>) -> T {
        let mut work = std::pin::pin!(work);
        loop {
            // `Client::next` is cancel-safe: it only waits inside the socket's `next`.
            let reads = futures_util::future::select_all(clients.iter_mut().map(|client| Box::pin(client.next())));
            tokio::select! {
                out = &mut work => return out,
                (read, _, _) = reads => {
                    if let Err(frame) = read {
                        panic!("a waiting player was closed: {frame:?}");
                    }
                }
            }
        }
    }

    pub async fn input(&mut self, aim: f32, thrust: bool, fire: bool) {
        self.seq += 1;
        send(&mut self.ws, &ClientMsg::Input(InputFrame { seq: self.seq, aim, thrust, fire, view_tick: 0, ack_tick: 0 })).await;
    }

    /// The next message, snapshots decoded (every snapshot must pass through the reader).
    pub async fn next(&mut self) -> Result<Incoming, Option<CloseFrame>> {
        match recv(&mut self.ws).await? {
            ServerMsg::Snapshot(frame) => {
                let s = self.reader.apply(&frame).expect("snapshot deltas decode");
                self.latest = Some(s.clone());
                Ok(Incoming::Snapshot(s))
            }
            other => Ok(Incoming::Other(other)),
        }
    }

    /// Reads messages (snapshots decoded and skipped) until one satisfies `pred`.
    pub async fn until_message(&mut self, mut pred: impl FnMut(&ServerMsg) -> bool) -> ServerMsg {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            assert!(tokio::time::Instant::now() < deadline, "message not seen in time");
            match self.next().await {
                Ok(Incoming::Other(msg)) if pred(&msg) => return msg,
                Ok(_) => {}
                Err(frame) => panic!("closed while waiting: {frame:?}"),
            }
        }
    }

    /// Reads messages until a snapshot satisfies `pred`; panics after [`WAIT`].
    pub async fn until_snapshot(&mut self, mut pred: impl FnMut(&Snapshot) -> bool) -> Snapshot {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            assert!(tokio::time::Instant::now() < deadline, "condition not met in time");
            match self.next().await {
                Ok(Incoming::Snapshot(s)) => {
                    if pred(&s) {
                        return s;
                    }
                }
                Ok(Incoming::Other(_)) => {}
                Err(frame) => panic!("closed while waiting: {frame:?}"),
            }
        }
    }
}
