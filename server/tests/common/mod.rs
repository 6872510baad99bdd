//! Test harness: a real server on 127.0.0.1:0 and its HTTP endpoints (here); `client`: a
//! minimal real WebSocket client; `play`: clients that play until something happens (a kill, a
//! score); `process`: the real server binary as a child process; `redis`: a real
//! `redis-server` on a free port.

#![allow(dead_code, missing_docs)]

pub mod client;
pub mod play;
pub mod process;
pub mod redis;

pub use client::*;

use std::net::SocketAddr;
use std::time::Duration;

use driftfire_server::ServerConfig;
use driftfire_server::webtransport::{Certificate, WebTransportListener};
use driftfire_shared::protocol::RoomInfo;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Generous bound for anything a test waits on, so a broken server fails instead of hanging.
/// Longer than the server's default handshake timeout (10 s), so a test on paused time that
/// waits for that deadline meets the server's timer before its own.
pub const WAIT: Duration = Duration::from_secs(15);

/// Arena side for tests that need every player in everyone's view.
pub const SMALL_ARENA: f32 = 700.0;

pub struct TestServer {
    pub addr: SocketAddr,
    /// The admin listener (`/metrics`, the admin page).
    pub admin: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<Result<(), driftfire_server::ServerError>>,
}

impl TestServer {
    /// A server whose arena (700 units) fits inside one view, so every client sees everything.
    pub async fn start() -> Self {
        Self::start_with(ServerConfig { arena_side: SMALL_ARENA, ..ServerConfig::default() }).await
    }

    pub async fn start_with(config: ServerConfig) -> Self {
        Self::start_at(move |_| config).await
    }

    /// A server whose config may depend on its own game address (a fleet's public URL).
    pub async fn start_at(config: impl FnOnce(SocketAddr) -> ServerConfig) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("debug,hyper=info,tokio_tungstenite=info,tungstenite=info")
            .try_init();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let admin = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin_addr = admin.local_addr().unwrap();
        let config = config(addr);
        let (stop, stopped) = oneshot::channel::<()>();
        // WebTransport on the same port number over UDP, as in production (any free one if that
        // UDP port is taken).
        let udp = std::net::UdpSocket::bind(addr).or_else(|_| std::net::UdpSocket::bind("127.0.0.1:0")).unwrap();
        let webtransport = WebTransportListener { socket: udp, certificate: Certificate::Development };
        let listeners = driftfire_server::Listeners { game: listener, admin: Some(admin), webtransport: Some(webtransport) };
        let task = tokio::spawn(driftfire_server::run(listeners, config, async {
            let _ = stopped.await;
        }));
        Self { addr, admin: admin_addr, stop: Some(stop), task }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Raw HTTP request; returns the whole response text.
    pub async fn http(&self, request_head: &str, body: &str) -> String {
        http_to(self.addr, request_head, body).await
    }

    /// Raw HTTP request to the admin listener; returns the whole response text.
    pub async fn admin_http(&self, request_head: &str, body: &str) -> String {
        http_to(self.admin, request_head, body).await
    }

    /// `GET /api/status`, parsed.
    pub async fn status(&self) -> serde_json::Value {
        let response = self.http("GET /api/status HTTP/1.1", "").await;
        let body = body(&response);
        serde_json::from_str(body).unwrap_or_else(|e| panic!("bad status json {e}: {body}"))
    }

    /// `GET /api/rooms`: see [`rooms_at`].
    pub async fn rooms(&self) -> Vec<RoomInfo> {
        rooms_at(self.addr).await
    }
}

/// Raw HTTP/1.1 request to `addr` (`Connection: close`); returns the whole response text.
pub async fn http_to(addr: SocketAddr, request_head: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("{request_head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut response).await.unwrap();
    response
}

/// The body of a whole HTTP response text (what follows the head).
pub fn body(response: &str) -> &str {
    response.split("\r\n\r\n").nth(1).expect("http body")
}

/// `GET /api/rooms` on the server at `addr` (any server of a fleet): a 200 with the room list,
/// the same list a `ListRooms` request gets.
pub async fn rooms_at(addr: SocketAddr) -> Vec<RoomInfo> {
    let response = http_to(addr, "GET /api/rooms HTTP/1.1", "").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = body(&response);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("bad room list {e}: {body}"))
}

/// Checks `done` every 100 ms until it holds; returns how long that took. Panics, saying `what`
/// did not happen, once `within` has passed.
pub async fn eventually(within: Duration, what: &str, mut done: impl AsyncFnMut() -> bool) -> Duration {
    let started = tokio::time::Instant::now();
    while !done().await {
        assert!(started.elapsed() < within, "{what} (waited {within:?})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}
