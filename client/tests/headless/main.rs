//! Client logic without a window: snapshots become entities and leave again, input sampling
//! produces the right messages, server rejections reach the Disconnected screen, and every
//! typed ending is obeyed (reconnect exactly when `may_resume()`). [`interface`]: the menus
//! and the HUD on top (text only): the title screen's hall of fame and the death overlay's
//! record. [`fleet`]: several servers as one game: redirects followed (and capped), a listed
//! room joined on its own server. [`feel`], [`hud`] and [`touch`]: the game's feel, the HUD
//! as a player reads it, and touch controls. [`written`]: names in every script, natively. The app, its fake server and the game's messages
//! come from the [`harness`] the `netcode` test shares.

#[path = "../harness/mod.rs"]
mod harness;

mod feel;
mod fleet;
mod hud;
mod interface;
mod silence;
mod touch;
mod written;

use std::f32::consts::FRAC_PI_2;
use std::time::Duration;

use bevy::prelude::*;
use driftfire_client::game::input::CursorWorld;
use driftfire_client::game::sync::{MyShip, NetObject};
use driftfire_client::net::{LinkEnd, NetEvent};
use driftfire_client::session::Session;
use driftfire_client::session::events::{MadeBoard, SessionStarted};
use driftfire_client::session::reconnect::Reconnecting;
use driftfire_client::session::roster::ChatLog;
use driftfire_client::state::{DisconnectNotice, EndReason};
use driftfire_client::ui::kit::*;
use driftfire_client::{Launch, Screen, logic_plugin};
use driftfire_shared::protocol::*;
use driftfire_shared::snapshot::*;
use harness::*;

#[test]
fn snapshots_map_to_entities_and_missing_ones_are_despawned() {
    let mut app = app();
    welcome(&mut app);
    let full = SnapshotBody {
        ships: vec![ship(1, ME, Vec2::ZERO), ship(2, OTHER, Vec2::new(300.0, 0.0))],
        bullets: vec![BulletState { id: NetId(3), owner: OTHER, pos: Vec2::new(250.0, 0.0), vel: Vec2::new(-900.0, 0.0) }],
        asteroids: vec![AsteroidState { id: NetId(4), size: 3, pos: Vec2::new(-500.0, 0.0), vel: Vec2::ZERO }],
    };
    snapshot(&mut app, 101, full.clone());
    app.update();
    assert_eq!(net_objects(&mut app), vec![NetId(1), NetId(2), NetId(3), NetId(4)]);
    let mine: Vec<NetId> = app.world_mut().query_filtered::<&NetObject, With<MyShip>>().iter(app.world()).map(|o| o.id).collect();
    assert_eq!(mine, vec![NetId(1)], "own ship is marked");

    // Next snapshots: the bullet and the asteroid are gone (hit each other, say).
    let mut later = full.clone();
    later.bullets.clear();
    later.asteroids.clear();
    for tick in 102..106 {
        snapshot(&mut app, tick, later.clone());
        app.update();
        app.update();
    }
    assert_eq!(net_objects(&mut app), vec![NetId(1), NetId(2)]);
    let kinds: Vec<_> = app.world().resource::<VanishedLog>().0.iter().map(|v| v.kind).collect();
    assert_eq!(kinds.len(), 2, "one Vanished per despawn: {kinds:?}");

    // A ship that leaves is despawned too; nothing is left behind.
    later.ships.truncate(1);
    for tick in 106..110 {
        snapshot(&mut app, tick, later.clone());
        app.update();
        app.update();
    }
    assert_eq!(net_objects(&mut app), vec![NetId(1)]);
}

#[test]
fn several_snapshots_in_one_frame_make_one_entity_per_object() {
    // A slow frame (a busy browser tab) drains several snapshots at once; a new object in the
    // first must not be spawned again by the second.
    let mut app = app();
    welcome(&mut app);
    for tick in 101..104 {
        snapshot(
            &mut app,
            tick,
            SnapshotBody { ships: vec![ship(1, ME, Vec2::ZERO), ship(2, OTHER, Vec2::new(tick as f32, 0.0))], ..default() },
        );
    }
    app.update();
    assert_eq!(net_objects(&mut app), vec![NetId(1), NetId(2)]);
    for _ in 0..10 {
        app.update();
    }
    assert_eq!(net_objects(&mut app), vec![NetId(1), NetId(2)]);
    assert!(app.world().resource::<VanishedLog>().0.is_empty(), "nothing vanished");
}

