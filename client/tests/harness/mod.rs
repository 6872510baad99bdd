//! The one harness both client test binaries (`headless`, `netcode`) drive the client with: a
//! windowless Bevy app of the game's plugins, ways to step it and wait on it, the player's
//! input and the screen's texts, a scripted fake game server, and a game's worth of server
//! messages to feed it.

// Each test binary uses a part of the harness; what the other uses is not dead code.
#![allow(dead_code, unused_imports)]

mod app;
mod drive;
mod fake_server;
mod game;

pub use app::*;
pub use drive::*;
pub use fake_server::*;
pub use game::*;
