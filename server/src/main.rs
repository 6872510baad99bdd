//! `driftfire-server`: parses flags (defaults and range checks live in [`ServerFlags`]), sets
//! up logging, binds, and runs the server until Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use driftfire_server::config::ServerFlags;
use tracing_subscriber::EnvFilter;

/// Driftfire's authoritative game server: web client, status API and game socket on one port.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    flags: ServerFlags,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))).init();
    let flags = Args::parse().flags;
    let bind = flags.bind;
    let config = flags.into_config();
    if let Some(dir) = &config.web_dir
        && !dir.join("index.html").is_file()
    {
        tracing::warn!(dir = %dir.display(), "web dir has no index.html; `/` will return 404");
    }
    if !config.link.is_perfect() {
        tracing::warn!(link = ?config.link, "link conditioner on: every connection is slowed on purpose");
    }
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
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
