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
//! | `driftfire:session:{id}` | string, the owning server's public URL | when a player drops (their resume window starts) | the resume window |
//! | `driftfire:record:{id}` | string, JSON [`StoredRecord`](super::StoredRecord): name, score, kills, deaths | each heartbeat, for every player (`SET … EX`) | the resume window; taken (`GETDEL`) when restored |
//!
//! A session's `{id}` is the hex of the first 8 of its resume token's 16 bytes: enough to find
//! the owner, useless for taking the session over (that needs all 16).

use driftfire_shared::protocol::ResumeToken;

/// The set of every registered server id.
pub const SERVERS: &str = "driftfire:servers";

/// The pub/sub channel of operator announcements.
pub const ANNOUNCE: &str = "driftfire:announce";

/// The registry entry of server `id`.
pub fn server(id: &str) -> String {
    format!("driftfire:server:{id}")
}

/// Where a dropped session waits for its player, keyed by its [`session_id`].
pub fn session(token: &ResumeToken) -> String {
    format!("driftfire:session:{}", session_id(token))
}

/// The public half of a resume token: hex of its first 8 bytes.
pub fn session_id(token: &ResumeToken) -> String {
    token.0[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A player's record (name and tally), keyed by its [`session_id`].
pub fn record(token: &ResumeToken) -> String {
    format!("driftfire:record:{}", session_id(token))
}

/// The secret half of a resume token, as a record keeps it to check a claim: hex of its last 8
/// bytes.
pub fn token_check(token: &ResumeToken) -> String {
    token.0[8..].iter().map(|b| format!("{b:02x}")).collect()
}
