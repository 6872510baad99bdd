//! The fake game server: a real WebSocket listener on a free local port that speaks the real
//! protocol from a script. Each client message is reported to the test, then answered with
//! what the script returns; a `Disconnect` among the answers is followed by its close frame
//! (the server's contract), which ends that socket.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use driftfire_shared::codec::{decode_client, encode_server};
use driftfire_shared::protocol::{ClientMsg, Reply, RoomInfo, ServerMsg};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

/// What a fake server heard from its clients, in order of arrival, each message once: every
/// read takes what it returns away.
pub struct Heard(Receiver<ClientMsg>);

impl Heard {
    /// Everything heard since the last read.
    pub fn drain(&self) -> Vec<ClientMsg> {
        self.0.try_iter().collect()
    }

    /// The Hellos among what was heard since the last read.
    pub fn hellos(&self) -> Vec<ClientMsg> {
        self.drain().into_iter().filter(|msg| matches!(msg, ClientMsg::Hello { .. })).collect()
    }

    /// The next message heard, waiting at most `within` for it.
    pub fn next_within(&self, within: Duration) -> Option<ClientMsg> {
        self.0.recv_timeout(within).ok()
    }
}

/// A listener on a free local port, and its game-socket URL (to know a server's address
/// before its script is written: two servers redirecting to each other).
pub fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    (listener, url)
}

/// Serves game sockets on `listener` (any number, at once) on a thread of its own, answering
/// each client message with what `answer` returns; the test learns what was heard.
pub fn serve(listener: TcpListener, answer: impl Fn(&ClientMsg) -> Vec<ServerMsg> + Send + Sync + 'static) -> Heard {
    serve_until_killed(listener, answer).0
}

/// Kills a fake server as `kill -9` would: its listener and every socket close at once, with
/// no goodbye, and the port refuses connections from then on.
pub struct Kill(Option<tokio::sync::oneshot::Sender<()>>, Option<std::thread::JoinHandle<()>>);

impl Kill {
    /// Kills it and waits until its sockets are gone.
    pub fn kill(mut self) {
        if let Some(kill) = self.0.take() {
            let _ = kill.send(());
        }
        if let Some(thread) = self.1.take() {
            let _ = thread.join();
        }
    }
}

/// [`serve`], and the means to kill the server.
pub fn serve_until_killed(listener: TcpListener, answer: impl Fn(&ClientMsg) -> Vec<ServerMsg> + Send + Sync + 'static) -> (Heard, Kill) {
    let (heard, messages) = std::sync::mpsc::channel();
    let (kill, killed) = tokio::sync::oneshot::channel::<()>();
    let answer = Arc::new(answer);
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        // Dropping the runtime at the end drops every socket task with it.
        runtime.block_on(async move {
            tokio::select! {
                () = accept_loop(listener, answer, heard) => {}
                // Only a kill: a dropped `Kill` (`serve`) leaves the server running.
                Ok(()) = killed => {}
            }
        });
    });
    (Heard(messages), Kill(Some(kill), Some(thread)))
}

async fn accept_loop(
    listener: TcpListener,
    answer: Arc<impl Fn(&ClientMsg) -> Vec<ServerMsg> + Send + Sync + 'static>,
    heard: std::sync::mpsc::Sender<ClientMsg>,
) {
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    while let Ok((tcp, _)) = listener.accept().await {
        let (answer, heard) = (answer.clone(), heard.clone());
        tokio::spawn(async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
            while let Some(Ok(frame)) = ws.next().await {
                let Message::Binary(bytes) = frame else { continue };
                let msg = decode_client(&bytes).expect("the client speaks the protocol");
                let replies = answer(&msg);
                let _ = heard.send(msg);
                for reply in replies {
                    let bytes = encode_server(&reply).unwrap();
                    if ws.send(Message::Binary(bytes.into())).await.is_err() {
                        return;
                    }
                    if let ServerMsg::Disconnect(reason) = reply {
                        let frame = CloseFrame { code: reason.close_code().0.into(), reason: reason.to_string().into() };
                        let _ = ws.close(Some(frame)).await;
                        return;
                    }
                }
            }
        });
    }
}

/// A fake server on a free local port: its game-socket URL and what it hears.
pub fn fake_server(answer: impl Fn(&ClientMsg) -> Vec<ServerMsg> + Send + Sync + 'static) -> (String, Heard) {
    let (listener, url) = listen();
    (url, serve(listener, answer))
}

/// A server that accepts every socket and never says a word.
pub fn silent(_: &ClientMsg) -> Vec<ServerMsg> {
    Vec::new()
}

/// The answer to the title screen's room list: `rooms`; nothing to any other message.
pub fn rooms_reply(msg: &ClientMsg, rooms: &[RoomInfo]) -> Vec<ServerMsg> {
    match msg {
        ClientMsg::ListRooms { request } => vec![ServerMsg::Reply { request: *request, reply: Reply::Rooms(rooms.to_vec()) }],
        _ => Vec::new(),
    }
}
