//! Rooms: quick play fills the fullest public room and opens new ones within the caps, private
//! rooms are joined by code, the room list (HTTP and socket), moving rooms with request ids,
//! empty rooms closing after their idle period, and chat within a room. A real server on port
//! 0 with real WebSocket clients.

mod common;

use std::time::Duration;

use common::*;
use driftfire_server::ServerConfig;
use driftfire_shared::protocol::{ClientMsg, RejectReason, Reply, RequestId, RoomTarget, ServerMsg};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_play_fills_the_fullest_public_room_and_skips_private_ones() {
    let server = TestServer::start_with(ServerConfig { max_players_per_room: 2, ..ServerConfig::default() }).await;
    let url = server.ws_url();
    let private = Client::hello(&url, hello("host", new_room(true), None)).await.unwrap();
    assert!(private.welcome.room.private);
    let a = Client::join(&url, "a").await;
    let b = Client::join(&url, "b").await;
    let c = Client::join(&url, "c").await;
    assert!(!a.welcome.room.private);
    assert_eq!(a.welcome.room.code, b.welcome.room.code, "the fullest public room with space first");
    assert_ne!(c.welcome.room.code, a.welcome.room.code, "a full room makes quick play open another");
    assert_ne!(a.welcome.room.code, private.welcome.room.code, "quick play never enters a private room");

    let rooms = server.rooms().await;
    assert_eq!(rooms.len(), 3);
    assert_eq!(rooms.iter().map(|r| r.players).collect::<Vec<_>>(), [2, 1, 1], "fullest first");
    let listed_private = rooms.iter().find(|r| r.private).unwrap();
    assert_eq!(listed_private.code, None, "a private room's code is not listed");
    assert!(rooms.iter().filter(|r| !r.private).all(|r| r.code.is_some() && r.max_players == 2));
    let status = server.status().await;
    assert_eq!(status["rooms"], 3);
    assert_eq!(status["players"], 4);
    let per_room: Vec<u64> = status["room_list"].as_array().unwrap().iter().map(|r| r["players"].as_u64().unwrap()).collect();
    assert_eq!(per_room.iter().sum::<u64>(), 4, "status counts players per room: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_rooms_are_joined_by_code_and_bad_codes_get_their_reasons() {
    let server = TestServer::start_with(ServerConfig { max_players_per_room: 2, arena_side: SMALL_ARENA, ..ServerConfig::default() }).await;
    let url = server.ws_url();
    let mut host = Client::hello(&url, hello("host", new_room(true), None)).await.unwrap();
    let code = host.welcome.room.code.clone();
    assert_eq!(code.len(), 5);
    // Codes are case-insensitive, as people type them.
    let guest = Client::hello(&url, hello("guest", RoomTarget::Code(code.to_lowercase()), None)).await.unwrap();
    assert_eq!(guest.welcome.room.code, code);
    assert!(guest.welcome.players.iter().any(|p| p.id == host.welcome.player_id));
    host.until_message(|m| matches!(m, ServerMsg::PlayerJoined(p) if p.name == "guest")).await;

    assert_eq!(Client::hello(&url, hello("late", RoomTarget::Code(code.clone()), None)).await.err(), Some(RejectReason::RoomFull));
    assert_eq!(Client::hello(&url, hello("typo", RoomTarget::Code("0O1I!".into()), None)).await.err(), Some(RejectReason::BadRoomCode));
    let unused = if code == "ZZZZZ" { "YYYYY" } else { "ZZZZZ" };
    assert_eq!(Client::hello(&url, hello("lost", RoomTarget::Code(unused.into()), None)).await.err(), Some(RejectReason::RoomNotFound));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_get_exactly_one_reply_with_their_id() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    // Before Hello: the title screen's room list.
    let mut lobby = connect(&url).await;
    send(&mut lobby, &ClientMsg::ListRooms { request: RequestId(41) }).await;
    assert_eq!(recv(&mut lobby).await.unwrap(), ServerMsg::Reply { request: RequestId(41), reply: Reply::Rooms(vec![]) });

    let mut a = Client::join(&url, "mover").await;
    let first_room = a.welcome.room.code.clone();
    send(&mut a.ws, &ClientMsg::ListRooms { request: RequestId(7) }).await;
    let ServerMsg::Reply { reply: Reply::Rooms(rooms), .. } =
        a.until_message(|m| matches!(m, ServerMsg::Reply { request: RequestId(7), .. })).await
    else {
        unreachable!()
    };
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].players, 1);

    send(&mut a.ws, &ClientMsg::JoinRoom { request: RequestId(8), target: RoomTarget::Code("ZZZZZ".into()) }).await;
    assert_eq!(
        a.until_message(|m| matches!(m, ServerMsg::Reply { .. })).await,
        ServerMsg::Reply { request: RequestId(8), reply: Reply::NotFound }
    );
    send(&mut a.ws, &ClientMsg::JoinRoom { request: RequestId(9), target: RoomTarget::Code("bad".into()) }).await;
    assert_eq!(
        a.until_message(|m| matches!(m, ServerMsg::Reply { .. })).await,
        ServerMsg::Reply { request: RequestId(9), reply: Reply::BadCode }
    );
    // Still in the first room, still receiving it.
    let me = a.welcome.player_id;
    a.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == me)).await;

    send(&mut a.ws, &ClientMsg::JoinRoom { request: RequestId(10), target: new_room(false) }).await;
    assert_eq!(
        a.until_message(|m| matches!(m, ServerMsg::Reply { .. })).await,
        ServerMsg::Reply { request: RequestId(10), reply: Reply::Joined }
    );
    let moved = a.until_welcome().await;
    assert_ne!(moved.room.code, first_room);
    let full = a.until_snapshot(|_| true).await;
    assert!(full.body.ships.iter().any(|x| x.owner == me), "the new room's first snapshot is full and has your ship");
    let rooms = server.rooms().await;
    assert_eq!(rooms.iter().map(|r| r.players).sum::<u16>(), 1, "the old seat was given back: {rooms:?}");
}

/// On paused time: the real default idle period (60 s) passes in virtual seconds while the
/// room ticks as it would (every tick is still run), so the close is checked on both sides.
#[tokio::test(start_paused = true)]
async fn empty_rooms_close_after_their_idle_period_and_the_room_cap_holds() {
    let idle_close = ServerConfig::default().room_idle_close;
    let config = ServerConfig { max_rooms: 1, ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let url = server.ws_url();
    let mut a = Client::join(&url, "first").await;
    assert_eq!(Client::hello(&url, hello("second", new_room(true), None)).await.err(), Some(RejectReason::ServerFull), "one room at most");
    let leaving = Instant::now();
    send(&mut a.ws, &ClientMsg::Leave).await;
    expect_close(&mut a.ws).await;
    // Still open just before its idle period ends...
    tokio::time::sleep_until(leaving + idle_close - Duration::from_secs(1)).await;
    assert_eq!(server.rooms().await.len(), 1, "the room closed before its idle period");
    // ...and closed soon after.
    eventually(WAIT, "the empty room never closed", async || server.rooms().await.is_empty()).await;
    let closed_after = leaving.elapsed();
    assert!(
        closed_after >= idle_close && closed_after < idle_close + Duration::from_secs(2),
        "the room closed {closed_after:?} after its last player left"
    );
    // Its slot is free again.
    Client::hello(&url, hello("second", new_room(true), None)).await.unwrap();
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
