//! Resume: a player whose link drops keeps their ship (shielded) for the resume window and
//! comes back with the same id, ship and score by presenting their token; a copied token takes
//! nothing from a live player; forged, expired, used-up and deliberately left sessions get a
//! fresh join. A real server on port 0 with real WebSocket clients.

mod common;

use std::time::{Duration, Instant};

use common::play::earn_a_score;
use common::*;
use driftfire_server::ServerConfig;
use driftfire_shared::protocol::{ClientMsg, DisconnectReason, ResumeOutcome, ResumeToken, RoomTarget, ServerMsg};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// On paused time: the real default resume window (30 s, 900 ticks) passes in virtual
/// seconds while the room runs every tick of it.
#[tokio::test(start_paused = true)]
async fn a_dropped_ship_waits_shielded_for_the_resume_window_then_goes() {
    let window = ServerConfig::default().resume_window;
    let config = ServerConfig { arena_side: SMALL_ARENA, resume_window: window, ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let mut a = Client::join(&server.ws_url(), "stays").await;
    let b = Client::join(&server.ws_url(), "goes").await;
    let b_id = b.welcome.player_id;
    a.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == b_id)).await;
    drop(b); // TCP closes without a close frame: the link failed, so the ship waits.
    a.until_message(|m| matches!(m, ServerMsg::Chat { from: None, text } if text == "goes lost connection")).await;
    let waiting = a.until_snapshot(|s| s.body.ships.iter().any(|x| x.owner == b_id)).await;
    assert!(waiting.body.ships.iter().find(|x| x.owner == b_id).unwrap().shielded, "a dropped ship is shielded");
    // The window is counted in ticks: read it off the snapshots' ticks, whatever the clock did.
    let window_ticks = (window.as_secs_f64() * f64::from(a.welcome.tick_hz)).ceil() as u64;
    let mut saw_left = false;
    loop {
        match a.next().await.expect("still connected") {
            Incoming::Other(ServerMsg::PlayerLeft { id }) if id == b_id => saw_left = true,
            Incoming::Snapshot(s) if saw_left => {
                assert!(s.body.ships.iter().all(|x| x.owner != b_id), "ship gone");
                let waited = s.tick - waiting.tick;
                assert!(
                    waited >= window_ticks,
                    "the ship went {waited} ticks after the drop, before its {window_ticks}-tick window passed"
                );
                break;
            }
            Incoming::Snapshot(s) => {
                let waited = s.tick - waiting.tick;
                assert!(waited <= window_ticks + 3, "still waiting {waited} ticks after the drop (window: {window_ticks})");
                let ship = s.body.ships.iter().find(|x| x.owner == b_id);
                assert!(ship.is_none_or(|x| x.shielded), "the waiting ship is shielded all the window: {ship:?}");
            }
            _ => {}
        }
    }
    assert_eq!(server.status().await["players"], 1);
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

    let mut back = Client::resume(&url, "phoenix", token).await;
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
    let again = Client::resume(&url, "phoenix", token).await;
    assert_eq!(again.welcome.resume, ResumeOutcome::Expired);
    assert_ne!(again.welcome.player_id, id);
}

/// On paused time: the real default resume window (30 s) passes in virtual seconds, for the
/// lobby's ticket and the room's waiting ship alike (both run on tokio's clock).
#[tokio::test(start_paused = true)]
async fn forged_and_expired_tokens_get_a_fresh_join() {
    let window = ServerConfig::default().resume_window;
    let server = TestServer::start_with(ServerConfig { arena_side: SMALL_ARENA, ..ServerConfig::default() }).await;
    let url = server.ws_url();
    let forged = Client::resume(&url, "forger", ResumeToken([0x42; 16])).await;
    assert_eq!(forged.welcome.resume, ResumeOutcome::Expired);

    let a = Client::join(&url, "slowpoke").await;
    let (id, token) = (a.welcome.player_id, a.welcome.resume_token);
    drop(a);
    tokio::time::sleep(window + Duration::from_secs(1)).await;
    let late = Client::resume(&url, "slowpoke", token).await;
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
    let back = Client::resume(&url, "quitter", token).await;
    assert_eq!(back.welcome.resume, ResumeOutcome::Expired);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_session_resumes_again_after_a_browser_style_close() {
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
            session.ws.send(Message::Close(Some(CloseFrame { code: CloseCode::Away, reason: "".into() }))).await.unwrap();
            drop(session);
        }
        session = Client::resume(&url, "reloader", token).await;
        assert_eq!(session.welcome.resume, ResumeOutcome::Resumed, "round {round}");
        assert_eq!(session.welcome.player_id, id, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_token_takes_nothing_from_a_live_player_but_a_cut_or_reloaded_one_resumes() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let mut owner = Client::join(&url, "owner").await;
    let (id, token) = (owner.welcome.player_id, owner.welcome.resume_token);
    owner.until_snapshot(|_| true).await;

    // The owner reads its socket (so it answers pings) while a thief presents its token.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                _ = &mut stopped => return owner,
                next = owner.next() => { next.expect("the owner stays connected"); }
            }
        }
    });
    let mut thief = connect(&url).await;
    send(&mut thief, &hello("thief", RoomTarget::QuickPlay, Some(token))).await;
    let (code, reason) = expect_reason(&mut thief).await;
    assert_eq!((code, reason), (CloseCode::Policy, DisconnectReason::SessionInUse));
    let _ = stop.send(());
    let mut owner = reader.await.unwrap();
    let tick = owner.until_snapshot(|_| true).await.tick;
    let later = owner.until_snapshot(|s| s.tick >= tick + 5).await;
    assert!(later.body.ships.iter().any(|s| s.owner == id), "the owner still has its ship");
    assert_eq!(server.status().await["players"], 1);

    // A cut connection: the socket stays open but nothing gets through any more, so it cannot
    // answer; the newcomer with the token takes the session over after the probe's deadline.
    let started = Instant::now();
    let back = Client::resume(&url, "owner", token).await;
    assert_eq!(back.welcome.resume, ResumeOutcome::Resumed);
    assert_eq!(back.welcome.player_id, id);
    assert!(started.elapsed() < Duration::from_secs(3), "resumed after {:?}", started.elapsed());
    drop(owner);

    // A reload: the old socket closes and the new one resumes at once.
    let token = back.welcome.resume_token;
    let started = Instant::now();
    drop(back);
    let again = Client::resume(&url, "owner", token).await;
    assert_eq!(again.welcome.resume, ResumeOutcome::Resumed);
    assert_eq!(again.welcome.player_id, id);
    assert!(started.elapsed() < Duration::from_millis(900), "a reload waited {:?}", started.elapsed());
}
