//! The HTTP side of the one port: the routes (static web client, health, the status JSON of
//! [`crate::status`], announcements) and the upgrade of `/ws` to a WebSocket driven by
//! tokio-tungstenite.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use driftfire_shared::codec::MAX_CLIENT_MSG_BYTES;
use driftfire_shared::input::sanitize_announcement;
use hyper::upgrade::Parts;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tower_http::services::{ServeDir, ServeFile};

use crate::admission::Admitted;
use crate::connection::wire::Wire;
use crate::state::ServerState;
use crate::{connection, status};

/// Builds the router for all routes.
pub fn router(state: Arc<ServerState>) -> Router {
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/status", get(status::status))
        .route("/api/rooms", get(status::rooms))
        .route("/api/announce", axum::routing::post(announce))
        .route("/api/hall-of-fame", get(status::hall_of_fame))
        .route("/api/transport", get(transport))
        .route("/ws", get(upgrade));
    let router = match &state.config.web_dir {
        Some(dir) => {
            let index = ServeFile::new(dir.join("index.html"));
            router.fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(index))
        }
        None => router.fallback(|| async {
            (StatusCode::NOT_FOUND, "No web client is served: start the server with --web-dir pointing at the built bundle.\n")
        }),
    };
    router.layer(axum::middleware::from_fn_with_state(state.clone(), crate::headers::headers)).with_state(state)
}

/// `GET /api/transport`: how to reach the game besides `/ws`: `{"webtransport": {"port",
/// "path", "certificate_sha256"}}`, or `{"webtransport": null}` while it is off (`no-cache`, as
/// every API answer: see `headers`).
async fn transport(State(state): State<Arc<ServerState>>) -> Response {
    let advert = state.transport.read().expect("advert lock").clone();
    let body = axum::Json(serde_json::json!({ "webtransport": advert }));
    // A fleet's page asks each server it is sent to: any origin may read this.
    ([(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], body).into_response()
}

/// Longest announcement, in characters.
const MAX_ANNOUNCEMENT_CHARS: usize = 500;

/// `POST /api/announce` (body: the text; `Authorization: Bearer <admin token>`): a message from
/// the operator to every player in every room.
async fn announce(State(state): State<Arc<ServerState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let sent = match (authorize(&state, given), std::str::from_utf8(&body)) {
        (Err(refused), _) => Err(refused),
        (Ok(()), Err(_)) => Err(AnnounceError::Empty),
        (Ok(()), Ok(text)) => send_announcement(&state, text).await,
    };
    match sent {
        Ok(rooms) => (StatusCode::OK, format!("announced to {rooms} rooms\n")).into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// Why an announcement was not sent.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    /// No admin token is configured (404).
    #[error("announcements are disabled: start the server with DRIFTFIRE_ADMIN_TOKEN set")]
    Disabled,
    /// The token is missing or wrong (401).
    #[error("bad or missing token")]
    BadToken,
    /// Nothing is left of the text once cleaned (400).
    #[error("the body must be non-empty UTF-8 text")]
    Empty,
}

impl IntoResponse for AnnounceError {
    fn into_response(self) -> Response {
        let text = format!("{self}\n");
        match self {
            Self::Disabled => (StatusCode::NOT_FOUND, text).into_response(),
            Self::BadToken => (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], text).into_response(),
            Self::Empty => (StatusCode::BAD_REQUEST, text).into_response(),
        }
    }
}

/// Checks an announcement's token against the admin token.
pub fn authorize(state: &ServerState, given: Option<&str>) -> Result<(), AnnounceError> {
    let Some(expected) = &state.config.admin_token else { return Err(AnnounceError::Disabled) };
    if !given.is_some_and(|token| constant_time_eq(token.as_bytes(), expected.as_bytes())) {
        tracing::debug!("announcement refused: bad or missing token");
        return Err(AnnounceError::BadToken);
    }
    Ok(())
}

/// Cleans an authorized announcement and sends it to every room; `Ok` is the number of rooms.
pub async fn send_announcement(state: &ServerState, text: &str) -> Result<usize, AnnounceError> {
    let Some(text) = sanitize_announcement(text, MAX_ANNOUNCEMENT_CHARS) else { return Err(AnnounceError::Empty) };
    let rooms = state.lobby.announce(&text).await;
    state.services.metrics.announcements.inc();
    let fleet = match state.fleet.as_ref() {
        Some(fleet) => fleet.publish_announcement(&text).await,
        None => false,
    };
    tracing::info!(rooms, fleet, %text, "announcement sent");
    Ok(rooms)
}

/// Compares secrets without stopping at the first difference, so timing does not leak them.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Read buffer of a client socket, bytes. tungstenite zero-fills the free part of its read
/// buffer before every read (and allocates a fresh one while the last frame's payload is still
/// held), so its default of 128 KiB cost a 128 KiB memset per ~15-byte input: 43 % of the
/// server's CPU (issue 11). Two KiB holds any client message whole (frames larger than the
/// buffer are still read: tungstenite reserves a frame's full length once it has its header).
pub const READ_BUFFER_BYTES: usize = 2 * 1024;

/// Frame and message limits for client sockets: a client never needs more than one
/// `MAX_CLIENT_MSG_BYTES` message, so anything larger is refused (close 1009) before buffering;
/// and a read buffer sized for such messages (see [`READ_BUFFER_BYTES`]).
pub fn websocket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_CLIENT_MSG_BYTES))
        .max_frame_size(Some(MAX_CLIENT_MSG_BYTES))
        .read_buffer_size(READ_BUFFER_BYTES)
}

