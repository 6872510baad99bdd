//! One player's WebSocket: handshake, then a loop that forwards inputs to the room and the
//! room's frames to the socket, until either side or the server's shutdown ends it.
//!
//! Every protocol violation closes only this socket, with a close code and a reason, and is
//! logged at debug: bad input from the network is expected, not an error of the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use driftfire_shared::codec::{CodecError, decode_client, encode_server, peek_hello_version};
use driftfire_shared::input::{ValidInput, sanitize_chat, sanitize_name};
use driftfire_shared::protocol::{
    ClientMsg, PROTOCOL_VERSION, PlayerId, RejectReason, Reply, RequestId, ResumeOutcome, ResumeToken, RoomTarget, ServerMsg,
};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::{Instant, interval_at, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::admission::Refusal;
use crate::conditioner::DelayLine;
use crate::rate_limit::{BURST, CHAT_BURST, CHAT_PER_SECOND, MESSAGES_PER_SECOND, TokenBucket};
use crate::room::{OUTBOUND_QUEUE, RoomCommand, RoomHandle};
use crate::state::ServerState;

/// A write that takes longer than this means the peer stopped reading; the socket is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long to wait for the peer's answer to our close frame before dropping the TCP stream.
const CLOSE_HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(500);

/// Why a connection ended, with the close frame to send (if any).
#[derive(Debug, thiserror::Error)]
enum Ending {
    #[error("peer closed")]
    PeerClosed,
    #[error("peer left")]
    Left,
    #[error("transport error: {0}")]
    Transport(#[from] WsError),
    #[error("{reason}")]
    Violation { code: CloseCode, reason: &'static str },
    #[error("rejected: {0}")]
    Rejected(RejectReason),
    #[error("server shutting down")]
    Shutdown,
    #[error("dropped by room: too slow to receive updates, or resumed elsewhere")]
    TooSlow,
    #[error("idle timeout")]
    IdleTimeout,
    #[error("write timeout")]
    WriteTimeout,
}

impl Ending {
    fn violation(code: CloseCode, reason: &'static str) -> Self {
        Self::Violation { code, reason }
    }

    /// The close frame this ending sends, if the socket is still usable.
    fn close_frame(&self) -> Option<(CloseCode, String)> {
        match self {
            Self::PeerClosed | Self::Transport(_) => None,
            Self::Left => Some((CloseCode::Normal, "goodbye".into())),
            Self::Violation { code, reason } => Some((*code, (*reason).into())),
            Self::Rejected(reason) => Some((
                match reason {
                    RejectReason::ServerFull => CloseCode::Again,
                    _ => CloseCode::Policy,
                },
                reason.to_string(),
            )),
            Self::Shutdown => Some((CloseCode::Away, "server shutting down".into())),
            Self::TooSlow => Some((CloseCode::Policy, "too slow to receive updates, or the session resumed elsewhere".into())),
            Self::IdleTimeout => Some((CloseCode::Policy, "idle timeout: no traffic from the client".into())),
            Self::WriteTimeout => Some((CloseCode::Policy, "write timeout".into())),
        }
    }

    /// Whether the player may come back: the link failed rather than the player leaving or
    /// breaking the rules, so their ship waits for a resume.
    fn may_resume(&self) -> bool {
        matches!(self, Self::PeerClosed | Self::Transport(_) | Self::IdleTimeout | Self::WriteTimeout)
    }
}

/// Maps a read error to how we end the connection: oversize gets 1009, the rest just ends.
fn classify_read_error(error: WsError) -> Ending {
    match error {
        WsError::Capacity(_) => Ending::violation(CloseCode::Size, "message too big"),
        WsError::ConnectionClosed | WsError::AlreadyClosed => Ending::PeerClosed,
        // The TCP stream ended without a close frame: the link died (a resumable drop).
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => Ending::PeerClosed,
        WsError::Protocol(_) => Ending::violation(CloseCode::Protocol, "websocket protocol error"),
        WsError::Utf8(_) => Ending::violation(CloseCode::Invalid, "invalid utf-8 in text frame"),
        other => Ending::Transport(other),
    }
}

fn decode_error(error: CodecError) -> Ending {
    tracing::debug!(%error, "undecodable frame");
    Ending::violation(CloseCode::Invalid, "undecodable message")
}

/// Drives one accepted WebSocket to the end.
pub async fn serve<S>(mut ws: WebSocketStream<S>, peer: SocketAddr, state: Arc<ServerState>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut bucket = TokenBucket::new(MESSAGES_PER_SECOND, BURST, Instant::now());
    let ending = match handshake(&mut ws, &state, &mut bucket).await {
        Ok(mut seat) => {
            let ending = play(&mut ws, &state, &mut seat, bucket).await;
            // Always tell the room, whatever ended the session; awaiting a send keeps it lossless.
            let Seat { player, room, attach, token, .. } = seat;
            if ending.may_resume() {
                state.rooms.ticket_dropped(&token);
                let _ = room.inbox.send(RoomCommand::Detach { player, attach }).await;
            } else {
                state.rooms.revoke_ticket(&token);
                let _ = room.inbox.send(RoomCommand::Leave { player, attach }).await;
            }
            ending
        }
        Err(ending) => ending,
    };
    match &ending {
        Ending::PeerClosed | Ending::Left | Ending::Shutdown => tracing::debug!(%peer, %ending, "connection ended"),
        _ => tracing::debug!(%peer, %ending, "connection closed by server"),
    }
    if let Some((code, reason)) = ending.close_frame() {
        close(&mut ws, code, reason).await;
    }
}

/// A player's place: who, in which room, through which connection.
struct Seat {
    player: PlayerId,
    /// The name the player asked for (cleaned), for moving rooms.
    name: String,
    room: RoomHandle,
    attach: u64,
    token: ResumeToken,
    outbound: mpsc::Receiver<Bytes>,
}

/// Waits for Hello (answering room-list requests meanwhile), checks it, and resumes the
/// player's dropped session or seats them where they asked.
async fn handshake<S>(ws: &mut WebSocketStream<S>, state: &ServerState, bucket: &mut TokenBucket) -> Result<Seat, Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut heard = Instant::now();
    let (version, name, target, resume) = loop {
        // A title screen may keep asking for the room list; each valid request restarts the
        // clock, but a socket that says nothing useful is closed.
        let frame = tokio::select! {
            () = state.shutdown.cancelled() => return Err(Ending::Shutdown),
            read = timeout(state.config.handshake_timeout, next_binary(ws, &mut heard)) => {
                read.map_err(|_| Ending::violation(CloseCode::Policy, "handshake timeout: no Hello"))??
            }
        };
        if !bucket.take(Instant::now()) {
            return Err(Ending::violation(CloseCode::Policy, "rate limit exceeded: too many messages"));
        }
        let decoded = decode_client(&frame).map_err(|error| match peek_hello_version(&frame) {
            // Another build's Hello: answer with the version mismatch it needs to show.
            Some(version) if version != PROTOCOL_VERSION => {
                Err(RejectReason::VersionMismatch { server: PROTOCOL_VERSION, client: version })
            }
            _ => Ok(decode_error(error)),
        });
        let msg = match decoded {
            Ok(msg) => msg,
            Err(Ok(ending)) => return Err(ending),
            Err(Err(reason)) => return Err(reject(ws, reason).await),
        };
        match msg {
            ClientMsg::Hello { version, name, room, resume } => break (version, name, room, resume),
            ClientMsg::ListRooms { request } => send(ws, &room_list(state, request)).await?,
            _ => return Err(Ending::violation(CloseCode::Policy, "first message must be Hello")),
        }
    };
    let admitted = if version != PROTOCOL_VERSION {
        Err(RejectReason::VersionMismatch { server: PROTOCOL_VERSION, client: version })
    } else {
        sanitize_name(&name).map_err(|_| RejectReason::InvalidName)
    };
    let name = match admitted {
        Ok(name) => name,
        Err(reason) => return Err(reject(ws, reason).await),
    };
    let mut outcome = ResumeOutcome::Fresh;
    if let Some(token) = resume {
        match state.rooms.redeem_ticket(&token) {
            Some(ticket) => {
                let (outbound_tx, outbound) = mpsc::channel(OUTBOUND_QUEUE);
                let attach = state.rooms.new_attach_id();
                let token = state.rooms.issue_ticket(ticket.player, &ticket.room);
                let (reply, resumed) = tokio::sync::oneshot::channel();
                let command = RoomCommand::Resume { player: ticket.player, outbound: outbound_tx, attach, token, reply };
                if ticket.room.inbox.send(command).await.is_ok() && resumed.await == Ok(true) {
                    return Ok(Seat { player: ticket.player, name, room: ticket.room, attach, token, outbound });
                }
                state.rooms.revoke_ticket(&token);
                outcome = ResumeOutcome::Expired;
            }
            None => outcome = ResumeOutcome::Expired,
        }
    }
    let room = match state.rooms.seat(&target) {
        Ok(room) => room,
        Err(reason) => return Err(reject(ws, reason).await),
    };
    let player = state.rooms.new_player_id();
    join(state, player, name, room, outcome).await
}

/// Sends Rejected and says how the connection ends.
async fn reject<S>(ws: &mut WebSocketStream<S>, reason: RejectReason) -> Ending
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _ = send(ws, &ServerMsg::Rejected { reason: reason.clone() }).await;
    Ending::Rejected(reason)
}

/// Enters a room whose seat is reserved; the room sends Welcome on the new outbound queue.
async fn join(state: &ServerState, player: PlayerId, name: String, room: RoomHandle, resume: ResumeOutcome) -> Result<Seat, Ending> {
    let (outbound_tx, outbound) = mpsc::channel(OUTBOUND_QUEUE);
    let attach = state.rooms.new_attach_id();
    let token = state.rooms.issue_ticket(player, &room);
    let command = RoomCommand::Join { player, name: name.clone(), outbound: outbound_tx, attach, token, resume };
    if room.inbox.send(command).await.is_err() {
        state.rooms.revoke_ticket(&token);
        return Err(Ending::Shutdown);
    }
    Ok(Seat { player, name, room, attach, token, outbound })
}

/// The answer to a room-list request.
fn room_list(state: &ServerState, request: RequestId) -> ServerMsg {
    ServerMsg::Reply { request, reply: Reply::Rooms(state.rooms.list()) }
}

/// The session loop: inbound frames, outbound queue and shutdown, whichever comes first.
///
/// With a link conditioner configured, frames in both directions wait in a [`DelayLine`]
/// first; the room's queue is only drained while the line has room, so a capped link still
/// backs up into the room, which drops a player who cannot keep up.
async fn play<S>(ws: &mut WebSocketStream<S>, state: &ServerState, seat: &mut Seat, mut bucket: TokenBucket) -> Ending
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let link = state.config.link;
    let player = seat.player;
    let mut down: DelayLine<Bytes> = link.downstream(u64::from(player.0));
    let mut up: DelayLine<ClientMsg> = link.upstream(u64::from(player.0));
    let mut chat_bucket = TokenBucket::new(CHAT_PER_SECOND, CHAT_BURST, Instant::now());
    let mut last_heard = Instant::now();
    let mut heartbeat = interval_at(Instant::now() + state.config.ping_interval, state.config.ping_interval);
    loop {
        let down_due = down.next_due();
        let up_due = up.next_due();
        tokio::select! {
            biased;
            () = state.shutdown.cancelled() => {
                let _ = send(ws, &ServerMsg::ShuttingDown).await;
                return Ending::Shutdown;
            }
            _ = heartbeat.tick() => {
                // Proof of life: browsers answer protocol pings even in a hidden tab whose game
                // loop is paused, so only a dead link stays silent this long.
                if last_heard.elapsed() >= state.config.idle_timeout {
                    return Ending::IdleTimeout;
                }
                if let Err(ending) = write(ws, Message::Ping(Bytes::new())).await {
                    return ending;
                }
            }
            () = sleep_until(down_due.unwrap_or_else(Instant::now)), if down_due.is_some() => {
                while let Some(bytes) = down.pop_due(Instant::now()) {
                    if let Err(ending) = write(ws, Message::Binary(bytes)).await {
                        return ending;
                    }
                }
            }
            () = sleep_until(up_due.unwrap_or_else(Instant::now)), if up_due.is_some() => {
                while let Some(msg) = up.pop_due(Instant::now()) {
                    if let Err(ending) = handle_message(ws, &mut down, &mut chat_bucket, state, seat, msg).await {
                        return ending;
                    }
                }
            }
            frame = seat.outbound.recv(), if down.len() < OUTBOUND_QUEUE => match frame {
                Some(bytes) => {
                    if let Err(ending) = deliver(ws, &mut down, bytes).await {
                        return ending;
                    }
                }
                None => return Ending::TooSlow,
            },
            inbound = next_binary(ws, &mut last_heard), if up.len() < OUTBOUND_QUEUE => {
                let msg = match inbound.and_then(|bytes| decode_client(&bytes).map_err(decode_error)) {
                    Ok(msg) => msg,
                    Err(ending) => return ending,
                };
                if !bucket.take(Instant::now()) {
                    tracing::debug!(player = player.0, "inbound rate limit exceeded");
                    return Ending::violation(CloseCode::Policy, "rate limit exceeded: too many messages");
                }
                if let ClientMsg::Input(frame) = &msg
                    && let Err(error) = ValidInput::try_from_frame(frame)
                {
                    tracing::debug!(player = player.0, %error, "invalid input");
                    return Ending::violation(CloseCode::Invalid, "input out of range");
                }
                if up.is_passthrough() {
                    if let Err(ending) = handle_message(ws, &mut down, &mut chat_bucket, state, seat, msg).await {
                        return ending;
                    }
                } else {
                    up.push(Instant::now(), msg, bytes_hint());
                }
            }
        }
    }
}

