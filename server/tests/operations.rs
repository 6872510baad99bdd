//! Operating a server: `/api/status` and `/healthz`, `/metrics` parsed by a real Prometheus
//! text parser while play goes on, the admin page and announcements (its form and the token-
//! guarded `/api/announce`), graceful shutdown, and the hall of fame end to end (a death makes
//! a board and the pilot is told; the boards over the socket and `/api/hall-of-fame`; a
//! database that cannot be opened leaves the game running without it).

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::play::fight_until_a_kill;
use common::{Client, TestServer, check_disconnect, connect, expect_close, recv, send};
use driftfire_server::ServerConfig;
use driftfire_shared::protocol::{ClientMsg, DisconnectReason, PROTOCOL_VERSION, Period, Reply, RequestId, ServerMsg};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A scrape, as `(name, labels) → value`, parsed by `prometheus-parse`.
struct Scrape(Vec<prometheus_parse::Sample>);

impl Scrape {
    async fn take(server: &TestServer) -> Self {
        let response = server.admin_http("GET /metrics HTTP/1.1", "").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let body = response.split("\r\n\r\n").nth(1).expect("body").to_string();
        assert!(body.trim_end().ends_with("# EOF"), "an OpenMetrics exposition ends with # EOF");
        let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("valid exposition");
        Self(scrape.samples)
    }

    /// The value of `name` with exactly these labels (histograms: their `_count`).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: HashMap<&str, &str> = labels.iter().copied().collect();
        self.0.iter().find_map(|sample| {
            let same_labels = sample.labels.len() == wanted.len() && wanted.iter().all(|(k, v)| sample.labels.get(k) == Some(*v));
            if sample.metric != name || !same_labels {
                return None;
            }
            Some(match &sample.value {
                prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => *v,
                prometheus_parse::Value::Histogram(buckets) => buckets.iter().map(|b| b.count).fold(0.0, f64::max),
                prometheus_parse::Value::Summary(_) => f64::NAN,
            })
        })
    }

    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels).unwrap_or_else(|| panic!("{name}{labels:?} missing from the scrape"))
    }
}

