//! What every HTTP handler and connection task shares.

use std::sync::Arc;
use std::sync::atomic::AtomicU32;
use std::time::Instant;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::admission::Admission;
use crate::config::ServerConfig;
use crate::hall_of_fame::HallOfFame;
use crate::lobby::Lobby;
use crate::metrics::Metrics;

/// What rooms and connections report to: the metrics registry and the hall of fame. Cheap to
/// clone (both are shared handles).
#[derive(Clone, Debug)]
pub struct Services {
    /// Prometheus metrics (`/metrics` on the admin listener).
    pub metrics: Arc<Metrics>,
    /// Where ended lives are recorded and boards read.
    pub hall_of_fame: HallOfFame,
    /// The next player id: players and AI pilots of every room draw from it, so ids are
    /// unique on the server.
    pub player_ids: Arc<AtomicU32>,
}

/// Shared server state, behind an `Arc`.
#[derive(Debug)]
pub struct ServerState {
    /// Settings.
    pub config: ServerConfig,
    /// All rooms, player ids and resume tickets (and, with `--redis`, the fleet).
    pub lobby: Arc<Lobby>,
    /// Cancelled once when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Every connection and room task, so shutdown can wait for them.
    pub tasks: TaskTracker,
    /// When the server started.
    pub started: Instant,
    /// Connection limits, in total and per address; also the one count of open connections.
    pub admission: Arc<Admission>,
    /// Metrics and the hall of fame.
    pub services: Services,
}