/// Size used for upstream bandwidth accounting, which is not capped: any constant works.
fn bytes_hint() -> usize {
    16
}

/// Acts on one valid message from the player (after any simulated upstream delay).
async fn handle_message<S>(
    ws: &mut WebSocketStream<S>,
    down: &mut DelayLine<Bytes>,
    chat_bucket: &mut TokenBucket,
    state: &ServerState,
    seat: &mut Seat,
    msg: ClientMsg,
) -> Result<(), Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let player = seat.player;
    match msg {
        ClientMsg::Input(frame) => {
            let input = ValidInput::try_from_frame(&frame).map_err(|_| Ending::violation(CloseCode::Invalid, "input out of range"))?;
            let command = RoomCommand::Input { player, seq: frame.seq, input, view_tick: frame.view_tick };
            seat.room.inbox.send(command).await.map_err(|_| Ending::Shutdown)
        }
        ClientMsg::Ping { nonce } => deliver_msg(ws, down, &ServerMsg::Pong { nonce }).await,
        ClientMsg::ListRooms { request } => deliver_msg(ws, down, &room_list(state, request)).await,
        ClientMsg::JoinRoom { request, target } => {
            let reply = move_rooms(state, seat, &target).await?;
            deliver_msg(ws, down, &ServerMsg::Reply { request, reply }).await
        }
        ClientMsg::Leave => Err(Ending::Left),
        ClientMsg::Hello { .. } => Err(Ending::violation(CloseCode::Policy, "Hello sent twice")),
        ClientMsg::Chat { text } => {
            if !chat_bucket.take(Instant::now()) {
                // Too chatty: the line is dropped and the sender told why; nobody else sees it.
                let note = ServerMsg::Chat { from: None, text: "Slow down: at most 3 messages every 5 seconds.".into() };
                return deliver_msg(ws, down, &note).await;
            }
            match sanitize_chat(&text) {
                Some(text) => seat.room.inbox.send(RoomCommand::Chat { player, text }).await.map_err(|_| Ending::Shutdown),
                None => Ok(()),
            }
        }
    }
}

