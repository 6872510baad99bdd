//! [`Wire`]: the transport under a [`Socket`](super::socket::Socket), a WebSocket or a
//! WebTransport session, behind one set of calls: the next thing the client sent, send one
//! encoded message, ping, close with a reason. One contract whatever the transport: the same
//! bincode messages, the same typed `Disconnect`.
//!
//! Over WebTransport the client opens one bidirectional stream first; messages travel on it as
//! frames (a 4-byte little-endian length, then the bincode message). Snapshots go out as
//! datagrams when they fit (a larger one takes the stream); inputs come in as datagrams, each
//! repeating the last few (see `driftfire_shared::codec::decode_input_datagram`).

use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use driftfire_shared::codec::{MAX_CLIENT_MSG_BYTES, SNAPSHOT_TAG, encode_server};
use driftfire_shared::protocol::{DisconnectReason, RejectReason, ServerMsg, Violation};
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use wtransport::quinn::SendDatagramError;
use wtransport::{Connection, RecvStream, SendStream, VarInt};

use super::h3_datagram::SessionHeader;

use super::{Ending, LinkDeath};
use crate::conditioner::Loss;

/// How long the goodbye (the `Disconnect` message, our close and the peer's answer) may take
/// before the link is simply dropped: short, because shutdown waits for it.
pub const CLOSE_HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(500);

/// A lingering close discards the peer's input until it pauses this long...
const LINGER_QUIET: Duration = Duration::from_millis(200);

/// ...or for at most this long.
const LINGER_MAX: Duration = Duration::from_secs(1);

/// Bytes of a stream frame's length prefix.
const LENGTH_PREFIX: usize = 4;

/// Bytes a stream read takes at once: any client message whole, with its prefix.
const READ_CHUNK: usize = MAX_CLIENT_MSG_BYTES + LENGTH_PREFIX;

/// The connection a game socket runs on: the accepted TCP stream itself, taken back from
/// hyper after the upgrade (see `http::upgrade`), so its kernel send buffer can be capped.
pub type Upgraded = tokio::net::TcpStream;

/// What arrived from the client.
pub enum Incoming {
    /// One message (a WebSocket binary frame, or one frame of the WebTransport stream).
    Message(Bytes),
    /// A WebTransport datagram: inputs.
    Datagram(Bytes),
    /// The answer to a protocol ping (WebSocket only).
    Pong,
}

/// The transport of one client connection.
pub enum Wire {
    /// A WebSocket over TCP.
    WebSocket(Box<WebSocketStream<Upgraded>>),
    /// A WebTransport session over QUIC.
    WebTransport(Box<WebTransportWire>),
}

impl Wire {
    /// Whether snapshots go out as datagrams (and so as deltas against acknowledged frames).
    pub fn has_datagrams(&self) -> bool {
        matches!(self, Self::WebTransport(_))
    }

    /// The transport's name, for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Self::WebSocket(_) => "websocket",
            Self::WebTransport(_) => "webtransport",
        }
    }

    /// The next thing the client sent. Cancel-safe: a `select!` may drop it at any time.
    pub async fn next(&mut self) -> Result<Incoming, Ending> {
        match self {
            Self::WebSocket(ws) => next_websocket(ws).await,
            Self::WebTransport(wt) => wt.next().await,
        }
    }

    /// Sends one encoded message; returns the bytes that went on the wire.
    pub async fn send(&mut self, bytes: Bytes) -> Result<usize, Ending> {
        match self {
            Self::WebSocket(ws) => {
                let len = bytes.len();
                ws.send(Message::Binary(bytes)).await.map_err(|error| Ending::LinkDied(LinkDeath::Transport(error)))?;
                Ok(len)
            }
            Self::WebTransport(wt) => wt.send(bytes).await,
        }
    }

    /// Loses datagrams to the server on purpose (the link conditioner).
    pub fn lose_datagrams(&mut self, loss: Loss) {
        if let Self::WebTransport(wt) = self {
            wt.loss = loss;
        }
    }

    /// A protocol ping (WebSocket; browsers answer it even in a hidden tab). QUIC keeps its own
    /// liveness (keep-alives and the idle timeout), so a WebTransport wire sends nothing.
    pub async fn ping(&mut self) -> Result<(), Ending> {
        match self {
            Self::WebSocket(ws) => {
                ws.send(Message::Ping(Bytes::new())).await.map_err(|error| Ending::LinkDied(LinkDeath::Transport(error)))
            }
            Self::WebTransport(_) => Ok(()),
        }
    }

    /// Whether protocol pings are answered on this wire (WebSocket): only then can an
    /// unanswered one mean a client that stopped reading.
    pub fn answers_pings(&self) -> bool {
        matches!(self, Self::WebSocket(_))
    }

    /// Tells the client why with `ServerMsg::Disconnect` (not after a version mismatch: that
    /// client may decode nothing but `Rejected`) and closes with the reason's code and text.
    pub async fn close(self, reason: DisconnectReason) {
        let version_mismatch = matches!(reason, DisconnectReason::Rejected(RejectReason::VersionMismatch { .. }));
        let notice = if version_mismatch { None } else { encode_server(&ServerMsg::Disconnect(reason.clone())).ok() };
        match self {
            Self::WebSocket(ws) => close_websocket(ws, reason, notice).await,
            Self::WebTransport(wt) => wt.close(reason, notice).await,
        }
    }
}

