//! `driftfire-server`: parses flags (defaults and range checks live in [`ServerFlags`]), sets
//! up logging, binds the game port, the admin listener and WebTransport's UDP socket, and runs the server until Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use driftfire_server::Listeners;
use driftfire_server::config::{AdminBind, ServerFlags, WebTransportPort};
use driftfire_server::webtransport::{Certificate, WebTransportListener};
use std::net::SocketAddr;
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
    let admin_bind = flags.admin_bind;
    let mut config = flags.clone().into_config();
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
    config.fleet = flags.fleet_config(addr).map_err(anyhow::Error::msg)?;
    let admin = match admin_bind {
        AdminBind::At(admin_bind) => {
            let admin = tokio::net::TcpListener::bind(admin_bind)
                .await
                .with_context(|| format!("binding the admin listener {admin_bind} (choose another with --admin-bind, or `off`)"))?;
            Some(admin)
        }
        AdminBind::Off => None,
    };
    let webtransport = webtransport_listener(&flags, addr).await?;
    tracing::info!(%addr, tick_hz = config.tick_hz, "listening");
    println!("Driftfire server on http://{addr}/  (status: http://{addr}/api/status, socket: ws://{addr}/ws)");
    if let Some(admin) = &admin {
        let admin = admin.local_addr()?;
        println!("Admin page on http://{admin}/  (metrics: http://{admin}/metrics)");
    }
    if let Some(wt) = &webtransport {
        let port = wt.socket.local_addr()?.port();
        println!("WebTransport on https://{}:{port}/wt (UDP; the page falls back to the WebSocket)", addr.ip());
    }
    driftfire_server::run(Listeners { game: listener, admin, webtransport }, config, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Binds WebTransport's UDP socket (by default the game port's number) and loads the operator's
/// certificate, if one is given.
async fn webtransport_listener(flags: &ServerFlags, game: SocketAddr) -> anyhow::Result<Option<WebTransportListener>> {
    let port = match flags.webtransport {
        WebTransportPort::Off => return Ok(None),
        WebTransportPort::SameAsGame => game.port(),
        WebTransportPort::Port(port) => port,
    };
    let bind = SocketAddr::new(game.ip(), port);
    let socket = match std::net::UdpSocket::bind(bind) {
        Ok(socket) => socket,
        // By default WebTransport is a bonus: the WebSocket serves everyone without it.
        Err(error) if flags.webtransport == WebTransportPort::SameAsGame => {
            tracing::warn!(%bind, %error, "WebTransport is off: its UDP port is taken (choose one with --webtransport PORT)");
            return Ok(None);
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("binding WebTransport to UDP {bind} (choose another with --webtransport PORT, or `off`)"));
        }
    };
    let certificate = match (&flags.tls_cert, &flags.tls_key) {
        (Some(cert), Some(key)) => Certificate::from_pem_files(cert, key)
            .await
            .with_context(|| format!("loading the certificate {} and key {}", cert.display(), key.display()))?,
        _ => Certificate::Development,
    };
    Ok(Some(WebTransportListener { socket, certificate }))
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
