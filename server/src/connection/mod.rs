//! One player's connection, from upgrade to close: [`serve`] runs the handshake, then the
//! session, then closes with the [`Ending`]'s reason; [`refuse`] turns away a socket the
//! admission limits would not take.
//!
//! - [`socket`]: the [`Socket`] that owns the connection (decode and validate, encode and
//!   send, close, link conditioner, rate limit, last heard); [`wire`]: the transport under it,
//!   a WebSocket or a WebTransport session.
//! - `handshake`: Hello → version and name checks → resume or seat → [`Seat`].
//! - `session`: the play loop: inputs, chat, pings and room moves → `RoomCommand`s.
//!
//! Every connection the server ends gets `ServerMsg::Disconnect` with its reason just before
//! the close frame (see `driftfire_shared::protocol::close`). Protocol violations close only
//! this socket and are logged at debug: bad input from the network is expected, not an error
//! of the server.

mod h3_datagram;
mod handshake;
mod session;
pub mod socket;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use driftfire_shared::protocol::{DisconnectReason, PlayerId, ResumeToken, Violation};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::admission::Refusal;
use crate::lobby::tickets::Owner;
use crate::metrics::Metrics;
use crate::room::{AttachId, RoomCommand, RoomHandle};
use crate::state::ServerState;
use socket::Socket;
use wire::Wire;

/// Why a connection ended.
#[derive(Debug, thiserror::Error)]
pub enum Ending {
    /// The link died: there is nobody left to send a close frame to.
    #[error("link died: {0}")]
    LinkDied(#[from] LinkDeath),
    /// The server ends the connection: the reason goes out as `ServerMsg::Disconnect` and as
    /// the close frame's code and text.
    #[error("{0}")]
    Server(DisconnectReason),
}

/// How a link died.
#[derive(Debug, thiserror::Error)]
pub enum LinkDeath {
    /// The peer sent its close frame, or the stream ended (with or without one).
    #[error("peer closed")]
    PeerClosed,
    /// Reading or writing failed.
    #[error("transport error: {0}")]
    Transport(#[from] WsError),
}

impl From<Violation> for Ending {
    fn from(violation: Violation) -> Self {
        Self::Server(DisconnectReason::Violation(violation))
    }
}

impl Ending {
    /// Whether the player's ship, score and seat wait for them to resume: the link died, or
    /// the reason tells the client to come back ([`DisconnectReason::may_resume`]).
    fn keeps_seat(&self) -> bool {
        match self {
            Self::LinkDied(_) => true,
            Self::Server(reason) => reason.may_resume(),
        }
    }
}

/// A player's place: who, in which room, through which connection.
struct Seat {
    player: PlayerId,
    /// The name the player asked for (cleaned), for moving rooms.
    name: String,
    room: RoomHandle,
    attach: AttachId,
    token: ResumeToken,
    outbound: mpsc::Receiver<Bytes>,
    /// This connection's liveness handle, which every ticket it is issued holds.
    owner: Owner,
    /// Snapshots go out as datagrams (WebTransport).
    datagrams: bool,
}

/// Probes from newcomers presenting this connection's resume token, waiting at once.
const PROBE_QUEUE: usize = 4;

/// Drives one accepted connection (either transport) to the end.
pub async fn serve(wire: Wire, peer: SocketAddr, state: Arc<ServerState>) {
    let metrics = state.services.metrics.clone();
    metrics.sockets_opened.inc();
    let _open = metrics.socket_open(wire.name());
    let mut socket = Socket::new(wire, metrics.clone());
    tracing::debug!(%peer, transport = socket.transport(), "connection opened");
    let (owner, mut probes) = mpsc::channel(PROBE_QUEUE);
    let ending = match handshake::handshake(&mut socket, &state, owner, peer.ip()).await {
        Ok(mut seat) => {
            let ending = session::play(&mut socket, &state, &mut seat, &mut probes, peer.ip()).await;
            // Always tell the room, whatever ended the session; awaiting a send keeps it lossless.
            let Seat { player, room, attach, token, .. } = seat;
            if ending.keeps_seat() {
                state.lobby.tickets.start_window(&token);
                if let Some(fleet) = state.fleet.as_ref() {
                    fleet.note_session_dropped(&token, state.config.resume_window);
                }
                let _ = room.inbox.send(RoomCommand::Detach { player, attach }).await;
            } else {
                state.lobby.tickets.revoke(&token);
                let _ = room.inbox.send(RoomCommand::Leave { player, attach }).await;
            }
            ending
        }
        Err(ending) => ending,
    };
    match &ending {
        Ending::LinkDied(_) | Ending::Server(DisconnectReason::Left | DisconnectReason::ShuttingDown) => {
            tracing::debug!(%peer, %ending, "connection ended")
        }
        Ending::Server(_) => tracing::debug!(%peer, %ending, "connection closed by server"),
    }
    match ending {
        Ending::Server(reason) => {
            metrics.disconnected(Some(&reason));
            socket.close(reason).await;
        }
        Ending::LinkDied(_) => metrics.disconnected(None),
    }
}

/// Closes a connection the server would not admit, with the fitting reason.
pub async fn refuse(wire: Wire, peer: SocketAddr, refusal: Refusal, metrics: Arc<Metrics>) {
    tracing::debug!(%peer, %refusal, transport = wire.name(), "connection refused");
    let reason = refusal.reason();
    metrics.sockets_opened.inc();
    metrics.disconnected(Some(&reason));
    wire.close(reason).await;
}

#[cfg(test)]
mod tests {
    use driftfire_shared::protocol::{CloseCode, RejectReason};