#[test]
fn remote_motion_is_interpolated_not_stepped() {
    let mut app = app();
    welcome(&mut app);
    let mut xs = Vec::new();
    for tick in 101..131u64 {
        let x = (tick - 101) as f32 * 10.0;
        snapshot(&mut app, tick, SnapshotBody { ships: vec![ship(2, OTHER, Vec2::new(x, 0.0))], ..default() });
        for _frame in 0..2 {
            app.update();
            let pos = app.world_mut().query::<&driftfire_client::game::sync::Smoothed>().iter(app.world()).next().unwrap().pos;
            xs.push(pos.x);
        }
    }
    // 10 units per tick, two frames per tick: steps of about 5, never a 10-unit jump.
    let steps: Vec<f32> = xs.windows(2).map(|w| w[1] - w[0]).skip(20).collect();
    assert!(steps.iter().all(|s| *s > 0.0 && *s < 8.0), "{steps:?}");
}

#[test]
fn input_sampling_sends_numbered_inputs_at_tick_rate_with_aim_thrust_and_fire() {
    let mut app = app();
    welcome(&mut app);
    snapshot(&mut app, 101, SnapshotBody { ships: vec![ship(1, ME, Vec2::new(100.0, 100.0))], ..default() });
    app.update();
    // Far away along +y, so the ship's own (predicted) motion barely changes the aim.
    app.world_mut().resource_mut::<CursorWorld>().0 = Some(Vec2::new(100.0, 100_000.0));
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::KeyW);
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::Space);
    app.world_mut().resource_mut::<Sent>().0.clear();
    // One second of 16 ms frames.
    frames(&mut app, 63);
    let inputs = inputs_sent(&app);
    assert!((27..=32).contains(&inputs.len()), "about 30 inputs per second, got {}", inputs.len());
    for pair in inputs.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq + 1, "consecutive sequence numbers");
    }
    let last = inputs.last().unwrap();
    assert!(last.thrust && last.fire);
    assert!((last.aim - FRAC_PI_2).abs() < 1e-3, "aims at the cursor: {}", last.aim);

    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().release_all();
    app.world_mut().resource_mut::<ButtonInput<MouseButton>>().press(MouseButton::Right);
    frames(&mut app, 4);
    let last = last_input(&app);
    assert!(last.thrust && !last.fire, "right mouse thrusts without firing");
    // Pings go out too, once a second.
    assert!(app.world().resource::<Sent>().0.iter().any(|m| matches!(m, ClientMsg::Ping { .. })));
}

#[test]
fn rejection_and_close_reasons_reach_the_player() {
    let mut app = app();
    receive(&mut app, ServerMsg::Rejected { reason: RejectReason::VersionMismatch { server: 2, client: 1 } });
    // After a version mismatch the server sends no `Disconnect`: only the version-proof Rejected.
    app.world_mut().write_message(NetEvent::Closed(LinkEnd::Frame { code: CloseCode::POLICY, reason: "protocol version mismatch".into() }));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);
    app.update();
    app.update();
    app.update();
    assert_eq!(current_screen(&app), Screen::Disconnected);
    let notice = app.world().resource::<DisconnectNotice>().text();
    assert!(notice.contains("version mismatch") && notice.contains("server speaks 2"), "{notice}");

    // A refusing close carries its code and reason (and is not retried).
    let close = LinkEnd::Frame { code: CloseCode::UNSUPPORTED, reason: "text frames are not supported".into() };
    let refused = "The server refused this client: text frames are not supported (code 1003).";
    assert_eq!(ending(None, close), (Screen::Disconnected, refused.to_string()));

    // The server's typed reason wins over the close frame's text, and the player reads it.
    let close = LinkEnd::Frame { code: CloseCode::POLICY, reason: "anything".into() };
    let limited = "The server refused this client: rate limit exceeded: too many messages (code 1008).";
    assert_eq!(ending(Some(DisconnectReason::Violation(Violation::RateLimited)), close), (Screen::Disconnected, limited.to_string()));

    // A server that shuts down says so first; the player reads it and is not retried
    // (a bare 1001 from a proxy would be: only the typed reason says "shutting down").
    let close = LinkEnd::Frame { code: CloseCode::GOING_AWAY, reason: "server shutting down".into() };
    let shutting_down = "The server is shutting down.";
    assert_eq!(ending(Some(DisconnectReason::ShuttingDown), close), (Screen::Disconnected, shutting_down.to_string()));
}

