//! WebTransport: bots play over datagrams against a real server on port 0 (the development
//! certificate trusted by the hash `/api/transport` publishes); the same contract as the
//! WebSocket: typed disconnects, admission per address across both transports, the rate limit
//! for a datagram flood, hostile datagrams refused (and fuzzed), and a resume from one transport
//! to the other.

mod common;

use std::time::Duration;

use common::*;
use driftfire_server::ServerConfig;
use driftfire_server::bots::link::{BotLink, Transport};
use driftfire_server::bots::{SwarmConfig, run_swarm};
use driftfire_shared::codec::decode_server;
use driftfire_shared::protocol::{ClientMsg, DisconnectReason, InputFrame, ResumeOutcome, RoomTarget, ServerMsg, Violation, Welcome};

/// Opens a WebTransport link and says Hello.
async fn wt_hello(server: &TestServer, hello: ClientMsg) -> BotLink {
    let mut link = BotLink::open(&server.ws_url(), Transport::Wt).await.expect("WebTransport connects");
    assert_eq!(link.name(), "wt");
    link.send(&hello).await.unwrap();
    link
}

/// The next message, decoded.
async fn next_msg(link: &mut BotLink) -> Option<ServerMsg> {
    let bytes = tokio::time::timeout(WAIT, link.next()).await.expect("a message in time").ok()?;
    Some(decode_server(&bytes).expect("server messages decode"))
}

async fn until_welcome(link: &mut BotLink) -> Welcome {
    loop {
        match next_msg(link).await {
            Some(ServerMsg::Welcome(welcome)) => return welcome,
            Some(_) => {}
            None => panic!("closed before Welcome"),
        }
    }
}