/// The next binary frame or pong. Text frames are a violation (1003); protocol pings are
/// answered by tungstenite itself; a close frame or EOF ends the session.
async fn next_websocket(ws: &mut WebSocketStream<Upgraded>) -> Result<Incoming, Ending> {
    loop {
        match ws.next().await {
            None | Some(Ok(Message::Close(_))) => return Err(Ending::LinkDied(LinkDeath::PeerClosed)),
            Some(Err(error)) => return Err(read_error(error)),
            Some(Ok(Message::Binary(bytes))) => return Ok(Incoming::Message(bytes)),
            Some(Ok(Message::Text(_))) => return Err(Violation::TextFrame.into()),
            Some(Ok(Message::Pong(_))) => return Ok(Incoming::Pong),
            Some(Ok(Message::Ping(_) | Message::Frame(_))) => {}
        }
    }
}

/// How a read error ends the connection: oversize gets 1009, a broken frame 1002, bad UTF-8
/// 1007; a stream that just ended is a dead link.
fn read_error(error: WsError) -> Ending {
    match error {
        WsError::Capacity(_) => Violation::TooBig.into(),
        WsError::ConnectionClosed | WsError::AlreadyClosed => Ending::LinkDied(LinkDeath::PeerClosed),
        // The TCP stream ended without a close frame: the link died (a resumable drop).
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => Ending::LinkDied(LinkDeath::PeerClosed),
        WsError::Protocol(_) => Violation::WebSocketProtocol.into(),
        WsError::Utf8(_) => Violation::InvalidUtf8.into(),
        other => Ending::LinkDied(LinkDeath::Transport(other)),
    }
}

/// Sends the notice and our close frame and waits briefly for the client's answer.
async fn close_websocket(ws: Box<WebSocketStream<Upgraded>>, reason: DisconnectReason, notice: Option<Vec<u8>>) {
    let mut ws = *ws;
    let code = reason.close_code().0.into();
    let frame = CloseFrame { code, reason: reason.to_string().into() };
    let goodbye = async {
        if let Some(bytes) = notice {
            ws.feed(Message::Binary(bytes.into())).await?;
        }
        ws.close(Some(frame)).await
    };
    if timeout(CLOSE_HANDSHAKE_TIMEOUT, goodbye).await.is_err() {
        return;
    }
    // Drain until the peer's close arrives (or time runs out), so the close is clean.
    let answered = timeout(CLOSE_HANDSHAKE_TIMEOUT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
                // The stream ended, or stopped at an error (it yields nothing after one,
                // such as an oversize frame's): what follows is not frames.
                Some(Err(_)) | None => return false,
            }
        }
    })
    .await;
    // Unless the peer answered our close, bytes may still be arriving (the rest of an
    // oversize frame): closing with them unread would reset the connection and lose the
    // close frame on its way to the peer, so read and discard them briefly first (a
    // lingering close). A peer that already closed its side ends this at once.
    if answered == Ok(false) {
        let stream = ws.get_mut();
        let mut sink = [0u8; 4096];
        let deadline = Instant::now() + LINGER_MAX;
        loop {
            let quiet = deadline.min(Instant::now() + LINGER_QUIET);
            match tokio::time::timeout_at(quiet, stream.read(&mut sink)).await {
                Ok(Ok(n)) if n > 0 && Instant::now() < deadline => {}
                _ => return,
            }
        }
    }
}

/// A WebTransport session and its one reliable stream.
pub struct WebTransportWire {
    connection: Connection,
    /// The session's QUIC connection: its datagrams are read and written here directly (see
    /// `h3_datagram`). `wtransport`'s worker takes at most the first one (its queue holds one
    /// and nobody empties it), after which it stops reading them: a lost input datagram, which
    /// the next three repeat.
    quic: wtransport::quinn::Connection,
    /// The HTTP/3 datagram header of this session.
    header: SessionHeader,
    send: SendStream,
    recv: RecvStream,
    /// Stream bytes read and not yet a whole frame.
    pending: BytesMut,
    /// Where stream reads land first.
    read_buf: Box<[u8]>,
    /// The link conditioner's loss of datagrams to the client.
    loss: Loss,
}

