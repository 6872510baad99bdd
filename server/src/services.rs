//! What rooms and connections report to: the metrics registry, the hall of fame and the
//! server-wide player ids. The bottom layer: it imports nothing of the server but those two.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use driftfire_shared::protocol::PlayerId;

use crate::hall_of_fame::HallOfFame;
use crate::metrics::Metrics;

/// Cheap to clone (every field is a shared handle).
#[derive(Clone, Debug)]
pub struct Services {
    /// Prometheus metrics (`/metrics` on the admin listener).
    pub metrics: Arc<Metrics>,
    /// Where ended lives are recorded and boards read.
    pub hall_of_fame: HallOfFame,
    /// The next player id: players and AI pilots of every room draw from it, so ids are
    /// unique on the server.
    player_ids: Arc<AtomicU32>,
}

impl Services {
    /// Services around `metrics` and `hall_of_fame`; player ids start at 1 (0 is never anyone).
    pub fn new(metrics: Arc<Metrics>, hall_of_fame: HallOfFame) -> Self {
        Self { metrics, hall_of_fame, player_ids: Arc::new(AtomicU32::new(1)) }
    }

    /// A fresh player id, never reused while the server runs.
    pub fn new_player_id(&self) -> PlayerId {
        PlayerId(self.player_ids.fetch_add(1, Ordering::Relaxed))
    }
}
