//! Driftfire's shared core: the wire protocol, its codec and the deterministic game simulation.
//!
//! The server runs the simulation authoritatively; the client predicts its own ship by replaying
//! the same per-ship rule functions the server's systems call. Nothing here knows about sockets, async runtimes or rendering.
//!
//! # Layout
//! - [`advert`]: finding a server's WebTransport endpoint from its game-socket URL.
//! - [`protocol`]: `ClientMsg` / `ServerMsg`, the messages that cross the wire,
//!   [`protocol::PROTOCOL_VERSION`], and the disconnect contract ([`protocol::close`]).
//! - [`codec`]: the only place that turns messages into bytes and back (bincode, size-limited).
//! - [`delta`]: compact snapshots: grid-quantized entities as bit-packed deltas per client.
//! - [`snapshot`]: decoded snapshots, the one reader of snapshot frames, and the server's
//!   readout of its world onto the wire's grid.
//! - [`input`]: validation of player input before it may reach the simulation.
//! - [`replay`]: the replay file format (a room's recorded stream, with a keyframe index).
//! - [`sim`]: bevy_ecs components, resources and systems for the game rules, run at a fixed `dt`.

pub mod advert;
pub mod codec;
pub mod delta;
pub mod input;
pub mod protocol;
pub mod replay;
pub mod sim;
pub mod snapshot;
