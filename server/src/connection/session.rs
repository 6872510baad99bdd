//! The play loop of a seated player: messages from the client become [`RoomCommand`]s (inputs,
//! chat) or answers (pings, room lists, room moves); the room's frames go to the socket; the
//! heartbeat pings a quiet client and drops a silent one; shutdown ends it all.

use driftfire_shared::input::sanitize_chat;
use driftfire_shared::protocol::{ClientMsg, DisconnectReason, RejectReason, Reply, ResumeOutcome, RoomTarget, ServerMsg, Violation};
use std::net::IpAddr;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, interval_at, sleep_until};

use super::handshake::{Entry, hall_of_fame, join, room_list};
use super::socket::{Inbound, Socket};
use super::{Ending, Seat};
use crate::fleet::Seating;
use crate::lobby::tickets::Probe;
use crate::rate_limit::{CHAT_BURST, CHAT_PER_SECOND, TokenBucket};
use crate::room::RoomCommand;
use crate::state::ServerState;

/// Runs the session until something ends it: the client, the room, the link or shutdown.
///
/// With a link conditioner configured, frames in both directions wait in the socket's delay
/// lines first; the room's queue is only drained while the downstream line has room, so a
/// capped link still backs up into the room, which drops a player who cannot keep up.
///
/// A client that keeps sending but stops reading never answers the heartbeat's protocol pings:
/// once one has waited `pong_timeout`, it is dropped (`NotReading`). Probes from a newcomer
/// with this session's token get a ping of their own and are answered once a pong arrives.
pub(super) async fn play(
    socket: &mut Socket,
    state: &ServerState,
    seat: &mut Seat,
    probes: &mut mpsc::Receiver<Probe>,
    from: IpAddr,
) -> Ending {
    socket.condition(state.config.link, u64::from(seat.player.0));
    let mut chat_bucket = TokenBucket::new(CHAT_PER_SECOND, CHAT_BURST, Instant::now());
    let ping_interval = state.config.ping_interval;
    let pong_timeout = state.config.pong_timeout;
    let mut heartbeat = interval_at(Instant::now() + ping_interval, ping_interval);
    // Probes waiting for a pong, with when their ping went out.
    let mut pending: Vec<(Instant, Probe)> = Vec::new();
    loop {
        let due = socket.next_due();
        let can_send = socket.can_send();
        let stalled_at = socket.unanswered_ping().map(|sent| sent + pong_timeout);
        answer_probes(socket, &mut pending);
        let step = tokio::select! {
            biased;
            () = state.shutdown.cancelled() => Err(Ending::Server(DisconnectReason::ShuttingDown)),
            // Pongs are read inside `recv`, which only returns with a message: look again.
            () = sleep_until(stalled_at.unwrap_or_else(Instant::now)), if stalled_at.is_some() => {
                match socket.unanswered_ping() {
                    Some(sent) if sent.elapsed() >= pong_timeout => Err(Ending::Server(DisconnectReason::NotReading)),
                    _ => Ok(()),
                }
            }
            () = tokio::time::sleep(PROBE_POLL), if !pending.is_empty() => Ok(()),
            Some(probe) = probes.recv() => {
                let sent = Instant::now();
                pending.push((sent, probe));
                socket.ping().await
            }
            _ = heartbeat.tick() => {
                // Proof of life: browsers answer protocol pings even in a hidden tab whose game
                // loop is paused, so only a dead link stays silent this long.
                if socket.silent_for() >= state.config.idle_timeout {
                    Err(Ending::Server(DisconnectReason::IdleTimeout))
                } else {
                    socket.ping().await
                }
            }
            () = sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => socket.flush_due().await,
            frame = seat.outbound.recv(), if can_send => match frame {
                Some(bytes) => socket.send_frame(bytes).await,
                // The room let go of this connection: too slow, or resumed elsewhere.
                None => Err(Ending::Server(DisconnectReason::DroppedByRoom)),
            },
            inbound = socket.recv() => match inbound {
                Ok(msg) => handle(socket, &mut chat_bucket, state, seat, msg, from).await,
                Err(ending) => Err(ending),
            },
        };
        if let Err(ending) = step {
            return ending;
        }
    }
}

