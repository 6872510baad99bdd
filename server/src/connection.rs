//! One player's WebSocket: handshake, then a loop that forwards inputs to the room and the
//! room's frames to the socket, until either side or the server's shutdown ends it.
//!
//! Every protocol violation closes only this socket, with a close code and a reason, and is
//! logged at debug: bad input from the network is expected, not an error of the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use driftfire_shared::codec::{CodecError, decode_client, encode_server};
use driftfire_shared::input::{ValidInput, sanitize_name};
use driftfire_shared::protocol::{ClientMsg, PROTOCOL_VERSION, PlayerId, RejectReason, ServerMsg};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

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
    #[error("dropped by room: too slow to receive updates")]
    TooSlow,
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
            Self::TooSlow => Some((CloseCode::Policy, "too slow to receive updates".into())),
        }
    }
}

/// Maps a read error to how we end the connection: oversize gets 1009, the rest just ends.
fn classify_read_error(error: WsError) -> Ending {
    match error {
        WsError::Capacity(_) => Ending::violation(CloseCode::Size, "message too big"),
        WsError::ConnectionClosed | WsError::AlreadyClosed => Ending::PeerClosed,
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
    let ending = match handshake(&mut ws, &state).await {
        Ok((player, room, outbound)) => {
            let ending = play(&mut ws, &state, player, &room, outbound).await;
            // Always tell the room, whatever ended the session; awaiting a send keeps it lossless.
            let _ = room.inbox.send(RoomCommand::Leave { player }).await;
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

/// Waits for Hello, checks it, takes a seat and joins the room.
async fn handshake<S>(ws: &mut WebSocketStream<S>, state: &ServerState) -> Result<(PlayerId, RoomHandle, mpsc::Receiver<Bytes>), Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let first = tokio::select! {
        () = state.shutdown.cancelled() => return Err(Ending::Shutdown),
        read = timeout(state.config.handshake_timeout, next_binary(ws)) => {
            read.map_err(|_| Ending::violation(CloseCode::Policy, "handshake timeout: no Hello"))??
        }
    };
    let ClientMsg::Hello { version, name } = decode_client(&first).map_err(decode_error)? else {
        return Err(Ending::violation(CloseCode::Policy, "first message must be Hello"));
    };
    let admitted = if version != PROTOCOL_VERSION {
        Err(RejectReason::VersionMismatch { server: PROTOCOL_VERSION, client: version })
    } else {
        sanitize_name(&name)
            .map_err(|_| RejectReason::InvalidName)
            .and_then(|name| state.rooms.quick_play().map(|room| (name, room)))
    };
    let (name, room) = match admitted {
        Ok(admitted) => admitted,
        Err(reason) => {
            let _ = send(ws, &ServerMsg::Rejected { reason: reason.clone() }).await;
            return Err(Ending::Rejected(reason));
        }
    };
    let player = state.rooms.new_player_id();
    let (outbound_tx, outbound_rx) = mpsc::channel(OUTBOUND_QUEUE);
    if room.inbox.send(RoomCommand::Join { player, name, outbound: outbound_tx }).await.is_err() {
        return Err(Ending::Shutdown);
    }
    Ok((player, room, outbound_rx))
}

/// The session loop: inbound frames, outbound queue and shutdown, whichever comes first.
async fn play<S>(
    ws: &mut WebSocketStream<S>,
    state: &ServerState,
    player: PlayerId,
    room: &RoomHandle,
    mut outbound: mpsc::Receiver<Bytes>,
) -> Ending
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        tokio::select! {
            biased;
            () = state.shutdown.cancelled() => {
                let _ = send(ws, &ServerMsg::ShuttingDown).await;
                return Ending::Shutdown;
            }
            frame = outbound.recv() => match frame {
                Some(bytes) => {
                    if let Err(ending) = write(ws, Message::Binary(bytes)).await {
                        return ending;
                    }
                }
                None => return Ending::TooSlow,
            },
            inbound = next_binary(ws) => {
                let bytes = match inbound {
                    Ok(bytes) => bytes,
                    Err(ending) => return ending,
                };
                let msg = match decode_client(&bytes) {
                    Ok(msg) => msg,
                    Err(error) => return decode_error(error),
                };
                match msg {
                    ClientMsg::Input(frame) => {
                        let input = match ValidInput::try_from_frame(&frame) {
                            Ok(input) => input,
                            Err(error) => {
                                tracing::debug!(player = player.0, %error, "invalid input");
                                return Ending::violation(CloseCode::Invalid, "input out of range");
                            }
                        };
                        if room.inbox.send(RoomCommand::Input { player, seq: frame.seq, input }).await.is_err() {
                            return Ending::Shutdown;
                        }
                    }
                    ClientMsg::Ping { nonce } => {
                        if let Err(ending) = send(ws, &ServerMsg::Pong { nonce }).await {
                            return ending;
                        }
                    }
                    ClientMsg::Leave => return Ending::Left,
                    ClientMsg::Hello { .. } => return Ending::violation(CloseCode::Policy, "Hello sent twice"),
                }
            }
        }
    }
}

/// The next binary frame's payload. Text frames are a violation (1003); protocol pings are
/// answered by tungstenite itself; a close frame or EOF ends the session.
async fn next_binary<S>(ws: &mut WebSocketStream<S>) -> Result<Bytes, Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match ws.next().await {
            None => return Err(Ending::PeerClosed),
            Some(Err(error)) => return Err(classify_read_error(error)),
            Some(Ok(Message::Binary(bytes))) => return Ok(bytes),
            Some(Ok(Message::Text(_))) => return Err(Ending::violation(CloseCode::Unsupported, "text frames are not supported; send binary")),
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
        Err(_) => Err(Ending::violation(CloseCode::Policy, "write timeout")),
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
