//! No client can hurt the server or hold resources it does not use: malformed, oversize and
//! out-of-order frames get their close codes, floods and caps are cut off, silent, slowloris,
//! idle and non-reading sockets are closed, and one address cannot fill the room slots; each
//! case against a real server on port 0 with real sockets, while a bystander plays on unbothered.

mod common;

use std::time::{Duration, Instant};

use common::*;
use driftfire_server::ServerConfig;
use driftfire_shared::codec::encode_client;
use driftfire_shared::protocol::{
    ClientMsg, DisconnectReason, InputFrame, RejectReason, Reply, RequestId, RoomTarget, ServerMsg, Violation,
};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

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
        let input = ClientMsg::Input(InputFrame { seq: staller.seq, aim: 0.5, ..Default::default() });
        let frame = Message::Binary(encode_client(&input).unwrap().into());
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
    eventually(WAIT, "the slots never came back", async || healthz(&server).await.0.starts_with("HTTP/1.1 200")).await;
    Client::join(&server.ws_url(), "welcome").await;
}

/// On paused time: an empty private room's real default idle close (10 s) passes in virtual
/// seconds, checked on both sides.
#[tokio::test(start_paused = true)]
async fn one_address_cannot_fill_the_room_slots_and_empty_private_rooms_close_sooner() {
    let private_idle_close = ServerConfig::default().private_room_idle_close;
    let config = ServerConfig { max_rooms_per_ip: 2, ..ServerConfig::default() };
    assert!(private_idle_close < config.room_idle_close);
    let server = TestServer::start_with(config).await;
    let url = server.ws_url();
    let mut first = Client::hello(&url, hello("host1", new_room(true), None)).await.unwrap();
    let _second = Client::hello(&url, hello("host2", new_room(false), None)).await.unwrap();
    assert_eq!(Client::hello(&url, hello("host3", new_room(true), None)).await.err(), Some(RejectReason::TooManyRooms));
    // Nor by moving: one connection cannot open room after room.
    send(&mut first.ws, &ClientMsg::JoinRoom { request: RequestId(7), target: new_room(true) }).await;
    let reply = first.until_message(|m| matches!(m, ServerMsg::Reply { request: RequestId(7), .. })).await;
    assert!(matches!(reply, ServerMsg::Reply { reply: Reply::Full, .. }), "{reply:?}");
    // Quick play and codes still work.
    let code = first.welcome.room.code.clone();
    let guest = Client::hello(&url, hello("guest", RoomTarget::Code(code), None)).await.unwrap();
    assert_eq!(guest.welcome.room.code, first.welcome.room.code);
    Client::join(&url, "quick").await;

    // The private room's creator and guest leave: it closes well before a public room would,
    // and its creator may open another.
    assert_eq!(server.rooms().await.len(), 2);
    let leaving = tokio::time::Instant::now();
    for mut client in [first, guest] {
        send(&mut client.ws, &ClientMsg::Leave).await;
        expect_close(&mut client.ws).await;
    }
    tokio::time::sleep_until(leaving + private_idle_close - Duration::from_secs(1)).await;
    assert!(server.rooms().await.iter().any(|r| r.private), "the private room closed before its idle period");
    let no_private_room = async || server.rooms().await.iter().all(|r| !r.private);
    eventually(Duration::from_secs(3), "the empty private room never closed", no_private_room).await;
    let closed_after = leaving.elapsed();
    assert!(
        closed_after >= private_idle_close && closed_after < private_idle_close + Duration::from_secs(2),
        "the private room closed {closed_after:?} after its last player left"
    );
    Client::hello(&url, hello("host3", new_room(true), None)).await.unwrap();
}

