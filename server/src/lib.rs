//! Driftfire's authoritative game server.
//!
//! One port serves the web client, `/healthz`, `/api/status` and the `/ws` game socket. Every
//! room runs its own fixed-tick simulation; connection tasks talk to rooms only through bounded
//! channels and never touch a `World`.
//!
//! # Layout
//! - `main.rs`: flags, logging, bind, [`run`]; [`config`]: [`ServerConfig`], every default
//!   once, and the flags that fill it.
//! - `state`: what every task shares (config, lobby, admission, shutdown token).
//! - `http`: routes, static files, announcements, the WebSocket upgrade; `status`: the
//!   `/api/status` and `/api/rooms` JSON.
//! - `admission` / `rate_limit`: connection caps (total, per address: the one connection count)
//!   and a per-client token bucket.
//! - `connection`: one socket from upgrade to close: `connection/socket.rs` (the socket that
//!   decodes, validates, sends and closes), `handshake.rs` (Hello → seat), `session.rs` (the
//!   play loop); every ending is a typed `DisconnectReason`.
//! - `lobby`: the room registry (quick play, codes, list, announcements, ids) and, in
//!   `lobby/tickets.rs`, resume tickets.
//! - `room`: a room's world and players: `room/tick.rs` (the fixed-rate loop),
//!   `membership.rs`, `inputs.rs` (jitter buffer), `snapshots.rs` (interest and delta per client).
//! - [`conditioner`]: simulated latency, jitter and bandwidth caps for tests and demos.
//! - `metrics`: recent tick durations, percentiles and snapshot totals.
//! - `secrets`: random bytes from the OS for tokens and room codes.
//! - [`bots`]: a swarm of protocol-speaking bots for load tests (the `driftfire-bots` binary).

mod admission;
pub mod bots;
pub mod conditioner;
pub mod config;
mod connection;
mod http;
mod lobby;
mod metrics;
mod rate_limit;
mod room;
mod secrets;
mod state;
mod status;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use admission::Admission;
pub use config::ServerConfig;
use lobby::Lobby;
use state::ServerState;

/// After shutdown starts, tasks get this long to say goodbye before `run` returns anyway.
/// Within the 2 s the process has to exit.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// Errors that stop the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The listener failed.
    #[error("listener failed: {0}")]
    Io(#[from] std::io::Error),
    /// The task serving the listener panicked or was cancelled.
    #[error("server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Serves on `listener` until `shutdown` completes, then tells every player, closes every
/// socket and stops every room, waiting at most `SHUTDOWN_GRACE`.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let token = CancellationToken::new();
    let tasks = TaskTracker::new();
    let state = Arc::new(ServerState {
        lobby: Lobby::new(config.clone(), token.clone(), tasks.clone()),
        admission: Arc::new(Admission::new(config.max_connections, config.max_conns_per_ip)),
        config,
        shutdown: token.clone(),
        tasks: tasks.clone(),
        started: Instant::now(),
    });
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let mut server = tokio::spawn(axum::serve(listener, app).with_graceful_shutdown(token.clone().cancelled_owned()).into_future());
    tokio::select! {
        () = shutdown => tracing::info!("shutting down"),
        result = &mut server => {
            token.cancel();
            return match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(ServerError::Io(error)),
                Err(join) => Err(ServerError::Task(join)),
            };
        }
    }
    token.cancel();
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    tasks.close();
    if tokio::time::timeout_at(deadline, tasks.wait()).await.is_err() {
        tracing::warn!(remaining = tasks.len(), "some tasks did not finish in time");
    }
    // Plain HTTP requests still in flight get the rest of the grace period.
    if tokio::time::timeout_at(deadline, &mut server).await.is_err() {
        server.abort();
    }
    Ok(())
}