/// The kernel send buffer of a game socket, bytes (Linux doubles it for its bookkeeping). Far
/// more than a player needs (the snapshot budget is 30 KB/s at most; a typical view ~2 KB/s),
/// while a client that stops reading can pin no more than this in the kernel before its writes
/// stall; the unanswered ping drops it within seconds either way.
pub const GAME_SOCKET_SEND_BUFFER: usize = 32 * 1024;

/// Caps a game socket's kernel send buffer (see [`GAME_SOCKET_SEND_BUFFER`]). Plain HTTP keeps
/// the kernel's autotuned buffer, so the web client still downloads at full speed.
fn cap_send_buffer(stream: &TcpStream) {
    if let Err(error) = socket2::SockRef::from(stream).set_send_buffer_size(GAME_SOCKET_SEND_BUFFER) {
        tracing::debug!(%error, "could not cap the send buffer");
    }
}

fn header_has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// `GET /ws`: validates the RFC 6455 handshake, answers 101, and hands the upgraded stream to
/// a connection task.
async fn upgrade(State(state): State<Arc<ServerState>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, mut request: Request) -> Response {
    let headers = request.headers();
    if !header_has_token(headers, header::CONNECTION, "upgrade") || !header_has_token(headers, header::UPGRADE, "websocket") {
        return (StatusCode::UPGRADE_REQUIRED, [(header::UPGRADE, "websocket")], "WebSocket upgrade required\n").into_response();
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION).map(HeaderValue::as_bytes) != Some(b"13") {
        return (StatusCode::BAD_REQUEST, [(header::SEC_WEBSOCKET_VERSION, "13")], "unsupported WebSocket version\n").into_response();
    }
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return (StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key\n").into_response();
    };
    let accept = derive_accept_key(key.as_bytes());
    if state.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "server shutting down\n").into_response();
    }
    let on_upgrade = hyper::upgrade::on(&mut request);
    // The connection's place in the limits, decided when it was accepted; it moves into the
    // game socket's task and is given back when that ends.
    let admitted = match request.extensions().get::<Admitted>().and_then(Admitted::take) {
        Some(decision) => decision,
        None => state.admission.admit(peer.ip()),
    };
    let task_state = state.clone();
    state.tasks.spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(error) => return tracing::debug!(%peer, %error, "websocket upgrade failed"),
        };
        // Take the TCP stream back from hyper (with any bytes it read past the request).
        let Ok(Parts { io, read_buf, .. }) = upgraded.downcast::<TokioIo<TcpStream>>() else {
            return tracing::error!(%peer, "upgraded connection is not a TCP stream");
        };
        let stream = io.into_inner();
        cap_send_buffer(&stream);
        let ws = WebSocketStream::from_partially_read(stream, read_buf.to_vec(), Role::Server, Some(websocket_config())).await;
        // Limits are answered over the socket (close code and reason) so the player sees why.
        let slot = match admitted {
            Ok(slot) => slot,
            Err(refusal) => {
                return connection::refuse(Wire::WebSocket(Box::new(ws)), peer, refusal, task_state.services.metrics.clone()).await;
            }
        };
        connection::serve(Wire::WebSocket(Box::new(ws)), peer, task_state.clone()).await;
        drop(slot);
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(axum::body::Body::empty())
        .expect("static response parts are valid")
}
