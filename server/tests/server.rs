//! End-to-end tests: a real server on port 0 and real WebSocket clients.

mod common;

use std::time::{Duration, Instant};

use common::*;
use driftfire_server::ServerConfig;
use driftfire_shared::codec::encode_client;
use driftfire_shared::protocol::{ClientMsg, DisconnectReason, InputFrame, PROTOCOL_VERSION, RejectReason, RoomTarget, ServerMsg};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_players_see_each_others_ships_move_as_their_inputs_say() {
    let server = TestServer::start().await;
    let mut a = Client::join(&server.ws_url(), "alice").await;
    let mut b = Client::join(&server.ws_url(), "bob").await;
    let (a_id, b_id) = (a.welcome.player_id, b.welcome.player_id);
    assert_ne!(a_id, b_id);
    assert_eq!(b.welcome.players.len(), 2, "bob's Welcome lists both players");

    let start_a = b.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == a_id)).await;
    let a_start = start_a.body.ships.iter().find(|s| s.owner == a_id).unwrap().pos;
    let start_b = a.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == b_id)).await;
    let b_start = start_b.body.ships.iter().find(|s| s.owner == b_id).unwrap().pos;

    // Alice flies along x, Bob along y, each toward the side with more room, for about a
    // second (past the 0.5 s turn).
    let a_dir = if a_start.x > 0.0 { -1.0f32 } else { 1.0 };
    let b_dir = if b_start.y > 0.0 { -1.0f32 } else { 1.0 };
    let until = Instant::now() + Duration::from_millis(1200);
    while Instant::now() < until {
        a.input(if a_dir > 0.0 { 0.0 } else { std::f32::consts::PI }, true, false).await;
        b.input(b_dir * std::f32::consts::FRAC_PI_2, true, false).await;
        tokio::time::sleep(Duration::from_millis(33)).await;
    }
    let seen_by_b = b
        .until_snapshot(|s| s.last_input_seq > 0 && s.body.ships.iter().any(|x| x.owner == a_id && (x.pos.x - a_start.x) * a_dir > 150.0))
        .await;
    let alice = seen_by_b.body.ships.iter().find(|s| s.owner == a_id).unwrap();
    assert!((alice.pos.y - a_start.y).abs() < (alice.pos.x - a_start.x).abs(), "alice moved mostly along x: {a_start} -> {}", alice.pos);
    let seen_by_a = a.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == b_id && (x.pos.y - b_start.y) * b_dir > 150.0)).await;
    assert!(seen_by_a.last_input_seq >= 1 && seen_by_a.last_input_seq <= a.seq, "snapshot echoes alice's input seq");
}

