//! Connection limits: at most so many sockets in total and per client address, so one host
//! (or a botnet behind one NAT) cannot take every slot. Every accepted TCP connection is
//! counted, from accept to close, whether it stays plain HTTP or becomes a game socket: a
//! [`Slot`] holds its place for as long as the connection lives and gives it back when dropped.
//! The same count is the server's one figure of open connections.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use driftfire_shared::protocol::DisconnectReason;

/// Why a connection was not admitted. Its text is its [`reason`](Refusal::reason)'s, the one
/// the client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The server holds its maximum number of connections.
    #[error("{}", DisconnectReason::ServerBusy)]
    ServerFull,
    /// This address holds its maximum number of connections.
    #[error("{}", DisconnectReason::TooManyConnections)]
    PerAddress,
}

impl Refusal {
    /// How the refused connection is told (its `Disconnect` and close frame).
    pub fn reason(self) -> DisconnectReason {
        match self {
            Self::ServerFull => DisconnectReason::ServerBusy,
            Self::PerAddress => DisconnectReason::TooManyConnections,
        }
    }
}

/// One accepted connection's admission, shared by the requests on it: the game-socket upgrade
/// takes it (see [`Admitted::take`]) so the slot lives as long as the game socket.
#[derive(Debug, Clone)]
pub struct Admitted(Arc<Mutex<Option<Result<Slot, Refusal>>>>);

impl Admitted {
    /// The admission decided at accept time.
    pub fn new(decision: Result<Slot, Refusal>) -> Self {
        Self(Arc::new(Mutex::new(Some(decision))))
    }

    /// Why the connection was refused, if it was.
    pub fn refusal(&self) -> Option<Refusal> {
        match &*self.0.lock().expect("admitted lock") {
            Some(Err(refusal)) => Some(*refusal),
            _ => None,
        }
    }

    /// Takes the decision out (once; `None` afterwards), to move the slot into the task that
    /// outlives the HTTP connection.
    pub fn take(&self) -> Option<Result<Slot, Refusal>> {
        self.0.lock().expect("admitted lock").take()
    }
}

/// Counts open connections, in total and per address.
#[derive(Debug)]
pub struct Admission {
    max_total: usize,
    max_per_ip: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One admitted connection's place in the counts.
#[derive(Debug)]
pub struct Slot {
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Admission {
    /// Limits: `max_total` connections (0 = none), `max_per_ip` per address (0 = none).
    pub fn new(max_total: usize, max_per_ip: usize) -> Self {
        Self { max_total, max_per_ip, open: Mutex::new((0, HashMap::new())) }
    }

    /// Takes a slot for a connection from `ip`, if the limits allow.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refusal> {
        let mut open = self.open.lock().expect("admission lock");
        if self.max_total > 0 && open.0 >= self.max_total {
            return Err(Refusal::ServerFull);
        }
        let from_ip = open.1.get(&ip).copied().unwrap_or(0);
        if self.max_per_ip > 0 && from_ip >= self.max_per_ip {
            return Err(Refusal::PerAddress);
        }
        open.0 += 1;
        open.1.insert(ip, from_ip + 1);
        Ok(Slot { admission: self.clone(), ip })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.lock().expect("admission lock").0
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.admission.open.lock().expect("admission lock");
        open.0 = open.0.saturating_sub(1);
        if let Some(n) = open.1.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_hold_and_slots_come_back() {
        let admission = Arc::new(Admission::new(3, 2));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t1 = admission.admit(a).unwrap();
        let _t2 = admission.admit(a).unwrap();
        assert_eq!(admission.admit(a).unwrap_err(), Refusal::PerAddress);
        let _t3 = admission.admit(b).unwrap();
        assert_eq!(admission.admit(b).unwrap_err(), Refusal::ServerFull);
        drop(t1);
        assert_eq!(admission.open(), 2);
        assert!(admission.admit(a).is_ok());
    }

    #[test]
    fn refusals_are_told_as_their_disconnect_reasons() {
        assert_eq!(Refusal::ServerFull.reason(), DisconnectReason::ServerBusy);
        assert_eq!(Refusal::PerAddress.reason(), DisconnectReason::TooManyConnections);
        // The same words as before the typed reasons, for logs and the close frame.
        assert_eq!(Refusal::ServerFull.reason().to_string(), Refusal::ServerFull.to_string());
        assert_eq!(Refusal::PerAddress.reason().to_string(), Refusal::PerAddress.to_string());
    }

    #[test]
    fn zero_means_no_cap() {
        let admission = Arc::new(Admission::new(0, 0));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let slots: Vec<Slot> = (0..1000).map(|_| admission.admit(ip).unwrap()).collect();
        assert_eq!(admission.open(), slots.len());
    }
}
