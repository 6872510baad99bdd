//! The desktop's WebTransport link (wtransport), as the browser's (`web/link.js`): found through
//! the server's `GET /api/transport` (the development certificate trusted by its hash), one
//! bidirectional stream for length-prefixed messages, snapshots and inputs as datagrams, each
//! input datagram repeating the inputs before it.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use driftfire_shared::advert;
use driftfire_shared::codec::{INPUT_TAG, INPUTS_PER_DATAGRAM, MAX_SERVER_MSG_BYTES, encode_input_datagram};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;
use wtransport::tls::Sha256Digest;
use wtransport::{ClientConfig, Connection, Endpoint, RecvStream, SendStream, VarInt};

/// How long asking for the advert may take: about what the WebSocket's head start leaves.
const ADVERT_TIMEOUT: Duration = Duration::from_secs(1);

/// What arrived.
pub enum Received {
    /// One server message.
    Message(bytes::Bytes),
    /// The session ended; `clean` when the server finished its stream first (its `Disconnect`
    /// came before).
    Closed { clean: bool, detail: String },
}

/// An open WebTransport session with its stream.
pub struct QuicLink {
    connection: Connection,
    send: SendStream,
    recv: RecvStream,
    pending: BytesMut,
    read_buf: Box<[u8]>,
    recent_inputs: VecDeque<Vec<u8>>,
    stream_ended: bool,
    _endpoint: Endpoint<wtransport::endpoint::endpoint_side::Client>,
}

/// The server's WebTransport advert (`port`, `path`, `certificate_sha256`), if it has one.
async fn fetch_advert(host: &str) -> Option<serde_json::Value> {
    let fetch = async {
        let mut stream = tokio::net::TcpStream::connect(host).await.ok()?;
        stream.write_all(advert::request(host).as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let value: serde_json::Value = serde_json::from_str(advert::response_body(&response)?).ok()?;
        value.get("webtransport").filter(|wt| !wt.is_null()).cloned()
    };
    timeout(ADVERT_TIMEOUT, fetch).await.ok().flatten()
}

impl QuicLink {
    /// Opens a session to the server behind the WebSocket URL `url`.
    pub async fn open(url: &str) -> Result<Self, String> {
        let host = advert::authority(url).ok_or("not a ws:// server")?;
        let offer = fetch_advert(host).await.ok_or("the server offers no WebTransport")?;
        let port = offer["port"].as_u64().ok_or("bad advert")?;
        let path = offer["path"].as_str().unwrap_or("/wt");
        let builder = ClientConfig::builder().with_bind_default();
        let config = match offer["certificate_sha256"].as_str().and_then(advert::certificate_digest) {
            Some(digest) => builder.with_server_certificate_hashes([Sha256Digest::new(digest)]).build(),
            None => builder.with_native_certs().build(),
        };
        let endpoint = Endpoint::client(config).map_err(|e| e.to_string())?;
        let connection = endpoint.connect(advert::session_url(host, port, path)).await.map_err(|e| e.to_string())?;
        let (send, recv) = connection.open_bi().await.map_err(|e| e.to_string())?.await.map_err(|e| e.to_string())?;
        Ok(Self {
            connection,
            send,
            recv,
            pending: BytesMut::new(),
            read_buf: vec![0; 16 * 1024].into_boxed_slice(),
            recent_inputs: VecDeque::new(),
            stream_ended: false,
            _endpoint: endpoint,
        })
    }

    /// Sends one encoded message: an input as a datagram with the ones before it, anything else
    /// on the stream.
    pub async fn send(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        if bytes.first() == Some(&INPUT_TAG) {
            self.recent_inputs.push_front(bytes);
            self.recent_inputs.truncate(INPUTS_PER_DATAGRAM);
            // A datagram that cannot go now is lost, as on the network.
            let _ = self.connection.send_datagram(encode_input_datagram(self.recent_inputs.iter().map(Vec::as_slice)));
            return Ok(());
        }
        let prefix = (bytes.len() as u32).to_le_bytes();
        self.send.write_all(&prefix).await.map_err(|e| e.to_string())?;
        self.send.write_all(&bytes).await.map_err(|e| e.to_string())
    }

    /// The next server message, or how the session ended. Cancel-safe.
    pub async fn next(&mut self) -> Received {
        loop {
            if self.pending.len() >= 4 {
                let len = u32::from_le_bytes(self.pending[..4].try_into().expect("four bytes")) as usize;
                if len > MAX_SERVER_MSG_BYTES {
                    return Received::Closed { clean: false, detail: format!("stream frame of {len} bytes") };
                }
                if self.pending.len() >= 4 + len {
                    self.pending.advance(4);
                    return Received::Message(self.pending.split_to(len).freeze());
                }
            }
            let Self { connection, recv, pending, read_buf, stream_ended, .. } = self;
            tokio::select! {
                datagram = connection.receive_datagram() => match datagram {
                    Ok(datagram) => return Received::Message(datagram.payload()),
                    Err(error) => return Received::Closed { clean: *stream_ended, detail: error.to_string() },
                },
                read = recv.read(&mut read_buf[..]), if !*stream_ended => match read {
                    Ok(Some(n)) => pending.extend_from_slice(&read_buf[..n]),
                    // The server finished its side after its goodbye; the session closes next.
                    Ok(None) => *stream_ended = true,
                    Err(error) => return Received::Closed { clean: false, detail: error.to_string() },
                },
            }
        }
    }

    /// Ends the session on purpose.
    pub async fn close(mut self) {
        let _ = timeout(Duration::from_millis(300), self.send.finish()).await;
        self.connection.close(VarInt::from_u32(1000), b"");
    }
}
