//! Netcode: inputs move ships as they say, one input per tick in order; each client is sent only
//! what is in its view, newcomers complete; snapshots flow at the tick rate to a bot swarm; and
//! the link conditioner adds the round trip it is configured with. A real server on port 0 with
//! real WebSocket clients.

mod common;

use std::time::{Duration, Instant};

use common::*;
use driftfire_server::ServerConfig;
use driftfire_server::bots::link::Transport;
use driftfire_server::bots::{SwarmConfig, SwarmReport, run_swarm};

/// Runs a bot swarm of `count` against `url` for `duration` (bots joining over `ramp`).
async fn swarm(url: String, count: usize, duration: Duration, ramp: Duration, name_prefix: &str) -> SwarmReport {
    let config = SwarmConfig {
        url,
        count,
        duration,
        ramp,
        name_prefix: name_prefix.into(),
        link: Default::default(),
        transport: Transport::Ws,
        failover: false,
    };
    run_swarm(config, |_| {}).await
}

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
async fn a_bot_swarm_plays_and_reports() {
    let server = TestServer::start().await;
    let report = swarm(server.ws_url(), 6, Duration::from_secs(3), Duration::from_millis(300), "t").await;
    assert_eq!((report.connected, report.failed, report.disconnected), (6, 0, 0), "{report:?}");
    assert!(report.snapshots_per_s > 20.0 && report.snapshots_per_s < 40.0, "{report:?}");
    // Delta snapshots of a quiet room are small (~30 bytes), but each of the ~30 a second is at
    // least a 10-byte frame (tag, tick, input seq, length): 300 B/s is the floor of a live stream.
    assert!(report.down_bytes_per_s > 300.0 && report.rtt_p50_ms > 0.0 && report.rtt_p99_ms >= report.rtt_p50_ms, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_conditioner_adds_the_configured_round_trip() {
    use driftfire_server::conditioner::LinkConditions;
    let link = LinkConditions { latency: Duration::from_millis(150), jitter: Duration::from_millis(30), ..LinkConditions::default() };
    let server = TestServer::start_with(ServerConfig { link, ..Default::default() }).await;
    let report = swarm(server.ws_url(), 2, Duration::from_secs(4), Duration::ZERO, "lag").await;
    assert_eq!((report.connected, report.failed, report.disconnected), (2, 0, 0), "{report:?}");
    assert!(report.rtt_p50_ms > 130.0 && report.rtt_p50_ms < 200.0, "{report:?}");
    assert!(report.snapshots_per_s > 20.0, "snapshots still flow at the tick rate: {report:?}");
}