/// How often pending probes look for a pong (pongs are consumed inside `Socket::recv`).
const PROBE_POLL: Duration = Duration::from_millis(20);

/// Answers the probes whose ping a pong has followed; drops those whose newcomer gave up.
fn answer_probes(socket: &Socket, pending: &mut Vec<(Instant, Probe)>) {
    for (_, probe) in pending.extract_if(.., |(sent, probe)| probe.is_closed() || socket.pong_since(*sent)) {
        let _ = probe.send(());
    }
}

/// Acts on one valid message from the player (after any simulated upstream delay).
async fn handle(
    socket: &mut Socket,
    chat_bucket: &mut TokenBucket,
    state: &ServerState,
    seat: &mut Seat,
    msg: Inbound,
    from: IpAddr,
) -> Result<(), Ending> {
    let player = seat.player;
    let room_gone = |_| Ending::Server(DisconnectReason::ShuttingDown);
    let msg = match msg {
        Inbound::Input { seq, input, view_tick, ack_tick } => {
            return seat.room.inbox.send(RoomCommand::Input { player, seq, input, view_tick, ack_tick }).await.map_err(room_gone);
        }
        Inbound::Other(msg) => msg,
    };
    match msg {
        ClientMsg::Ping { nonce } => socket.send(&ServerMsg::Pong { nonce }).await,
        ClientMsg::ListRooms { request } => socket.send(&room_list(state, request)).await,
        ClientMsg::HallOfFame { request, period } => socket.send(&hall_of_fame(state, request, period).await).await,
        ClientMsg::JoinRoom { request, target } => {
            let reply = move_rooms(state, seat, &target, from).await?;
            socket.send(&ServerMsg::Reply { request, reply }).await
        }
        ClientMsg::Leave => Err(Ending::Server(DisconnectReason::Left)),
        ClientMsg::Hello { .. } => Err(Violation::HelloTwice.into()),
        ClientMsg::Chat { text } => {
            if !chat_bucket.take(Instant::now()) {
                // Too chatty: the line is dropped and the sender told why; nobody else sees it.
                state.services.metrics.rejected("chat_rate_limited");
                let note = ServerMsg::Chat { from: None, text: "Slow down: at most 3 messages every 5 seconds.".into() };
                return socket.send(&note).await;
            }
            match sanitize_chat(&text) {
                Some(text) => seat.room.inbox.send(RoomCommand::Chat { player, text }).await.map_err(room_gone),
                None => Ok(()),
            }
        }
        // The socket hands every input over as `Inbound::Input`, checked.
        ClientMsg::Input(_) => Err(Violation::InputOutOfRange.into()),
    }
}

/// Leaves the current room for `target`'s, if it has a seat; otherwise stays.
async fn move_rooms(state: &ServerState, seat: &mut Seat, target: &RoomTarget, from: IpAddr) -> Result<Reply, Ending> {
    if let Seating::Elsewhere(redirect) = state.lobby.placement(target) {
        return Ok(Reply::Redirect(redirect));
    }
    let room = match state.lobby.seat(target, from) {
        Ok(room) => room,
        Err(RejectReason::RoomNotFound) => return Ok(Reply::NotFound),
        Err(RejectReason::BadRoomCode) => return Ok(Reply::BadCode),
        Err(_) => return Ok(Reply::Full),
    };
    state.lobby.tickets.revoke(&seat.token);
    let _ = seat.room.inbox.send(RoomCommand::Leave { player: seat.player, attach: seat.attach }).await;
    let entry = Entry { resume: ResumeOutcome::Fresh, restored: None };
    *seat = join(state, seat.player, seat.name.clone(), room, entry, seat.owner.clone(), seat.datagrams).await?;
    Ok(Reply::Joined)
}
