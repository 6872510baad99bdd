//! Driftfire's authoritative game server.
//!
//! One port serves the web client, `/healthz`, `/api/status`, `/api/hall-of-fame` and the `/ws`
//! game socket; an optional second, private one serves `/metrics` and the admin page. Every
//! room runs its own fixed-tick simulation; connection tasks talk to rooms only through bounded
//! channels and never touch a `World`.
//!
//! # Layout
//! - `main.rs`: flags, logging, bind, [`run`]; [`config`]: [`ServerConfig`] (and the fleet's
//!   `FleetConfig`), every default once, and the flags that fill it.
//! - `state`: what every task shares (config, lobby, fleet, admission, shutdown token);
//!   `services`: what rooms report to (metrics, hall of fame, player ids), the bottom layer.
//! - `http`: routes, static files, announcements, the WebSocket upgrade; `status`: the
//!   `/api/status` and `/api/rooms` JSON.
//! - `admission` / `rate_limit`: connection caps (total, per address: the one connection count)
//!   and a per-client token bucket.
//! - `connection`: one socket from upgrade to close: `connection/socket.rs` (the socket that
//!   decodes, validates, sends and closes), `handshake.rs` (Hello → seat), `session.rs` (the
//!   play loop); every ending is a typed `DisconnectReason`.
//! - `lobby`: the room registry (quick play, codes, list, announcements, ids, the drain flag)
//!   and, in `lobby/tickets.rs`, resume tickets.
//! - `room`: a room's world and players: `room/tick.rs` (the fixed-rate loop),
//!   `membership.rs`, `inputs.rs` (jitter buffer), `snapshots.rs` (interest and delta per
//!   client), `summary.rs` (the one readout of a room that lists, registry and status use).
//! - [`pilot`]: the AI pilot's brain, flown by rooms and by the load-test bots.
//! - [`conditioner`]: simulated latency, jitter and bandwidth caps for tests and demos.
//! - `tick_stats`: recent tick durations, percentiles and snapshot totals (`/api/status`).
//! - `metrics`: the Prometheus registry; `scrape`: the figures it reads at scrape time;
//!   `admin`: the admin listener (`/metrics`, the admin page and its announcement form).
//! - [`hall_of_fame`]: ended lives stored off the tick (SQLite, or Redis in a fleet), and the
//!   boards read back.
//! - [`fleet`]: with `--redis`, many servers as one game (directory, placement, redirects,
//!   announcements); below the lobby, which it never names.
//! - `secrets`: random bytes from the OS for tokens and room codes.
//! - [`bots`]: a swarm of protocol-speaking bots for load tests (the `driftfire-bots` binary).
//!
//! Imports point one way: connection → lobby → fleet → room → services → metrics and
//! hall_of_fame; `bots` (the load-test swarm) is a client of `pilot` and nothing imports it.

mod admin;
mod admission;
pub mod bots;
pub mod conditioner;
pub mod config;
mod connection;
pub mod fleet;
pub mod hall_of_fame;
mod headers;
mod http;
mod lobby;
mod metrics;
pub mod pilot;
mod rate_limit;
mod room;
mod scrape;
mod secrets;
mod services;
mod state;
mod status;
mod tick_stats;
pub mod webtransport;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service;

use admission::{Admission, Admitted};
pub use config::ServerConfig;
use fleet::Fleet;
use hall_of_fame::{HallOfFame, SystemClock};
use lobby::Lobby;
use metrics::Metrics;
use scrape::ScrapeCollector;
use services::Services;
use state::ServerState;

/// After shutdown starts, tasks get this long to say goodbye before `run` returns anyway.
/// Within the 2 s the process has to exit.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// A connection refused by the admission limits is still answered (a 503, or for a game socket
/// a close frame with the reason), but it gets this long in all...
const REFUSED_DEADLINE: Duration = Duration::from_secs(2);

/// ...and at most this many are answered at once; beyond that they are closed unanswered.
const MAX_REFUSALS_IN_FLIGHT: usize = 256;

/// Announcements heard from other servers of the fleet wait here to be delivered to the rooms.
/// Operators send a few a day; 16 covers a burst without holding the subscriber back.
const FLEET_ANNOUNCEMENTS_QUEUE: usize = 16;

/// After a failed accept (out of file descriptors, say), the loop waits this long.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

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

