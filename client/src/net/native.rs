//! Native transport on a small background runtime, one thread per connection: WebTransport
//! (`quic.rs`) raced against tokio-tungstenite's WebSocket as the browser races them (the
//! WebSocket 1.2 s later, or as soon as WebTransport fails; the first open is kept; reconnects go
//! straight to the winner); `--transport ws|wt` pins one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;

use driftfire_shared::protocol::CloseCode;

use super::quic::{QuicLink, Received};
use super::{LinkEnd, NetEvent, Traffic, decode_frame};

/// How long WebTransport has before the WebSocket starts too (as `web/link.js`).
const WEBSOCKET_AFTER: Duration = Duration::from_millis(1200);

const NONE: u8 = 0;
const WEBSOCKET: u8 = 1;
const WEBTRANSPORT: u8 = 2;

/// `--transport`: `NONE` races both.
static PINNED: AtomicU8 = AtomicU8::new(NONE);
/// The transport of the last connection that opened: reconnects go straight to it.
static WINNER: AtomicU8 = AtomicU8::new(NONE);

/// Pins the transport (`ws` or `wt`); anything else races both.
pub fn pin_transport(choice: &str) {
    let pinned = match choice {
        "ws" => WEBSOCKET,
        "wt" => WEBTRANSPORT,
        _ => NONE,
    };
    PINNED.store(pinned, Ordering::Relaxed);
}

/// The transport the last connection opened over.
pub fn transport_name() -> String {
    match WINNER.load(Ordering::Relaxed) {
        WEBTRANSPORT => "webtransport",
        _ => "websocket",
    }
    .into()
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An open link.
enum Link {
    Ws(Box<Ws>),
    Wt(Box<QuicLink>),
}

async fn connect_ws(url: &str) -> Result<Link, String> {
    tokio_tungstenite::connect_async(url).await.map(|(ws, _)| Link::Ws(Box::new(ws))).map_err(|e| e.to_string())
}

async fn connect_wt(url: &str) -> Result<Link, String> {
    QuicLink::open(url).await.map(|link| Link::Wt(Box::new(link)))
}

/// The first transport to open (see the module's doc).
async fn open(url: &str) -> Result<Link, String> {
    let pinned = PINNED.load(Ordering::Relaxed);
    if pinned == WEBSOCKET || (pinned == NONE && WINNER.load(Ordering::Relaxed) == WEBSOCKET) {
        return connect_ws(url).await;
    }
    if pinned == WEBTRANSPORT {
        return connect_wt(url).await;
    }
    let wt = connect_wt(url);
    tokio::pin!(wt);
    let head_start = tokio::time::sleep(WEBSOCKET_AFTER);
    tokio::pin!(head_start);
    let early = tokio::select! {
        opened = &mut wt => Some(opened),
        () = &mut head_start => None,
    };
    match early {
        Some(Ok(link)) => return Ok(link),
        Some(Err(_)) => return connect_ws(url).await,
        None => {}
    }
    let ws = connect_ws(url);
    tokio::pin!(ws);
    let (mut wt_failed, mut ws_failed) = (false, false);
    loop {
        tokio::select! {
            opened = &mut wt, if !wt_failed => match opened {
                Ok(link) => return Ok(link),
                Err(error) if ws_failed => return Err(error),
                Err(_) => wt_failed = true,
            },
            opened = &mut ws, if !ws_failed => match opened {
                Ok(link) => return Ok(link),
                Err(error) if wt_failed => return Err(error),
                Err(_) => ws_failed = true,
            },
        }
    }
}

enum Outgoing {
    Frame(Vec<u8>),
    Close,
}

/// A connection driven by its own thread.
pub struct Socket {
    outgoing: UnboundedSender<Outgoing>,
    events: Receiver<NetEvent>,
}

impl Socket {
    pub fn connect(url: &str, traffic: Arc<Traffic>, hello: Vec<u8>) -> Self {
        let (event_tx, events) = crossbeam_channel::unbounded();
        let (outgoing, outgoing_rx) = unbounded_channel();
        let url = url.to_string();
        let spawned = std::thread::Builder::new().name("driftfire-net".into()).spawn({
            let event_tx = event_tx.clone();
            move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(drive(url, hello, outgoing_rx, event_tx, traffic)),
                Err(error) => {
                    let _ = event_tx.send(NetEvent::Closed(LinkEnd::Lost(format!("cannot start network runtime: {error}"))));
                }
            }
        });
        if let Err(error) = spawned {
            let _ = event_tx.send(NetEvent::Closed(LinkEnd::Lost(format!("cannot start network thread: {error}"))));
        }
        Self { outgoing, events }
    }

    pub fn send(&self, bytes: Vec<u8>) {
        let _ = self.outgoing.send(Outgoing::Frame(bytes));
    }

    pub fn try_recv(&self) -> Option<NetEvent> {
        self.events.try_recv().ok()
    }

    pub fn close(&self) {
        let _ = self.outgoing.send(Outgoing::Close);
    }
}

