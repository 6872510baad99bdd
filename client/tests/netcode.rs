//! The netcode against a real server through its link conditioner at 150 ms ± 30 ms round trip:
//! a windowless client predicts its own ship (immediate response, small reconciliation errors)
//! and draws a remote ship without jumps.

mod harness;

use std::time::{Duration, Instant};

use bevy::prelude::*;
use driftfire_client::Screen;
use driftfire_client::game::input::CursorWorld;
use driftfire_client::game::predict::Prediction;
use driftfire_client::game::sync::{MyShip, ServerClock, ShipView, Smoothed};
use driftfire_client::session::Session;
use driftfire_client::session::roster::RoundTrip;
use driftfire_client::state::PilotName;
use driftfire_server::ServerConfig;
use driftfire_server::conditioner::LinkConditions;
use driftfire_shared::codec::{decode_server, encode_client};
use driftfire_shared::protocol::{ClientMsg, InputFrame};
use futures_util::{SinkExt, StreamExt};
use harness::{Clock, FRAME, logic_app, update_until};
use tokio_tungstenite::tungstenite::Message;

/// Starts a server with the conditioner on a background runtime; returns its socket URL.
fn start_server(runtime: &tokio::runtime::Runtime) -> String {
    let link = LinkConditions { latency: Duration::from_millis(150), jitter: Duration::from_millis(30), ..LinkConditions::default() };
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(driftfire_server::run(listener, ServerConfig { link, ..ServerConfig::default() }, std::future::pending::<()>()));
    format!("ws://{addr}/ws")
}

/// Another player, flying a wide curve at 30 Hz so there is a moving remote ship to watch.
async fn circling_pilot(url: String) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    let hello = encode_client(&ClientMsg::hello("circler")).unwrap();
    ws.send(Message::Binary(hello.into())).await.unwrap();
    let (mut sink, mut stream) = ws.split();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = stream.next().await {
            if let Message::Binary(bytes) = frame {
                let _ = decode_server(&bytes);
            }
        }
    });
    let mut ticker = tokio::time::interval(Duration::from_millis(33));
    for seq in 1u32.. {
        ticker.tick().await;
        let frame = InputFrame { seq, aim: seq as f32 * 0.02, thrust: true, fire: false, view_tick: 0, ack_tick: 0 };
        if sink.send(Message::Binary(encode_client(&ClientMsg::Input(frame)).unwrap().into())).await.is_err() {
            return;
        }
    }
}

/// The game's logic in real time, connecting to `url`.
fn client_app(url: &str) -> App {
    let mut app = logic_app(url, Clock::Real);
    app.insert_resource(PilotName("predictor".into()));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);
    app
}

/// Whether our own ship is in the game.
fn own_ship_seen(app: &mut App) -> bool {
    app.world_mut().query_filtered::<(), With<MyShip>>().iter(app.world()).count() > 0
}

/// Whether our own ship is drawn moving.
fn own_ship_moving(app: &mut App) -> bool {
    app.world_mut().query_filtered::<&Smoothed, With<MyShip>>().iter(app.world()).any(|s| s.vel.length() > 1.0)
}

fn percentile(values: &mut [f32], p: f32) -> f32 {
    values.sort_by(f32::total_cmp);
    values[((values.len() as f32 * p).ceil() as usize).clamp(1, values.len()) - 1]
}

#[test]
fn prediction_and_interpolation_hold_up_at_150_ms_with_jitter() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let url = start_server(&runtime);
    runtime.spawn(circling_pilot(url.clone()));
    let mut app = client_app(&url);

    // Join and wait for our ship: 625 frames of 16 ms are 10 s at least.
    assert!(own_ship_seen(&mut app) || update_until(&mut app, 625, FRAME, own_ship_seen), "never saw our own ship");

    // Thrust, and check the ship answers within a few frames although the server is 150 ms away.
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::KeyW);
    let pressed = Instant::now();
    // 125 frames of 16 ms: 2 s at least.
    assert!(update_until(&mut app, 125, FRAME, own_ship_moving), "ship never moved");
    let responded_after = pressed.elapsed();
    assert!(responded_after < Duration::from_millis(100), "own ship answered thrust only after {responded_after:?}");

    // Fly a varied course for 8 s while watching the remote ship.
    let mut remote_steps: Vec<f32> = Vec::new();
    let mut last_remote: Option<Vec2> = None;
    let mut last_frame = Instant::now();
    let started = Instant::now();
    let mut frames = 0;
    while started.elapsed() < Duration::from_secs(8) {
        let t = started.elapsed().as_secs_f32();
        let own = app.world_mut().query_filtered::<&Smoothed, With<MyShip>>().iter(app.world()).next().map(|s| s.pos);
        if let Some(own) = own {
            app.world_mut().resource_mut::<CursorWorld>().0 = Some(own + Vec2::from_angle(t * 0.9) * 300.0);
        }
        app.update();
        let frame_dt = last_frame.elapsed().as_secs_f32();
        last_frame = Instant::now();
        frames += 1;
        let me = app.world().resource::<Session>().me;
        let remote = app
            .world_mut()
            .query::<(&Smoothed, &ShipView)>()
            .iter(app.world())
            .find(|(_, view)| view.0.owner != me && view.0.respawn_in.is_none())
            .map(|(s, _)| s.pos);
        if let (Some(now), Some(before)) = (remote, last_remote) {
            // Max speed 520 u/s: a bound of 1.5× that per frame, plus slack for bounces.
            let allowed = 520.0 * frame_dt * 1.5 + 4.0;
            remote_steps.push(now.distance(before) / allowed);
        }
        last_remote = remote;
        std::thread::sleep(FRAME);
    }

    let prediction = app.world().resource::<Prediction>();
    let mut errors: Vec<f32> = prediction.recent_errors.iter().copied().collect();
    assert!(errors.len() > 150, "too few reconciliations: {} in {frames} frames", errors.len());
    let within = errors.iter().filter(|e| **e < 1.0).count() as f32 / errors.len() as f32;
    let p50 = percentile(&mut errors, 0.5);
    assert!(
        within > 0.85 && p50 < 0.25,
        "prediction disagrees with the server too often: {:.0}% within 1 unit, median {p50}",
        within * 100.0
    );

    assert!(remote_steps.len() > 200, "the remote ship was seen in only {} frames", remote_steps.len());
    let worst = remote_steps.iter().copied().fold(0.0, f32::max);
    assert!(worst <= 1.0, "the remote ship jumped {worst:.2}× the allowed step between frames");

    let clock = app.world().resource::<ServerClock>().0.clone().expect("snapshots arrived");
    println!(
        "netcode at 150±30 ms: own ship answered after {responded_after:?}; {} reconciliations, {:.1}% within 1 unit, median {p50:.3}, p95 {:.2}; remote worst step {worst:.2}× bound over {} frames; interp delay {:.0} ms, jitter {:.1} ms",
        errors.len(),
        within * 100.0,
        percentile(&mut errors.clone(), 0.95),
        remote_steps.len(),
        clock.delay_ms(),
        clock.jitter_ms()
    );
    assert!(clock.delay_ms() >= 45.0 && clock.delay_ms() < 250.0, "interpolation delay {:.0} ms", clock.delay_ms());
    let rtt = app.world().resource::<RoundTrip>().rtt_ms.unwrap_or(0.0);
    assert!(rtt > 120.0 && rtt < 220.0, "the conditioner should give ~150 ms, measured {rtt}");
    drop(app);
    runtime.shutdown_timeout(Duration::from_secs(1));
}