/// Leaves the current room for `target`'s, if it has a seat; otherwise stays.
async fn move_rooms(state: &ServerState, seat: &mut Seat, target: &RoomTarget) -> Result<Reply, Ending> {
    let room = match state.rooms.seat(target) {
        Ok(room) => room,
        Err(RejectReason::RoomNotFound) => return Ok(Reply::NotFound),
        Err(RejectReason::BadRoomCode) => return Ok(Reply::BadCode),
        Err(_) => return Ok(Reply::Full),
    };
    state.rooms.revoke_ticket(&seat.token);
    let _ = seat.room.inbox.send(RoomCommand::Leave { player: seat.player, attach: seat.attach }).await;
    *seat = join(state, seat.player, seat.name.clone(), room, ResumeOutcome::Fresh).await?;
    Ok(Reply::Joined)
}

/// Encodes and delivers one message.
async fn deliver_msg<S>(ws: &mut WebSocketStream<S>, down: &mut DelayLine<Bytes>, msg: &ServerMsg) -> Result<(), Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match encode_server(msg) {
        Ok(bytes) => deliver(ws, down, bytes.into()).await,
        Err(error) => {
            tracing::error!(%error, "could not encode message");
            Ok(())
        }
    }
}

/// Writes a frame now, or queues it in the simulated downstream link.
async fn deliver<S>(ws: &mut WebSocketStream<S>, down: &mut DelayLine<Bytes>, bytes: Bytes) -> Result<(), Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if down.is_passthrough() {
        write(ws, Message::Binary(bytes)).await
    } else {
        let size = bytes.len();
        down.push(Instant::now(), bytes, size);
        Ok(())
    }
}

