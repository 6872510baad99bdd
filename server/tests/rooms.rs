//! Rooms, requests and resume, against a real server with real WebSocket clients: quick play,
//! private rooms by code, the room list (HTTP and socket), moving rooms with request ids, and
//! coming back after a dropped connection with the same id, ship and score.

mod common;

use std::time::Duration;

use common::*;
use driftfire_server::ServerConfig;
use driftfire_shared::protocol::{
    ClientMsg, PROTOCOL_VERSION, RejectReason, Reply, RequestId, ResumeOutcome, ResumeToken, RoomInfo, RoomTarget, ServerMsg,
};

fn hello(name: &str, room: RoomTarget, resume: Option<ResumeToken>) -> ClientMsg {
    ClientMsg::Hello { version: PROTOCOL_VERSION, name: name.into(), room, resume }
}

async fn http_rooms(server: &TestServer) -> Vec<RoomInfo> {
    let response = server.http("GET /api/rooms HTTP/1.1", "").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("bad room list {e}: {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_play_fills_the_fullest_public_room_and_skips_private_ones() {
    let server = TestServer::start_with(ServerConfig { max_players_per_room: 2, ..ServerConfig::default() }).await;
    let url = server.ws_url();
    let private = Client::hello(&url, hello("host", RoomTarget::Create { private: true, ai_pilots: false }, None)).await.unwrap();
    assert!(private.welcome.room.private);
    let a = Client::join(&url, "a").await;
    let b = Client::join(&url, "b").await;
    let c = Client::join(&url, "c").await;
    assert!(!a.welcome.room.private);
    assert_eq!(a.welcome.room.code, b.welcome.room.code, "the fullest public room with space first");
    assert_ne!(c.welcome.room.code, a.welcome.room.code, "a full room makes quick play open another");
    assert_ne!(a.welcome.room.code, private.welcome.room.code, "quick play never enters a private room");

    let rooms = http_rooms(&server).await;
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
    let mut host = Client::hello(&url, hello("host", RoomTarget::Create { private: true, ai_pilots: false }, None)).await.unwrap();
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

    send(&mut a.ws, &ClientMsg::JoinRoom { request: RequestId(10), target: RoomTarget::Create { private: false, ai_pilots: false } }).await;
    assert_eq!(
        a.until_message(|m| matches!(m, ServerMsg::Reply { .. })).await,
        ServerMsg::Reply { request: RequestId(10), reply: Reply::Joined }
    );
    let moved = a.until_welcome().await;
    assert_ne!(moved.room.code, first_room);
    let full = a.until_snapshot(|_| true).await;
    assert!(full.body.ships.iter().any(|x| x.owner == me), "the new room's first snapshot is full and has your ship");
    let rooms = http_rooms(&server).await;
    assert_eq!(rooms.iter().map(|r| r.players).sum::<u16>(), 1, "the old seat was given back: {rooms:?}");
}

/// Fires in circles until the scoreboard shows a score for `client` (rocks count).
async fn earn_a_score(client: &mut Client) -> u32 {
    let me = client.welcome.player_id;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    let mut aim = 0.0f32;
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no points scored in time");
        match client.next().await.expect("connected") {
            // One input per snapshot, as a real client paces them.
            Incoming::Snapshot(_) => {
                aim += 0.15;
                client.input(aim, false, true).await;
            }
            Incoming::Other(ServerMsg::Scoreboard { entries }) => {
                if let Some(entry) = entries.iter().find(|e| e.id == me && e.score > 0) {
                    return entry.score;
                }
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_connection_resumes_with_the_same_id_ship_and_score() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let mut a = Client::join(&url, "phoenix").await;
    let (id, room, token) = (a.welcome.player_id, a.welcome.room.code.clone(), a.welcome.resume_token);
    let score = earn_a_score(&mut a).await;
    let mut watcher = Client::join(&url, "watcher").await;
    let ship_id = a.latest.as_ref().and_then(|s| s.body.ships.iter().find(|x| x.owner == id)).map(|x| x.id);

    drop(a); // The TCP connection is cut: no close frame, no Leave.
    watcher.until_message(|m| matches!(m, ServerMsg::Chat { from: None, text } if text == "phoenix lost connection")).await;

    let mut back = Client::hello(&url, hello("phoenix", RoomTarget::QuickPlay, Some(token))).await.unwrap();
    assert_eq!(back.welcome.resume, ResumeOutcome::Resumed);
    assert_eq!(back.welcome.player_id, id);
    assert_eq!(back.welcome.room.code, room);
    assert_ne!(back.welcome.resume_token, token, "a new token for every resume");
    let first = back.until_snapshot(|_| true).await;
    let ship = first.body.ships.iter().find(|x| x.owner == id).expect("the first snapshot after resuming is full");
    if let Some(ship_id) = ship_id {
        assert_eq!(ship.id, ship_id, "the same ship");
    }
    let ServerMsg::Scoreboard { entries } = back.until_message(|m| matches!(m, ServerMsg::Scoreboard { .. })).await else { unreachable!() };
    assert!(entries.iter().find(|e| e.id == id).unwrap().score >= score, "score kept");
    watcher.until_message(|m| matches!(m, ServerMsg::Chat { from: None, text } if text == "phoenix is back")).await;

    // The old token was used up: presenting it again is a fresh join.
    let again = Client::hello(&url, hello("phoenix", RoomTarget::QuickPlay, Some(token))).await.unwrap();
    assert_eq!(again.welcome.resume, ResumeOutcome::Expired);
    assert_ne!(again.welcome.player_id, id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_expired_tokens_get_a_fresh_join() {
    let config = ServerConfig { arena_side: SMALL_ARENA, resume_window: Duration::from_millis(500), ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let url = server.ws_url();
    let forged = Client::hello(&url, hello("forger", RoomTarget::QuickPlay, Some(ResumeToken([0x42; 16])))).await.unwrap();
    assert_eq!(forged.welcome.resume, ResumeOutcome::Expired);

    let a = Client::join(&url, "slowpoke").await;
    let (id, token) = (a.welcome.player_id, a.welcome.resume_token);
    drop(a);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let late = Client::hello(&url, hello("slowpoke", RoomTarget::QuickPlay, Some(token))).await.unwrap();
    assert_eq!(late.welcome.resume, ResumeOutcome::Expired);
    assert_ne!(late.welcome.player_id, id);
    assert!(late.welcome.players.iter().all(|p| p.id != id), "the expired player is gone from the room");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_on_purpose_cannot_be_resumed() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let mut a = Client::join(&url, "quitter").await;
    let token = a.welcome.resume_token;
    send(&mut a.ws, &ClientMsg::Leave).await;
    expect_close(&mut a.ws).await;
    let back = Client::hello(&url, hello("quitter", RoomTarget::QuickPlay, Some(token))).await.unwrap();
    assert_eq!(back.welcome.resume, ResumeOutcome::Expired);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_rooms_close_after_their_idle_period_and_the_room_cap_holds() {
    let config = ServerConfig { room_idle_close: Duration::from_millis(300), max_rooms: 1, ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let url = server.ws_url();
    let mut a = Client::join(&url, "first").await;
    assert_eq!(
        Client::hello(&url, hello("second", RoomTarget::Create { private: true, ai_pilots: false }, None)).await.err(),
        Some(RejectReason::ServerFull),
        "one room at most"
    );
    send(&mut a.ws, &ClientMsg::Leave).await;
    expect_close(&mut a.ws).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !http_rooms(&server).await.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the empty room never closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Its slot is free again.
    Client::hello(&url, hello("second", RoomTarget::Create { private: true, ai_pilots: false }, None)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_session_resumes_again_after_a_browser_style_close() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    let server = TestServer::start().await;
    let url = server.ws_url();
    let _watcher = Client::join(&url, "watcher").await;
    let mut session = Client::join(&url, "reloader").await;
    let id = session.welcome.player_id;
    for round in 0..3 {
        let token = session.welcome.resume_token;
        session.until_snapshot(|_| true).await;
        if round % 2 == 0 {
            drop(session); // A dead link.
        } else {
            // What a browser sends when its page reloads or navigates away.
            session
                .ws
                .send(tokio_tungstenite::tungstenite::Message::Close(Some(CloseFrame { code: CloseCode::Away, reason: "".into() })))
                .await
                .unwrap();
            drop(session);
        }
        session = Client::hello(&url, hello("reloader", RoomTarget::QuickPlay, Some(token))).await.unwrap();
        assert_eq!(session.welcome.resume, ResumeOutcome::Resumed, "round {round}");
        assert_eq!(session.welcome.player_id, id, "round {round}");
    }
}
