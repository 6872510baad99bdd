//! Native transport: tokio-tungstenite on a small background runtime, one thread per connection.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;

use driftfire_shared::protocol::CloseCode;

use super::{LinkEnd, NetEvent, Traffic, decode_frame};

enum Outgoing {
    Frame(Vec<u8>),
    Close,
}

/// A connection driven by its own thread.
/// The desktop connects over the WebSocket.
pub fn transport_name() -> String {
    "websocket".into()
}

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

async fn drive(url: String, hello: Vec<u8>, mut outgoing: UnboundedReceiver<Outgoing>, events: Sender<NetEvent>, traffic: Arc<Traffic>) {
    let mut ws = match tokio_tungstenite::connect_async(url.as_str()).await {
        Ok((ws, _response)) => ws,
        Err(error) => {
            let _ = events.send(NetEvent::Closed(LinkEnd::Lost(format!("cannot connect to {url}: {error}"))));
            return;
        }
    };
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
