//! A connection's start and end: Hello's protocol version check (an older build still learns
//! why), names cleaned, made unique and refused when they would look alike or like nothing, the
//! handshake timeout for a socket that never says Hello, and Leave's normal close. A real
//! server on port 0 with real WebSocket clients.

mod common;

use std::time::Duration;

use common::*;
use driftfire_server::ServerConfig;
use driftfire_shared::protocol::{ClientMsg, PROTOCOL_VERSION, RejectReason, RoomTarget, ServerMsg};
use futures_util::SinkExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_would_render_the_same_or_as_nothing_do_not_pass() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let requested = [
        "alice",
        // Padded with characters the old deny-list did not know: a variation selector, a
        // musical-notation and a shorthand format control.
        "alice\u{FE0F}\u{1D173}\u{1BCA0}",
        // A dotless "ı" (still Latin: a Cyrillic "а" is refused outright, below), and
        // full-width letters.
        "al\u{131}ce",
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
    // Latin mixed with Cyrillic or Greek letters gets its own reason, which the player reads.
    for mixed in ["\u{430}lice", "\u{391}lice", "alice Алиса"] {
        assert_eq!(Client::hello(&url, ClientMsg::hello(mixed)).await.err(), Some(RejectReason::MixedScripts), "{mixed:?}");
    }
}

#[tokio::test]
async fn names_in_every_script_join_as_written() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    // With joiners where they join: an emoji ZWJ sequence with a skin tone, Persian's ZWNJ,
    // Devanagari's ZWJ after a virama, a heart with its emoji-presentation selector.
    let names = [
        "Дмитрий",
        "李小龍",
        "محمد",
        "עברית",
        "हिन्दी",
        "สมชาย",
        "Zoë Łukasz",
        "🚀Ace",
        "李小龍 Bruce",
        "👩\u{200D}🚀Ace👍🏽",
        "می\u{200C}خواهم",
        "क्\u{200D}ष",
        "\u{2764}\u{FE0F}Love",
    ];
    let mut clients = Vec::new();
    for name in names {
        let client = Client::join(&url, name).await;
        assert_eq!(client.welcome.name, name);
        clients.push(client);
    }
    // Every player sees every other's name as written.
    let last = clients.last().unwrap();
    for name in names {
        assert!(last.welcome.players.iter().any(|p| p.name == name), "{name:?} missing from {:?}", last.welcome.players);
    }
}

/// On paused time: the server's real default handshake timeout (10 s) passes in virtual
/// seconds, so the test checks when the close came to the tick, not just "late enough".
#[tokio::test(start_paused = true)]
async fn a_connection_that_says_nothing_is_closed_after_the_handshake_timeout() {
    let timeout = ServerConfig::default().handshake_timeout;
    assert!(timeout < WAIT, "the test's own read timeout must outlast the server's");
    let server = TestServer::start().await;
    // The server's wait starts at the upgrade: after `connecting`, before `connected`.
    let connecting = Instant::now();
    let mut ws = connect(&server.ws_url()).await;
    let connected = Instant::now();
    let close = expect_close(&mut ws).await;
    assert_eq!(close.code, CloseCode::Policy);
    assert!(close.reason.contains("handshake timeout"));
    assert!(connecting.elapsed() >= timeout, "closed after {:?}, before the timeout", connecting.elapsed());
    // Nothing else runs on this clock: the close comes at the deadline, give or take a timer tick.
    assert!(connected.elapsed() <= timeout + Duration::from_millis(5), "closed {:?} after connecting", connected.elapsed());
}

#[tokio::test]
async fn leave_closes_normally() {
    let server = TestServer::start().await;
    let mut a = Client::join(&server.ws_url(), "polite").await;
    send(&mut a.ws, &ClientMsg::Leave).await;
    assert_eq!(expect_close(&mut a.ws).await.code, CloseCode::Normal);
}