/// In a game, the server's typed `reason` (when it sends one) and then `close`: the screen the
/// player is left on two frames later, and the notice it shows.
fn ending(reason: Option<DisconnectReason>, close: LinkEnd) -> (Screen, String) {
    let mut app = app_with_session();
    if let Some(reason) = reason {
        receive(&mut app, ServerMsg::Disconnect(reason));
    }
    app.world_mut().write_message(NetEvent::Closed(close));
    frames(&mut app, 2);
    (current_screen(&app), app.world().resource::<DisconnectNotice>().text())
}

/// The client obeys the server's typed contract: every ending the server can announce leads to
/// a reconnect attempt exactly when its `may_resume()` says so, whatever the close frame's text;
/// a close without a typed reason (a proxy, a restart) retries exactly when its code's
/// `may_retry()` says so.
#[test]
fn the_client_obeys_may_resume() {
    for reason in DisconnectReason::examples() {
        let mut app = app_with_session();
        receive(&mut app, ServerMsg::Disconnect(reason.clone()));
        app.world_mut().write_message(NetEvent::Closed(LinkEnd::Frame { code: reason.close_code(), reason: reason.to_string() }));
        app.update();
        app.update();
        let retrying = app.world().get_resource::<Reconnecting>().is_some();
        assert_eq!(retrying, reason.may_resume(), "{reason:?}");
        let screen = current_screen(&app);
        let ended = &app.world().resource::<EndedLog>().0;
        if reason.may_resume() {
            assert_eq!(screen, Screen::Playing, "{reason:?}");
            assert!(ended.is_empty(), "{reason:?}: {ended:?}");
        } else {
            assert_eq!(screen, Screen::Disconnected, "{reason:?}");
            assert_eq!(ended, &vec![EndReason::Server(reason.clone())], "{reason:?}");
            assert_eq!(app.world().resource::<DisconnectNotice>().0, Some(EndReason::Server(reason.clone())));
        }
    }
    for code in (1000..=1015).map(CloseCode).filter(|c| !c.is_link_failure()) {
        let mut app = app_with_session();
        app.world_mut().write_message(NetEvent::Closed(LinkEnd::Frame { code, reason: "idle timeout: prose decides nothing".into() }));
        app.update();
        app.update();
        assert_eq!(app.world().get_resource::<Reconnecting>().is_some(), code.may_retry(), "{code}");
    }
    // No close frame at all: the link died, which is always worth a retry.
    let mut app = app_with_session();
    app.world_mut().write_message(NetEvent::Closed(LinkEnd::Lost("connection reset".into())));
    app.update();
    app.update();
    assert!(app.world().get_resource::<Reconnecting>().is_some());
}

#[test]
fn a_dropped_game_reconnects_with_backoff_and_resumes() {
    let mut app = app_with_session();
    app.world_mut().write_message(NetEvent::Closed(LinkEnd::Lost(String::new())));
    app.update();
    app.update();
    assert_eq!(current_screen(&app), Screen::Playing, "the game stays, frozen, while reconnecting");
    let first = app.world().resource::<Reconnecting>().clone();
    assert_eq!(first.attempt, 1);
    assert_eq!(first.token, ResumeToken([9; 16]));
    // Inputs stop while there is no connection.
    app.world_mut().resource_mut::<Sent>().0.clear();
    // Nothing listens on the discard port: each attempt fails and the next waits longer.
    let mut attempts = vec![1];
    update_until(&mut app, 400, NET_PAUSE, |app| {
        if let Some(r) = app.world().get_resource::<Reconnecting>()
            && attempts.last() != Some(&r.attempt)
        {
            attempts.push(r.attempt);
        }
        attempts.len() >= 3
    });
    assert_eq!(attempts, [1, 2, 3], "attempts follow one another as each fails");
    assert!(app.world().resource::<Sent>().0.iter().all(|m| !matches!(m, ClientMsg::Input(_))), "no inputs while disconnected");

    // The server takes the token back: same id, a new token, and a note for the player.
    app.world_mut().write_message(welcome_msg(ResumeToken([10; 16]), ResumeOutcome::Resumed));
    app.update();
    app.update();
    assert!(app.world().get_resource::<Reconnecting>().is_none());
    assert_eq!(current_screen(&app), Screen::Playing);
    let session = app.world().resource::<Session>();
    assert_eq!(session.resume_token, ResumeToken([10; 16]));
    assert_eq!(app.world().resource::<StartedLog>().0.last(), Some(&SessionStarted { me: ME, resume: ResumeOutcome::Resumed }));
    let chat = &app.world().resource::<ChatLog>().0;
    assert!(chat.iter().any(|line| line.text.starts_with("Reconnected")), "{chat:?}");
}

