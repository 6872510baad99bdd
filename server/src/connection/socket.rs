//! [`Socket`]: one client's WebSocket, owned whole. Above it the connection deals in messages
//! only: [`Socket::recv`] yields a decoded, rate-limited and validated client message,
//! [`Socket::send`] encodes and delivers a server message, and [`Socket::close`] says why the
//! connection ends and closes it. The link conditioner's delay lines, the time the client was
//! last heard from and its rate-limit bucket live here too.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use driftfire_shared::codec::{decode_client, encode_server, peek_hello_version};
use driftfire_shared::input::ValidInput;
use driftfire_shared::protocol::{ClientMsg, DisconnectReason, PROTOCOL_VERSION, RejectReason, ServerMsg, Violation};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::{Ending, LinkDeath};
use crate::conditioner::{DelayLine, LinkConditions};
use crate::metrics::Metrics;
use crate::rate_limit::{BURST, MESSAGES_PER_SECOND, TokenBucket};
use crate::room::OUTBOUND_QUEUE;

/// A write that takes longer than this means the peer stopped reading; the socket is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the goodbye (the `Disconnect` message, our close frame and the peer's answer) may
/// take before the TCP stream is simply dropped: short, because shutdown waits for it.
const CLOSE_HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(500);

/// A lingering close discards the peer's input until it pauses this long...
const LINGER_QUIET: Duration = Duration::from_millis(200);

/// ...or for at most this long.
const LINGER_MAX: Duration = Duration::from_secs(1);

/// The size every client message is accounted at in the upstream delay line. Upstream has no
/// bandwidth cap (inputs are tiny), so the line never uses it; any constant would do.
const UPSTREAM_MESSAGE_BYTES: usize = 16;

/// Upstream messages that may wait in the link conditioner before the socket stops reading
/// (so the TCP window, not memory, absorbs a flood): as deep as the room's outbound queue.
const MAX_DELAYED_UPSTREAM: usize = OUTBOUND_QUEUE;

/// The connection a game socket runs on: the accepted TCP stream itself, taken back from
/// hyper after the upgrade (see `http::upgrade`), so its kernel send buffer can be capped.
pub type Upgraded = tokio::net::TcpStream;

/// A client message that passed every check: decoded, within the rate limit, and, for inputs,
/// range-checked (once, here) into a [`ValidInput`].
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A player's controls.
    Input {
        /// Sequence number from the client.
        seq: u32,
        /// The checked controls.
        input: ValidInput,
        /// The tick the client was looking at (see `InputFrame::view_tick`).
        view_tick: u32,
    },
    /// Any other message, as decoded (never `ClientMsg::Input`).
    Other(ClientMsg),
}

/// One client's WebSocket, with everything that belongs to the link rather than the player.
pub struct Socket<S = Upgraded> {
    ws: WebSocketStream<S>,
    /// Server → client frames held back by the link conditioner.
    down: DelayLine<Bytes>,
    /// Client → server messages held back by the link conditioner.
    up: DelayLine<Inbound>,
    /// When any frame (a pong included) last came from the client.
    last_heard: Instant,
    /// When the client's last protocol Pong arrived (proof that it reads its socket).
    last_pong: Option<Instant>,
    /// When the oldest protocol Ping not yet answered by a Pong went out.
    unanswered_ping: Option<Instant>,
    /// Every message from the client costs one token.
    bucket: TokenBucket,
    /// Where the bytes in and out are counted.
    metrics: Arc<Metrics>,
}

