//! What every HTTP handler and connection task shares: [`ServerState`], built once in `run`.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::admission::Admission;
use crate::config::ServerConfig;
use crate::fleet::Fleet;
use crate::lobby::Lobby;
use crate::services::Services;

/// What `GET /api/transport` tells the page about WebTransport.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Advert {
    /// The UDP port.
    pub port: u16,
    /// The session path.
    pub path: &'static str,
    /// Hex SHA-256 of the development certificate, for `serverCertificateHashes`; `None` with
    /// the operator's certificate (the browser checks it against its roots).
    pub certificate_sha256: Option<String>,
}

/// The advert, shared with the HTTP handler; `None` while WebTransport is off.
pub type SharedAdvert = Arc<RwLock<Option<Advert>>>;

/// Shared server state, behind an `Arc`.
#[derive(Debug)]
pub struct ServerState {
    /// Settings.
    pub config: ServerConfig,
    /// All rooms, player ids and resume tickets.
    pub lobby: Arc<Lobby>,
    /// With `--redis`: the other servers (the lobby holds a clone of the same handle).
    pub fleet: Option<Fleet>,
    /// Cancelled once when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Every connection and room task, so shutdown can wait for them.
    pub tasks: TaskTracker,
    /// When the server started.
    pub started: Instant,
    /// Connection limits, in total and per address; also the one count of open connections.
    pub admission: Arc<Admission>,
    /// Metrics, the hall of fame and player ids.
    pub services: Services,
    /// What the page is told about WebTransport (`GET /api/transport`); empty while it is off.
    pub transport: SharedAdvert,
    /// The `Content-Security-Policy` every response carries (see `headers`).
    pub content_security_policy: axum::http::HeaderValue,
}