/// A hidden browser tab (requestAnimationFrame throttled) or a frame stuck compiling shaders
/// must still finish the handshake: the transport sends Hello when the socket opens, with no
/// game frame in between.
#[test]
fn hello_goes_out_when_the_socket_opens_without_any_frame() {
    let (url, heard) = fake_server(silent);
    let hello = ClientMsg::hello("background");
    // No App and no update: only the transport runs.
    let connection = driftfire_client::net::Connection::open(&url, &hello);
    assert_eq!(heard.next_within(Duration::from_secs(5)).expect("Hello within 5 s"), hello);
    drop(connection);
}

#[test]
fn enter_opens_chat_typing_does_not_fly_and_enter_sends_esc_cancels() {
    use bevy::input::keyboard::Key;
    use driftfire_client::game::chat::ChatLine;
    let mut app = app();
    welcome(&mut app);
    snapshot(&mut app, 101, SnapshotBody { ships: vec![ship(1, ME, Vec2::ZERO)], ..default() });
    app.update();
    key(&mut app, KeyCode::Enter, Key::Enter);
    app.update();
    assert!(app.world().resource::<ChatLine>().open);
    // "W" and Space are letters while typing: no thrust, no fire.
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::KeyW);
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::Space);
    key(&mut app, KeyCode::KeyW, Key::Character("w".into()));
    key(&mut app, KeyCode::Space, Key::Space);
    key(&mut app, KeyCode::KeyG, Key::Character("gg".into()));
    app.world_mut().resource_mut::<Sent>().0.clear();
    frames(&mut app, 6);
    let inputs = inputs_sent(&app);
    assert!(!inputs.is_empty() && inputs.iter().all(|f| !f.thrust && !f.fire), "{inputs:?}");
    key(&mut app, KeyCode::Enter, Key::Enter);
    app.update();
    assert!(app.world().resource::<Sent>().0.contains(&ClientMsg::Chat { text: "w gg".into() }));
    assert!(!app.world().resource::<ChatLine>().open);

    // Esc throws the line away.
    app.world_mut().resource_mut::<Sent>().0.clear();
    key(&mut app, KeyCode::Enter, Key::Enter);
    app.update();
    key(&mut app, KeyCode::KeyX, Key::Character("x".into()));
    key(&mut app, KeyCode::Escape, Key::Escape);
    app.update();
    assert!(!app.world().resource::<ChatLine>().open);
    assert!(!app.world().resource::<Sent>().0.iter().any(|m| matches!(m, ClientMsg::Chat { .. })));
}

#[test]
fn the_window_s_input_method_commits_into_the_chat_line_once() {
    use bevy::input::keyboard::Key;
    use bevy::window::Ime;
    use driftfire_client::game::chat::ChatLine;
    let mut app = app();
    welcome(&mut app);
    app.update();
    key(&mut app, KeyCode::Enter, Key::Enter);
    app.update();
    assert!(app.world().resource::<ChatLine>().open);
    let window = Entity::PLACEHOLDER;
    // A composition shows nothing in the line until it is committed.
    app.world_mut().write_message(Ime::Preedit { window, value: "ni".into(), cursor: Some((2, 2)) });
    app.update();
    assert_eq!(app.world().resource::<ChatLine>().text, "");
    app.world_mut().write_message(Ime::Commit { window, value: "你好".into() });
    app.update();
    // A plain key some systems report both as a key press and as a commit is typed once.
    key(&mut app, KeyCode::KeyA, Key::Character("a".into()));
    app.world_mut().write_message(Ime::Commit { window, value: "a".into() });
    app.update();
    assert_eq!(app.world().resource::<ChatLine>().text, "你好a");
    key(&mut app, KeyCode::Enter, Key::Enter);
    app.update();
    assert!(app.world().resource::<Sent>().0.contains(&ClientMsg::Chat { text: "你好a".into() }));
}

/// Hello is a request with a timeout: a server that accepts the socket and then says nothing
/// leaves the player on the Disconnected screen with a reason, not on "Connecting" for ever.
#[test]
fn a_server_that_never_answers_hello_is_given_up_on() {
    let (url, _heard) = fake_server(silent);
    let mut app = app();
    app.insert_resource(Launch { server_url: url, ..Launch::default() });
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);
    // 16 ms per update: 1,200 updates are 19 s of game time.
    update_until(&mut app, 1200, Duration::ZERO, |app| current_screen(app) == Screen::Disconnected);
    assert_eq!(current_screen(&app), Screen::Disconnected);
    let notice = app.world().resource::<DisconnectNotice>().text();
    assert!(notice.contains("did not answer"), "{notice}");
}
