//! AI pilots: a public room with a human fills up to `min_ships` with AI pilots that fly and
//! fight; they leave as humans join, hold no seat, are marked as AI, are counted apart in
//! `/api/status`, stay out of private rooms unless the creator asks for them, and never enter
//! the hall of fame.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{Client, Incoming, TestServer, WAIT, hello, new_room};
use driftfire_server::ServerConfig;
use driftfire_shared::protocol::{PlayerId, RoomTarget, ServerMsg};

/// Reads until `pred` holds for the set of AI pilots this client has seen joined and not left.
async fn until_pilots(client: &mut Client, pilots: &mut BTreeSet<PlayerId>, mut pred: impl FnMut(&BTreeSet<PlayerId>) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !pred(pilots) {
        assert!(Instant::now() < deadline, "pilots now {pilots:?}");
        match client.next().await {
            Ok(Incoming::Other(ServerMsg::PlayerJoined(info))) if info.ai => {
                pilots.insert(info.id);
            }
            Ok(Incoming::Other(ServerMsg::PlayerLeft { id })) => {
                pilots.remove(&id);
            }
            Ok(_) => {}
            Err(frame) => panic!("closed: {frame:?}"),
        }
    }
}

#[tokio::test]
async fn pilots_fill_a_public_room_and_leave_as_humans_join() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(ServerConfig {
        min_ships: 6,
        arena_side: common::SMALL_ARENA,
        data_dir: Some(data.path().to_path_buf()),
        ..ServerConfig::default()
    })
    .await;
    let mut first = Client::join(&server.ws_url(), "first").await;
    let mut pilots = BTreeSet::new();
    until_pilots(&mut first, &mut pilots, |p| p.len() == 5).await;
    // They fly: their ships are in the snapshots and move.
    let ships = |s: &driftfire_shared::snapshot::Snapshot| {
        s.body.ships.iter().filter(|ship| pilots.contains(&ship.owner)).map(|ship| (ship.owner, ship.pos)).collect::<Vec<_>>()
    };
    let before = ships(&first.until_snapshot(|s| s.body.ships.len() == 6).await);
    // Keep reading (snapshots queue up unread otherwise) for a second of flight.
    let mut latest = first.until_snapshot(|_| true).await;
    let flying = Instant::now();
    while flying.elapsed() < Duration::from_secs(1) {
        latest = first.until_snapshot(|_| true).await;
    }
    let after = ships(&latest);
    assert!(before.iter().zip(&after).any(|(a, b)| a.1.distance(b.1) > 5.0), "AI ships move: {before:?} → {after:?}");
    let status = server.status().await;
    assert_eq!((status["players"].as_u64(), status["ai_pilots"].as_u64()), (Some(1), Some(5)), "{status}");

    // Three more humans: six ships wanted, so two pilots stay, leaving a second apart.
    let mut others = Vec::new();
    for name in ["second", "third", "fourth"] {
        others.push(Client::join(&server.ws_url(), name).await);
    }
    until_pilots(&mut first, &mut pilots, |p| p.len() == 2).await;
    let status = server.status().await;
    assert_eq!((status["players"].as_u64(), status["ai_pilots"].as_u64()), (Some(4), Some(2)), "{status}");
    // A newcomer's Welcome lists the pilots, marked.
    let late = Client::join(&server.ws_url(), "fifth").await;
    let marked: BTreeSet<PlayerId> = late.welcome.players.iter().filter(|p| p.ai).map(|p| p.id).collect();
    assert_eq!(marked, pilots);

    // Pilots never reach the hall of fame: every name on the board is a human's.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let board = server.http("GET /api/hall-of-fame?period=day&limit=100 HTTP/1.1", "").await;
    for pilot in late.welcome.players.iter().filter(|p| p.ai) {
        assert!(!board.contains(&format!("\"name\":\"{}\"", pilot.name)), "{board}");
    }
    drop(others);
}

#[tokio::test]
async fn private_rooms_have_no_pilots() {
    let server = TestServer::start_with(ServerConfig { min_ships: 6, ..ServerConfig::default() }).await;
    let create = hello("host", new_room(true), None);
    let mut host = Client::hello(&server.ws_url(), create).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if let Ok(Incoming::Other(ServerMsg::PlayerJoined(info))) = host.next().await {
            panic!("{info:?} joined a private room");
        }
    }
    assert_eq!(server.status().await["ai_pilots"].as_u64(), Some(0));
}

#[tokio::test]
async fn a_private_room_has_pilots_when_its_creator_asks() {
    let server = TestServer::start_with(ServerConfig { min_ships: 4, ..ServerConfig::default() }).await;
    let create = hello("host", RoomTarget::Create { private: true, ai_pilots: true }, None);
    let mut host = Client::hello(&server.ws_url(), create).await.unwrap();
    let mut pilots = BTreeSet::new();
    until_pilots(&mut host, &mut pilots, |p| p.len() == 3).await;
    let status = server.status().await;
    assert_eq!((status["players"].as_u64(), status["ai_pilots"].as_u64()), (Some(1), Some(3)), "{status}");
    // Still private: quick play opens a public room of its own.
    let mut quick = Client::join(&server.ws_url(), "quick").await;
    assert_ne!(quick.welcome.room.code, host.welcome.room.code);
    quick.until_snapshot(|_| true).await;
}
