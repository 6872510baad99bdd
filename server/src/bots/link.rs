//! A bot's connection to the server over either transport, as the browser's: a WebSocket, or a
//! WebTransport session (found through `GET /api/transport`, trusted by the development
//! certificate's hash) with snapshots and inputs as datagrams and everything else on one stream.
//! The same bincode messages whatever carries them.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use driftfire_shared::advert;
use driftfire_shared::codec::{INPUTS_PER_DATAGRAM, encode_client, encode_input_datagram};
use driftfire_shared::protocol::ClientMsg;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;
use tokio_tungstenite::connect_async_with_config;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use wtransport::tls::Sha256Digest;
use wtransport::{ClientConfig, Connection, Endpoint, RecvStream, SendStream};

/// A bot's WebSocket read buffer: a few snapshots' worth (larger frames are still read whole).
const BOT_READ_BUFFER_BYTES: usize = 8 * 1024;

/// Largest server message a bot reads off the WebTransport stream (the protocol's own limit).
const MAX_STREAM_FRAME: usize = driftfire_shared::codec::MAX_SERVER_MSG_BYTES;

/// How long fetching the WebTransport advert may take.
const ADVERT_TIMEOUT: Duration = Duration::from_secs(3);

/// Which transport bots use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// WebSocket only.
    Ws,
    /// WebTransport only (fails where the server offers none).
    Wt,
    /// WebTransport when the server offers it, else WebSocket.
    Auto,
}

/// Why a link failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Could not connect.
    #[error("connect failed: {0}")]
    Connect(String),
    /// The server closed the connection (with its close text, if any).
    #[error("connection closed: {0:?}")]
    Closed(Option<String>),
    /// Reading or writing failed.
    #[error("transport error: {0}")]
    Transport(String),
}

/// An open connection.
pub enum BotLink {
    /// Over a WebSocket.
    Ws(Box<BotWs>),
    /// Over WebTransport.
    Wt(Box<WtLink>),
}

type BotWs = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebTransport session with its stream.
pub struct WtLink {
    connection: Connection,
    send: SendStream,
    recv: RecvStream,
    pending: BytesMut,
    read_buf: Box<[u8]>,
    /// The last inputs sent, encoded, newest first: each datagram repeats them.
    recent_inputs: VecDeque<Vec<u8>>,
    /// Keeps the client endpoint (and its UDP socket) alive.
    _endpoint: Endpoint<wtransport::endpoint::endpoint_side::Client>,
}

impl BotLink {
    /// Connects to `url` (`ws://host:port/ws`) over `transport`.
    pub async fn open(url: &str, transport: Transport) -> Result<Self, LinkError> {
        let advert = match transport {
            Transport::Ws => None,
            Transport::Wt | Transport::Auto => fetch_advert(url).await,
        };
        match (transport, advert) {
            (Transport::Wt, None) => Err(LinkError::Connect(format!("{url} offers no WebTransport"))),
            (_, Some(advert)) => WtLink::open(url, &advert).await.map(|link| Self::Wt(Box::new(link))),
            (_, None) => open_websocket(url).await.map(|ws| Self::Ws(Box::new(ws))),
        }
    }

    /// `"ws"` or `"wt"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ws(_) => "ws",
            Self::Wt(_) => "wt",
        }
    }

    /// Sends one message; returns the bytes it put on the wire (an input over WebTransport goes
    /// as a datagram that repeats the previous inputs).
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<usize, LinkError> {
        let bytes = encode_client(msg).expect("client messages encode");
        match self {
            Self::Ws(ws) => {
                let len = bytes.len();
                ws.send(Message::Binary(bytes.into())).await.map_err(|e| LinkError::Transport(e.to_string()))?;
                Ok(len)
            }
            Self::Wt(wt) if matches!(msg, ClientMsg::Input(_)) => Ok(wt.send_input(bytes)),
            Self::Wt(wt) => wt.write_frame(&bytes).await,
        }
    }

    /// The next message from the server.
    pub async fn next(&mut self) -> Result<Bytes, LinkError> {
        match self {
            Self::Ws(ws) => loop {
                match ws.next().await {
                    Some(Ok(Message::Binary(bytes))) => return Ok(bytes),
                    Some(Ok(Message::Close(frame))) => {
                        return Err(LinkError::Closed(frame.map(|f| format!("{} {}", u16::from(f.code), f.reason))));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Err(LinkError::Transport(error.to_string())),
                    None => return Err(LinkError::Closed(None)),
                }
            },
            Self::Wt(wt) => wt.next().await,
        }
    }

    /// Sends `bytes` as one datagram as they are (WebTransport only; for tests of what the
    /// server makes of hostile datagrams). Returns whether it went.
    pub fn send_raw_datagram(&self, bytes: &[u8]) -> bool {
        match self {
            Self::Wt(wt) => wt.connection.send_datagram(bytes).is_ok(),
            Self::Ws(_) => false,
        }
    }

    /// Reads and drops whatever still comes until the server closes (or `limit` passes).
    pub async fn drain(&mut self, limit: Duration) {
        let _ = timeout(limit, async { while self.next().await.is_ok() {} }).await;
    }
}