/// The sockets a server serves: the public game port, optionally the admin listener, and
/// optionally WebTransport on UDP.
pub struct Listeners {
    /// The web client, the JSON API and the game socket.
    pub game: TcpListener,
    /// `/metrics` and the admin page; keep it off the public internet.
    pub admin: Option<TcpListener>,
    /// WebTransport (QUIC) for players on lossy networks; the WebSocket is their fallback.
    pub webtransport: Option<webtransport::WebTransportListener>,
}

impl From<TcpListener> for Listeners {
    fn from(game: TcpListener) -> Self {
        Self { game, admin: None, webtransport: None }
    }
}

/// Origins besides the page's own that its CSP lets it connect to: WebTransport on a UDP port
/// other than the game's (any host: the page's host is the server's, whatever name it was reached
/// by), and in a fleet the other servers a redirect may send the player to (their names come and
/// go with the fleet, so by scheme).
fn extra_connect_origins(config: &ServerConfig, webtransport: Option<&webtransport::WebTransportListener>) -> Vec<String> {
    let mut origins = Vec::new();
    if let Some(port) = webtransport.and_then(|wt| wt.socket.local_addr().ok()).map(|addr| addr.port()) {
        origins.push(format!("https://*:{port}"));
    }
    if let Some(fleet) = &config.fleet {
        origins.extend(["ws:", "wss:", "https:"].map(String::from));
        // The page asks a redirect's server for its WebTransport advert over the scheme of its
        // socket: plain HTTP in a fleet without TLS (a LAN, a test), never where it is wss://.
        if fleet.public_url.starts_with("ws://") {
            origins.push("http:".into());
        }
    }
    origins
}

/// Serves on `listeners` until `shutdown` completes, then tells every player, closes every
/// socket, stops every room (recording the lives still in play) and flushes the hall of fame,
/// waiting at most `SHUTDOWN_GRACE` for the players.
pub async fn run(
    listeners: impl Into<Listeners>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let Listeners { game, admin, webtransport } = listeners.into();
    let token = CancellationToken::new();
    let tasks = TaskTracker::new();
    let hall_of_fame = match (&config.fleet, &config.data_dir) {
        // One fleet, one hall of fame: boards in Redis (see `hall_of_fame::redis_store`).
        (Some(fleet), _) => HallOfFame::open_redis(&fleet.redis_url, Arc::new(SystemClock)),
        (None, Some(dir)) => {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || HallOfFame::open(&dir, Arc::new(SystemClock))).await?
        }
        (None, None) => HallOfFame::disabled("no data dir configured"),
    };
    let fleet = match &config.fleet {
        Some(fleet) => match Fleet::connect(fleet.clone()) {
            Ok(fleet) => {
                tracing::info!(server = fleet.server_id(), url = fleet.public_url(), "part of a fleet through Redis");
                Some(fleet)
            }
            Err(error) => {
                tracing::error!(%error, "running as a single server");
                None
            }
        },
        None => None,
    };
    let content_security_policy = headers::policy_for(config.web_dir.as_deref(), &extra_connect_origins(&config, webtransport.as_ref()));
    // Built in one piece: the metrics' scrape-time collector holds the state weakly.
    let state = Arc::new_cyclic(|state| {
        let metrics = Arc::new(Metrics::with_collector(ScrapeCollector::new(state.clone())));
        let services = Services::new(metrics, hall_of_fame.clone());
        ServerState {
            lobby: Arc::new(Lobby::new(config.clone(), token.clone(), tasks.clone(), services.clone(), fleet.clone())),
            fleet,
            admission: Arc::new(Admission::new(config.max_connections, config.max_conns_per_ip)),
            config,
            shutdown: token.clone(),
            tasks: tasks.clone(),
            started: Instant::now(),
            services,
            transport: webtransport::SharedAdvert::default(),
            content_security_policy,
        }
    });
    if let Some(listener) = webtransport
        && let Err(error) = webtransport::start(listener, state.clone(), state.transport.clone())
    {
        // The WebSocket still serves everyone; the page falls back to it by itself.
        tracing::error!(%error, "WebTransport is off");
    }
    if let Some(fleet) = &state.fleet {
        let (heard, deliveries) = tokio::sync::mpsc::channel(FLEET_ANNOUNCEMENTS_QUEUE);
        let lobby = state.lobby.clone();
        fleet.start(move || lobby.local_load(), state.config.resume_window, heard, token.clone(), &tasks);
        let lobby = state.lobby.clone();
        tasks.spawn(async move { lobby.deliver_fleet_announcements(deliveries).await });
    }
    if let Some(admin) = admin {
        tasks.spawn(admin::serve(admin, state.clone()));
    }
    let mut server = tokio::spawn(accept_loop(game, state.clone()));
    tokio::select! {
        () = shutdown => {
            if !state.config.drain.is_zero() {
                drain(&state).await;
            }
            tracing::info!("shutting down");
        }
        result = &mut server => {
            token.cancel();
            tasks.close();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, tasks.wait()).await;
            let _ = tokio::task::spawn_blocking(move || hall_of_fame.shutdown()).await;
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
    // The rooms have handed in their last lives: store them before the process ends.
    let _ = tokio::task::spawn_blocking(move || hall_of_fame.shutdown()).await;
    // Plain HTTP requests still in flight get the rest of the grace period.
    if tokio::time::timeout_at(deadline, &mut server).await.is_err() {
        server.abort();
    }
    Ok(())
}

