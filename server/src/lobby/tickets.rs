//! Resume tickets: what a [`ResumeToken`] stands for. A ticket is issued with every Welcome,
//! lives while its connection does, starts a resume window when the link drops, and is used up
//! by a resume (which issues the next one) or revoked when the player leaves on purpose.
//!
//! While its connection lives, a ticket holds that connection's [`Owner`] handle: a token
//! presented then is only honoured if the owner cannot prove it is alive (see
//! [`Redeemed::Live`]), so a copied token takes nothing from a connected player.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use driftfire_shared::protocol::{PlayerId, ResumeToken};
use tokio::sync::{mpsc, oneshot};
// Tokio's clock (the system's monotonic clock unless a test pauses it), the same one the rooms'
// resume windows run on, so a paused-time test sees both expire together.
use tokio::time::Instant;

use crate::room::RoomHandle;
use crate::secrets::random_bytes;

/// What a resume token stands for.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The player to bring back.
    pub player: PlayerId,
    /// Their room.
    pub room: RoomHandle,
    /// `None` while their connection lives; set when it drops.
    expires: Option<Instant>,
    /// The connection playing the ticket's session, while it lives.
    owner: Option<Owner>,
}

/// A liveness check sent to the connection that owns a session: it answers `()` once its
/// client has answered a protocol ping sent after the probe arrived; dropping the probe
/// unanswered means it could not prove it is alive.
pub type Probe = oneshot::Sender<()>;

/// Where a live connection takes [`Probe`]s.
pub type Owner = mpsc::Sender<Probe>;

/// What a presented token turned out to be.
#[derive(Debug)]
pub enum Redeemed {
    /// A dropped session's ticket, now used up.
    Ticket(Ticket),
    /// The session's connection still looks alive: probe it, and [`Tickets::take`] the ticket
    /// only if it does not answer.
    Live(Owner),
    /// Unknown, used up or expired.
    Unknown,
}

/// Every live ticket, by token.
#[derive(Debug)]
pub struct Tickets {
    tickets: Mutex<HashMap<ResumeToken, Ticket>>,
    /// How long a dropped player's ticket stays valid.
    window: Duration,
}

impl Tickets {
    /// No tickets yet; a dropped player's ticket is valid for `window`.
    pub fn new(window: Duration) -> Self {
        Self { tickets: Mutex::new(HashMap::new()), window }
    }

    /// A new resume token for `player` in `room`, valid while they are connected and for the
    /// resume window after they drop.
    pub fn issue(&self, player: PlayerId, room: &RoomHandle, owner: &Owner) -> ResumeToken {
        let mut token = ResumeToken([0; 16]);
        random_bytes(&mut token.0);
        let now = Instant::now();
        let mut tickets = self.tickets.lock().expect("tickets lock");
        // Forget tickets whose window has passed (their rooms have removed those players).
        tickets.retain(|_, t| t.expires.is_none_or(|at| at > now));
        tickets.insert(token, Ticket { player, room: room.clone(), expires: None, owner: Some(owner.clone()) });
        token
    }

    /// Starts the resume window of a dropped player's ticket.
    pub fn start_window(&self, token: &ResumeToken) {
        if let Some(ticket) = self.tickets.lock().expect("tickets lock").get_mut(token) {
            ticket.expires = Some(Instant::now() + self.window);
            ticket.owner = None;
        }
    }

    /// Cancels a ticket (the player left on purpose or moved rooms).
    pub fn revoke(&self, token: &ResumeToken) {
        self.tickets.lock().expect("tickets lock").remove(token);
    }

    /// Takes the ticket for `token` if it is known, its window has not passed and its
    /// connection is gone; if that connection may still be alive, returns its [`Owner`] to
    /// probe first and leaves the ticket in place. Single use: a resumed session gets a new
    /// token.
    pub fn redeem(&self, token: &ResumeToken) -> Redeemed {
        let mut tickets = self.tickets.lock().expect("tickets lock");
        let Some(ticket) = tickets.get(token) else { return Redeemed::Unknown };
        if let Some(owner) = ticket.owner.as_ref().filter(|owner| !owner.is_closed()) {
            return Redeemed::Live(owner.clone());
        }
        let ticket = tickets.remove(token).expect("just found");
        if ticket.expires.is_none_or(|at| at > Instant::now()) { Redeemed::Ticket(ticket) } else { Redeemed::Unknown }
    }

    /// Takes the ticket for `token` whatever its connection's state (after a probe found that
    /// connection unable to answer), if it is still known and within its window.
    pub fn take(&self, token: &ResumeToken) -> Option<Ticket> {
        let ticket = self.tickets.lock().expect("tickets lock").remove(token)?;
        ticket.expires.is_none_or(|at| at > Instant::now()).then_some(ticket)
    }
}
