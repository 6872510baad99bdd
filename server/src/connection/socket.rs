//! [`Socket`]: one client's connection (a WebSocket or a WebTransport session, see
//! [`Wire`]), owned whole. Above it the connection deals in messages only: [`Socket::recv`] yields a decoded, rate-limited and validated client message,
//! [`Socket::send`] encodes and delivers a server message, and [`Socket::close`] says why the
//! connection ends and closes it. The link conditioner's delay lines, the time the client was
//! last heard from and its rate-limit bucket live here too.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use driftfire_shared::codec::{decode_client, decode_input_datagram, encode_server, peek_hello_version};
use driftfire_shared::input::ValidInput;
use driftfire_shared::protocol::{ClientMsg, DisconnectReason, InputFrame, PROTOCOL_VERSION, RejectReason, ServerMsg, Violation};
use tokio::time::{Instant, sleep_until, timeout};

use super::Ending;
use super::wire::{Incoming, Wire};
use crate::conditioner::{DelayLine, LinkConditions, Loss};
use crate::metrics::Metrics;
use crate::rate_limit::{BURST, MESSAGES_PER_SECOND, TokenBucket};
use crate::room::OUTBOUND_QUEUE;

/// A write that takes longer than this means the peer stopped reading; the socket is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// The size every client message is accounted at in the upstream delay line. Upstream has no
/// bandwidth cap (inputs are tiny), so the line never uses it; any constant would do.
const UPSTREAM_MESSAGE_BYTES: usize = 16;

/// Upstream messages that may wait in the link conditioner before the socket stops reading
/// (so the TCP window, not memory, absorbs a flood): as deep as the room's outbound queue.
const MAX_DELAYED_UPSTREAM: usize = OUTBOUND_QUEUE;

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
        /// The newest snapshot the client decoded (see `InputFrame::ack_tick`).
        ack_tick: u32,
    },
    /// Any other message, as decoded (never `ClientMsg::Input`).
    Other(ClientMsg),
}

/// One client's connection, with everything that belongs to the link rather than the player.
pub struct Socket {
    wire: Wire,
    /// Server → client frames held back by the link conditioner.
    down: DelayLine<Bytes>,
    /// Client → server messages held back by the link conditioner.
    up: DelayLine<Inbound>,
    /// Messages checked and due, not yet handed over (a datagram carries several inputs).
    ready: VecDeque<Inbound>,
    /// When anything (a pong included) last came from the client.
    last_heard: Instant,
    /// When the client's last protocol Pong arrived (proof that it reads its socket).
    last_pong: Option<Instant>,
    /// When the oldest protocol Ping not yet answered by a Pong went out.
    unanswered_ping: Option<Instant>,
    /// Every message (and every datagram) from the client costs one token.
    bucket: TokenBucket,
    /// The link conditioner's loss of datagrams from the client.
    up_loss: Loss,
    /// Where the bytes in and out are counted.
    metrics: Arc<Metrics>,
}

impl Socket {
    /// Takes over an accepted connection. Until [`condition`](Self::condition) is called
    /// nothing is held back.
    pub fn new(wire: Wire, metrics: Arc<Metrics>) -> Self {
        let now = Instant::now();
        Self {
            wire,
            down: LinkConditions::default().downstream(0),
            up: LinkConditions::default().upstream(0),
            ready: VecDeque::new(),
            last_heard: now,
            last_pong: None,
            unanswered_ping: None,
            bucket: TokenBucket::new(MESSAGES_PER_SECOND, BURST, now),
            up_loss: Loss::NONE,
            metrics,
        }
    }

    /// Whether snapshots go out as datagrams (WebTransport).
    pub fn has_datagrams(&self) -> bool {
        self.wire.has_datagrams()
    }

