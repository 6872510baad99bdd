//! The WebTransport listener: HTTP/3 over QUIC on UDP, by default on the same port number as the
//! HTTP/WebSocket listener. Each session at [`PATH`] opens one bidirectional stream and becomes a
//! connection like a WebSocket's (`connection::serve`): the same admission limits (a QUIC
//! connection takes a slot of its address like a TCP one), rate limits, timeouts and typed
//! disconnects; snapshots and inputs travel as datagrams (see `connection::wire`).
//!
//! Certificates: with `--tls-cert/--tls-key` the operator's (a Let's Encrypt certificate for the
//! server's name). Without them a development certificate, ECDSA P-256 and valid for less than
//! 14 days, which browsers accept only by its SHA-256 hash (`serverCertificateHashes`): the page
//! reads the current hash from `GET /api/transport`, and a fresh certificate replaces it well
//! before it expires (new sessions get the new one; open sessions keep theirs).

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::timeout;
use wtransport::endpoint::IncomingSession;
use wtransport::tls::Sha256DigestFmt;
use wtransport::{Endpoint, Identity, ServerConfig};

use crate::connection::{self, wire::WebTransportWire, wire::Wire};
use crate::state::ServerState;
pub use crate::state::{Advert, SharedAdvert};

/// The path of the game's WebTransport sessions (`https://host:port/wt`).
pub const PATH: &str = "/wt";

/// Validity of a development certificate: browsers refuse a hashed certificate valid for 14
/// days or more, so 13 leaves a day of clock skew.
const DEV_CERT_VALIDITY_DAYS: i64 = 13;

/// A development certificate is replaced this often: days before it expires, so a page that
/// fetched the hash just before a rotation still connects with it.
const DEV_CERT_ROTATION: Duration = Duration::from_secs(7 * 24 * 3600);

// Browsers refuse a hashed certificate valid for 14 days or more; rotation comes before expiry.
const _: () = assert!(DEV_CERT_VALIDITY_DAYS < 14);
const _: () = assert!(DEV_CERT_ROTATION.as_secs() < DEV_CERT_VALIDITY_DAYS as u64 * 24 * 3600);

/// QUIC keep-alive: the browser acknowledges these even in a hidden tab, so a live session
/// never reaches the idle timeout, and a dead one does.
const KEEP_ALIVE: Duration = Duration::from_secs(2);

/// Where the certificate comes from.
pub enum Certificate {
    /// The operator's certificate and key (PEM files), loaded at start.
    Operator(Identity),
    /// A generated development certificate, rotated before it expires.
    Development,
}

impl Certificate {
    /// The operator's certificate chain and private key, from PEM files.
    pub async fn from_pem_files(cert: &std::path::Path, key: &std::path::Path) -> Result<Self, WebTransportError> {
        Identity::load_pemfiles(cert, key).await.map(Self::Operator).map_err(|error| WebTransportError::Certificate(error.to_string()))
    }
}

/// The UDP socket and certificate of the WebTransport listener.
pub struct WebTransportListener {
    /// Bound by the caller (the same port number as the game's TCP listener, by default).
    pub socket: UdpSocket,
    /// The certificate to present.
    pub certificate: Certificate,
}

/// Why the WebTransport listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebTransportError {
    /// The endpoint could not be built on the socket.
    #[error("WebTransport endpoint: {0}")]
    Endpoint(#[from] std::io::Error),
    /// The development certificate could not be made.
    #[error("development certificate: {0}")]
    Certificate(String),
}

/// A development identity for `names` (hostnames or addresses), valid from now.
pub fn development_identity(names: &[String]) -> Result<Identity, WebTransportError> {
    let now = wtransport::tls::self_signed::time::OffsetDateTime::now_utc();
    Identity::self_signed_builder()
        .subject_alt_names(names)
        .not_before(now - wtransport::tls::self_signed::time::Duration::hours(1))
        .not_after(now + wtransport::tls::self_signed::time::Duration::days(DEV_CERT_VALIDITY_DAYS))
        .build()
        .map_err(|error| WebTransportError::Certificate(error.to_string()))
}