#[tokio::test]
async fn version_mismatch_is_rejected_with_its_reason() {
    let server = TestServer::start().await;
    let mut ws = connect(&server.ws_url()).await;
    send(&mut ws, &ClientMsg::Hello { version: PROTOCOL_VERSION + 41, name: "old".into(), room: RoomTarget::QuickPlay, resume: None })
        .await;
    match recv(&mut ws).await {
        Ok(ServerMsg::Rejected { reason }) => {
            assert_eq!(reason, RejectReason::VersionMismatch { server: PROTOCOL_VERSION, client: PROTOCOL_VERSION + 41 });
            assert!(reason.to_string().contains("version"));
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    let close = expect_bare_close(&mut ws).await;
    assert_eq!(close.code, CloseCode::Policy);
    assert!(close.reason.contains("version mismatch"), "{}", close.reason);

    // A version-3 client's Hello (version and name, nothing else) does not decode as today's
    // Hello, but still gets the reason it can show its player.
    let mut ws = connect(&server.ws_url()).await;
    ws.send(Message::Binary(vec![0, 3, 2, b'o', b'k'].into())).await.unwrap();
    assert!(matches!(recv(&mut ws).await, Ok(ServerMsg::Rejected { reason: RejectReason::VersionMismatch { client: 3, .. } })));
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

    let nan_input = encode_client(&ClientMsg::Input(InputFrame { seq: 1, aim: f32::NAN, thrust: true, fire: true, view_tick: 0 })).unwrap();
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

#[tokio::test]
async fn a_connection_that_says_nothing_is_closed_after_the_handshake_timeout() {
    let config = ServerConfig { handshake_timeout: Duration::from_millis(300), ..Default::default() };
    let server = TestServer::start_with(config).await;
    let mut ws = connect(&server.ws_url()).await;
    let started = Instant::now();
    let close = expect_close(&mut ws).await;
    assert_eq!(close.code, CloseCode::Policy);
    assert!(close.reason.contains("handshake timeout"));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_ship_waits_shielded_for_the_resume_window_then_goes() {
    let config = ServerConfig { arena_side: SMALL_ARENA, resume_window: Duration::from_secs(1), ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let mut a = Client::join(&server.ws_url(), "stays").await;
    let b = Client::join(&server.ws_url(), "goes").await;
    let b_id = b.welcome.player_id;
    a.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == b_id)).await;
    drop(b); // TCP closes without a close frame: the link failed, so the ship waits.
    a.until_message(|m| matches!(m, ServerMsg::Chat { from: None, text } if text == "goes lost connection")).await;
    let waiting = a.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == b_id)).await;
    assert!(waiting.body.ships.iter().find(|x| x.owner == b_id).unwrap().shielded, "a dropped ship is shielded");
    let mut saw_left = false;
    loop {
        match a.next().await.expect("still connected") {
            Incoming::Other(ServerMsg::PlayerLeft { id }) if id == b_id => saw_left = true,
            Incoming::Snapshot(s) if saw_left => {
                assert!(s.body.ships.iter().all(|x| x.owner != b_id), "ship gone");
                break;
            }
            _ => {}
        }
    }
    assert_eq!(server.status().await["players"], 1);
}

#[tokio::test]
async fn leave_closes_normally() {
    let server = TestServer::start().await;
    let mut a = Client::join(&server.ws_url(), "polite").await;
    send(&mut a.ws, &ClientMsg::Leave).await;
    assert_eq!(expect_close(&mut a.ws).await.code, CloseCode::Normal);
}

#[tokio::test]
async fn names_are_cleaned_and_made_unique() {
    let server = TestServer::start().await;
    let a = Client::join(&server.ws_url(), "  Ace\u{200B} ").await;
    let b = Client::join(&server.ws_url(), "Ace").await;
    assert_eq!(a.welcome.name, "Ace");
    assert_eq!(b.welcome.name, "Ace#2");
    let mut ws = connect(&server.ws_url()).await;
    send(&mut ws, &ClientMsg::hello("\u{200B}\u{202E}")).await;
    assert!(matches!(recv(&mut ws).await, Ok(ServerMsg::Rejected { reason: RejectReason::InvalidName })));
}

#[tokio::test]
async fn quick_play_opens_a_new_room_when_rooms_are_full() {
    let config = ServerConfig { max_players_per_room: 2, max_rooms: 2, ..Default::default() };
    let server = TestServer::start_with(config).await;
    let url = server.ws_url();
    let _players = [Client::join(&url, "a").await, Client::join(&url, "b").await, Client::join(&url, "c").await];
    let status = server.status().await;
    assert_eq!(status["rooms"], 2);
    assert_eq!(status["players"], 3);
    let _d = Client::join(&url, "d").await;
    let mut ws = connect(&url).await;
    send(&mut ws, &ClientMsg::hello("e")).await;
    assert!(matches!(recv(&mut ws).await, Ok(ServerMsg::Rejected { reason: RejectReason::ServerFull })));
    assert_eq!(expect_close(&mut ws).await.code, CloseCode::Again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_tells_players_and_closes_within_two_seconds() {
    let mut server = TestServer::start().await;
    let mut a = Client::join(&server.ws_url(), "last").await;
    a.until_snapshot(|_| true).await;
    let started = Instant::now();
    server.shutdown();
    let mut saw_notice = false;
    let mut last = None;
    let close = loop {
        match recv(&mut a.ws).await {
            Ok(msg) => {
                saw_notice |= msg == ServerMsg::Disconnect(DisconnectReason::ShuttingDown);
                last = Some(msg);
            }
            Err(frame) => break frame.expect("a close frame, not a dropped socket"),
        }
    };
    assert!(saw_notice, "Disconnect(ShuttingDown) arrived before the close frame");
    check_disconnect(last.as_ref(), &close);
    assert_eq!(close.code, CloseCode::Away);
    tokio::time::timeout(Duration::from_secs(2), &mut server.task).await.expect("server stops within 2 s").unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn status_and_health_endpoints_answer() {
    let server = TestServer::start().await;
    let _a = Client::join(&server.ws_url(), "one").await;
    let status = server.status().await;
    for key in ["version", "players", "rooms", "tick_hz", "uptime_s", "tick_p99_ms"] {
        assert!(status.get(key).is_some(), "status lacks {key}: {status}");
    }
    assert_eq!(status["players"], 1);
    assert_eq!(status["tick_hz"], 30);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(server.status().await["tick_p99_ms"].as_f64().unwrap() > 0.0);

    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut response = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_swarm_plays_and_reports() {
    let server = TestServer::start().await;
    let config = driftfire_server::bots::SwarmConfig {
        url: server.ws_url(),
        count: 6,
        duration: Duration::from_secs(3),
        ramp: Duration::from_millis(300),
        name_prefix: "t".into(),
        link: Default::default(),
    };
    let report = driftfire_server::bots::run_swarm(config, |_| {}).await;
    assert_eq!((report.connected, report.failed, report.disconnected), (6, 0, 0), "{report:?}");
    assert!(report.snapshots_per_s > 20.0 && report.snapshots_per_s < 40.0, "{report:?}");
    // Delta snapshots of a quiet room are small (~30 bytes), but each of the ~30 a second is at
    // least a 10-byte frame (tag, tick, input seq, length): 300 B/s is the floor of a live stream.
    assert!(report.down_bytes_per_s > 300.0 && report.rtt_p50_ms > 0.0 && report.rtt_p99_ms >= report.rtt_p50_ms, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_are_applied_one_per_tick_in_order_even_in_a_burst() {
    let server = TestServer::start().await;
    let mut a = Client::join(&server.ws_url(), "burst").await;
    a.until_snapshot(|_| true).await;
    for _ in 0..3 {
        a.input(0.0, true, false).await;
    }
    let mut echoed = Vec::new();
    a.until_snapshot(|s| {
        if echoed.last() != Some(&s.last_input_seq) {
            echoed.push(s.last_input_seq);
        }
        s.last_input_seq == 3
    })
    .await;
    assert_eq!(echoed.into_iter().filter(|&seq| seq > 0).collect::<Vec<_>>(), vec![1, 2, 3], "one input per tick, none skipped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_conditioner_adds_the_configured_round_trip() {
    use driftfire_server::conditioner::LinkConditions;
    let link = LinkConditions { latency: Duration::from_millis(150), jitter: Duration::from_millis(30), bandwidth_bps: 0 };
    let server = TestServer::start_with(ServerConfig { link, ..Default::default() }).await;
    let config = driftfire_server::bots::SwarmConfig {
        url: server.ws_url(),
        count: 2,
        duration: Duration::from_secs(4),
        ramp: Duration::ZERO,
        name_prefix: "lag".into(),
        link: Default::default(),
    };
    let report = driftfire_server::bots::run_swarm(config, |_| {}).await;
    assert_eq!((report.connected, report.failed, report.disconnected), (2, 0, 0), "{report:?}");
    assert!(report.rtt_p50_ms > 130.0 && report.rtt_p50_ms < 200.0, "{report:?}");
    assert!(report.snapshots_per_s > 20.0, "snapshots still flow at the tick rate: {report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_entities_in_view_are_sent_and_newcomers_arrive_complete() {
    use bevy_math::Vec2;
    use driftfire_shared::protocol::{VIEW_MARGIN, VIEW_SIZE};
    let config = ServerConfig { arena_side: 8000.0, ..Default::default() };
    let server = TestServer::start_with(config).await;
    let mut a = Client::join(&server.ws_url(), "scout").await;
    let mut b = Client::join(&server.ws_url(), "target").await;
    let (a_id, b_id) = (a.welcome.player_id, b.welcome.player_id);
    let half = VIEW_SIZE * 0.5 + Vec2::splat(VIEW_MARGIN);
    let slack = Vec2::splat(1.0);
    let mut unseen_frames = 0;
    let mut met = 0;
    // First fly apart until B is out of A's view for a while (if it started in view at all),
    // then toward each other until B has been back in view for a while.
    let mut parted = false;
    let deadline = Instant::now() + Duration::from_secs(30);
    while met < 10 {
        assert!(Instant::now() < deadline, "the two ships never met (B unseen in {unseen_frames} frames)");
        // Compare the two views of the same tick.
        let mut sa = a.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == a_id)).await;
        let mut sb = b.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == b_id)).await;
        while sa.tick != sb.tick {
            if sa.tick < sb.tick {
                sa = a.until_snapshot(|_| true).await;
            } else {
                sb = b.until_snapshot(|_| true).await;
            }
        }
        let pa = sa.body.ships.iter().find(|x| x.owner == a_id).unwrap().pos;
        let pb = sb.body.ships.iter().find(|x| x.owner == b_id).unwrap().pos;
        // Everything A is sent lies in A's view rectangle.
        let positions =
            sa.body.ships.iter().map(|x| x.pos).chain(sa.body.bullets.iter().map(|x| x.pos)).chain(sa.body.asteroids.iter().map(|x| x.pos));
        for p in positions {
            assert!((p - pa).abs().cmple(half + Vec2::ONE).all(), "entity at {p} sent to a ship at {pa}");
        }
        let offset = (pb - pa).abs();
        match sa.body.ships.iter().find(|x| x.owner == b_id) {
            Some(seen) => {
                // Entering the view, B arrives complete: every field, not a partial update.
                assert!(seen.health == 100 && seen.respawn_in.is_none() && seen.pos.is_finite() && seen.vel.is_finite(), "{seen:?}");
                met += usize::from(parted);
            }
            None => {
                assert!(!offset.cmplt(half - slack).all(), "B at {pb} is in A's view at {pa} but was not sent");
                unseen_frames += 1;
                parted |= unseen_frames >= 10;
            }
        }
        let toward = if parted { 1.0 } else { -1.0 };
        let to_b = (pb - pa) * toward;
        a.input(to_b.y.atan2(to_b.x), true, false).await;
        b.input((-to_b.y).atan2(-to_b.x), true, false).await;
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_reaches_the_room_cleaned_and_rate_limited() {
    let server = TestServer::start().await;
    let mut a = Client::join(&server.ws_url(), "talker").await;
    let mut b = Client::join(&server.ws_url(), "listener").await;
    let a_id = a.welcome.player_id;
    send(&mut a.ws, &ClientMsg::Chat { text: "  hello\u{200B}   there\u{7} ".into() }).await;
    let heard = b.until_message(|m| matches!(m, ServerMsg::Chat { .. })).await;
    assert_eq!(heard, ServerMsg::Chat { from: Some(a_id), text: "hello there".into() });
    // Two more fit in the 3-per-5-s allowance; the fourth is refused to the sender only.
    for n in 2..=4 {
        send(&mut a.ws, &ClientMsg::Chat { text: format!("line {n}") }).await;
    }
    let note = a.until_message(|m| matches!(m, ServerMsg::Chat { from: None, .. })).await;
    assert!(matches!(&note, ServerMsg::Chat { text, .. } if text.contains("Slow down")), "{note:?}");
    for n in 2..=3 {
        let line = b.until_message(|m| matches!(m, ServerMsg::Chat { .. })).await;
        assert_eq!(line, ServerMsg::Chat { from: Some(a_id), text: format!("line {n}") });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announcements_need_the_token_and_reach_every_player() {
    let config = ServerConfig { admin_token: Some("s3cret".into()), ..Default::default() };
    let server = TestServer::start_with(config).await;
    let mut a = Client::join(&server.ws_url(), "pilot").await;
    let refused = server.http("POST /api/announce HTTP/1.1\r\nAuthorization: Bearer wrong", "hi").await;
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let missing = server.http("POST /api/announce HTTP/1.1", "hi").await;
    assert!(missing.starts_with("HTTP/1.1 401"), "{missing}");
    let ok = server.http("POST /api/announce HTTP/1.1\r\nAuthorization: Bearer s3cret", "Restart in 5 minutes").await;
    assert!(ok.starts_with("HTTP/1.1 200") && ok.contains("announced to 1 rooms"), "{ok}");
    let heard = a.until_message(|m| matches!(m, ServerMsg::Announcement { .. })).await;
    assert_eq!(heard, ServerMsg::Announcement { text: "Restart in 5 minutes".into() });

    let plain = TestServer::start().await;
    let disabled = plain.http("POST /api/announce HTTP/1.1\r\nAuthorization: Bearer s3cret", "hi").await;
    assert!(disabled.starts_with("HTTP/1.1 404"), "{disabled}");
}