impl<S> Socket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Takes over an accepted WebSocket. Until [`condition`](Self::condition) is called
    /// nothing is held back.
    pub fn new(ws: WebSocketStream<S>, metrics: Arc<Metrics>) -> Self {
        let now = Instant::now();
        Self {
            ws,
            down: LinkConditions::default().downstream(0),
            up: LinkConditions::default().upstream(0),
            last_heard: now,
            last_pong: None,
            unanswered_ping: None,
            bucket: TokenBucket::new(MESSAGES_PER_SECOND, BURST, now),
            metrics,
        }
    }

    /// Puts the link conditioner between the socket and the player from now on; `seed` varies
    /// the jitter between connections.
    pub fn condition(&mut self, link: LinkConditions, seed: u64) {
        self.down = link.downstream(seed);
        self.up = link.upstream(seed);
    }

    /// How long the client has been silent (not even a pong).
    pub fn silent_for(&self) -> Duration {
        self.last_heard.elapsed()
    }

    /// The next message from the client, after its simulated upstream delay. Cancel-safe: it
    /// only awaits the delay line and the stream, so a `select!` may drop it at any time.
    pub async fn recv(&mut self) -> Result<Inbound, Ending> {
        self.read(false).await
    }

    /// [`recv`](Self::recv) before Welcome: a frame that does not decode but is another
    /// build's Hello ends with `Rejected(VersionMismatch)`, so that client can tell its player.
    pub async fn recv_first(&mut self) -> Result<Inbound, Ending> {
        self.read(true).await
    }

    async fn read(&mut self, before_welcome: bool) -> Result<Inbound, Ending> {
        loop {
            let up_due = self.up.next_due();
            tokio::select! {
                () = sleep_until(up_due.unwrap_or_else(Instant::now)), if up_due.is_some() => {
                    if let Some(msg) = self.up.pop_due(Instant::now()) {
                        return Ok(msg);
                    }
                }
                frame = next_binary(&mut self.ws, &mut self.last_heard, &mut self.last_pong), if self.up.len() < MAX_DELAYED_UPSTREAM => {
                    let frame = frame?;
                    self.metrics.received_bytes.inc_by(frame.len() as u64);
                    let msg = self.check(&frame, before_welcome)?;
                    if self.up.is_passthrough() {
                        return Ok(msg);
                    }
                    self.up.push(Instant::now(), msg, UPSTREAM_MESSAGE_BYTES);
                }
            }
        }
    }

    /// Rate limit, decode and validate one frame.
    fn check(&mut self, frame: &[u8], before_welcome: bool) -> Result<Inbound, Ending> {
        if !self.bucket.take(Instant::now()) {
            return Err(Violation::RateLimited.into());
        }
        let msg = match decode_client(frame) {
            Ok(msg) => msg,
            Err(error) => {
                if before_welcome && let Some(client) = peek_hello_version(frame).filter(|&v| v != PROTOCOL_VERSION) {
                    return Err(Ending::Server(DisconnectReason::Rejected(RejectReason::VersionMismatch {
                        server: PROTOCOL_VERSION,
                        client,
                    })));
                }
                tracing::debug!(%error, "undecodable frame");
                return Err(Violation::Undecodable.into());
            }
        };
        match msg {
            // Before Welcome an input breaks the message order, whatever its values.
            ClientMsg::Input(_) if before_welcome => Err(Violation::FirstMessageNotHello.into()),
            ClientMsg::Input(frame) => match ValidInput::try_from_frame(&frame) {
                Ok(input) => Ok(Inbound::Input { seq: frame.seq, input, view_tick: frame.view_tick }),
                Err(error) => {
                    tracing::debug!(%error, "invalid input");
                    Err(Violation::InputOutOfRange.into())
                }
            },
            other => Ok(Inbound::Other(other)),
        }
    }

    /// Encodes `msg` and delivers it like a room frame (see [`send_frame`](Self::send_frame)).
    pub async fn send(&mut self, msg: &ServerMsg) -> Result<(), Ending> {
        match encode_server(msg) {
            Ok(bytes) => self.send_frame(bytes.into()).await,
            Err(error) => {
                tracing::error!(%error, "could not encode message");
                Ok(())
            }
        }
    }

    /// Writes an encoded message now, or queues it in the simulated downstream link.
    pub async fn send_frame(&mut self, bytes: Bytes) -> Result<(), Ending> {
        if self.down.is_passthrough() {
            self.write(Message::Binary(bytes)).await
        } else {
            let size = bytes.len();
            self.down.push(Instant::now(), bytes, size);
            Ok(())
        }
    }

    /// Whether the simulated downstream link has room for another frame. While it has not, the
    /// room's queue is not drained, so a capped link backs up into the room, which drops a
    /// player who cannot keep up.
    pub fn can_send(&self) -> bool {
        self.down.len() < OUTBOUND_QUEUE
    }

    /// When the next frame held back by the link conditioner falls due, if any.
    pub fn next_due(&self) -> Option<Instant> {
        self.down.next_due()
    }

    /// Writes every held-back frame that has fallen due.
    pub async fn flush_due(&mut self) -> Result<(), Ending> {
        while let Some(bytes) = self.down.pop_due(Instant::now()) {
            self.write(Message::Binary(bytes)).await?;
        }
        Ok(())
    }

    /// A protocol ping: browsers answer it even in a hidden tab, so only a dead link stays
    /// silent.
    pub async fn ping(&mut self) -> Result<(), Ending> {
        if self.unanswered_ping().is_none() {
            self.unanswered_ping = Some(Instant::now());
        }
        self.write(Message::Ping(Bytes::new())).await
    }

    /// When the oldest protocol Ping that no Pong has answered yet went out, if any. A client
    /// that keeps sending but stops reading its socket never answers.
    pub fn unanswered_ping(&mut self) -> Option<Instant> {
        if let (Some(sent), Some(pong)) = (self.unanswered_ping, self.last_pong)
            && pong >= sent
        {
            self.unanswered_ping = None;
        }
        self.unanswered_ping
    }

    /// Whether a protocol Pong has arrived at or after `since`.
    pub fn pong_since(&self, since: Instant) -> bool {
        self.last_pong.is_some_and(|pong| pong >= since)
    }

    async fn write(&mut self, msg: Message) -> Result<(), Ending> {
        self.metrics.sent_bytes.inc_by(msg.len() as u64);
        match timeout(WRITE_TIMEOUT, self.ws.send(msg)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(Ending::LinkDied(LinkDeath::Transport(error))),
            Err(_) => Err(Ending::Server(DisconnectReason::WriteTimeout)),
        }
    }

    /// Tells the client why with `ServerMsg::Disconnect` (not after a version mismatch: that
    /// client may decode nothing but `Rejected`), sends the close frame with the reason's code
    /// and text, and waits briefly for the client's answer. Frames still held back by the link
    /// conditioner are dropped.
    pub async fn close(mut self, reason: DisconnectReason) {
        let code = reason.close_code().0.into();
        let frame = CloseFrame { code, reason: reason.to_string().into() };
        let version_mismatch = matches!(reason, DisconnectReason::Rejected(RejectReason::VersionMismatch { .. }));
        let notice = if version_mismatch { None } else { encode_server(&ServerMsg::Disconnect(reason)).ok() };
        let goodbye = async {
            if let Some(bytes) = notice {
                self.ws.feed(Message::Binary(bytes.into())).await?;
            }
            self.ws.close(Some(frame)).await
        };
        if timeout(CLOSE_HANDSHAKE_TIMEOUT, goodbye).await.is_err() {
            return;
        }
        // Drain until the peer's close arrives (or time runs out), so the close is clean.
        let answered = timeout(CLOSE_HANDSHAKE_TIMEOUT, async {
            loop {
                match self.ws.next().await {
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
            linger(self.ws.get_mut()).await;
        }
    }
}

/// Reads and discards whatever the peer still sends, until it stops for [`LINGER_QUIET`], closes,
/// or [`LINGER_MAX`] passes, so the socket is closed with nothing unread (a FIN, not a reset).
async fn linger<S: AsyncRead + Unpin>(stream: &mut S) {
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

/// The next binary frame's payload (any frame at all counts as a sign of life). Text frames are
/// a violation (1003); protocol pings are answered by tungstenite itself; a close frame or EOF
/// ends the session.
async fn next_binary<S>(ws: &mut WebSocketStream<S>, last_heard: &mut Instant, last_pong: &mut Option<Instant>) -> Result<Bytes, Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        let frame = ws.next().await;
        *last_heard = Instant::now();
        match frame {
            None | Some(Ok(Message::Close(_))) => return Err(Ending::LinkDied(LinkDeath::PeerClosed)),
            Some(Err(error)) => return Err(read_error(error)),
            Some(Ok(Message::Binary(bytes))) => return Ok(bytes),
            Some(Ok(Message::Text(_))) => return Err(Violation::TextFrame.into()),
            Some(Ok(Message::Pong(_))) => *last_pong = Some(*last_heard),
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
