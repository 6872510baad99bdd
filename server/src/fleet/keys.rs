//! The Redis key layout of a fleet, in one place (the README's "Running several servers"
//! section shows the same table). Redis 7.0 has no per-field expiry, so everything that must
//! vanish with a dead server is its own key with its own TTL, and the one set that indexes
//! them is cleaned by the readers.
//!
//! | key | type | written | expires |
//! |---|---|---|---|
//! | `driftfire:servers` | set of server ids | each heartbeat (`SADD`) | never; readers `SREM` ids whose entry expired |
//! | `driftfire:server:{id}` | string, JSON [`ServerEntry`](super::ServerEntry) (its rooms included) | each heartbeat (`SET … EX`) | [`ENTRY_TTL`](super::ENTRY_TTL) (8 s) |
//! | `driftfire:announce` | pub/sub channel, JSON `{from, text}` | `POST /api/announce` on any server | — |

/// The set of every registered server id.
pub const SERVERS: &str = "driftfire:servers";

/// The pub/sub channel of operator announcements.
pub const ANNOUNCE: &str = "driftfire:announce";

/// The registry entry of server `id`.
pub fn server(id: &str) -> String {
    format!("driftfire:server:{id}")
}
