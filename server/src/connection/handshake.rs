//! From an open socket to a [`Seat`]: wait for Hello (answering room-list and hall-of-fame
//! requests meanwhile),
//! check its version and name, then resume the player's dropped session or seat them where
//! they asked.

use driftfire_shared::input::{InputError, sanitize_name};
use driftfire_shared::protocol::{
    BOARD_SIZE, Board, ClientMsg, DisconnectReason, PROTOCOL_VERSION, Period, PlayerId, Redirect, RejectReason, Reply, RequestId,
    ResumeOutcome, RoomTarget, ServerMsg, Violation,
};
use std::net::IpAddr;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

use super::socket::{Inbound, Socket};
use super::{Ending, Seat};
use crate::fleet::{RecordLookup, Seating};
use crate::lobby::tickets::{Owner, Redeemed};
use crate::metrics::OutcomeLabel;
use crate::room::{OUTBOUND_QUEUE, RoomCommand, RoomHandle, Tally};
use crate::state::ServerState;

/// Waits for Hello, checks it, and resumes the player's dropped session or seats them where
/// they asked. A refusal has sent `Rejected` by the time it returns. `owner` is this
/// connection's liveness handle, for the tickets it is issued; `from` the client's address.
pub(super) async fn handshake(socket: &mut Socket, state: &ServerState, owner: Owner, from: IpAddr) -> Result<Seat, Ending> {
    let (version, name, target, resume) = loop {
        // A title screen may keep asking for the room list; each valid request restarts the
        // clock, but a socket that says nothing useful is closed.
        let received = tokio::select! {
            () = state.shutdown.cancelled() => return Err(Ending::Server(DisconnectReason::ShuttingDown)),
            read = timeout(state.config.handshake_timeout, socket.recv_first()) => {
                read.map_err(|_| Ending::from(Violation::HandshakeTimeout))?
            }
        };
        let msg = match received {
            Ok(msg) => msg,
            // Another build's Hello: answer with the version mismatch it needs to show.
            Err(Ending::Server(DisconnectReason::Rejected(reason))) => return Err(reject(socket, reason).await),
            Err(ending) => return Err(ending),
        };
        match msg {
            Inbound::Other(ClientMsg::Hello { version, name, room, resume }) => break (version, name, room, resume),
            Inbound::Other(ClientMsg::ListRooms { request }) => socket.send(&room_list(state, request)).await?,
            Inbound::Other(ClientMsg::HallOfFame { request, period }) => socket.send(&hall_of_fame(state, request, period).await).await?,
            _ => return Err(Violation::FirstMessageNotHello.into()),
        }
    };
    let admitted = if version != PROTOCOL_VERSION {
        Err(RejectReason::VersionMismatch { server: PROTOCOL_VERSION, client: version })
    } else {
        sanitize_name(&name).map_err(|error| match error {
            InputError::MixedScripts => RejectReason::MixedScripts,
            _ => RejectReason::InvalidName,
        })
    };
    let name = match admitted {
        Ok(name) => name,
        Err(reason) => return Err(reject(socket, reason).await),
    };
    let mut outcome = ResumeOutcome::Fresh;
    // A token no live server of the fleet holds: its server may have died, leaving a record.
    let mut orphaned = None;
    if let Some(token) = resume {
        let ticket = match state.lobby.tickets.redeem(&token) {
            Redeemed::Ticket(ticket) => Some(ticket),
            // The session's connection may be alive: a reload has closed it (the probe finds
            // nobody), a cut link cannot answer within the deadline, but a live player does,
            // and then this newcomer (a copied token) takes nothing over.
            Redeemed::Live(session_owner) => {
                if owner_answers(&session_owner).await {
                    state.services.metrics.resume_refused();
                    return Err(Ending::Server(DisconnectReason::SessionInUse));
                }
                state.lobby.tickets.take(&token)
            }
            Redeemed::Unknown => {
                // Another server of the fleet may hold it (the page was reloaded from there).
                if let Some(fleet) = state.fleet.as_ref()
                    && let Some(url) = fleet.session_owner(&token).await
                {
                    tracing::debug!(%url, "resume token belongs to another server: redirected");
                    socket.send(&ServerMsg::Redirect(Redirect { url, room: target })).await?;
                    return Err(Ending::Server(DisconnectReason::Redirected));
                }
                orphaned = state.fleet.is_some().then_some(token);
                None
            }
        };
        match ticket {
            Some(ticket) => {
                let (outbound_tx, outbound) = mpsc::channel(OUTBOUND_QUEUE);
                let attach = state.lobby.new_attach_id();
                let token = state.lobby.tickets.issue(ticket.player, &ticket.room, &owner);
                let (reply, resumed) = oneshot::channel();
                let datagrams = socket.has_datagrams();
                let command = RoomCommand::Resume { player: ticket.player, outbound: outbound_tx, attach, token, datagrams, reply };
                if ticket.room.inbox.send(command).await.is_ok() && resumed.await == Ok(true) {
                    state.services.metrics.resumed(ResumeOutcome::Resumed);
                    return Ok(Seat { player: ticket.player, name, room: ticket.room, attach, token, outbound, owner, datagrams });
                }
                state.lobby.tickets.revoke(&token);
                outcome = ResumeOutcome::Expired;
            }
            None => outcome = ResumeOutcome::Expired,
        }
        state.services.metrics.resumed(outcome);
    }
    // A player whose server died is seated by the server they reached, which is alive: the
    // directory may list the dead server's rooms for a few seconds more (a code still goes to
    // its room, wherever that lives on).
    let target = match target {
        RoomTarget::QuickPlay if orphaned.is_some() => RoomTarget::QuickPlayHere,
        other => other,
    };
    if let Seating::Elsewhere(redirect) = state.lobby.placement(&target) {
        tracing::debug!(url = %redirect.url, room = ?redirect.room, "redirected to another server");
        socket.send(&ServerMsg::Redirect(redirect)).await?;
        return Err(Ending::Server(DisconnectReason::Redirected));
    }
    let room = match state.lobby.seat(&target, from) {
        Ok(room) => room,
        Err(reason) => return Err(reject(socket, reason).await),
    };
    // Seated here: a crashed server's player gets the standing it recorded (taken only now, so
    // a redirect above carries the token, and the record, to the server that seats them).
    let mut restored = None;
    if let (Some(token), Some(fleet)) = (orphaned, state.fleet.as_ref()) {
        let lookup = fleet.take_record(&token, &name).await;
        // No record is also every old token's fate (a reload after the resume window): counted
        // with the resumes (`expired`), not as a failover.
        if lookup != RecordLookup::Missing {
            state.services.metrics.failovers.get_or_create(&OutcomeLabel { outcome: lookup.label() }).inc();
        }
        if let RecordLookup::Found(record) = lookup {
            outcome = ResumeOutcome::Restored;
            restored = Some(record.tally);
        }
    }
    let player = state.lobby.new_player_id();
    join(state, player, name, room, Entry { resume: outcome, restored }, owner, socket.has_datagrams()).await
}

