//! What every HTTP handler and connection task shares.

use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::rooms::Rooms;

/// Shared server state, behind an `Arc`.
#[derive(Debug)]
pub struct ServerState {
    /// Settings.
    pub config: ServerConfig,
    /// All rooms.
    pub rooms: Rooms,
    /// Cancelled once when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Every connection and room task, so shutdown can wait for them.
    pub tasks: TaskTracker,
    /// When the server started.
    pub started: Instant,
    /// Open WebSocket connections (in handshake or playing).
    pub connections: AtomicUsize,
    /// Connection limits, in total and per address.
    pub admission: std::sync::Arc<crate::admission::Admission>,
}