#[tokio::test]
async fn metrics_parse_and_move_as_play_happens() {
    let server = TestServer::start_with(ServerConfig { admin_token: Some("s3cret".into()), ..ServerConfig::default() }).await;
    let before = Scrape::take(&server).await;
    let protocol = PROTOCOL_VERSION.to_string();
    assert_eq!(before.get("driftfire_build_info", &[("version", env!("CARGO_PKG_VERSION")), ("protocol", protocol.as_str())]), 1.0);
    assert_eq!(before.get("driftfire_players", &[]), 0.0);

    let mut alice = Client::join(&server.ws_url(), "alice").await;
    let mut bob = Client::join(&server.ws_url(), "bob").await;
    for _ in 0..20 {
        alice.input(0.5, true, true).await;
        bob.input(1.0, false, false).await;
        alice.until_snapshot(|_| true).await;
    }
    send(&mut alice.ws, &ClientMsg::Chat { text: "gg".into() }).await;
    alice.until_message(|m| matches!(m, ServerMsg::Chat { from: Some(_), .. })).await;
    let response = server.http("POST /api/announce HTTP/1.1\r\nAuthorization: Bearer s3cret", "hello pilots").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    bob.until_message(|m| matches!(m, ServerMsg::Announcement { .. })).await;
    // A client that breaks the rules: a text frame.
    let mut rude = connect(&server.ws_url()).await;
    futures_util::SinkExt::send(&mut rude, tokio_tungstenite::tungstenite::Message::Text("hi".into())).await.unwrap();
    expect_close(&mut rude).await;
    send(&mut bob.ws, &ClientMsg::Leave).await;
    expect_close(&mut bob.ws).await;

    // Bob's seat is freed at the room's next tick.
    let mut during = Scrape::take(&server).await;
    for _ in 0..100 {
        if during.get("driftfire_players", &[]) == 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        during = Scrape::take(&server).await;
    }
    assert_eq!(during.get("driftfire_players", &[]), 1.0, "alice is still in");
    // Sockets count as open until their closing handshake is over (at most ~1.5 s).
    let mut open = during.get("driftfire_sockets_open", &[("transport", "websocket")]);
    for _ in 0..100 {
        if open == 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        open = Scrape::take(&server).await.get("driftfire_sockets_open", &[("transport", "websocket")]);
    }
    assert_eq!(open, 1.0, "alice's socket is the one open");
    assert_eq!(during.get("driftfire_rooms", &[("visibility", "public")]), 1.0);
    assert!(during.get("driftfire_connections", &[]) >= 1.0);
    assert!(during.get("driftfire_connections_opened_total", &[]) >= 4.0);
    assert_eq!(during.get("driftfire_sockets_opened_total", &[]), 3.0);
    assert_eq!(during.get("driftfire_disconnects_total", &[("reason", "left")]), 1.0);
    assert_eq!(during.get("driftfire_disconnects_total", &[("reason", "violation_text_frame")]), 1.0);
    assert_eq!(during.get("driftfire_messages_rejected_total", &[("reason", "violation_text_frame")]), 1.0);
    assert_eq!(during.get("driftfire_chat_lines_total", &[]), 1.0);
    assert_eq!(during.get("driftfire_announcements_total", &[]), 1.0);
    assert!(during.get("driftfire_received_bytes_total", &[]) > before.get("driftfire_received_bytes_total", &[]));
    // Two Welcomes and dozens of snapshots at least.
    let sent = during.get("driftfire_sent_bytes_total", &[]) - before.get("driftfire_sent_bytes_total", &[]);
    assert!(sent > 500.0, "sent {sent} bytes");
    assert!(during.get("driftfire_tick_duration_seconds", &[]) >= 20.0, "tick histogram counts ticks");
    assert!(during.get("driftfire_snapshot_size_bytes", &[]) >= 20.0);
    assert!(during.get("driftfire_snapshot_encode_seconds", &[]) >= 20.0);
    assert!(during.value("driftfire_tick_overruns_total", &[]).is_some());
    // No hall of fame configured here: it says so.
    assert_eq!(during.get("driftfire_hall_of_fame_up", &[]), 0.0);
    for name in ["driftfire_hall_of_fame_writes_total", "driftfire_hall_of_fame_write_errors_total", "driftfire_hall_of_fame_dropped_total"]
    {
        assert!(during.value(name, &[]).is_some(), "{name} exported");
    }
    // No ids as labels: every label is one of the fixed few.
    for sample in &during.0 {
        for (key, _) in sample.labels.iter() {
            assert!(
                ["reason", "outcome", "visibility", "transport", "version", "protocol", "le"].contains(&key.as_str()),
                "{}: label {key}",
                sample.metric
            );
        }
    }
    drop(alice);
}

#[tokio::test]
async fn the_admin_page_renders_rooms_and_sends_announcements() {
    let server = TestServer::start_with(ServerConfig { admin_token: Some("s3cret".into()), ..ServerConfig::default() }).await;
    let mut pilot = Client::join(&server.ws_url(), "pilot").await;
    let room = pilot.welcome.room.name.clone();
    let page = server.admin_http("GET / HTTP/1.1", "").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<h2>Rooms</h2>") && page.contains(&room), "{page}");
    assert!(page.contains("Hall of fame") && page.contains("Unavailable"), "no data dir: the page says the hall of fame is off\n{page}");
    assert!(page.contains("action=\"/announce\""), "{page}");
    let form = "POST /announce HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded";
    let refused = server.admin_http(form, "token=wrong&text=hi").await;
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let sent = server.admin_http(form, "token=s3cret&text=Server+restarts+at+noon").await;
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
    let ServerMsg::Announcement { text } = pilot.until_message(|m| matches!(m, ServerMsg::Announcement { .. })).await else {
        unreachable!()
    };
    assert_eq!(text, "Server restarts at noon");
    // The public port serves neither.
    let public = server.http("GET /metrics HTTP/1.1", "").await;
    assert!(!public.contains("driftfire_build_info"), "{public}");
}

