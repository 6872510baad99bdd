//! The game's feel without a window: injected snapshots make hit flashes and sparks, and
//! explosions with debris; the camera looks ahead along the aim, shakes briefly when you are
//! hit, and follows your killer while you wait to respawn; sound waits for a first input, and
//! M toggles a mute that is remembered.

use driftfire_client::game::audio::{MuteStore, Sfx, Sound};
use driftfire_client::game::camera::{CameraRig, LOOK_AHEAD, SHAKE_SECS};
use driftfire_client::game::effects::{Cue, Effects, Shape, ShipFeel, Tint};
use driftfire_client::game::sync::ShipView;

use super::*;

#[derive(Resource, Default)]
struct Cues(Vec<Cue>);

fn record_cues(mut cues: MessageReader<Cue>, mut log: ResMut<Cues>) {
    log.0.extend(cues.read().copied());
}

/// The logic (feel included) with a cue log, in a game as [`ME`] with [`OTHER`] in the room.
fn feel_app() -> App {
    let mut app = app();
    app.init_resource::<Cues>();
    app.add_systems(Last, record_cues);
    welcome(&mut app);
    app
}

/// Sends one snapshot per tick from `from` for `ticks` ticks (two 16 ms frames each), with the
/// ships `ships(tick)` returns; calls `each` after every frame.
fn play(app: &mut App, from: u64, ticks: u64, ships: impl Fn(u64) -> Vec<ShipState>, mut each: impl FnMut(&mut App)) {
    for tick in from..from + ticks {
        snapshot(app, tick, SnapshotBody { ships: ships(tick), ..default() });
        for _ in 0..2 {
            app.update();
            each(app);
        }
    }
}

fn hurt(id: u32, owner: PlayerId, pos: Vec2, health: u8) -> ShipState {
    ShipState { health, ..ship(id, owner, pos) }
}

fn flash_of(app: &mut App, owner: PlayerId) -> f32 {
    let world = app.world_mut();
    world.query::<(&ShipView, &ShipFeel)>().iter(world).find(|(view, _)| view.0.owner == owner).map_or(0.0, |(_, feel)| feel.flash)
}

fn rig(app: &App) -> CameraRig {
    app.world().resource::<CameraRig>().clone()
}

#[test]
fn a_hit_flashes_the_ship_and_throws_sparks() {
    let mut app = feel_app();
    let other = Vec2::new(300.0, 0.0);
    play(&mut app, 101, 5, |_| vec![ship(1, ME, Vec2::ZERO), ship(2, OTHER, other)], |_| {});
    assert_eq!(flash_of(&mut app, OTHER), 0.0);
    assert!(app.world().resource::<Cues>().0.iter().all(|c| !matches!(c, Cue::Hit { .. })), "no hit before damage");

    // The other ship loses a bullet's worth of health.
    let mut brightest = 0.0f32;
    let mut sparks = 0;
    play(
        &mut app,
        106,
        8,
        |_| vec![ship(1, ME, Vec2::ZERO), hurt(2, OTHER, other, 75)],
        |app| {
            brightest = brightest.max(flash_of(app, OTHER));
            let effects = app.world().resource::<Effects>();
            sparks = sparks.max(effects.particles().iter().filter(|p| p.tint == Tint::Hot && p.shape == Shape::Spark).count());
        },
    );
    assert!(brightest > 0.8, "the hit ship flashes: {brightest}");
    assert!(sparks >= 8, "sparks fly: {sparks}");
    let hits: Vec<Cue> = app.world().resource::<Cues>().0.iter().copied().filter(|c| matches!(c, Cue::Hit { .. })).collect();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let Cue::Hit { victim, damage, yours, pos } = hits[0] else { unreachable!() };
    assert_eq!((victim, damage, yours), (OTHER, 25, false));
    assert!(pos.distance(other) < 1.0);
    // Both fade within a second.
    play(&mut app, 114, 30, |_| vec![ship(1, ME, Vec2::ZERO), hurt(2, OTHER, other, 75)], |_| {});
    assert_eq!(flash_of(&mut app, OTHER), 0.0);
    assert!(app.world().resource::<Effects>().particles().is_empty());
}