/// How often a draining server looks whether its last player has left.
const DRAIN_POLL: Duration = Duration::from_millis(250);

/// Drains before shutdown: no new players, the players here are told, and it returns when the
/// last one has left or `config.drain` has passed.
async fn drain(state: &ServerState) {
    let secs = state.config.drain.as_secs();
    state.lobby.start_draining();
    let text = format!("This server is restarting within {secs} s. Finish your fight; you can rejoin right after.");
    let rooms = state.lobby.announce(&text).await;
    tracing::info!(secs, rooms, players = state.lobby.players(), "draining before shutdown");
    let deadline = tokio::time::Instant::now() + state.config.drain;
    while tokio::time::Instant::now() < deadline && state.lobby.players() > 0 {
        tokio::time::sleep(DRAIN_POLL).await;
    }
}

/// Accepts TCP connections until shutdown. Each one is counted against the connection limits
/// at once (see [`admission`]) and served as HTTP/1 with a header timeout: a socket that sends
/// nothing, or never finishes a request, is closed after `config.header_timeout`. On shutdown
/// every idle HTTP connection is closed and the ones busy with a request finish it.
async fn accept_loop(listener: TcpListener, state: Arc<ServerState>) -> std::io::Result<()> {
    let router = http::router(state.clone());
    let connections = TaskTracker::new();
    let refusals = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = tokio::select! {
            () = state.shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        state.services.metrics.connections_opened.inc();
        let decision = state.admission.admit(peer.ip());
        let refused = decision.is_err();
        if refused && refusals.fetch_add(1, Ordering::AcqRel) >= MAX_REFUSALS_IN_FLIGHT {
            refusals.fetch_sub(1, Ordering::AcqRel);
            tracing::debug!(%peer, "refused connection closed unanswered: too many refusals at once");
            continue;
        }
        let admitted = Admitted::new(decision);
        let connection = serve_connection(stream, peer, admitted, router.clone(), state.clone());
        let refusals = refusals.clone();
        connections.spawn(async move {
            if refused {
                let _ = tokio::time::timeout(REFUSED_DEADLINE, connection).await;
                refusals.fetch_sub(1, Ordering::AcqRel);
            } else {
                connection.await;
            }
        });
    }
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Serves HTTP/1 on one accepted connection (with upgrades, for `/ws`) until it closes, its
/// header timeout passes, or shutdown.
async fn serve_connection(stream: TcpStream, peer: SocketAddr, admitted: Admitted, router: axum::Router, state: Arc<ServerState>) {
    // Game frames are small and latency-bound: no Nagle delay.
    let _ = stream.set_nodelay(true);
    let refusal = admitted.refusal();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let mut router = router.clone();
        let admitted = admitted.clone();
        async move {
            // Plain HTTP from a refused connection gets a 503; a game socket is refused over
            // the socket (close code and reason), so the player sees why.
            if let Some(refusal) = refusal
                && request.uri().path() != "/ws"
            {
                return Ok::<_, std::convert::Infallible>(
                    (StatusCode::SERVICE_UNAVAILABLE, [(header::CONNECTION, "close")], format!("{refusal}\n")).into_response(),
                );
            }
            request.extensions_mut().insert(ConnectInfo(peer));
            request.extensions_mut().insert(admitted);
            router.call(request).await
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // (A refused connection's 503 says `Connection: close`; its game socket is closed with
    // the reason after the upgrade.)
    builder.timer(TokioTimer::new()).header_read_timeout(state.config.header_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = state.shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%peer, %error, "http connection ended");
    }
}