async fn drive(url: String, hello: Vec<u8>, outgoing: UnboundedReceiver<Outgoing>, events: Sender<NetEvent>, traffic: Arc<Traffic>) {
    match open(&url).await {
        Ok(Link::Ws(ws)) => {
            WINNER.store(WEBSOCKET, Ordering::Relaxed);
            drive_ws(*ws, hello, outgoing, events, traffic).await;
        }
        Ok(Link::Wt(link)) => {
            WINNER.store(WEBTRANSPORT, Ordering::Relaxed);
            drive_wt(*link, hello, outgoing, events, traffic).await;
        }
        Err(error) => {
            let _ = events.send(NetEvent::Closed(LinkEnd::Lost(format!("cannot connect to {url}: {error}"))));
        }
    }
}

async fn drive_wt(
    mut link: QuicLink,
    hello: Vec<u8>,
    mut outgoing: UnboundedReceiver<Outgoing>,
    events: Sender<NetEvent>,
    traffic: Arc<Traffic>,
) {
    if let Err(error) = link.send(hello).await {
        let _ = events.send(NetEvent::Closed(LinkEnd::Lost(error)));
        return;
    }
    let _ = events.send(NetEvent::Opened);
    loop {
        tokio::select! {
            out = outgoing.recv() => match out {
                Some(Outgoing::Frame(bytes)) => {
                    if let Err(error) = link.send(bytes).await {
                        let _ = events.send(NetEvent::Closed(LinkEnd::Lost(error)));
                        return;
                    }
                }
                Some(Outgoing::Close) | None => return link.close().await,
            },
            received = link.next() => match received {
                Received::Message(bytes) => {
                    let event = decode_frame(&bytes, &traffic);
                    let fatal = matches!(event, NetEvent::Closed(_));
                    let _ = events.send(event);
                    if fatal {
                        return;
                    }
                }
                // The server's `Disconnect` came first on a clean ending: the session decides.
                Received::Closed { clean: true, .. } => {
                    let _ = events.send(NetEvent::Closed(LinkEnd::Frame { code: CloseCode::NORMAL, reason: String::new() }));
                    return;
                }
                Received::Closed { clean: false, detail } => {
                    let _ = events.send(NetEvent::Closed(LinkEnd::Lost(detail)));
                    return;
                }
            }
        }
    }
}

async fn drive_ws(mut ws: Ws, hello: Vec<u8>, mut outgoing: UnboundedReceiver<Outgoing>, events: Sender<NetEvent>, traffic: Arc<Traffic>) {
    if let Err(error) = ws.send(Message::Binary(hello.into())).await {
        let _ = events.send(NetEvent::Closed(LinkEnd::Lost(error.to_string())));
        return;
    }
    let _ = events.send(NetEvent::Opened);
    loop {
        tokio::select! {
            out = outgoing.recv() => match out {
                Some(Outgoing::Frame(bytes)) => {
                    if let Err(error) = ws.send(Message::Binary(bytes.into())).await {
                        let _ = events.send(NetEvent::Closed(LinkEnd::Lost(error.to_string())));
                        return;
                    }
                }
                Some(Outgoing::Close) | None => {
                    let _ = ws.close(Some(CloseFrame { code: WsCloseCode::Normal, reason: "".into() })).await;
                    return;
                }
            },
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Binary(bytes))) => {
                    let event = decode_frame(&bytes, &traffic);
                    let fatal = matches!(event, NetEvent::Closed(_));
                    let _ = events.send(event);
                    if fatal {
                        return;
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    // A close without a frame (no code) is a link that ended without saying why.
                    let end = match frame {
                        Some(f) => LinkEnd::Frame { code: CloseCode(u16::from(f.code)), reason: f.reason.to_string() },
                        None => LinkEnd::Lost(String::new()),
                    };
                    let _ = events.send(NetEvent::Closed(end));
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    let _ = events.send(NetEvent::Closed(LinkEnd::Lost(error.to_string())));
                    return;
                }
                None => {
                    let _ = events.send(NetEvent::Closed(LinkEnd::Lost(String::new())));
                    return;
                }
            }
        }
    }
}