#[test]
fn a_destroyed_ship_explodes_with_debris() {
    let mut app = feel_app();
    let other = Vec2::new(-250.0, 120.0);
    play(&mut app, 101, 4, |_| vec![ship(1, ME, Vec2::ZERO), ship(2, OTHER, other)], |_| {});
    let dead = ShipState { health: 0, respawn_in: Some(90), ..ship(2, OTHER, other) };
    snapshot(&mut app, 105, SnapshotBody { ships: vec![ship(1, ME, Vec2::ZERO), dead], ..default() });
    app.update();
    let effects = app.world().resource::<Effects>();
    assert_eq!(effects.blasts().len(), 1, "one blast ring");
    let debris = effects.particles().iter().filter(|p| matches!(p.shape, Shape::Debris { .. }) && p.tint == Tint::Player(OTHER)).count();
    let sparks = effects.particles().iter().filter(|p| p.shape == Shape::Spark).count();
    assert!(debris >= 6 && sparks >= 30, "debris {debris}, sparks {sparks}");
    assert!(effects.particles().iter().all(|p| p.pos.distance(other) < 40.0), "all from the wreck");
    let explosions: Vec<Cue> = app.world().resource::<Cues>().0.iter().copied().filter(|c| matches!(c, Cue::Explosion { .. })).collect();
    assert_eq!(explosions.len(), 1, "{explosions:?}");
    assert!(matches!(explosions[0], Cue::Explosion { victim: OTHER, yours: false, .. }));
    // Debris drifts outward and outlives the sparks; a dead ship does not explode again.
    play(&mut app, 106, 15, |_| vec![ship(1, ME, Vec2::ZERO), dead], |_| {});
    let effects = app.world().resource::<Effects>();
    let spread = effects.particles().iter().filter(|p| matches!(p.shape, Shape::Debris { .. })).map(|p| p.pos.distance(other));
    assert!(spread.fold(0.0f32, f32::max) > 60.0, "debris flies apart");
    assert_eq!(app.world().resource::<Cues>().0.iter().filter(|c| matches!(c, Cue::Explosion { .. })).count(), 1);
}

#[test]
fn the_camera_looks_ahead_along_the_aim() {
    let mut app = feel_app();
    let at = Vec2::new(100.0, 100.0);
    let reach = VIEW_SIZE / 2.0 * LOOK_AHEAD;
    app.world_mut().resource_mut::<CursorWorld>().0 = Some(Vec2::new(100.0, 100_000.0));
    play(&mut app, 101, 45, |_| vec![ship(1, ME, at)], |_| {});
    let up = rig(&app);
    assert!(up.look_ahead.normalize().dot(Vec2::Y) > 0.99, "looks up: {:?}", up.look_ahead);
    assert!((up.look_ahead.length() - reach.y).abs() < 0.1 * reach.y, "{:?} of {reach:?}", up.look_ahead);
    let camera = app.world_mut().query_filtered::<&Transform, With<Camera2d>>().single(app.world()).unwrap().translation.truncate();
    assert!(camera.distance(up.position()) < 1e-3, "the camera sits where the rig says");
    assert!(camera.distance(at + up.look_ahead) < 5.0, "ahead of the ship: {camera:?}");

    // Aim left: the view swings round, eased rather than at once.
    app.world_mut().resource_mut::<CursorWorld>().0 = Some(Vec2::new(-100_000.0, 100.0));
    play(&mut app, 146, 1, |_| vec![ship(1, ME, at)], |_| {});
    let swinging = rig(&app).look_ahead;
    assert!(swinging.dot(Vec2::NEG_X) < 0.5 * reach.x, "eased, not snapped: {swinging:?}");
    play(&mut app, 147, 45, |_| vec![ship(1, ME, at)], |_| {});
    let left = rig(&app).look_ahead;
    assert!(left.normalize().dot(Vec2::NEG_X) > 0.99, "looks left: {left:?}");
    assert!((left.length() - reach.x).abs() < 0.1 * reach.x, "{left:?} of {reach:?}");
}

#[test]
fn a_hit_on_you_shakes_the_camera_and_the_shake_dies_away() {
    let mut app = feel_app();
    play(&mut app, 101, 4, |_| vec![ship(1, ME, Vec2::ZERO), ship(2, OTHER, Vec2::new(400.0, 0.0))], |_| {});
    assert_eq!(rig(&app).trauma, 0.0);
    let mut shaken_at = None;
    let mut frames = 0;
    let mut largest = 0.0f32;
    play(
        &mut app,
        105,
        10,
        |_| vec![hurt(1, ME, Vec2::ZERO, 75), ship(2, OTHER, Vec2::new(400.0, 0.0))],
        |app| {
            frames += 1;
            let rig = rig(app);
            largest = largest.max(rig.shake.length());
            if rig.trauma > 0.0 && shaken_at.is_none() {
                shaken_at = Some(frames);
            }
            if let Some(start) = shaken_at {
                // 16 ms frames: gone within the shake's time (and a frame).
                let after = (frames - start) as f32 * 0.016;
                if after > SHAKE_SECS + 0.02 {
                    assert_eq!(rig.trauma, 0.0, "{after} s after the hit");
                    assert_eq!(rig.shake, Vec2::ZERO);
                }
            }
        },
    );
    assert!(shaken_at.is_some(), "your hit shakes the camera");
    assert!(largest > 1.0 && largest < 15.0, "a little shake: {largest}");
    // Another ship's hit does not shake your camera.
    play(
        &mut app,
        115,
        6,
        |_| vec![hurt(1, ME, Vec2::ZERO, 75), hurt(2, OTHER, Vec2::new(400.0, 0.0), 50)],
        |app| {
            assert_eq!(rig(app).trauma, 0.0);
        },
    );
}

