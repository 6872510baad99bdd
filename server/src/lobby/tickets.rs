//! Resume tickets: what a [`ResumeToken`] stands for. A ticket is issued with every Welcome,
//! lives while its connection does, starts a resume window when the link drops, and is used up
//! by a resume (which issues the next one) or revoked when the player leaves on purpose.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use driftfire_shared::protocol::{PlayerId, ResumeToken};

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
    pub fn issue(&self, player: PlayerId, room: &RoomHandle) -> ResumeToken {
        let mut token = ResumeToken([0; 16]);
        random_bytes(&mut token.0);
        let now = Instant::now();
        let mut tickets = self.tickets.lock().expect("tickets lock");
        // Forget tickets whose window has passed (their rooms have removed those players).
        tickets.retain(|_, t| t.expires.is_none_or(|at| at > now));
        tickets.insert(token, Ticket { player, room: room.clone(), expires: None });
        token
    }

    /// Starts the resume window of a dropped player's ticket.
    pub fn start_window(&self, token: &ResumeToken) {
        if let Some(ticket) = self.tickets.lock().expect("tickets lock").get_mut(token) {
            ticket.expires = Some(Instant::now() + self.window);
        }
    }

    /// Cancels a ticket (the player left on purpose or moved rooms).
    pub fn revoke(&self, token: &ResumeToken) {
        self.tickets.lock().expect("tickets lock").remove(token);
    }

    /// Takes the ticket for `token` if it is known and its window has not passed. Single use:
    /// a resumed session gets a new token.
    pub fn redeem(&self, token: &ResumeToken) -> Option<Ticket> {
        let ticket = self.tickets.lock().expect("tickets lock").remove(token)?;
        ticket.expires.is_none_or(|at| at > Instant::now()).then_some(ticket)
    }
}