/// Names a development certificate is made for: loopback, this host's name and, when bound to
/// one, the listener's address (a hashed certificate is checked by hash only, but a name keeps
/// other TLS stacks content).
fn development_names(local: SocketAddr) -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    if !local.ip().is_unspecified() && !local.ip().is_loopback() {
        names.push(local.ip().to_string());
    }
    names
}

/// How long the server may hold back the acknowledgement of a client's packet: a little over one
/// tick, so that the ACK of an input rides on the next snapshot datagram instead of going out in
/// a packet of its own, which at QUIC's default of 25 ms was one extra `sendmsg` per input at
/// 30 Hz and most of the gap to the WebSocket's CPU cost (BENCHMARKS.md). Within 25–100 ms: the
/// client's loss recovery of the reliable stream waits this much longer at worst.
fn ack_delay(tick_hz: u16) -> Duration {
    Duration::from_secs_f64(1.5 / f64::from(tick_hz.max(1))).clamp(Duration::from_millis(25), Duration::from_millis(100))
}

fn server_config(socket: UdpSocket, identity: &Identity, idle: Duration, tick_hz: u16) -> ServerConfig {
    let mut config = ServerConfig::builder()
        .with_bind_socket(socket)
        .with_identity(identity.clone_identity())
        .keep_alive_interval(Some(KEEP_ALIVE))
        .max_idle_timeout(Some(idle))
        .expect("the idle timeout is a few seconds, well within QUIC's range")
        .build();
    if let Some(transport) = Arc::get_mut(&mut config.quic_config_mut().transport) {
        transport.local_max_ack_delay(ack_delay(tick_hz));
    }
    config
}

/// Starts the listener and serves sessions until shutdown; publishes its advert meanwhile.
pub fn start(listener: WebTransportListener, state: Arc<ServerState>, advert: SharedAdvert) -> Result<(), WebTransportError> {
    let local = listener.socket.local_addr()?;
    listener.socket.set_nonblocking(true)?;
    let development = matches!(listener.certificate, Certificate::Development);
    let identity = match listener.certificate {
        Certificate::Operator(identity) => identity,
        Certificate::Development => development_identity(&development_names(local))?,
    };
    let rebind = listener.socket.try_clone()?;
    let endpoint = Endpoint::server(server_config(listener.socket, &identity, state.config.idle_timeout, state.config.tick_hz))?;
    publish(&advert, local.port(), development.then_some(&identity));
    tracing::info!(%local, development_certificate = development, "WebTransport listening");
    let tasks = state.tasks.clone();
    tasks.spawn(accept_loop(endpoint, state, advert, development.then_some((rebind, local))));
    Ok(())
}

fn publish(advert: &SharedAdvert, port: u16, development: Option<&Identity>) {
    let certificate_sha256 = development
        .and_then(|identity| identity.certificate_chain().as_slice().first().map(|cert| cert.hash().fmt(Sha256DigestFmt::BytesArray)));
    let certificate_sha256 = certificate_sha256.map(|array| hex_of_bytes_array(&array));
    *advert.write().expect("advert lock") = Some(Advert { port, path: PATH, certificate_sha256 });
}

/// `[1, 2, 255]` (wtransport's byte-array format) as `0102ff`.
fn hex_of_bytes_array(array: &str) -> String {
    array.trim_matches(['[', ']']).split(',').filter_map(|b| b.trim().parse::<u8>().ok()).map(|b| format!("{b:02x}")).collect()
}