    /// The transport's name.
    pub fn transport(&self) -> &'static str {
        self.wire.name()
    }

    /// Puts the link conditioner between the socket and the player from now on; `seed` varies
    /// the jitter between connections.
    pub fn condition(&mut self, link: LinkConditions, seed: u64) {
        self.down = link.downstream(seed);
        self.up = link.upstream(seed);
        self.up_loss = link.datagram_loss(seed ^ 0x5851_F42D_4C95_7F2D);
        self.wire.lose_datagrams(link.datagram_loss(seed));
    }

    /// How long the client has been silent (not even a pong). A WebTransport session is never
    /// silent here: QUIC's idle timeout ends a dead one (see `webtransport`).
    pub fn silent_for(&self) -> Duration {
        if self.wire.answers_pings() { self.last_heard.elapsed() } else { Duration::ZERO }
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
            if let Some(msg) = self.ready.pop_front() {
                return Ok(msg);
            }
            let up_due = self.up.next_due();
            tokio::select! {
                () = sleep_until(up_due.unwrap_or_else(Instant::now)), if up_due.is_some() => {
                    if let Some(msg) = self.up.pop_due(Instant::now()) {
                        return Ok(msg);
                    }
                }
                incoming = self.wire.next(), if self.up.len() < MAX_DELAYED_UPSTREAM => {
                    let incoming = incoming?;
                    self.last_heard = Instant::now();
                    match incoming {
                        Incoming::Pong => self.last_pong = Some(self.last_heard),
                        Incoming::Message(frame) => {
                            self.metrics.received_bytes.inc_by(frame.len() as u64);
                            let msg = self.check(&frame, before_welcome)?;
                            self.deliver(msg);
                        }
                        // The link conditioner lost it (before it costs or counts anything).
                        Incoming::Datagram(_) if self.up_loss.drops() => {}
                        Incoming::Datagram(datagram) => {
                            self.metrics.received_bytes.inc_by(datagram.len() as u64);
                            for msg in self.check_datagram(&datagram, before_welcome)? {
                                self.deliver(msg);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Hands a checked message over now, or after the simulated upstream delay.
    fn deliver(&mut self, msg: Inbound) {
        if self.up.is_passthrough() {
            self.ready.push_back(msg);
        } else {
            self.up.push(Instant::now(), msg, UPSTREAM_MESSAGE_BYTES);
        }
    }

    /// Rate limit, decode and validate one input datagram; its inputs come out oldest first
    /// (the room ignores those it already has). Before Welcome there is nothing to steer:
    /// datagrams that raced the handshake are dropped.
    fn check_datagram(&mut self, datagram: &[u8], before_welcome: bool) -> Result<Vec<Inbound>, Ending> {
        if !self.bucket.take(Instant::now()) {
            return Err(Violation::RateLimited.into());
        }
        if before_welcome {
            return Ok(Vec::new());
        }
        let mut frames = decode_input_datagram(datagram).map_err(|error| {
            tracing::debug!(%error, "undecodable datagram");
            Ending::from(Violation::Undecodable)
        })?;
        frames.sort_unstable_by_key(|frame| frame.seq);
        frames.iter().map(valid_input).collect()
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
            ClientMsg::Input(frame) => valid_input(&frame),
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
            self.write(bytes).await
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
            self.write(bytes).await?;
        }
        Ok(())
    }

    /// A protocol ping: browsers answer it even in a hidden tab, so only a dead link stays
    /// silent. A WebTransport session has QUIC's own keep-alives instead: nothing is sent.
    pub async fn ping(&mut self) -> Result<(), Ending> {
        if !self.wire.answers_pings() {
            return Ok(());
        }
        if self.unanswered_ping().is_none() {
            self.unanswered_ping = Some(Instant::now());
        }
        match timeout(WRITE_TIMEOUT, self.wire.ping()).await {
            Ok(sent) => sent,
            Err(_) => Err(Ending::Server(DisconnectReason::WriteTimeout)),
        }
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

    /// Whether the client has shown it is alive at or after `since`: a protocol Pong on a
    /// WebSocket, anything at all on a WebTransport session (its inputs come every tick).
    pub fn pong_since(&self, since: Instant) -> bool {
        if self.wire.answers_pings() { self.last_pong.is_some_and(|pong| pong >= since) } else { self.last_heard >= since }
    }

    async fn write(&mut self, bytes: Bytes) -> Result<(), Ending> {
        match timeout(WRITE_TIMEOUT, self.wire.send(bytes)).await {
            Ok(Ok(sent)) => {
                self.metrics.sent_bytes.inc_by(sent as u64);
                Ok(())
            }
            Ok(Err(ending)) => Err(ending),
            Err(_) => Err(Ending::Server(DisconnectReason::WriteTimeout)),
        }
    }

    /// Says why the connection ends (see [`Wire::close`]). Frames still held back by the link
    /// conditioner are dropped.
    pub async fn close(self, reason: DisconnectReason) {
        self.wire.close(reason).await;
    }
}

/// Range-checks one input (once, here) into an [`Inbound::Input`].
fn valid_input(frame: &InputFrame) -> Result<Inbound, Ending> {
    match ValidInput::try_from_frame(frame) {
        Ok(input) => Ok(Inbound::Input { seq: frame.seq, input, view_tick: frame.view_tick, ack_tick: frame.ack_tick }),
        Err(error) => {
            tracing::debug!(%error, "invalid input");
            Err(Violation::InputOutOfRange.into())
        }
    }
}
