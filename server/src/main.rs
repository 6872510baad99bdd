//! `driftfire-server`: parses flags, sets up logging, binds, and runs the server until Ctrl-C
//! or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use driftfire_server::ServerConfig;
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
    /// Seconds a new connection may take to send Hello.
    #[arg(long, env = "DRIFTFIRE_HANDSHAKE_TIMEOUT_S", default_value_t = 5)]
    handshake_timeout_s: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
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
        ..ServerConfig::default()
    };
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
