//! No client can hold resources it does not use: each abuse case against a real server on
//! port 0 with real sockets, while a bystander plays on unbothered.

mod common;

use std::time::{Duration, Instant};

use common::*;
use driftfire_server::ServerConfig;
use driftfire_shared::protocol::{
    ClientMsg, DisconnectReason, PROTOCOL_VERSION, RejectReason, Reply, RequestId, ResumeOutcome, ResumeToken, RoomInfo, RoomTarget,
    ServerMsg, Violation,
};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn hello(name: &str, room: RoomTarget, resume: Option<ResumeToken>) -> ClientMsg {
    ClientMsg::Hello { version: PROTOCOL_VERSION, name: name.into(), room, resume }
}

/// Reads the close frame that follows everything else, checking the disconnect contract, and
/// returns the reason the `Disconnect` before it gave.
async fn expect_reason(ws: &mut Socket) -> (CloseCode, DisconnectReason) {
    match expect_close_after(ws).await {
        (frame, Some(ServerMsg::Disconnect(reason))) => (frame.code, reason),
        (frame, last) => panic!("{frame:?} came after {last:?}, not after a Disconnect"),
    }
}

/// A complete `GET /healthz` on a new connection; returns the status line and how long it took.
async fn healthz(server: &TestServer) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response).await;
    (response.lines().next().unwrap_or_default().to_string(), started.elapsed())
}

