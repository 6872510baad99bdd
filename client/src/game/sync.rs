//! Snapshots → entities. Every networked object is an entity with its recent samples; each
//! frame its drawn state is interpolated at a render clock that runs behind the estimated
//! server time by an adaptive delay (see [`super::clock`]), so motion is smooth instead of
//! jumping at each snapshot (30 Hz by default), even through jitter.

use std::collections::{HashMap, VecDeque};

use bevy::prelude::*;
use driftfire_shared::input::normalize_angle;
use driftfire_shared::protocol::{NetId, PlayerId};
use driftfire_shared::sim::DEFAULT_TICK_HZ;
use driftfire_shared::snapshot::{ShipState, Snapshot};

use super::clock::SnapshotClock;
use super::snapshots::WorldUpdate;
use crate::session::Session;
use crate::state::{GameSet, Screen};

/// Render this many ticks behind the first snapshot, until the clock estimator has data.
pub const INITIAL_DELAY_TICKS: f64 = 2.0;
/// Samples kept per object: a third of a second at 30 Hz, plenty for a 2-tick delay.
const HISTORY_LEN: usize = 10;
/// If snapshots stop, objects coast on their velocity for at most this many ticks, then stop.
const MAX_EXTRAPOLATION_TICKS: f64 = 3.0;
/// A jump longer than this between two samples is a teleport (respawn), not motion: the object
/// is shown at the new place instead of streaking across the arena.
const TELEPORT_DISTANCE: f32 = 200.0;
/// The render clock snaps instead of easing when it is this far from its target (join, stall).
const CLOCK_SNAP_TICKS: f64 = 8.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<NetIndex>();
    app.init_resource::<RenderClock>();
    app.init_resource::<ServerClock>();
    app.add_message::<Vanished>();
    app.add_systems(OnEnter(Screen::Playing), reset);
    app.add_systems(
        Update,
        (apply_snapshots, advance_clock, despawn_vanished, interpolate).chain().in_set(GameSet::Sync).run_if(in_state(Screen::Playing)),
    );
}

/// Kind of networked object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A ship.
    Ship,
    /// A bullet.
    Bullet,
    /// An asteroid.
    Asteroid,
}

/// Marks an entity mirrored from the server.
#[derive(Component, Debug, Clone)]
pub struct NetObject {
    /// Server id.
    pub id: NetId,
    /// What it is.
    pub kind: Kind,
    /// Newest snapshot tick that contained it.
    pub last_seen_tick: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    tick: u64,
    pos: Vec2,
    vel: Vec2,
    angle: f32,
}

/// Recent samples of an object, oldest first.
#[derive(Component, Debug, Default)]
pub struct History(VecDeque<Sample>);

/// The object's state at the render clock: what is drawn.
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct Smoothed {
    /// Position.
    pub pos: Vec2,
    /// Velocity.
    pub vel: Vec2,
    /// Facing.
    pub angle: f32,
}

/// Newest non-kinematic state of a ship (health, flags).
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct ShipView(pub ShipState);

/// A bullet's shooter.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct BulletView {
    /// Shooter.
    pub owner: PlayerId,
}

/// An asteroid's size.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct AsteroidView {
    /// 1..=3.
    pub size: u8,
}

/// Marks your own ship.
#[derive(Component, Debug)]
pub struct MyShip;

/// Server id → entity.
#[derive(Resource, Debug, Default)]
pub struct NetIndex(pub HashMap<NetId, Entity>);

/// The clock the world is drawn at, in (fractional) server ticks.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct RenderClock {
    /// Ticks.
    pub tick: f64,
    /// Newest snapshot tick received.
    pub latest_tick: u64,
    /// Whether any snapshot has arrived.
    pub started: bool,
}

/// Server time and interpolation delay, estimated from snapshot arrivals (`None` until the
/// first snapshot of a session).
#[derive(Resource, Debug, Default, Clone)]
pub struct ServerClock(pub Option<SnapshotClock>);

/// An object left the world (destroyed or out of range), at the render clock.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct Vanished {
    /// What it was.
    pub kind: Kind,
    /// Where it was last drawn.
    pub pos: Vec2,
    /// Asteroid size (0 for others).
    pub size: u8,
}

fn reset(mut index: ResMut<NetIndex>, mut clock: ResMut<RenderClock>, mut server_clock: ResMut<ServerClock>) {
    index.0.clear();
    *clock = RenderClock::default();
    server_clock.0 = None;
}

