//! Clients that play as a real one does, one input per snapshot, until something happens: two
//! AI brains fight until a kill, a pilot fires in circles until it scores.

use std::time::Duration;

// The one place the tests name the bots' brain.
use driftfire_server::pilot::Brain;
use driftfire_shared::protocol::ServerMsg;
use driftfire_shared::sim::SimConfig;
use driftfire_shared::snapshot::Snapshot;

use super::{Client, Incoming, SMALL_ARENA, TestServer, WAIT};

/// An input: aim, thrust, fire.
pub type Steer = (f32, bool, bool);

/// Plays `clients` until `done` picks a value out of a message one of them got: each answers
/// every snapshot it gets with the input `steer(its index, the snapshot)` chooses (one input
/// per snapshot, as a real client paces them). Panics after `within` or if a connection closes.
pub async fn play_until<T>(
    clients: &mut [&mut Client],
    within: Duration,
    what: &str,
    mut steer: impl FnMut(usize, &Snapshot) -> Steer,
    mut done: impl FnMut(usize, &ServerMsg) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within {within:?} of play");
        for (i, client) in clients.iter_mut().enumerate() {
            match tokio::time::timeout(WAIT, client.next()).await.expect("server answers") {
                Ok(Incoming::Snapshot(snapshot)) => {
                    let (aim, thrust, fire) = steer(i, &snapshot);
                    client.input(aim, thrust, fire).await;
                }
                Ok(Incoming::Other(message)) => {
                    if let Some(found) = done(i, &message) {
                        return found;
                    }
                }
                Err(frame) => panic!("closed while playing ({what}): {frame:?}"),
            }
        }
    }
}

/// Two brains fight in the server's arena (a [`SMALL_ARENA`] one) until one dies; returns
/// (victim, killer) clients.
pub async fn fight_until_a_kill(server: &TestServer) -> (Client, Client) {
    let mut a = Client::join(&server.ws_url(), "ace").await;
    let mut b = Client::join(&server.ws_url(), "bolt").await;
    let cfg = SimConfig::with_arena_side(a.welcome.tick_hz, SMALL_ARENA);
    let mut brains = [Brain::new(a.welcome.player_id, 1), Brain::new(b.welcome.player_id, 2)];
    let a_id = a.welcome.player_id;
    let victim = play_until(
        &mut [&mut a, &mut b],
        Duration::from_secs(60),
        "a kill",
        |i, snapshot| {
            let frame = brains[i].decide(&cfg, Some(snapshot));
            (frame.aim, frame.thrust, frame.fire)
        },
        |_, message| match message {
            ServerMsg::Kill { killer: Some(_), victim } => Some(*victim),
            _ => None,
        },
    )
    .await;
    if victim == a_id { (a, b) } else { (b, a) }
}

/// Fires in circles until the scoreboard shows a score for `client` (rocks count); returns it.
pub async fn earn_a_score(client: &mut Client) -> u32 {
    let me = client.welcome.player_id;
    let mut aim = 0.0f32;
    play_until(
        &mut [client],
        Duration::from_secs(40),
        "points scored",
        |_, _| {
            aim += 0.15;
            (aim, false, true)
        },
        |_, message| match message {
            ServerMsg::Scoreboard { entries } => entries.iter().find(|e| e.id == me && e.score > 0).map(|e| e.score),
            _ => None,
        },
    )
    .await
}
