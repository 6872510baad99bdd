//! Server settings, filled from command-line flags and environment variables by `main.rs`.

use std::path::PathBuf;
use std::time::Duration;

use driftfire_shared::sim::DEFAULT_TICK_HZ;

use crate::conditioner::LinkConditions;

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
    /// Simulated bad network on every connection (testing and demos); perfect by default.
    pub link: LinkConditions,
    /// Most bytes of entity data in one snapshot for one client (0 = no limit). When more
    /// changed, the nearest and fastest go first and the rest follow on the next ticks.
    /// 1,000 bytes a tick (30 KB/s) never binds in normal play (a crowded view is ~200 bytes)
    /// but spreads a join's full snapshot in a crowd over a few ticks.
    pub snapshot_budget_bytes: usize,
    /// Width and height of each room's arena, world units.
    pub arena_side: f32,
    /// Most WebSocket connections at once (0 = no cap); more are closed with 1013.
    pub max_connections: usize,
    /// Most connections from one address (0 = no cap). 32 leaves room for players behind one
    /// NAT (a school, a LAN party); load tests from one machine pass 0.
    pub max_conns_per_ip: usize,
    /// The server sends a protocol ping this often.
    pub ping_interval: Duration,
    /// A client silent this long (not even a pong) is dropped.
    pub idle_timeout: Duration,
    /// Bearer token for `POST /api/announce`; without one, announcements are disabled.
    pub admin_token: Option<String>,
    /// A dropped player's ship, score and seat wait this long for them to resume.
    pub resume_window: Duration,
    /// A room with no players for this long closes and frees its memory.
    pub room_idle_close: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            tick_hz: DEFAULT_TICK_HZ,
            max_players_per_room: 50,
            max_rooms: 64,
            web_dir: None,
            handshake_timeout: Duration::from_secs(10),
            seed: 0x0D21_F7F1_2E00,
            link: LinkConditions::default(),
            snapshot_budget_bytes: 1000,
            arena_side: 4000.0,
            max_connections: 10_000,
            max_conns_per_ip: 32,
            ping_interval: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(15),
            admin_token: None,
            resume_window: Duration::from_secs(driftfire_shared::protocol::RESUME_WINDOW_SECS),
            room_idle_close: Duration::from_secs(60),
        }
    }
}