fn apply_snapshots(
    mut commands: Commands,
    mut updates: MessageReader<WorldUpdate>,
    mut index: ResMut<NetIndex>,
    mut clock: ResMut<RenderClock>,
    mut server_clock: ResMut<ServerClock>,
    time: Res<Time<Real>>,
    session: Option<Res<Session>>,
    mut objects: Query<(&mut NetObject, &mut History)>,
) {
    let tick_hz = session.as_ref().map_or(DEFAULT_TICK_HZ, |s| s.tick_hz);
    let me = session.map(|s| s.me);
    for WorldUpdate(snapshot) in updates.read() {
        if clock.started && snapshot.tick <= clock.latest_tick {
            continue;
        }
        clock.latest_tick = snapshot.tick;
        server_clock.0.get_or_insert_with(|| SnapshotClock::new(tick_hz)).record(time.elapsed_secs_f64(), snapshot.tick);
        if !clock.started {
            clock.started = true;
            clock.tick = snapshot.tick as f64 - INITIAL_DELAY_TICKS;
        }
        apply_one(&mut commands, &mut index, &mut objects, snapshot, me);
    }
}

fn apply_one(
    commands: &mut Commands,
    index: &mut NetIndex,
    objects: &mut Query<(&mut NetObject, &mut History)>,
    snapshot: &Snapshot,
    me: Option<PlayerId>,
) {
    let tick = snapshot.tick;
    let mut upsert = |id: NetId, kind: Kind, pos: Vec2, vel: Vec2, angle: f32, extra: &dyn Fn(&mut EntityCommands)| {
        let sample = Sample { tick, pos, vel, angle };
        if let Some(&entity) = index.0.get(&id) {
            if let Ok((mut object, mut history)) = objects.get_mut(entity) {
                object.last_seen_tick = tick;
                push_sample(&mut history, sample);
            } else {
                // Spawned by an earlier snapshot of this same frame: its components exist only
                // as queued commands, so the update is queued behind them.
                let mut entity = commands.entity(entity);
                entity.entry::<NetObject>().and_modify(move |mut object| object.last_seen_tick = tick);
                entity.entry::<History>().and_modify(move |mut history| push_sample(&mut history, sample));
            }
            extra(&mut commands.entity(entity));
            return;
        }
        let mut entity = commands.spawn((
            NetObject { id, kind, last_seen_tick: tick },
            History(VecDeque::from([sample])),
            Smoothed { pos, vel, angle },
            Transform::from_translation(pos.extend(0.0)),
            Visibility::default(),
            DespawnOnExit(Screen::Playing),
        ));
        extra(&mut entity);
        index.0.insert(id, entity.id());
    };
    for ship in &snapshot.body.ships {
        let mine = Some(ship.owner) == me;
        upsert(ship.id, Kind::Ship, ship.pos, ship.vel, ship.angle, &|e| {
            e.insert(ShipView(*ship));
            if mine {
                e.insert(MyShip);
            }
        });
    }
    for bullet in &snapshot.body.bullets {
        upsert(bullet.id, Kind::Bullet, bullet.pos, bullet.vel, 0.0, &|e| {
            e.insert(BulletView { owner: bullet.owner });
        });
    }
    for asteroid in &snapshot.body.asteroids {
        upsert(asteroid.id, Kind::Asteroid, asteroid.pos, asteroid.vel, 0.0, &|e| {
            e.insert(AsteroidView { size: asteroid.size });
        });
    }
}

fn push_sample(history: &mut History, sample: Sample) {
    history.0.push_back(sample);
    if history.0.len() > HISTORY_LEN {
        history.0.pop_front();
    }
}

fn advance_clock(
    time: Res<Time>,
    real: Res<Time<Real>>,
    session: Option<Res<Session>>,
    server_clock: Res<ServerClock>,
    mut clock: ResMut<RenderClock>,
) {
    if !clock.started {
        return;
    }
    let tick_hz = f64::from(session.map_or(DEFAULT_TICK_HZ, |s| s.tick_hz));
    clock.tick += time.delta_secs_f64() * tick_hz;
    let fallback = clock.latest_tick as f64 - INITIAL_DELAY_TICKS;
    let target = server_clock.0.as_ref().and_then(|c| c.render_tick_at(real.elapsed_secs_f64())).unwrap_or(fallback);
    let error = target - clock.tick;
    if error.abs() > CLOCK_SNAP_TICKS {
        clock.tick = target;
    } else {
        // Ease toward the target: a gentle rate change nobody sees, instead of a visible jump.
        clock.tick += error * (time.delta_secs_f64() * 2.0).min(1.0);
    }
}

