//! Many servers, one game: three server processes (the real binary; some tests run servers
//! in-process for speed) and a real `redis-server` on this machine. The
//! directory converges (every server lists every server's rooms with where they live); a room
//! code opened on another server is answered with a `Redirect` there; quick play goes to the
//! fullest room of the fleet; an announcement posted to one server reaches players on all;
//! a SIGKILLed server's rooms leave the lists within ~10 s; Redis stopped and restarted mid-game
//! stops nobody's game and the fleet comes back together by itself.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::process::Process;
use common::redis::Redis;
use common::{Client, TestServer, connect, expect_close, expect_close_after, hello, http_to, new_room, recv, rooms_at, send};
use driftfire_server::ServerConfig;
use driftfire_server::config::FleetConfig;
use driftfire_shared::protocol::{ClientMsg, DisconnectReason, Redirect, ResumeOutcome, RoomInfo, RoomTarget, ServerMsg};

/// Long enough for a few heartbeats (2 s each) and a TTL (10 s) to pass.
const CONVERGE: Duration = Duration::from_secs(15);

/// A fleet member's config: on `redis_url`, as `server_id`, reachable at its own address.
fn fleet_config(redis_url: String, server_id: &str, addr: SocketAddr) -> ServerConfig {
    let fleet = FleetConfig { redis_url, public_url: format!("ws://{addr}/ws"), server_id: server_id.into() };
    ServerConfig { fleet: Some(fleet), ..ServerConfig::default() }
}

async fn fleet_server(redis: &Redis, id: &str) -> TestServer {
    let redis_url = redis.url();
    TestServer::start_at(move |addr: SocketAddr| fleet_config(redis_url, id, addr)).await
}

