//! Driftfire's authoritative game server.
//!
//! One port serves the web client, `/healthz`, `/api/status` and the `/ws` game socket. Every
//! room runs its own fixed-tick simulation; connection tasks talk to rooms only through bounded
//! channels and never touch a `World`.
//!
//! # Layout
//! - [`config`]: the settings `main.rs` fills from flags and environment.
//! - `http`: routes, static files, status JSON, the WebSocket upgrade.
//! - `admission` / `rate_limit`: connection caps (total, per address) and a per-client token bucket.
//! - `connection`: one socket's handshake and session loop; close codes for bad input.
//! - `rooms` / `room`: quick-play seating; a room's world, tick loop and broadcasts.
//! - [`conditioner`]: simulated latency, jitter and bandwidth caps for tests and demos.
//! - `snapshots`: per-client interest management and delta encoding of each tick.
//! - `metrics`: recent tick durations and percentiles.
//! - [`bots`]: a swarm of protocol-speaking bots for load tests (the `driftfire-bots` binary).

mod admission;
pub mod bots;
pub mod conditioner;
pub mod config;
mod connection;
mod http;
mod metrics;
mod rate_limit;
mod room;
mod rooms;
mod snapshots;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::ServerConfig;
use rooms::Rooms;
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
}

/// Serves on `listener` until `shutdown` completes, then tells every player, closes every
/// socket and stops every room, waiting at most [`SHUTDOWN_GRACE`].
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let token = CancellationToken::new();
    let tasks = TaskTracker::new();
    let config_limits = (config.max_connections, config.max_conns_per_ip);
    let state = Arc::new(ServerState {
        rooms: Rooms::new(config.clone(), token.clone(), tasks.clone()),
        config,
        shutdown: token.clone(),
        tasks: tasks.clone(),
        started: Instant::now(),
        connections: AtomicUsize::new(0),
        admission: Arc::new(admission::Admission::new(config_limits.0, config_limits.1)),
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
                Err(join) => Err(ServerError::Io(std::io::Error::other(join))),
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