async fn open_websocket(url: &str) -> Result<BotWs, LinkError> {
    // A small read buffer: tungstenite zero-fills it before every read, and with its 128 KiB
    // default a swarm of hundreds of bots spent most of its core on that (see `http.rs`).
    let config = WebSocketConfig::default().read_buffer_size(BOT_READ_BUFFER_BYTES);
    // TCP_NODELAY, as browsers set on WebSockets: without it a ping right after an input waits
    // for the server's ACK (piggybacked on the next snapshot) and the round trip reads a tick.
    let (ws, _) = connect_async_with_config(url, Some(config), true).await.map_err(|e| LinkError::Connect(e.to_string()))?;
    Ok(ws)
}

/// What `GET /api/transport` says about WebTransport.
#[derive(Debug, Clone, serde::Deserialize)]
struct Advert {
    port: u16,
    path: String,
    certificate_sha256: Option<String>,
}

/// Asks the server how to reach it over WebTransport (plain HTTP/1.1 on the game port, as the
/// page does with `fetch`). `None` if it offers none or cannot be asked.
async fn fetch_advert(url: &str) -> Option<Advert> {
    let host = advert::authority(url)?;
    let fetch = async {
        let mut stream = tokio::net::TcpStream::connect(host).await.ok()?;
        stream.write_all(advert::request(host).as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let value: serde_json::Value = serde_json::from_str(advert::response_body(&response)?).ok()?;
        serde_json::from_value::<Advert>(value.get("webtransport")?.clone()).ok()
    };
    timeout(ADVERT_TIMEOUT, fetch).await.ok().flatten()
}

impl WtLink {
    async fn open(url: &str, offer: &Advert) -> Result<Self, LinkError> {
        let host = advert::authority(url).ok_or_else(|| LinkError::Connect(format!("not a ws:// URL: {url}")))?;
        let builder = ClientConfig::builder().with_bind_default();
        let config = match offer.certificate_sha256.as_deref().and_then(advert::certificate_digest) {
            Some(digest) => builder.with_server_certificate_hashes([Sha256Digest::new(digest)]).build(),
            None => builder.with_native_certs().build(),
        };
        let endpoint = Endpoint::client(config).map_err(|e| LinkError::Connect(e.to_string()))?;
        let target = advert::session_url(host, u64::from(offer.port), &offer.path);
        let connection = endpoint.connect(&target).await.map_err(|e| LinkError::Connect(format!("{target}: {e}")))?;
        let opening = connection.open_bi().await.map_err(|e| LinkError::Connect(e.to_string()))?;
        let (send, recv) = opening.await.map_err(|e| LinkError::Connect(e.to_string()))?;
        Ok(Self {
            connection,
            send,
            recv,
            pending: BytesMut::new(),
            read_buf: vec![0; 16 * 1024].into_boxed_slice(),
            recent_inputs: VecDeque::new(),
            _endpoint: endpoint,
        })
    }

    fn send_input(&mut self, encoded: Vec<u8>) -> usize {
        self.recent_inputs.push_front(encoded);
        self.recent_inputs.truncate(INPUTS_PER_DATAGRAM);
        let datagram = encode_input_datagram(self.recent_inputs.iter().map(Vec::as_slice));
        let len = datagram.len();
        // A datagram that cannot go now is lost, as on the network.
        let _ = self.connection.send_datagram(datagram);
        len
    }

    async fn write_frame(&mut self, bytes: &[u8]) -> Result<usize, LinkError> {
        let prefix = (bytes.len() as u32).to_le_bytes();
        let write = async {
            self.send.write_all(&prefix).await?;
            self.send.write_all(bytes).await
        };
        write.await.map_err(|e| LinkError::Transport(e.to_string()))?;
        Ok(prefix.len() + bytes.len())
    }

    async fn next(&mut self) -> Result<Bytes, LinkError> {
        loop {
            if self.pending.len() >= 4 {
                let len = u32::from_le_bytes(self.pending[..4].try_into().expect("four bytes")) as usize;
                if len > MAX_STREAM_FRAME {
                    return Err(LinkError::Transport(format!("stream frame of {len} bytes")));
                }
                if self.pending.len() >= 4 + len {
                    self.pending.advance(4);
                    return Ok(self.pending.split_to(len).freeze());
                }
            }
            let Self { connection, recv, pending, read_buf, .. } = self;
            tokio::select! {
                datagram = connection.receive_datagram() => match datagram {
                    Ok(datagram) => return Ok(datagram.payload()),
                    Err(error) => return Err(LinkError::Closed(Some(error.to_string()))),
                },
                read = recv.read(&mut read_buf[..]) => match read {
                    Ok(Some(n)) => pending.extend_from_slice(&read_buf[..n]),
                    Ok(None) => return Err(LinkError::Closed(None)),
                    Err(error) => return Err(LinkError::Closed(Some(error.to_string()))),
                },
            }
        }
    }
}
