//! Server settings, filled from command-line flags and environment variables by `main.rs`.

use std::path::PathBuf;
use std::time::Duration;

use driftfire_shared::sim::DEFAULT_TICK_HZ;

/// Everything the server can be told. `Default` gives the documented defaults.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Simulation and snapshot rate of every room, ticks per second.
    pub tick_hz: u16,
    /// Players per room; quick play opens another room when all are full. 50 fills the
    /// 4,000-unit arena without crowding it.
    pub max_players_per_room: usize,
    /// Most rooms at once; with all full, new players get `ServerFull`.
    pub max_rooms: usize,
    /// Directory with the built web client (index.html and the wasm bundle), served at `/`.
    pub web_dir: Option<PathBuf>,
    /// A connection that has not sent Hello within this time is closed.
    pub handshake_timeout: Duration,
    /// Seed for room simulations; each room derives its own from it.
    pub seed: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            tick_hz: DEFAULT_TICK_HZ,
            max_players_per_room: 50,
            max_rooms: 64,
            web_dir: None,
            handshake_timeout: Duration::from_secs(5),
            seed: 0x0D21_F7F1_2E00,
        }
    }
}