/// Closes a socket the server would not admit, with the fitting code and reason.
pub async fn refuse<S>(mut ws: WebSocketStream<S>, peer: SocketAddr, refusal: Refusal)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    tracing::debug!(%peer, %refusal, "connection refused");
    let code = match refusal {
        Refusal::ServerFull => CloseCode::Again,
        Refusal::PerAddress => CloseCode::Policy,
    };
    close(&mut ws, code, refusal.to_string()).await;
}

/// The next binary frame's payload (any frame at all counts as a sign of life). Text frames are a violation (1003); protocol pings are
/// answered by tungstenite itself; a close frame or EOF ends the session.
async fn next_binary<S>(ws: &mut WebSocketStream<S>, last_heard: &mut Instant) -> Result<Bytes, Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        let frame = ws.next().await;
        *last_heard = Instant::now();
        match frame {
            None => return Err(Ending::PeerClosed),
            Some(Err(error)) => return Err(classify_read_error(error)),
            Some(Ok(Message::Binary(bytes))) => return Ok(bytes),
            Some(Ok(Message::Text(_))) => {
                return Err(Ending::violation(CloseCode::Unsupported, "text frames are not supported; send binary"));
            }
            Some(Ok(Message::Close(_))) => return Err(Ending::PeerClosed),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
        }
    }
}

async fn send<S>(ws: &mut WebSocketStream<S>, msg: &ServerMsg) -> Result<(), Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match encode_server(msg) {
        Ok(bytes) => write(ws, Message::Binary(bytes.into())).await,
        Err(error) => {
            tracing::error!(%error, "could not encode message");
            Ok(())
        }
    }
}

async fn write<S>(ws: &mut WebSocketStream<S>, msg: Message) -> Result<(), Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match timeout(WRITE_TIMEOUT, ws.send(msg)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(Ending::Transport(error)),
        Err(_) => Err(Ending::WriteTimeout),
    }
}

/// Sends a close frame and waits briefly for the peer's answer.
async fn close<S>(ws: &mut WebSocketStream<S>, code: CloseCode, reason: String)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let frame = CloseFrame { code, reason: reason.into() };
    if timeout(CLOSE_HANDSHAKE_TIMEOUT, ws.close(Some(frame))).await.is_err() {
        return;
    }
    // Drain until the peer's close arrives (or time runs out), so the close is clean.
    let _ = timeout(CLOSE_HANDSHAKE_TIMEOUT, async { while let Some(Ok(_)) = ws.next().await {} }).await;
}