/// Polls `addr`'s room list until `pred` holds; returns how long it took.
async fn until_listed(addr: SocketAddr, what: &str, mut pred: impl FnMut(&[RoomInfo]) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if pred(&rooms_at(addr).await) {
            return started.elapsed();
        }
        assert!(started.elapsed() < CONVERGE, "{what}: not within {CONVERGE:?}; {addr} lists {:?}", rooms_at(addr).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Says Hello with `room` and expects a Redirect, then the typed goodbye and a normal close.
async fn expect_redirect(url: &str, room: RoomTarget) -> Redirect {
    let mut ws = connect(url).await;
    send(&mut ws, &hello("traveller", room, None)).await;
    let Ok(ServerMsg::Redirect(redirect)) = recv(&mut ws).await else { panic!("expected a Redirect") };
    let (frame, last) = expect_close_after(&mut ws).await;
    assert_eq!(last, Some(ServerMsg::Disconnect(DisconnectReason::Redirected)));
    assert_eq!(u16::from(frame.code), 1000);
    redirect
}

/// A fleet server as a separate process of the real binary; returns it and its admin address.
fn fleet_process(redis: &Redis, id: &str, token: &str) -> (Process, SocketAddr) {
    Process::start_with_admin(&[
        "--redis".as_ref(),
        redis.url().as_ref(),
        "--server-id".as_ref(),
        id.as_ref(),
        "--admin-token".as_ref(),
        token.as_ref(),
    ])
}

#[tokio::test]
async fn three_server_processes_share_rooms_codes_quick_play_and_announcements() {
    let redis = Redis::start();
    let token = "fleet-token";
    let (s1, admin1) = fleet_process(&redis, "s1", token);
    let (s2, _) = fleet_process(&redis, "s2", token);
    let (s3, _) = fleet_process(&redis, "s3", token);

    // A private room on server 1...
    let mut host = Client::hello(&s1.ws_url(), hello("host", new_room(true), None)).await.unwrap();
    let code = host.welcome.room.code.clone();
    // ...is listed on server 2 (without its code), as living on server 1.
    let listed = until_listed(s2.addr, "server 1's private room on server 2", |rooms| {
        rooms.iter().any(|r| r.private && r.code.is_none() && r.server.as_deref() == Some(s1.ws_url().as_str()))
    });
    // Waiting players keep reading (answering pings), as a browser does: a step of this test
    // can take longer than the server's ping and pong timeouts on a loaded machine.
    let took = Client::reading_while(&mut [&mut host], listed).await;
    println!("directory converged in {took:?}");
    // Players who send nothing for 15 s are closed as idle, and on a loaded machine this test's
    // steps can take that long: the waiting players send an input now and then.
    host.input(0.0, false, false).await;

    // Its share link opened on server 2: a Redirect to server 1, which seats the guest there.
    let redirect = Client::reading_while(&mut [&mut host], expect_redirect(&s2.ws_url(), RoomTarget::Code(code.to_lowercase()))).await;
    assert_eq!(redirect, Redirect { url: s1.ws_url(), room: RoomTarget::Code(code.clone()) });
    let guest = Client::reading_while(&mut [&mut host], Client::hello(&redirect.url, hello("guest", redirect.room, None))).await.unwrap();
    assert_eq!(guest.welcome.room.code, code, "the guest is in the host's room");

    // Quick play on server 3 while server 2 has the only public room with players: go there,
    // and server 2 seats the player in that room.
    let mut public = Client::join(&s2.ws_url(), "local").await;
    let public_code = public.welcome.room.code.clone();
    let listed = until_listed(s3.addr, "server 2's public room on server 3", |rooms| {
        rooms.iter().any(|r| r.code.as_deref() == Some(public_code.as_str()) && r.players >= 1)
    });
    Client::reading_while(&mut [&mut host, &mut public], listed).await;
    host.input(0.0, false, false).await;
    public.input(0.0, false, false).await;
    let redirect = Client::reading_while(&mut [&mut host, &mut public], expect_redirect(&s3.ws_url(), RoomTarget::QuickPlay)).await;
    assert_eq!(redirect, Redirect { url: s2.ws_url(), room: RoomTarget::QuickPlayHere });
    let quick = Client::reading_while(&mut [&mut host, &mut public], Client::hello(&redirect.url, hello("quick", redirect.room, None)))
        .await
        .unwrap();
    assert_eq!(quick.welcome.room.code, public_code, "seated in the fleet's fullest room");

    // An announcement posted to server 3 reaches players on servers 1 and 2.
    host.input(0.0, false, false).await;
    public.input(0.0, false, false).await;
    let head = format!("POST /api/announce HTTP/1.1\r\nAuthorization: Bearer {token}");
    let response = http_to(s3.addr, &head, "fleet-wide hello").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    for client in [&mut host, &mut public] {
        let ServerMsg::Announcement { text } = client.until_message(|m| matches!(m, ServerMsg::Announcement { .. })).await else {
            unreachable!()
        };
        assert_eq!(text, "fleet-wide hello");
    }

    // /metrics says Redis is up and three servers are registered.
    let metrics = http_to(admin1, "GET /metrics HTTP/1.1", "").await;
    assert!(metrics.contains("driftfire_redis_up 1") && metrics.contains("driftfire_fleet_servers 3"), "{metrics}");
    drop((guest, quick));
}

#[tokio::test]
async fn a_killed_server_leaves_the_lists_and_redis_restarts_heal_the_fleet() {
    let mut redis = Redis::start();
    let s1 = fleet_server(&redis, "s1").await;
    let victim =
        Process::start(&["--redis".as_ref(), redis.url().as_ref(), "--data-dir".as_ref(), tempfile::tempdir().unwrap().path().as_os_str()]);
    let mut doomed = Client::join(&victim.ws_url(), "doomed").await;
    let doomed_code = doomed.welcome.room.code.clone();
    until_listed(s1.addr, "the process server's room", |rooms| rooms.iter().any(|r| r.code.as_deref() == Some(doomed_code.as_str()))).await;

    // SIGKILL: no goodbye to Redis; the entry expires.
    let mut victim = victim;
    victim.child.kill().unwrap();
    victim.child.wait().unwrap();
    let gone = until_listed(s1.addr, "the killed server's room to leave", |rooms| {
        rooms.iter().all(|r| r.code.as_deref() != Some(doomed_code.as_str()))
    })
    .await;
    println!("a SIGKILLed server's rooms left the list after {gone:?}");
    // TTL (8 s) plus a heartbeat on each side, and the poll.
    assert!(gone <= Duration::from_secs(11), "{gone:?}");
    drop(doomed.ws.close(None).await);

    // Redis goes away mid-game: play goes on.
    let s2 = fleet_server(&redis, "s2").await;
    let mut player = Client::join(&s1.ws_url(), "steady").await;
    let code = player.welcome.room.code.clone();
    until_listed(s2.addr, "s1's room on s2", |rooms| rooms.iter().any(|r| r.code.as_deref() == Some(code.as_str()))).await;
    redis.stop();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        player.input(0.3, true, false).await;
        player.until_snapshot(|_| true).await;
    }
    let metrics = s1.admin_http("GET /metrics HTTP/1.1", "").await;
    assert!(metrics.contains("driftfire_redis_up 0"), "{metrics}");
    // The directory falls back to local rooms: s2 lists none of s1's.
    until_listed(s2.addr, "s2 to fall back to local rooms", |rooms| rooms.iter().all(|r| r.server.is_none())).await;

    // Redis is back: both servers re-register by themselves.
    redis.restart();
    until_listed(s2.addr, "s1's room back on s2", |rooms| rooms.iter().any(|r| r.code.as_deref() == Some(code.as_str()))).await;
    player.input(0.0, false, false).await;
    player.until_snapshot(|_| true).await;
}

#[tokio::test]
async fn a_resume_token_sent_to_the_wrong_server_is_redirected_to_its_owner() {
    let redis = Redis::start();
    let s1 = fleet_server(&redis, "s1").await;
    let s2 = fleet_server(&redis, "s2").await;
    let pilot = Client::join(&s1.ws_url(), "wanderer").await;
    let (token, id) = (pilot.welcome.resume_token, pilot.welcome.player_id);
    until_listed(s2.addr, "s1's room on s2", |rooms| rooms.iter().any(|r| r.server.as_deref() == Some(s1.ws_url().as_str()))).await;
    // The link dies (no close frame): the session waits on s1 for a resume.
    drop(pilot);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut ws = connect(&s2.ws_url()).await;
    send(&mut ws, &hello("wanderer", RoomTarget::QuickPlay, Some(token))).await;
    let Ok(ServerMsg::Redirect(redirect)) = recv(&mut ws).await else { panic!("expected a Redirect") };
    assert_eq!(redirect.url, s1.ws_url());
    let back = Client::hello(&redirect.url, hello("wanderer", redirect.room, Some(token))).await.unwrap();
    assert_eq!((back.welcome.player_id, back.welcome.resume), (id, ResumeOutcome::Resumed));
}

#[tokio::test]
async fn a_draining_server_sends_newcomers_elsewhere_and_stops_when_empty() {
    let redis = Redis::start();
    let s1 = fleet_server(&redis, "s1").await;
    let data = tempfile::tempdir().unwrap();
    let mut draining = Process::start(&[
        "--redis".as_ref(),
        redis.url().as_ref(),
        "--drain-s".as_ref(),
        "30".as_ref(),
        "--data-dir".as_ref(),
        data.path().as_os_str(),
    ]);
    let mut stayer = Client::join(&draining.ws_url(), "stayer").await;
    let code = stayer.welcome.room.code.clone();
    until_listed(s1.addr, "the process server's room on s1", |rooms| rooms.iter().any(|r| r.code.as_deref() == Some(code.as_str()))).await;

    let term = std::process::Command::new("kill").args(["-TERM", &draining.child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let ServerMsg::Announcement { text } = stayer.until_message(|m| matches!(m, ServerMsg::Announcement { .. })).await else {
        unreachable!()
    };
    assert!(text.contains("restarting"), "{text}");
    // Newcomers to the draining server go to s1...
    let redirect = expect_redirect(&draining.ws_url(), RoomTarget::QuickPlay).await;
    assert_eq!(redirect.url, s1.ws_url());
    // ...and once s1 has heard it drains (its next heartbeat, then s1's: two beats at most),
    // s1's quick play stays on s1 though the draining room is fuller.
    tokio::time::sleep(driftfire_server::fleet::HEARTBEAT * 2 + Duration::from_millis(500)).await;
    let local = Client::join(&s1.ws_url(), "newcomer").await;
    assert_ne!(local.welcome.room.code, code);

    // The last player leaves: the server stops long before its 30 s.
    let left = Instant::now();
    send(&mut stayer.ws, &ClientMsg::Leave).await;
    let exit = tokio::task::spawn_blocking(move || draining.child.wait()).await.unwrap().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(left.elapsed() < Duration::from_secs(5), "stopped {:?} after the last player left", left.elapsed());
}

#[tokio::test]
async fn results_from_two_servers_merge_in_one_board() {
    let redis = Redis::start();
    let s1 = fleet_server(&redis, "s1").await;
    let s2 = fleet_server(&redis, "s2").await;
    for (server, name) in [(&s1, "north"), (&s2, "south")] {
        // A room of its own on each server (quick play could send the second pilot to the first room).
        let mut pilot = Client::hello(&server.ws_url(), hello(name, new_room(false), None)).await.unwrap();
        send(&mut pilot.ws, &ClientMsg::Leave).await;
        expect_close(&mut pilot.ws).await;
    }
    // Both servers read the same fleet-wide board.
    let started = Instant::now();
    for server in [&s1, &s2] {
        loop {
            let board = server.http("GET /api/hall-of-fame?period=day HTTP/1.1", "").await;
            if board.contains("\"name\":\"north\"") && board.contains("\"name\":\"south\"") {
                break;
            }
            assert!(started.elapsed() < CONVERGE, "{board}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn servers_started_before_redis_play_alone_then_join_up_and_hear_announcements_after_a_restart() {
    let mut redis = Redis::reserve();
    let token = "t0ken";
    let start = |id: &'static str| {
        let redis_url = redis.url();
        TestServer::start_at(move |addr: SocketAddr| ServerConfig { admin_token: Some(token.into()), ..fleet_config(redis_url, id, addr) })
    };
    let s1 = start("s1").await;
    let s2 = start("s2").await;
    // No Redis yet: each server plays on its own.
    let mut alone = Client::join(&s1.ws_url(), "alone").await;
    alone.input(0.0, true, false).await;
    alone.until_snapshot(|_| true).await;
    assert!(rooms_at(s2.addr).await.iter().all(|r| r.server.is_none()));

    // Redis arrives: the directory forms by itself.
    redis.restart();
    let code = alone.welcome.room.code.clone();
    until_listed(s2.addr, "s1's room on s2 once Redis is up", |rooms| rooms.iter().any(|r| r.code.as_deref() == Some(code.as_str()))).await;
    // Redis restarts: the subscribers come back too, and an announcement on s2 reaches s1.
    redis.stop();
    redis.restart();
    until_listed(s2.addr, "s1's room on s2 after the restart", |rooms| rooms.iter().any(|r| r.code.as_deref() == Some(code.as_str())))
        .await;
    let head = format!("POST /api/announce HTTP/1.1\r\nAuthorization: Bearer {token}");
    let deadline = Instant::now() + CONVERGE;
    loop {
        // Until s1's subscriber is back, an announcement reaches only s2's rooms; post again.
        let response = s2.http(&head, "after the restart").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let heard =
            tokio::time::timeout(Duration::from_secs(2), alone.until_message(|m| matches!(m, ServerMsg::Announcement { .. }))).await;
        if heard.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "s1 never heard s2's announcement after Redis restarted");
    }
}
