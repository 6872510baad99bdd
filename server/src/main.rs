//! `driftfire-server`: parses flags, sets up logging, binds, and runs the server until Ctrl-C
//! or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use driftfire_server::ServerConfig;
use driftfire_server::conditioner::LinkConditions;
use tracing_subscriber::EnvFilter;

/// Driftfire's authoritative game server: web client, status API and game socket on one port.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, env = "DRIFTFIRE_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Simulation and snapshot rate, ticks per second.
    #[arg(long, env = "DRIFTFIRE_TICK_HZ", default_value_t = 30, value_parser = clap::value_parser!(u16).range(1..=240))]
    tick_hz: u16,
    /// Players per room; quick play opens another room when all are full.
    #[arg(long, env = "DRIFTFIRE_MAX_PLAYERS", default_value_t = 50)]
    max_players: usize,
    /// Most rooms at once.
    #[arg(long, env = "DRIFTFIRE_MAX_ROOMS", default_value_t = 64)]
    max_rooms: usize,
    /// Directory of the built web client to serve at `/`.
    #[arg(long, env = "DRIFTFIRE_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Seconds a new connection may take to send Hello. 10 s covers a slow device whose page
    /// is still busy starting up when its socket opens.
    #[arg(long, env = "DRIFTFIRE_HANDSHAKE_TIMEOUT_S", default_value_t = 10)]
    handshake_timeout_s: u64,
    /// Link conditioner: round-trip milliseconds added to every connection (half each way).
    /// For testing and demos only.
    #[arg(long, env = "DRIFTFIRE_SIM_LATENCY_MS", default_value_t = 0)]
    sim_latency_ms: u64,
    /// Link conditioner: the round trip varies by up to ± this many milliseconds.
    #[arg(long, env = "DRIFTFIRE_SIM_JITTER_MS", default_value_t = 0)]
    sim_jitter_ms: u64,
    /// Link conditioner: cap each client's download at this many kilobits per second (0 = none).
    #[arg(long, env = "DRIFTFIRE_SIM_BANDWIDTH_KBPS", default_value_t = 0)]
    sim_bandwidth_kbps: u64,
    /// Most bytes of entity data per snapshot per client (0 = no limit).
    #[arg(long, env = "DRIFTFIRE_SNAPSHOT_BUDGET_BYTES", default_value_t = 1000)]
    snapshot_budget_bytes: usize,
    /// Most WebSocket connections at once (0 = no cap).
    #[arg(long, env = "DRIFTFIRE_MAX_CONNECTIONS", default_value_t = 10_000)]
    max_connections: usize,
    /// Most connections from one IP address (0 = no cap; load tests from one host need 0).
    #[arg(long, env = "DRIFTFIRE_MAX_CONNS_PER_IP", default_value_t = 32)]
    max_conns_per_ip: usize,
    /// Token that authorises `POST /api/announce` (as `Authorization: Bearer TOKEN`); without
    /// it, announcements are disabled. Prefer the environment variable to keep it out of `ps`.
    #[arg(long, env = "DRIFTFIRE_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Seconds a dropped player's ship, score and seat wait for them to reconnect.
    #[arg(long, env = "DRIFTFIRE_RESUME_WINDOW_S", default_value_t = 30)]
    resume_window_s: u64,
    /// Seconds an empty room stays open before it closes.
    #[arg(long, env = "DRIFTFIRE_ROOM_IDLE_CLOSE_S", default_value_t = 60)]
    room_idle_close_s: u64,
    /// Side of each room's square arena, world units (600–20000).
    #[arg(long, env = "DRIFTFIRE_ARENA_SIDE", default_value_t = 4000.0)]
    arena_side: f32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))).init();
    let args = Args::parse();
    if let Some(dir) = &args.web_dir
        && !dir.join("index.html").is_file()
    {
        tracing::warn!(dir = %dir.display(), "web dir has no index.html; `/` will return 404");
    }
    let config = ServerConfig {
        tick_hz: args.tick_hz,
        max_players_per_room: args.max_players.max(1),
        max_rooms: args.max_rooms.max(1),
        web_dir: args.web_dir,
        handshake_timeout: Duration::from_secs(args.handshake_timeout_s.max(1)),
        link: LinkConditions {
            latency: Duration::from_millis(args.sim_latency_ms),
            jitter: Duration::from_millis(args.sim_jitter_ms),
            bandwidth_bps: args.sim_bandwidth_kbps * 1000,
        },
        snapshot_budget_bytes: args.snapshot_budget_bytes,
        max_connections: args.max_connections,
        admin_token: args.admin_token.filter(|t| !t.is_empty()),
        max_conns_per_ip: args.max_conns_per_ip,
        resume_window: Duration::from_secs(args.resume_window_s),
        room_idle_close: Duration::from_secs(args.room_idle_close_s),
        arena_side: if args.arena_side.is_finite() { args.arena_side.clamp(600.0, 20_000.0) } else { 4000.0 },
        ..ServerConfig::default()
    };
    if !config.link.is_perfect() {
        tracing::warn!(link = ?config.link, "link conditioner on: every connection is slowed on purpose");
    }
    let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, tick_hz = config.tick_hz, "listening");
    println!("Driftfire server on http://{addr}/  (status: http://{addr}/api/status, socket: ws://{addr}/ws)");
    driftfire_server::run(listener, config, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
