//! Status reports while the game runs (first frame, ships in view, your ship once a second:
//! lines of the [`console`](crate::console) contract), the web page's loading overlay, the
//! frame times reported on exit, and `--exit-after-secs`.

use bevy::platform::time::Instant;
use bevy::prelude::*;

use crate::console::{Report, report};
use crate::game::input::InputClock;
use crate::game::sync::{BulletView, MyShip, ShipView, Smoothed};
use crate::launch::Launch;
use crate::session::Session;
use crate::state::{GameSet, Screen};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Seen>();
    app.init_resource::<FrameClock>();
    app.add_systems(First, start_update);
    app.add_systems(Last, end_update);
    app.add_systems(Update, (first_frame, exit_when_due));
    app.add_systems(Update, report_world.in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

#[derive(Resource, Default)]
struct Seen {
    first_frame: bool,
    ships: usize,
    last_report: f64,
    my_bullets: u64,
    /// Distance your ship has flown (a teleport such as a respawn does not count).
    travelled: f32,
    last_pos: Option<Vec2>,
}

/// What the frames cost: counted from the second frame (the first waits for start-up).
#[derive(Resource, Default)]
struct FrameClock {
    frames: u64,
    first: Option<Instant>,
    update_started: Option<Instant>,
    update_time: std::time::Duration,
}

impl FrameClock {
    fn report(&self) -> Report<'static> {
        let measured = self.frames.saturating_sub(1).max(1) as f64;
        let wall = self.first.map_or(0.0, |first| first.elapsed().as_secs_f64());
        Report::FrameTimes {
            frames: self.frames,
            mean_frame_ms: wall * 1e3 / measured,
            mean_update_ms: self.update_time.as_secs_f64() * 1e3 / measured,
        }
    }
}

fn start_update(mut clock: ResMut<FrameClock>) {
    let now = Instant::now();
    clock.update_started = Some(now);
}

fn end_update(mut clock: ResMut<FrameClock>) {
    let Some(started) = clock.update_started.take() else { return };
    clock.frames += 1;
    if clock.frames == 1 {
        clock.first = Some(Instant::now());
    } else {
        clock.update_time += started.elapsed();
    }
}

/// A jump longer than this between two frames is a respawn, not flight.
const TELEPORT_DISTANCE: f32 = 300.0;

/// Seconds between reports of your ship: often enough for a test to follow a short flight.
const REPORT_EVERY_SECS: f64 = 1.0;

fn first_frame(mut seen: ResMut<Seen>) {
    if seen.first_frame {
        return;
    }
    seen.first_frame = true;
    #[cfg(target_family = "wasm")]
    if let Some(loading) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("loading")) {
        loading.remove();
    }
    report(Report::FirstFrame);
}

fn report_world(
    mut seen: ResMut<Seen>,
    time: Res<Time<Real>>,
    session: Option<Res<Session>>,
    ships: Query<&ShipView>,
    me: Query<&Smoothed, With<MyShip>>,
    new_bullets: Query<&BulletView, Added<BulletView>>,
    input: Res<InputClock>,
) {
    let Some(session) = session else { return };
    let ship_count = ships.iter().count();
    if ship_count != seen.ships {
        seen.ships = ship_count;
        report(Report::Ships(ship_count));
    }
    seen.my_bullets += new_bullets.iter().filter(|b| b.owner == session.me).count() as u64;
    if let Some(pos) = me.iter().next().map(|s| s.pos) {
        if let Some(last) = seen.last_pos {
            let step = pos.distance(last);
            if step < TELEPORT_DISTANCE {
                seen.travelled += step;
            }
        }
        seen.last_pos = Some(pos);
    }
    let now = time.elapsed_secs_f64();
    if now - seen.last_report >= REPORT_EVERY_SECS {
        seen.last_report = now;
        if let Some(pos) = me.iter().next().map(|s| s.pos) {
            let (thrust, fire) = input.last.map_or((false, false), |f| (f.thrust, f.fire));
            report(Report::Me {
                id: session.me,
                pos,
                travelled: seen.travelled,
                bullets_seen: seen.my_bullets,
                thrust,
                fire,
                inputs: input.seq,
            });
        }
    }
}

fn exit_when_due(
    launch: Res<Launch>,
    time: Res<Time<Real>>,
    clock: Res<FrameClock>,
    mut exit: MessageWriter<AppExit>,
    mut done: Local<bool>,
) {
    if let Some(limit) = launch.exit_after_secs
        && !*done
        && time.elapsed_secs() >= limit
    {
        *done = true;
        report(clock.report());
        report(Report::Exiting);
        exit.write(AppExit::Success);
    }
}