impl WebTransportWire {
    /// The session with the bidirectional stream the client opened.
    pub fn new(connection: Connection, send: SendStream, recv: RecvStream) -> Self {
        let quic = connection.quic_connection().clone();
        let header = SessionHeader::of(connection.session_id());
        Self {
            connection,
            quic,
            header,
            send,
            recv,
            pending: BytesMut::new(),
            read_buf: vec![0; READ_CHUNK].into_boxed_slice(),
            loss: Loss::NONE,
        }
    }

    /// The next stream frame or datagram.
    async fn next(&mut self) -> Result<Incoming, Ending> {
        loop {
            if let Some(frame) = self.take_frame()? {
                return Ok(Incoming::Message(frame));
            }
            let Self { quic, header, recv, pending, read_buf, .. } = self;
            tokio::select! {
                // Datagrams first: a task woken by one returns it without polling the stream (a
                // stream poll takes the connection's lock; at 30 inputs a second that showed as
                // 4 % of the server's CPU). The stream still gets its turn whenever no datagram
                // waits, and a client flooding datagrams meets the rate limit first.
                biased;
                // Both are cancel-safe: a datagram is not taken until it is returned, and stream
                // bytes are copied out only when the read completes.
                datagram = quic.read_datagram() => match datagram {
                    Ok(datagram) => match header.payload_of(datagram) {
                        Some(payload) => return Ok(Incoming::Datagram(payload)),
                        // One session per connection: another session id is a client's mistake
                        // (a browser never sends one); the datagram is dropped.
                        None => tracing::debug!("datagram for another WebTransport session dropped"),
                    },
                    Err(_) => return Err(Ending::LinkDied(LinkDeath::PeerClosed)),
                },
                read = recv.read(&mut read_buf[..]) => match read {
                    Ok(Some(n)) => pending.extend_from_slice(&read_buf[..n]),
                    Ok(None) | Err(_) => return Err(Ending::LinkDied(LinkDeath::PeerClosed)),
                },
            }
        }
    }

    /// A whole frame off the front of `pending`, if one is there. A length over the client's
    /// message limit is refused before its bytes are waited for.
    fn take_frame(&mut self) -> Result<Option<Bytes>, Ending> {
        if self.pending.len() < LENGTH_PREFIX {
            return Ok(None);
        }
        let len = u32::from_le_bytes(self.pending[..LENGTH_PREFIX].try_into().expect("four bytes")) as usize;
        if len > MAX_CLIENT_MSG_BYTES {
            return Err(Violation::TooBig.into());
        }
        if self.pending.len() < LENGTH_PREFIX + len {
            return Ok(None);
        }
        self.pending.advance(LENGTH_PREFIX);
        Ok(Some(self.pending.split_to(len).freeze()))
    }

    /// A snapshot as a datagram when it fits, anything else as a stream frame.
    async fn send(&mut self, bytes: Bytes) -> Result<usize, Ending> {
        if bytes.first() == Some(&SNAPSHOT_TAG) {
            let len = bytes.len();
            // The link conditioner drops it before it leaves, when told to.
            if self.loss.drops() {
                return Ok(len);
            }
            match self.quic.send_datagram(self.header.frame(&bytes)) {
                // A full send buffer drops the oldest datagram: they are unreliable anyway.
                Ok(()) => return Ok(len),
                Err(SendDatagramError::ConnectionLost(_)) => return Err(Ending::LinkDied(LinkDeath::PeerClosed)),
                // Larger than the path's datagram limit, or a peer without datagrams: the
                // stream carries it.
                Err(SendDatagramError::TooLarge | SendDatagramError::UnsupportedByPeer | SendDatagramError::Disabled) => {}
            }
        }
        self.write_frame(&bytes).await
    }

    async fn write_frame(&mut self, bytes: &[u8]) -> Result<usize, Ending> {
        let prefix = (bytes.len() as u32).to_le_bytes();
        let written = async {
            self.send.write_all(&prefix).await?;
            self.send.write_all(bytes).await
        };
        written.await.map_err(|_| Ending::LinkDied(LinkDeath::PeerClosed))?;
        Ok(LENGTH_PREFIX + bytes.len())
    }

    /// Sends the notice on the stream, waits (briefly) until the client has it, then closes the
    /// session with the reason's close code and text.
    async fn close(mut self, reason: DisconnectReason, notice: Option<Vec<u8>>) {
        let goodbye = async {
            if let Some(bytes) = notice {
                self.write_frame(&bytes).await.ok()?;
            }
            // Completes once the client has acknowledged everything on the stream.
            self.send.finish().await.ok()?;
            // As in a WebSocket's closing handshake, the client (having read the notice) closes
            // first: a connection closed under it discards stream data it has not read yet.
            self.connection.closed().await;
            Some(())
        };
        let _ = timeout(CLOSE_HANDSHAKE_TIMEOUT, goodbye).await;
        let code = VarInt::from_u32(u32::from(reason.close_code().0));
        self.connection.close(code, reason.to_string().as_bytes());
    }
}
