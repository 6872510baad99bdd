//! Browser transport: the page's link (`web/link.js`: WebTransport datagrams when the server and
//! browser have them, else a WebSocket, raced), which is shaped like a `web_sys::WebSocket` and
//! used through its bindings; messages arrive as ArrayBuffers. Its callbacks push [`NetEvent`]s
//! into a channel; the link object itself lives in a thread-local because JS objects cannot be
//! shared across threads (and the page has only one). A page without `link.js` gets a WebSocket.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

use driftfire_shared::protocol::CloseCode;

use super::{LinkEnd, NetEvent, Traffic, decode_frame};

#[wasm_bindgen]
extern "C" {
    /// `window.driftfireLink(url)` (web/link.js): a WebSocket-shaped link over the transport
    /// that opened first.
    #[wasm_bindgen(catch, js_namespace = window, js_name = driftfireLink)]
    fn page_link(url: &str) -> Result<JsValue, JsValue>;
}

/// Which transport the page's link chose (`window.driftfireTransport.name`).
pub fn transport_name() -> String {
    let stats = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("driftfireTransport")).unwrap_or(JsValue::UNDEFINED);
    js_sys::Reflect::get(&stats, &JsValue::from_str("name")).ok().and_then(|name| name.as_string()).unwrap_or_default()
}

/// The page's link to `url`, or a plain WebSocket where the page has none.
fn open_link(url: &str) -> Result<WebSocket, JsValue> {
    match page_link(url) {
        Ok(link) => Ok(link.unchecked_into()),
        Err(_) => WebSocket::new(url),
    }
}

struct Live {
    ws: WebSocket,
    // Kept alive for as long as the socket may call them.
    _callbacks: (Closure<dyn FnMut(Event)>, Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(CloseEvent)>, Closure<dyn FnMut(Event)>),
}

thread_local! {
    static SOCKETS: RefCell<HashMap<u32, Live>> = RefCell::new(HashMap::new());
    static NEXT_ID: RefCell<u32> = const { RefCell::new(1) };
}

/// A handle to a browser WebSocket.
pub struct Socket {
    id: u32,
    events: Receiver<NetEvent>,
}

impl Socket {
    pub fn connect(url: &str, traffic: Arc<Traffic>, hello: Vec<u8>) -> Self {
        let (tx, events) = crossbeam_channel::unbounded();
        let id = NEXT_ID.with(|n| {
            let id = *n.borrow();
            *n.borrow_mut() = id + 1;
            id
        });
        match open_link(url) {
            Ok(ws) => {
                ws.set_binary_type(BinaryType::Arraybuffer);
                let callbacks = attach(&ws, tx, traffic, hello);
                SOCKETS.with(|s| s.borrow_mut().insert(id, Live { ws, _callbacks: callbacks }));
            }
            Err(error) => {
                let _ = tx.send(NetEvent::Closed(LinkEnd::Lost(format!("cannot open {url}: {error:?}"))));
            }
        }
        Self { id, events }
    }

    pub fn send(&self, bytes: Vec<u8>) {
        SOCKETS.with(|s| {
            if let Some(live) = s.borrow().get(&self.id)
                && live.ws.ready_state() == WebSocket::OPEN
            {
                let _ = live.ws.send_with_u8_array(&bytes);
            }
        });
    }

    pub fn try_recv(&self) -> Option<NetEvent> {
        self.events.try_recv().ok()
    }

    pub fn close(&self) {
        if let Some(live) = SOCKETS.with(|s| s.borrow_mut().remove(&self.id)) {
            live.ws.set_onopen(None);
            live.ws.set_onmessage(None);
            live.ws.set_onclose(None);
            live.ws.set_onerror(None);
            let _ = live.ws.close_with_code(CloseCode::NORMAL.0);
        }
    }
}

#[allow(clippy::type_complexity)]
fn attach(
    ws: &WebSocket,
    tx: Sender<NetEvent>,
    traffic: Arc<Traffic>,
    hello: Vec<u8>,
) -> (Closure<dyn FnMut(Event)>, Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(CloseEvent)>, Closure<dyn FnMut(Event)>) {
    // Hello goes from the open callback itself, not from the next frame: a tab that is
    // hidden or busy (requestAnimationFrame throttled, shaders compiling) still completes the
    // handshake before the server's timeout.
    let on_open = Closure::<dyn FnMut(Event)>::new({
        let tx = tx.clone();
        let ws = ws.clone();
        move |_| {
            let _ = ws.send_with_u8_array(&hello);
            let _ = tx.send(NetEvent::Opened);
        }
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
        let tx = tx.clone();
        move |event: MessageEvent| {
            if let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() {
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                let _ = tx.send(decode_frame(&bytes, &traffic));
            }
        }
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new({
        let tx = tx.clone();
        move |event: CloseEvent| {
            // 1005/1006 mean "no close frame": the connection just died.
            let code = CloseCode(event.code());
            let end = if code.is_link_failure() { LinkEnd::Lost(event.reason()) } else { LinkEnd::Frame { code, reason: event.reason() } };
            let _ = tx.send(NetEvent::Closed(end));
        }
    });
    let on_error = Closure::<dyn FnMut(Event)>::new(move |_| {
        // The browser reports details only in its console; a close event always follows.
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    (on_open, on_message, on_close, on_error)
}