#[test]
fn while_you_are_dead_the_camera_follows_your_killer() {
    let mut app = feel_app();
    let killer_at = |tick: u64| Vec2::new(600.0 + (tick as f32 - 100.0) * 8.0, 200.0);
    play(&mut app, 101, 4, |t| vec![ship(1, ME, Vec2::ZERO), ship(2, OTHER, killer_at(t))], |_| {});
    assert!(rig(&app).focus.length() < 5.0, "on your ship");

    receive(&mut app, ServerMsg::Kill { killer: Some(OTHER), victim: ME });
    let wreck = ShipState { health: 0, respawn_in: Some(60), ..ship(1, ME, Vec2::ZERO) };
    play(&mut app, 105, 30, |t| vec![wreck, ship(2, OTHER, killer_at(t))], |_| {});
    let watching = rig(&app);
    assert_eq!(watching.following, Some(OTHER));
    let drawn = {
        let world = app.world_mut();
        world.query::<(&ShipView, &driftfire_client::game::sync::Smoothed)>().iter(world).find(|(v, _)| v.0.owner == OTHER).unwrap().1.pos
    };
    // Eased: a ship flying 240 units/s is trailed by about 30.
    assert!(watching.focus.distance(drawn) < 40.0, "follows the killer: {:?} vs {drawn:?}", watching.focus);
    assert!(watching.look_ahead.length() < 5.0, "no look-ahead while dead: {:?}", watching.look_ahead);

    // Respawned far away: back on your own ship at once.
    let reborn = Vec2::new(-1500.0, -1200.0);
    play(&mut app, 135, 6, |t| vec![ship(1, ME, reborn), ship(2, OTHER, killer_at(t))], |_| {});
    let back = rig(&app);
    assert_eq!(back.following, None);
    assert!(back.focus.distance(reborn) < 5.0, "back on you: {:?}", back.focus);
}

/// A fresh folder under the system's temp dir for one test's files.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("driftfire-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The logic in a game, remembering the mute choice in `store`.
fn sound_app(store: &MuteStore) -> App {
    let mut app = bare_app(NOWHERE, Clock::Stepped);
    app.insert_resource(store.clone());
    app.add_plugins(logic_plugin);
    app.update();
    welcome(&mut app);
    app
}

#[test]
fn sound_waits_for_a_first_input_and_m_mutes_remembered() {
    let dir = temp_dir("mute");
    let store = MuteStore { file: Some(dir.join("muted")) };
    let mut app = sound_app(&store);
    let sound = app.world().resource::<Sound>().clone();
    assert!(!sound.muted && !sound.unlocked && !sound.audible(), "silent until a first input: {sound:?}");

    // A kill before any input plays nothing.
    receive(&mut app, ServerMsg::Kill { killer: Some(ME), victim: OTHER });
    app.update();
    app.update();
    assert_eq!(app.world().resource::<Sound>().played(Sfx::Kill), 0);

    // Any key lifts the hold; the next kill is heard.
    tap(&mut app, KeyCode::KeyQ);
    assert!(app.world().resource::<Sound>().audible());
    receive(&mut app, ServerMsg::Kill { killer: Some(ME), victim: OTHER });
    app.update();
    app.update();
    assert_eq!(app.world().resource::<Sound>().played(Sfx::Kill), 1);

    // M mutes, and the choice is written down.
    tap(&mut app, KeyCode::KeyM);
    app.update();
    assert!(app.world().resource::<Sound>().muted);
    assert_eq!(std::fs::read_to_string(dir.join("muted")).unwrap(), "true");
    receive(&mut app, ServerMsg::Kill { killer: Some(ME), victim: OTHER });
    app.update();
    app.update();
    assert_eq!(app.world().resource::<Sound>().played(Sfx::Kill), 1, "muted: not played");

    // While typing a chat line, M is a letter.
    tap(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter, bevy::input::keyboard::Key::Enter);
    app.update();
    tap(&mut app, KeyCode::KeyM);
    assert!(app.world().resource::<Sound>().muted, "typing m does not unmute");

    // A new run starts muted, as remembered; M again unmutes and is remembered too.
    let mut again = sound_app(&store);
    assert!(again.world().resource::<Sound>().muted, "remembered");
    tap(&mut again, KeyCode::KeyM);
    again.update();
    assert!(!again.world().resource::<Sound>().muted);
    assert_eq!(std::fs::read_to_string(dir.join("muted")).unwrap(), "false");
    assert!(!sound_app(&store).world().resource::<Sound>().muted);
    std::fs::remove_dir_all(dir).unwrap();
}