/// How a player enters a room: the Welcome's resume outcome, and a restored standing.
pub(super) struct Entry {
    /// Goes into Welcome.
    pub resume: ResumeOutcome,
    /// A crashed server's record of them.
    pub restored: Option<Tally>,
}

/// How long the connection that owns a session has to prove it is alive (its client answers a
/// protocol ping) before a newcomer with its token takes the session over.
const OWNER_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether the connection behind `owner` proves within [`OWNER_PROBE_TIMEOUT`] that its client
/// still reads and answers. A closed connection answers `false` at once; a full probe queue
/// means other probes are pending on a live connection, so it counts as an answer.
async fn owner_answers(owner: &Owner) -> bool {
    let (probe, answer) = oneshot::channel();
    match owner.try_send(probe) {
        Ok(()) => matches!(timeout(OWNER_PROBE_TIMEOUT, answer).await, Ok(Ok(()))),
        Err(mpsc::error::TrySendError::Full(_)) => true,
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

/// Sends Rejected and says how the connection ends.
async fn reject(socket: &mut Socket, reason: RejectReason) -> Ending {
    let _ = socket.send(&ServerMsg::Rejected { reason: reason.clone() }).await;
    Ending::Server(DisconnectReason::Rejected(reason))
}

/// Enters a room whose seat is reserved; the room sends Welcome on the new outbound queue.
pub(super) async fn join(
    state: &ServerState,
    player: PlayerId,
    name: String,
    room: RoomHandle,
    entry: Entry,
    owner: Owner,
    datagrams: bool,
) -> Result<Seat, Ending> {
    let Entry { resume, restored } = entry;
    let (outbound_tx, outbound) = mpsc::channel(OUTBOUND_QUEUE);
    let attach = state.lobby.new_attach_id();
    let token = state.lobby.tickets.issue(player, &room, &owner);
    let command = RoomCommand::Join { player, name: name.clone(), outbound: outbound_tx, attach, token, resume, datagrams, restored };
    if room.inbox.send(command).await.is_err() {
        state.lobby.tickets.revoke(&token);
        return Err(Ending::Server(DisconnectReason::ShuttingDown));
    }
    Ok(Seat { player, name, room, attach, token, outbound, owner, datagrams })
}

/// The answer to a hall-of-fame request: the board's top [`BOARD_SIZE`], read off the async
/// runtime (the store blocks). An unavailable hall of fame answers an empty board that says so.
pub(super) async fn hall_of_fame(state: &ServerState, request: RequestId, period: Period) -> ServerMsg {
    let store = state.services.hall_of_fame.clone();
    let read = tokio::task::spawn_blocking(move || store.top(period, BOARD_SIZE)).await;
    let board = match read {
        Ok(Ok(entries)) => Board { period, entries, available: true },
        Ok(Err(error)) => {
            tracing::debug!(%error, period = period.as_str(), "hall of fame read failed");
            Board { period, entries: Vec::new(), available: false }
        }
        Err(error) => {
            tracing::warn!(%error, "hall of fame read task failed");
            Board { period, entries: Vec::new(), available: false }
        }
    };
    ServerMsg::Reply { request, reply: Reply::HallOfFame(board) }
}

/// The answer to a room-list request.
pub(super) fn room_list(state: &ServerState, request: RequestId) -> ServerMsg {
    ServerMsg::Reply { request, reply: Reply::Rooms(state.lobby.list()) }
}