    use super::*;

    /// Every way a connection ended before the typed reasons, with the close code it sent (none
    /// when the link died) and whether the ship waited for a resume (`None`: the ending comes
    /// only from the handshake, before there is a ship), as a table: the typed contract must say
    /// the same.
    fn endings_before_the_contract() -> Vec<(Ending, Option<u16>, Option<bool>)> {
        use DisconnectReason as R;
        let mut table = vec![
            (Ending::LinkDied(LinkDeath::PeerClosed), None, Some(true)),
            (Ending::LinkDied(LinkDeath::Transport(WsError::Io(std::io::ErrorKind::BrokenPipe.into()))), None, Some(true)),
            (Ending::Server(R::Left), Some(1000), Some(false)),
            (Ending::Server(R::ShuttingDown), Some(1001), Some(false)),
            (Ending::Server(R::DroppedByRoom), Some(1008), Some(false)),
            (Ending::Server(R::IdleTimeout), Some(1008), Some(true)),
            (Ending::Server(R::WriteTimeout), Some(1008), Some(true)),
            (Ending::Server(R::NotReading), Some(1008), Some(true)),
            (Ending::Server(R::SessionInUse), Some(1008), None),
            (Ending::Server(R::Redirected), Some(1000), None),
            (Ending::Server(R::Rejected(RejectReason::TooManyRooms)), Some(1008), None),
            (Ending::Server(R::Rejected(RejectReason::ServerFull)), Some(1013), None),
            (Ending::Server(R::Rejected(RejectReason::InvalidName)), Some(1008), None),
            (Ending::Server(R::Rejected(RejectReason::MixedScripts)), Some(1008), None),
            (Ending::Server(R::Rejected(RejectReason::RoomFull)), Some(1008), None),
            (Ending::Server(R::Rejected(RejectReason::RoomNotFound)), Some(1008), None),
            (Ending::Server(R::Rejected(RejectReason::BadRoomCode)), Some(1008), None),
            (Ending::Server(R::Rejected(RejectReason::VersionMismatch { server: 5, client: 4 })), Some(1008), None),
        ];
        let violations = [
            (Violation::HandshakeTimeout, 1008, None),
            (Violation::FirstMessageNotHello, 1008, None),
            (Violation::HelloTwice, 1008, Some(false)),
            (Violation::RateLimited, 1008, Some(false)),
            (Violation::InputOutOfRange, 1007, Some(false)),
            (Violation::Undecodable, 1007, Some(false)),
            (Violation::TooBig, 1009, Some(false)),
            (Violation::TextFrame, 1003, Some(false)),
            (Violation::WebSocketProtocol, 1002, Some(false)),
            (Violation::InvalidUtf8, 1007, Some(false)),
        ];
        table.extend(violations.map(|(v, code, kept)| (Ending::from(v), Some(code), kept)));
        table
    }

    #[test]
    fn every_ending_keeps_its_close_code_and_seat_decision_and_agrees_with_may_resume() {
        for (ending, code, kept) in endings_before_the_contract() {
            if let Some(kept) = kept {
                assert_eq!(ending.keeps_seat(), kept, "{ending:?}");
            }
            match &ending {
                Ending::LinkDied(_) => assert_eq!(code, None, "a dead link sends no close frame"),
                Ending::Server(reason) => {
                    assert_eq!(Some(reason.close_code().0), code, "{reason:?}");
                    // The client obeys `may_resume`: a seat is kept exactly when the client
                    // comes back for it (a seatless ending such as a refused Hello aside).
                    if kept.is_some() {
                        assert_eq!(ending.keeps_seat(), reason.may_resume(), "{reason:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_table_covers_every_reason_a_connection_can_end_with() {
        let table = endings_before_the_contract();
        let covered = |reason: &DisconnectReason| {
            table.iter().any(|(ending, ..)| match (ending, reason) {
                (Ending::Server(DisconnectReason::Rejected(a)), DisconnectReason::Rejected(b)) => {
                    std::mem::discriminant(a) == std::mem::discriminant(b)
                }
                (Ending::Server(a), b) => a == b,
                _ => false,
            })
        };
        for reason in DisconnectReason::examples() {
            // Admission refusals happen before a connection exists (see `refuse`).
            if matches!(reason, DisconnectReason::ServerBusy | DisconnectReason::TooManyConnections) {
                continue;
            }
            assert!(covered(&reason), "{reason:?} has no row");
        }
        // Refusals are told with the codes they always had.
        assert_eq!(Refusal::ServerFull.reason().close_code(), CloseCode::TRY_AGAIN_LATER);
        assert_eq!(Refusal::PerAddress.reason().close_code(), CloseCode::POLICY);
    }
}