#[tokio::test]
async fn a_death_is_recorded_ranked_and_told_to_the_pilot() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(ServerConfig {
        arena_side: common::SMALL_ARENA,
        data_dir: Some(data.path().to_path_buf()),
        ..ServerConfig::default()
    })
    .await;
    let (mut victim, _killer) = fight_until_a_kill(&server).await;
    // The first result of an empty hall of fame tops every board.
    let ServerMsg::MadeBoard { placements } = victim.until_message(|m| matches!(m, ServerMsg::MadeBoard { .. })).await else {
        unreachable!()
    };
    let mut periods: Vec<Period> = placements.iter().map(|p| p.period).collect();
    periods.sort_by_key(|p| p.as_str());
    assert_eq!(periods, vec![Period::AllTime, Period::Day, Period::Week], "{placements:?}");
    assert!(placements.iter().all(|p| p.rank >= 1), "{placements:?}");
    let name = victim.welcome.name.clone();

    // Over the socket before Hello (the title screen's request)...
    let mut title = connect(&server.ws_url()).await;
    send(&mut title, &ClientMsg::HallOfFame { request: RequestId(7), period: Period::Day }).await;
    let Ok(ServerMsg::Reply { request: RequestId(7), reply: Reply::HallOfFame(board) }) = recv(&mut title).await else {
        panic!("no board")
    };
    assert!(board.available && board.period == Period::Day, "{board:?}");
    assert!(board.entries.iter().any(|e| e.name == name && e.deaths >= 1), "{board:?}");
    // ...and as JSON.
    let json = server.http("GET /api/hall-of-fame?period=week&limit=5 HTTP/1.1", "").await;
    assert!(json.starts_with("HTTP/1.1 200"), "{json}");
    let body: serde_json::Value = serde_json::from_str(json.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["period"], "week");
    assert!(body["entries"].as_array().unwrap().iter().any(|e| e["name"] == name.as_str() && e["rank"].as_u64() >= Some(1)), "{body}");
    let bad = server.http("GET /api/hall-of-fame?period=year HTTP/1.1", "").await;
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");

    let scrape = Scrape::take(&server).await;
    assert_eq!(scrape.get("driftfire_hall_of_fame_up", &[]), 1.0);
    assert!(scrape.get("driftfire_hall_of_fame_writes_total", &[]) >= 1.0);
    let page = server.admin_http("GET / HTTP/1.1", "").await;
    assert!(page.contains(&name) && page.contains("Recording"), "{page}");
}

#[tokio::test]
async fn an_unusable_database_leaves_the_game_running_without_a_hall_of_fame() {
    let scratch = tempfile::tempdir().unwrap();
    // A data dir that cannot be created: its parent is a file (root ignores permissions).
    let blocker = scratch.path().join("not-a-dir");
    std::fs::write(&blocker, b"a file").unwrap();
    let server = TestServer::start_with(ServerConfig { data_dir: Some(blocker.join("data")), ..ServerConfig::default() }).await;
    let mut pilot = Client::join(&server.ws_url(), "pilot").await;
    pilot.input(0.0, true, false).await;
    pilot.until_snapshot(|_| true).await;
    let status = server.status().await;
    assert_eq!(status["hall_of_fame"]["available"], false, "{status}");
    assert!(status["hall_of_fame"]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{status}");
    let scrape = Scrape::take(&server).await;
    assert_eq!(scrape.get("driftfire_hall_of_fame_up", &[]), 0.0);
    let page = server.admin_http("GET / HTTP/1.1", "").await;
    assert!(page.contains("Unavailable"), "{page}");
    let json = server.http("GET /api/hall-of-fame HTTP/1.1", "").await;
    assert!(json.starts_with("HTTP/1.1 503") && json.contains("\"available\":false"), "{json}");
    // Leaving ends a life; the result is dropped, not a crash.
    send(&mut pilot.ws, &ClientMsg::Leave).await;
    expect_close(&mut pilot.ws).await;
    let again = Client::join(&server.ws_url(), "again").await;
    assert_eq!(again.welcome.name, "again");
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

    let response = server.http("GET /healthz HTTP/1.1", "").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
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