/// Whether the server closes `stream` within `within` (reads until EOF or an error).
async fn closed_within(mut stream: TcpStream, within: Duration) -> bool {
    let mut sink = [0u8; 1024];
    let read_to_end = async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, read_to_end).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_mib_frame_gets_a_close_frame_with_1009_and_its_reason_not_a_reset() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let mut bystander = Client::join(&url, "bystander").await;
    // 1 MiB, and 16 MiB: more than the kernel buffers hold, so the client is still sending when
    // the server has decided.
    for size in [1 << 20, 16 << 20] {
        for hello_first in [false, true] {
            let mut ws = connect(&url).await;
            if hello_first {
                send(&mut ws, &ClientMsg::hello("mallory")).await;
            }
            // The whole frame goes out (the server reads and discards what it will not take).
            ws.send(Message::Binary(vec![7u8; size].into())).await.expect("the server keeps reading until the frame is sent");
            let (code, reason) = expect_reason(&mut ws).await;
            assert_eq!(code, CloseCode::Size, "{size} bytes, hello first: {hello_first}");
            assert_eq!(reason, DisconnectReason::Violation(Violation::TooBig));
        }
    }
    let tick = bystander.until_snapshot(|_| true).await.tick;
    bystander.until_snapshot(|s| s.tick >= tick + 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_keeps_sending_but_stops_reading_is_dropped_within_5_s() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let mut bystander = Client::join(&url, "bystander").await;
    // Reads everything but sends nothing at all: a hidden tab whose page is frozen. The
    // protocol pongs its WebSocket sends when reading keep it in.
    let mut hidden = Client::join(&url, "hidden").await;
    let mut staller = Client::join(&url, "staller").await;
    let started = Instant::now();
    let mut dropped_after = None;
    let lost = |next: &Incoming| matches!(next, Incoming::Other(ServerMsg::Chat { from: None, text }) if text == "staller lost connection");
    while started.elapsed() < Duration::from_secs(9) {
        // The staller sends inputs at 30 Hz and never reads a byte.
        staller.seq += 1;
        let input = ClientMsg::Input(driftfire_shared::protocol::InputFrame { seq: staller.seq, aim: 0.5, ..Default::default() });
        let frame = Message::Binary(driftfire_shared::codec::encode_client(&input).unwrap().into());
        let _ = tokio::time::timeout(Duration::from_millis(100), staller.ws.send(frame)).await;
        // The others read.
        let read_for = tokio::time::Instant::now() + Duration::from_millis(33);
        while let Ok(next) = tokio::time::timeout_at(read_for, bystander.next()).await {
            if lost(&next.expect("the bystander stays connected")) && dropped_after.is_none() {
                dropped_after = Some(started.elapsed());
            }
        }
        while let Ok(next) = tokio::time::timeout_at(read_for + Duration::from_millis(1), hidden.next()).await {
            next.expect("the hidden tab stays connected");
        }
        if dropped_after.is_some_and(|at| started.elapsed() > at + Duration::from_secs(1)) {
            break;
        }
    }
    let dropped_after = dropped_after.expect("the staller was never dropped");
    assert!(dropped_after <= Duration::from_millis(5500), "dropped only after {dropped_after:?}");
    // The bystander and the hidden tab read on throughout (each read above expects a message);
    // the staller's ship waits for a resume like any dropped player's.
    assert_eq!(server.status().await["players"], 3);

    // The staller, if it reads now, finds the reason at the end of its backlog (unless its own
    // unread inputs made the server's socket reset).
    let mut last = None;
    while let Ok(Some(Ok(message))) = tokio::time::timeout(WAIT, staller.ws.next()).await {
        match message {
            Message::Binary(bytes) => last = Some(driftfire_shared::codec::decode_server(&bytes).unwrap()),
            Message::Close(Some(frame)) => {
                check_disconnect(last.as_ref(), &frame);
                assert!(matches!(last, Some(ServerMsg::Disconnect(DisconnectReason::NotReading))), "{last:?}");
                break;
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_token_takes_nothing_from_a_live_player_but_a_cut_or_reloaded_one_resumes() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let mut owner = Client::join(&url, "owner").await;
    let (id, token) = (owner.welcome.player_id, owner.welcome.resume_token);
    owner.until_snapshot(|_| true).await;

    // The owner reads its socket (so it answers pings) while a thief presents its token.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                _ = &mut stopped => return owner,
                next = owner.next() => { next.expect("the owner stays connected"); }
            }
        }
    });
    let mut thief = connect(&url).await;
    send(&mut thief, &hello("thief", RoomTarget::QuickPlay, Some(token))).await;
    let (code, reason) = expect_reason(&mut thief).await;
    assert_eq!((code, reason), (CloseCode::Policy, DisconnectReason::SessionInUse));
    let _ = stop.send(());
    let mut owner = reader.await.unwrap();
    let tick = owner.until_snapshot(|_| true).await.tick;
    let later = owner.until_snapshot(|s| s.tick >= tick + 5).await;
    assert!(later.body.ships.iter().any(|s| s.owner == id), "the owner still has its ship");
    assert_eq!(server.status().await["players"], 1);

    // A cut connection: the socket stays open but nothing gets through any more, so it cannot
    // answer; the newcomer with the token takes the session over after the probe's deadline.
    let started = Instant::now();
    let back = Client::hello(&url, hello("owner", RoomTarget::QuickPlay, Some(token))).await.unwrap();
    assert_eq!(back.welcome.resume, ResumeOutcome::Resumed);
    assert_eq!(back.welcome.player_id, id);
    assert!(started.elapsed() < Duration::from_secs(3), "resumed after {:?}", started.elapsed());
    drop(owner);

    // A reload: the old socket closes and the new one resumes at once.
    let token = back.welcome.resume_token;
    let started = Instant::now();
    drop(back);
    let again = Client::hello(&url, hello("owner", RoomTarget::QuickPlay, Some(token))).await.unwrap();
    assert_eq!(again.welcome.resume, ResumeOutcome::Resumed);
    assert_eq!(again.welcome.player_id, id);
    assert!(started.elapsed() < Duration::from_millis(900), "a reload waited {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_slowloris_sockets_are_closed_after_the_header_timeout_and_healthz_stays_fast() {
    let config = ServerConfig { header_timeout: Duration::from_secs(2), max_conns_per_ip: 0, ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let mut bystander = Client::join(&server.ws_url(), "bystander").await;
    let opened = Instant::now();
    let mut silent = Vec::new();
    for _ in 0..1000 {
        silent.push(TcpStream::connect(server.addr).await.expect("connect"));
    }
    // Slowloris: a request head that never ends, one byte every 200 ms.
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        slow.push(tokio::spawn(async move {
            for _ in 0..50 {
                if stream.write_all(b"X").await.is_err() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            closed_within(stream, Duration::from_millis(100)).await
        }));
    }
    for _ in 0..5 {
        let (status, took) = healthz(&server).await;
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        assert!(took < Duration::from_millis(500), "/healthz took {took:?} with 1,020 idle sockets open");
    }
    let closers: Vec<_> = silent.into_iter().map(|s| tokio::spawn(closed_within(s, Duration::from_secs(5)))).collect();
    for closer in closers {
        assert!(closer.await.unwrap(), "a silent socket was still open {:?} after it connected", opened.elapsed());
    }
    for slowloris in slow {
        assert!(slowloris.await.unwrap(), "a slowloris socket was never closed");
    }
    assert!(opened.elapsed() < Duration::from_secs(8));
    let tick = bystander.until_snapshot(|_| true).await.tick;
    bystander.until_snapshot(|s| s.tick >= tick + 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tcp_connection_counts_against_the_per_address_cap() {
    let config = ServerConfig { max_conns_per_ip: 3, ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let silent: Vec<TcpStream> =
        futures_util::future::join_all((0..3).map(|_| TcpStream::connect(server.addr))).await.into_iter().map(Result::unwrap).collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut ws = connect(&server.ws_url()).await;
    let (code, reason) = expect_reason(&mut ws).await;
    assert_eq!((code, reason), (CloseCode::Policy, DisconnectReason::TooManyConnections));
    let (status, _) = healthz(&server).await;
    assert!(status.starts_with("HTTP/1.1 503"), "{status}");
    drop(silent);
    let deadline = Instant::now() + WAIT;
    while !healthz(&server).await.0.starts_with("HTTP/1.1 200") {
        assert!(Instant::now() < deadline, "the slots never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Client::join(&server.ws_url(), "welcome").await;
}

async fn http_rooms(server: &TestServer) -> Vec<RoomInfo> {
    let response = server.http("GET /api/rooms HTTP/1.1", "").await;
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("bad room list {e}: {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_fill_the_room_slots_and_empty_private_rooms_close_sooner() {
    let config = ServerConfig {
        max_rooms_per_ip: 2,
        private_room_idle_close: Duration::from_millis(300),
        room_idle_close: Duration::from_secs(60),
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let url = server.ws_url();
    let mut first = Client::hello(&url, hello("host1", RoomTarget::Create { private: true, ai_pilots: false }, None)).await.unwrap();
    let _second = Client::hello(&url, hello("host2", RoomTarget::Create { private: false, ai_pilots: false }, None)).await.unwrap();
    assert_eq!(
        Client::hello(&url, hello("host3", RoomTarget::Create { private: true, ai_pilots: false }, None)).await.err(),
        Some(RejectReason::TooManyRooms)
    );
    // Nor by moving: one connection cannot open room after room.
    send(&mut first.ws, &ClientMsg::JoinRoom { request: RequestId(7), target: RoomTarget::Create { private: true, ai_pilots: false } })
        .await;
    let reply = first.until_message(|m| matches!(m, ServerMsg::Reply { request: RequestId(7), .. })).await;
    assert!(matches!(reply, ServerMsg::Reply { reply: Reply::Full, .. }), "{reply:?}");
    // Quick play and codes still work.
    let code = first.welcome.room.code.clone();
    let guest = Client::hello(&url, hello("guest", RoomTarget::Code(code), None)).await.unwrap();
    assert_eq!(guest.welcome.room.code, first.welcome.room.code);
    Client::join(&url, "quick").await;

    // The private room's creator and guest leave: it closes well before a public room would,
    // and its creator may open another.
    assert_eq!(http_rooms(&server).await.len(), 2);
    for mut client in [first, guest] {
        send(&mut client.ws, &ClientMsg::Leave).await;
        expect_close(&mut client.ws).await;
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while http_rooms(&server).await.iter().any(|r| r.private) {
        assert!(Instant::now() < deadline, "the empty private room never closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Client::hello(&url, hello("host3", RoomTarget::Create { private: true, ai_pilots: false }, None)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_would_render_the_same_or_as_nothing_do_not_pass() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let requested = [
        "alice",
        // Padded with characters the old deny-list did not know: a variation selector, a
        // musical-notation and a shorthand format control.
        "alice\u{FE0F}\u{1D173}\u{1BCA0}",
        // A Cyrillic "а", and full-width letters.
        "\u{430}lice",
        "ａｌｉｃｅ",
    ];
    let mut names = Vec::new();
    let mut clients = Vec::new();
    for name in requested {
        let client = Client::join(&url, name).await;
        names.push(client.welcome.name.clone());
        clients.push(client);
    }
    assert_eq!(names[0], "alice");
    assert_eq!(names[1], "alice#2");
    assert_eq!(names[3], "alice#4", "{names:?}");
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            assert!(!driftfire_shared::input::names_look_alike(a, b), "{a:?} and {b:?} look the same");
        }
    }
    for invisible in ["\u{FE0F}\u{FE0F}", "\u{1D173}\u{1D174}", "\u{2800}\u{3164}", "\u{1BCA1} \u{E0100}"] {
        assert_eq!(Client::hello(&url, ClientMsg::hello(invisible)).await.err(), Some(RejectReason::InvalidName), "{invisible:?}");
    }
}