/// Removes objects that are missing from newer snapshots once the render clock has passed
/// their last appearance, so they vanish where they were last drawn.
fn despawn_vanished(
    mut commands: Commands,
    clock: Res<RenderClock>,
    mut index: ResMut<NetIndex>,
    objects: Query<(Entity, &NetObject, &Smoothed, Option<&AsteroidView>)>,
    mut vanished: MessageWriter<Vanished>,
) {
    for (entity, object, smoothed, asteroid) in &objects {
        if object.last_seen_tick < clock.latest_tick && clock.tick >= object.last_seen_tick as f64 {
            commands.entity(entity).despawn();
            index.0.remove(&object.id);
            vanished.write(Vanished { kind: object.kind, pos: smoothed.pos, size: asteroid.map_or(0, |a| a.size) });
        }
    }
}

fn interpolate(clock: Res<RenderClock>, session: Option<Res<Session>>, mut objects: Query<(&History, &mut Smoothed, &mut Transform)>) {
    let tick_hz = f32::from(session.map_or(DEFAULT_TICK_HZ, |s| s.tick_hz));
    for (history, mut smoothed, mut transform) in &mut objects {
        *smoothed = sample_at(&history.0, clock.tick, tick_hz);
        transform.translation.x = smoothed.pos.x;
        transform.translation.y = smoothed.pos.y;
    }
}

/// State at fractional tick `t`: linear between the samples around it, a bounded coast past
/// the newest, the oldest before it; teleports are not smeared.
fn sample_at(history: &VecDeque<Sample>, t: f64, tick_hz: f32) -> Smoothed {
    let (Some(first), Some(last)) = (history.front(), history.back()) else { return Smoothed::default() };
    if t <= first.tick as f64 {
        return Smoothed { pos: first.pos, vel: first.vel, angle: first.angle };
    }
    if t >= last.tick as f64 {
        let ahead = (t - last.tick as f64).min(MAX_EXTRAPOLATION_TICKS) as f32;
        return Smoothed { pos: last.pos + last.vel * ahead / tick_hz, vel: last.vel, angle: last.angle };
    }
    let i = history.iter().position(|s| s.tick as f64 > t).unwrap_or(history.len() - 1);
    let (a, b) = (history[i - 1], history[i]);
    if a.pos.distance(b.pos) > TELEPORT_DISTANCE {
        return Smoothed { pos: a.pos, vel: a.vel, angle: a.angle };
    }
    let f = ((t - a.tick as f64) / (b.tick - a.tick) as f64) as f32;
    Smoothed {
        pos: a.pos.lerp(b.pos, f),
        vel: a.vel.lerp(b.vel, f),
        angle: normalize_angle(a.angle + normalize_angle(b.angle - a.angle) * f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(tick: u64, x: f32) -> Sample {
        Sample { tick, pos: Vec2::new(x, 0.0), vel: Vec2::new(30.0, 0.0), angle: 0.0 }
    }

    #[test]
    fn interpolates_between_samples_and_bounds_extrapolation() {
        let history = VecDeque::from([s(10, 0.0), s(11, 1.0), s(12, 2.0)]);
        assert_eq!(sample_at(&history, 10.5, 30.0).pos.x, 0.5);
        assert_eq!(sample_at(&history, 5.0, 30.0).pos.x, 0.0);
        // 30 units/s = 1 unit/tick, coasting at most 3 ticks.
        assert!((sample_at(&history, 13.0, 30.0).pos.x - 3.0).abs() < 1e-5);
        assert!((sample_at(&history, 100.0, 30.0).pos.x - 5.0).abs() < 1e-5);
    }

    #[test]
    fn teleports_are_not_smeared() {
        let history = VecDeque::from([s(10, 0.0), s(11, 1000.0)]);
        assert_eq!(sample_at(&history, 10.5, 30.0).pos.x, 0.0);
        assert_eq!(sample_at(&history, 11.0, 30.0).pos.x, 1000.0);
    }

    #[test]
    fn angles_take_the_short_way_round() {
        let mut a = s(0, 0.0);
        a.angle = 3.0;
        let mut b = s(1, 0.0);
        b.angle = -3.0;
        let mid = sample_at(&VecDeque::from([a, b]), 0.5, 30.0).angle;
        assert!(mid.abs() > 3.1, "went through 0 instead of π: {mid}");
    }
}
