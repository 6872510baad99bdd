//! When a server of a fleet dies (SIGKILL, no goodbye): its players, arriving at another server
//! with their resume token, are seated in a fresh ship with the score their server last stored
//! in Redis (`ResumeOutcome::Restored`); a record is taken once; a token whose server is alive
//! is still sent back to it; with Redis stopped mid-failover the player is seated anyway,
//! without the score. A real `redis-server` and the real binary as the server that dies.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::play::earn_a_score;
use common::process::Process;
use common::redis::Redis;
use common::{Client, TestServer, hello};
use driftfire_server::ServerConfig;
use driftfire_server::config::FleetConfig;
use driftfire_shared::protocol::{ResumeOutcome, RoomTarget, ServerMsg};

async fn fleet_server(redis: &Redis, id: &str) -> TestServer {
    let redis_url = redis.url();
    let id = id.to_string();
    TestServer::start_at(move |addr: SocketAddr| {
        let fleet = FleetConfig { redis_url, public_url: format!("ws://{addr}/ws"), server_id: id };
        ServerConfig { fleet: Some(fleet), ..ServerConfig::default() }
    })
    .await
}

/// The score the scoreboard shows for `client`, waiting for the next board.
async fn board_score(client: &mut Client) -> u32 {
    let me = client.welcome.player_id;
    loop {
        if let ServerMsg::Scoreboard { entries } = client.until_message(|m| matches!(m, ServerMsg::Scoreboard { .. })).await
            && let Some(entry) = entries.iter().find(|e| e.id == me)
        {
            return entry.score;
        }
    }
}

#[tokio::test]
async fn a_killed_servers_player_is_seated_elsewhere_with_their_score() {
    let redis = Redis::start();
    let survivor = fleet_server(&redis, "survivor").await;
    let data = tempfile::tempdir().unwrap();
    let mut doomed = Process::start(&[
        "--redis".as_ref(),
        redis.url().as_ref(),
        "--server-id".as_ref(),
        "doomed".as_ref(),
        "--data-dir".as_ref(),
        data.path().as_os_str(),
        // Small enough that rocks are in reach of a pilot firing in circles.
        "--arena-side".as_ref(),
        "700".as_ref(),
    ]);
    let mut pilot = Client::join(&doomed.ws_url(), "Phoenix").await;
    let earned = earn_a_score(&mut pilot).await;
    let token = pilot.welcome.resume_token;
    // Past a heartbeat (2 s): the record with this score is in Redis.
    let recorded = board_score(&mut pilot).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    let noticed = Instant::now();
    // The client's way back: its entrance (here the survivor) with the dead session's token.
    let mut back = Client::resume(&survivor.ws_url(), "Phoenix", token).await;
    println!("back in a game {:?} after the kill", noticed.elapsed());
    assert_eq!(back.welcome.resume, ResumeOutcome::Restored);
    let restored = board_score(&mut back).await;
    assert!(restored >= earned && restored >= recorded.min(earned), "earned {earned}, board {recorded}, restored {restored}");
    let metrics = survivor.admin_http("GET /metrics HTTP/1.1", "").await;
    assert!(metrics.contains("driftfire_failovers_total{outcome=\"restored\"} 1"), "{metrics}");
    let page = survivor.admin_http("GET / HTTP/1.1", "").await;
    assert!(page.contains("Recent failovers") && page.contains("Phoenix") && page.contains("restored"), "{page}");

    // A record restores one ship, once: the same token again joins without it.
    drop(back);
    let again = Client::resume(&survivor.ws_url(), "Phoenix", token).await;
    assert_eq!(again.welcome.resume, ResumeOutcome::Expired);
    // Nothing of the dead session is left behind in Redis but keys that expire.
    let mut redis_conn = redis.connection();
    let keys: Vec<String> = redis::cmd("KEYS").arg("driftfire:*").query(&mut redis_conn).unwrap();
    for key in keys.iter().filter(|k| k.as_str() != "driftfire:servers") {
        let ttl: i64 = redis::cmd("TTL").arg(key).query(&mut redis_conn).unwrap();
        assert!(ttl > 0, "{key} expires (TTL {ttl})");
    }
}

#[tokio::test]
async fn a_dead_server_leaves_quick_play_within_two_heartbeats() {
    let redis = Redis::start();
    let survivor = fleet_server(&redis, "survivor").await;
    let data = tempfile::tempdir().unwrap();
    let mut doomed = Process::start(&["--redis".as_ref(), redis.url().as_ref(), "--data-dir".as_ref(), data.path().as_os_str()]);
    // Someone plays on the doomed server: quick play at the survivor sends newcomers there.
    let _host = Client::join(&doomed.ws_url(), "host").await;
    let placed_on_doomed = async {
        let started = Instant::now();
        loop {
            let mut ws = common::connect(&survivor.ws_url()).await;
            common::send(&mut ws, &hello("probe", RoomTarget::QuickPlay, None)).await;
            if let Ok(ServerMsg::Redirect(redirect)) = common::recv(&mut ws).await
                && redirect.url == doomed.ws_url()
            {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "the survivor never placed anyone on the doomed server");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    placed_on_doomed.await;
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    let killed = Instant::now();
    // From the kill on, quick play keeps newcomers here as soon as the doomed server has missed
    // its heartbeat: two reads of the directory (4 s) plus one heartbeat, well before its
    // entry's TTL (8 s) would.
    loop {
        let mut ws = common::connect(&survivor.ws_url()).await;
        common::send(&mut ws, &hello("probe", RoomTarget::QuickPlay, None)).await;
        match common::recv(&mut ws).await {
            Ok(ServerMsg::Welcome(_)) => break,
            Ok(ServerMsg::Redirect(redirect)) => assert_eq!(redirect.url, doomed.ws_url()),
            other => panic!("{other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gone = killed.elapsed();
    println!("quick play stopped sending players to the dead server after {gone:?}");
    assert!(gone < Duration::from_millis(6500), "{gone:?}");
}

#[tokio::test]
async fn with_redis_stopped_mid_failover_the_player_is_seated_without_a_score() {
    let mut redis = Redis::start();
    let survivor = fleet_server(&redis, "survivor").await;
    let data = tempfile::tempdir().unwrap();
    let mut doomed = Process::start(&["--redis".as_ref(), redis.url().as_ref(), "--data-dir".as_ref(), data.path().as_os_str()]);
    let pilot = Client::join(&doomed.ws_url(), "Stranded").await;
    let token = pilot.welcome.resume_token;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    redis.stop();
    let asked = Instant::now();
    let back = Client::resume(&survivor.ws_url(), "Stranded", token).await;
    assert_eq!(back.welcome.resume, ResumeOutcome::Expired, "seated, without the score");
    assert!(asked.elapsed() < Duration::from_secs(4), "not stuck on Redis: {:?}", asked.elapsed());
    let metrics = survivor.admin_http("GET /metrics HTTP/1.1", "").await;
    assert!(metrics.contains("driftfire_failovers_total{outcome=\"redis_unavailable\"} 1"), "{metrics}");
}