async fn accept_loop(
    endpoint: Endpoint<wtransport::endpoint::endpoint_side::Server>,
    state: Arc<ServerState>,
    advert: SharedAdvert,
    development: Option<(UdpSocket, SocketAddr)>,
) {
    let mut rotation = tokio::time::interval_at(tokio::time::Instant::now() + DEV_CERT_ROTATION, DEV_CERT_ROTATION);
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => break,
            _ = rotation.tick(), if development.is_some() => {
                let Some((socket, local)) = &development else { continue };
                match (development_identity(&development_names(*local)), socket.try_clone()) {
                    (Ok(identity), Ok(socket)) => {
                        let config = server_config(socket, &identity, state.config.idle_timeout, state.config.tick_hz);
                        match endpoint.reload_config(config, false) {
                            Ok(()) => {
                                publish(&advert, local.port(), Some(&identity));
                                tracing::info!("development certificate rotated");
                            }
                            Err(error) => tracing::warn!(%error, "could not rotate the development certificate"),
                        }
                    }
                    (Err(error), _) => tracing::warn!(%error, "could not make a new development certificate"),
                    (_, Err(error)) => tracing::warn!(%error, "could not rotate the development certificate"),
                }
            }
            incoming = endpoint.accept() => {
                let state = state.clone();
                state.tasks.clone().spawn(session(incoming, state));
            }
        }
    }
    *advert.write().expect("advert lock") = None;
    // Sessions still open say goodbye through their own tasks; then the endpoint goes.
    endpoint.close(wtransport::VarInt::from_u32(0), b"shutting down");
}

/// One incoming session: QUIC and HTTP/3 handshakes, the path, admission, the stream, then the
/// game connection. Everything before the stream is bounded by the handshake timeout.
async fn session(incoming: IncomingSession, state: Arc<ServerState>) {
    let peer = incoming.remote_address();
    let limit = state.config.handshake_timeout;
    let request = match timeout(limit, incoming).await {
        Ok(Ok(request)) => request,
        Ok(Err(error)) => return tracing::debug!(%peer, %error, "WebTransport handshake failed"),
        Err(_) => return tracing::debug!(%peer, "WebTransport handshake timed out"),
    };
    if request.path() != PATH {
        return request.not_found().await;
    }
    if state.shutdown.is_cancelled() {
        return request.too_many_requests().await;
    }
    // Admission counts QUIC connections with TCP ones, per address and in total.
    let admitted = state.admission.admit(peer.ip());
    let opened = async {
        let connection = request.accept().await.ok()?;
        let (send, recv) = connection.accept_bi().await.ok()?;
        Some(Wire::WebTransport(Box::new(WebTransportWire::new(connection, send, recv))))
    };
    let wire = match timeout(limit, opened).await {
        Ok(Some(wire)) => wire,
        _ => return tracing::debug!(%peer, "WebTransport session never opened its stream"),
    };
    let slot = match admitted {
        Ok(slot) => slot,
        Err(refusal) => return connection::refuse(wire, peer, refusal, state.services.metrics.clone()).await,
    };
    connection::serve(wire, peer, state).await;
    drop(slot);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_development_certificate_is_ecdsa_p256_and_valid_for_less_than_14_days() {
        let identity = development_identity(&["localhost".to_string()]).unwrap();
        let der = identity.certificate_chain().as_slice()[0].der().to_vec();
        // id-ecPublicKey with the prime256v1 curve, as DER object identifiers.
        let ec_public_key = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
        let prime256v1 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
        let contains = |needle: &[u8]| der.windows(needle.len()).any(|w| w == needle);
        assert!(contains(&ec_public_key) && contains(&prime256v1), "not ECDSA P-256");
    }

    #[test]
    fn acks_wait_a_little_over_one_tick_within_quic_bounds() {
        assert_eq!(ack_delay(30), Duration::from_millis(50));
        assert_eq!(ack_delay(240), Duration::from_millis(25));
        assert_eq!(ack_delay(1), Duration::from_millis(100));
    }

    #[test]
    fn the_hash_is_published_as_hex() {
        assert_eq!(hex_of_bytes_array("[1, 2, 255]"), "0102ff");
        let identity = development_identity(&["localhost".to_string()]).unwrap();
        let advert = SharedAdvert::default();
        publish(&advert, 4433, Some(&identity));
        let published = advert.read().unwrap().clone().unwrap();
        assert_eq!(published.certificate_sha256.unwrap().len(), 64);
        assert_eq!(published.port, 4433);
    }
}