/// Reads until the typed `Disconnect`, which every ending the server chooses sends first.
async fn until_disconnect(link: &mut BotLink) -> DisconnectReason {
    loop {
        match next_msg(link).await {
            Some(ServerMsg::Disconnect(reason)) => return reason,
            Some(_) => {}
            None => panic!("closed without a Disconnect"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_play_over_webtransport_with_datagram_snapshots() {
    let server = TestServer::start().await;
    let transport = server.http("GET /api/transport HTTP/1.1", "").await;
    let advert: serde_json::Value = serde_json::from_str(body(&transport)).unwrap();
    assert_eq!(advert["webtransport"]["path"], "/wt");
    assert_eq!(advert["webtransport"]["certificate_sha256"].as_str().map(str::len), Some(64), "{advert}");
    let config = SwarmConfig {
        url: server.ws_url(),
        count: 4,
        duration: Duration::from_secs(4),
        ramp: Duration::from_millis(200),
        name_prefix: "wt-".into(),
        link: Default::default(),
        transport: Transport::Wt,
        failover: false,
    };
    let report = run_swarm(config, |_| {}).await;
    assert_eq!((report.connected, report.failed, report.disconnected), (4, 0, 0), "{report:?}");
    assert_eq!(report.over_webtransport, 4);
    // Loopback loses nothing: every tick's snapshot decodes against an acknowledged frame.
    assert!(report.delivered_ratio > 0.97, "{report:?}");
    assert!(report.snapshots_per_s > 25.0, "{report:?}");
    assert!(report.input_ack_p50_ms > 0.0, "inputs sent as datagrams are acknowledged: {report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webtransport_session_counts_against_its_address_like_a_socket() {
    let server = TestServer::start_with(ServerConfig { max_conns_per_ip: 2, ..ServerConfig::default() }).await;
    let _first = Client::join(&server.ws_url(), "first").await;
    let mut second = wt_hello(&server, hello("second", RoomTarget::QuickPlay, None)).await;
    until_welcome(&mut second).await;
    // The QUIC session holds the address's second slot: a third connection is refused.
    let mut third = connect(&server.ws_url()).await;
    assert_eq!(expect_reason(&mut third).await.1, DisconnectReason::TooManyConnections);
    // Its slot comes back when the session ends.
    drop(second);
    tokio::time::sleep(Duration::from_millis(300)).await;
    Client::join(&server.ws_url(), "fourth").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datagram_flood_is_rate_limited_like_a_frame_flood() {
    let server = TestServer::start().await;
    let mut link = wt_hello(&server, hello("flood", RoomTarget::QuickPlay, None)).await;
    until_welcome(&mut link).await;
    for seq in 1..=400 {
        link.send(&ClientMsg::Input(InputFrame { seq, aim: 0.5, ..Default::default() })).await.unwrap();
    }
    assert_eq!(until_disconnect(&mut link).await, DisconnectReason::Violation(Violation::RateLimited));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datagram_that_is_not_inputs_is_a_violation() {
    let server = TestServer::start().await;
    for (bytes, violation) in [
        (vec![0xff; 40], Violation::Undecodable),
        (driftfire_shared::codec::encode_client(&ClientMsg::Ping { nonce: 3 }).unwrap(), Violation::Undecodable),
        (
            driftfire_shared::codec::encode_client(&ClientMsg::Input(InputFrame { seq: 1, aim: f32::NAN, ..Default::default() })).unwrap(),
            Violation::InputOutOfRange,
        ),
    ] {
        let mut link = wt_hello(&server, hello("hostile", RoomTarget::QuickPlay, None)).await;
        until_welcome(&mut link).await;
        assert!(link.send_raw_datagram(&bytes));
        assert_eq!(until_disconnect(&mut link).await, DisconnectReason::Violation(violation));
    }
    // Nobody else was affected: the server still seats players.
    Client::join(&server.ws_url(), "after").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_token_works_from_one_transport_to_the_other() {
    let server = TestServer::start().await;
    // WebSocket first, then its link dies: the seat waits.
    let ws = Client::join(&server.ws_url(), "Traveller").await;
    let welcome = ws.welcome.clone();
    drop(ws);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut wt = wt_hello(&server, hello("Traveller", RoomTarget::QuickPlay, Some(welcome.resume_token))).await;
    let resumed = until_welcome(&mut wt).await;
    assert_eq!(resumed.player_id, welcome.player_id);
    assert_eq!(resumed.resume, ResumeOutcome::Resumed);
    // Operators see the session by its transport.
    let metrics = server.admin_http("GET /metrics HTTP/1.1", "").await;
    assert!(metrics.contains("driftfire_sockets_open{transport=\"webtransport\"} 1\n"), "{metrics}");
    assert!(metrics.contains("driftfire_sockets_open{transport=\"websocket\"} 0\n"), "{metrics}");
    // And back: the WebTransport session drops, the WebSocket resumes it.
    drop(wt);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let back = Client::resume(&server.ws_url(), "Traveller", resumed.resume_token).await;
    let again = back.welcome;
    assert_eq!((again.player_id, again.resume), (welcome.player_id, ResumeOutcome::Resumed));
    let metrics = server.admin_http("GET /metrics HTTP/1.1", "").await;
    assert!(metrics.contains("driftfire_sockets_open{transport=\"webtransport\"} 0\n"), "{metrics}");
    assert!(metrics.contains("driftfire_sockets_open{transport=\"websocket\"} 1\n"), "{metrics}");
}

/// Random datagrams (raw bytes, and runs of well-formed inputs with any values) from sessions in
/// play: each session ends with a typed violation or plays on, and a bystander in the same room
/// keeps receiving snapshots throughout. `FUZZ_CASES=N` runs more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_datagrams_end_only_their_own_session() {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(24);
    let server = TestServer::start().await;
    let mut bystander = Client::join(&server.ws_url(), "bystander").await;
    let input = (any::<u32>(), any::<u32>(), any::<bool>(), any::<bool>(), any::<u32>(), any::<u32>()).prop_map(
        |(seq, aim_bits, thrust, fire, view_tick, ack_tick)| {
            driftfire_shared::codec::encode_client(&ClientMsg::Input(InputFrame {
                seq,
                aim: f32::from_bits(aim_bits),
                thrust,
                fire,
                view_tick,
                ack_tick,
            }))
            .unwrap()
        },
    );
    let datagram = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::collection::vec(input, 1..6).prop_map(|inputs| inputs.concat()),
    ];
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for case in 0..cases {
        let mut link = wt_hello(&server, hello(&format!("fuzz{case}"), RoomTarget::QuickPlay, None)).await;
        until_welcome(&mut link).await;
        let bytes = datagram.new_tree(&mut runner).unwrap().current();
        link.send_raw_datagram(&bytes);
        // Either a typed violation arrives, or the session plays on (snapshots keep coming).
        let ending = tokio::time::timeout(Duration::from_millis(300), async {
            loop {
                match next_msg(&mut link).await {
                    Some(ServerMsg::Disconnect(reason)) => return Some(reason),
                    Some(_) => {}
                    None => panic!("case {case}: closed without a Disconnect after {bytes:02x?}"),
                }
            }
        })
        .await;
        if let Ok(Some(reason)) = ending {
            assert!(matches!(reason, DisconnectReason::Violation(_)), "case {case}: {reason:?}");
        }
        // The bystander still gets the world.
        let before = bystander.latest.as_ref().map_or(0, |s| s.tick);
        bystander.until_snapshot(|s| s.tick > before).await;
    }
    assert_eq!(server.status().await["rooms"].as_u64().map(|r| r >= 1), Some(true));
}

/// The link conditioner loses 5 % of datagrams each way: every snapshot that arrives decodes
/// against a frame the bot acknowledged (a corrupt one would drop the bot), and play goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_five_percent_of_datagrams_lost_every_delivered_snapshot_decodes() {
    let link = driftfire_server::conditioner::LinkConditions { datagram_loss_percent: 5, ..Default::default() };
    let server = TestServer::start_with(ServerConfig { link, arena_side: SMALL_ARENA, ..ServerConfig::default() }).await;
    let config = SwarmConfig {
        url: server.ws_url(),
        count: 4,
        duration: Duration::from_secs(5),
        ramp: Duration::from_millis(200),
        name_prefix: "lossy-".into(),
        link: Default::default(),
        transport: Transport::Wt,
        failover: false,
    };
    let report = run_swarm(config, |_| {}).await;
    assert_eq!((report.connected, report.failed, report.disconnected), (4, 0, 0), "no bot lost its stream: {report:?}");
    assert!(report.delivered_ratio > 0.85 && report.delivered_ratio < 0.995, "about 5 % lost: {report:?}");
    assert!(report.input_ack_p50_ms > 0.0, "{report:?}");
}