/// Opens a socket, optionally says Hello, sends `frame`, and returns the close frame it gets.
async fn close_after(url: &str, hello_first: bool, frame: Message) -> (CloseCode, String) {
    let mut ws = connect(url).await;
    if hello_first {
        send(&mut ws, &ClientMsg::hello("mallory")).await;
    }
    // An oversize frame may be refused before the server reads it all; a failed send is fine.
    let _ = ws.send(frame).await;
    let close = expect_close(&mut ws).await;
    (close.code, close.reason.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_get_their_close_codes_while_a_player_keeps_playing() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let mut bystander = Client::join(&url, "bystander").await;
    let before = bystander.until_snapshot(|_| true).await.tick;

    let nan_input =
        encode_client(&ClientMsg::Input(InputFrame { seq: 1, aim: f32::NAN, thrust: true, fire: true, view_tick: 0, ack_tick: 0 }))
            .unwrap();
    let input = encode_client(&ClientMsg::Input(InputFrame::default())).unwrap();
    let hello = encode_client(&ClientMsg::hello("again")).unwrap();
    let cases: Vec<(&str, bool, Message, CloseCode)> = vec![
        ("garbage before hello", false, Message::Binary(vec![0xFF, 0x00, 0x13, 0x37].into()), CloseCode::Invalid),
        ("garbage after hello", true, Message::Binary(vec![0xEE; 9].into()), CloseCode::Invalid),
        ("text frame", false, Message::Text("{\"hello\":1}".into()), CloseCode::Unsupported),
        ("text frame in game", true, Message::Text("hi".into()), CloseCode::Unsupported),
        ("oversize frame", false, Message::Binary(vec![0u8; 64 * 1024].into()), CloseCode::Size),
        ("oversize frame in game", true, Message::Binary(vec![1u8; 2 * 1024 * 1024].into()), CloseCode::Size),
        ("input before hello", false, Message::Binary(input.into()), CloseCode::Policy),
        ("nan aim", true, Message::Binary(nan_input.into()), CloseCode::Invalid),
        ("hello twice", true, Message::Binary(hello.into()), CloseCode::Policy),
    ];
    for (name, hello_first, frame, expected) in cases {
        let (code, reason) = close_after(&url, hello_first, frame).await;
        assert_eq!(code, expected, "{name}: reason {reason:?}");
        assert!(!reason.is_empty(), "{name}: close frame has a reason");
    }

    // The bystander never noticed: snapshots keep flowing and the server still answers.
    let after = bystander.until_snapshot(|s| s.tick > before + 10).await;
    assert!(after.body.ships.iter().any(|s| s.owner == bystander.welcome.player_id));
    assert_eq!(server.status().await["players"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_caps_are_answered_with_a_close_code_and_reason() {
    let config = ServerConfig { max_conns_per_ip: 2, ..Default::default() };
    let server = TestServer::start_with(config).await;
    let _a = Client::join(&server.ws_url(), "one").await;
    let _b = Client::join(&server.ws_url(), "two").await;
    let mut third = connect(&server.ws_url()).await;
    let close = expect_close(&mut third).await;
    assert_eq!(close.code, CloseCode::Policy);
    assert!(close.reason.contains("too many connections from your address"), "{}", close.reason);

    let config = ServerConfig { max_connections: 1, ..Default::default() };
    let server = TestServer::start_with(config).await;
    let _only = Client::join(&server.ws_url(), "only").await;
    let mut second = connect(&server.ws_url()).await;
    let close = expect_close(&mut second).await;
    assert_eq!(close.code, CloseCode::Again);
    assert!(close.reason.contains("connection limit"), "{}", close.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_client_is_cut_off_while_others_play_on() {
    let server = TestServer::start().await;
    let mut bystander = Client::join(&server.ws_url(), "calm").await;
    let mut flooder = Client::join(&server.ws_url(), "flood").await;
    for nonce in 0..400 {
        if flooder.ws.send(Message::Binary(encode_client(&ClientMsg::Ping { nonce }).unwrap().into())).await.is_err() {
            break;
        }
    }
    let close = expect_close(&mut flooder.ws).await;
    assert_eq!(close.code, CloseCode::Policy);
    assert!(close.reason.contains("rate limit"), "{}", close.reason);
    // The bystander keeps getting fresh snapshots.
    let first = bystander.until_snapshot(|_| true).await.tick;
    bystander.until_snapshot(|s| s.tick >= first + 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_dropped_but_one_that_answers_pings_stays() {
    let config = ServerConfig {
        ping_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(600),
        // A dropped peer's ship waits this long for a resume before it goes.
        resume_window: Duration::from_millis(200),
        ..Default::default()
    };
    let server = TestServer::start_with(config).await;
    // Reading the socket makes tungstenite answer the server's pings, like a hidden browser tab
    // whose game loop is paused but whose network stack still runs.
    let mut listener = Client::join(&server.ws_url(), "hidden-tab").await;
    let mut silent = Client::join(&server.ws_url(), "gone").await;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        listener.next().await.expect("the reading peer stays connected");
    }
    assert_eq!(server.status().await["players"], 1, "the silent peer was dropped, the listening one kept");
    // The silent peer's stream ends: with the close frame (1008 "idle timeout") if its
    // unflushed pongs do not hit the already closed socket first.
    let mut last = None;
    loop {
        match recv(&mut silent.ws).await {
            Ok(msg) => last = Some(msg),
            Err(Some(close)) => {
                assert_eq!(close.code, CloseCode::Policy);
                assert!(close.reason.contains("idle timeout"), "{}", close.reason);
                check_disconnect(last.as_ref(), &close);
                assert_eq!(last, Some(ServerMsg::Disconnect(DisconnectReason::IdleTimeout)));
                break;
            }
            Err(None) => break,
        }
    }
}
