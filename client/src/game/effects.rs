//! Feedback derived from what the snapshots say happened (the server sends states, not
//! events): a ship whose health drops was hit, a bullet that appears at a ship's nose was just
//! fired (your own shots come from your inputs, at once), a ship that starts waiting to respawn
//! exploded, an asteroid that vanishes broke. Each becomes a [`Cue`] for the sound and the
//! camera, plus short-lived particles and flashes in [`Effects`] that `render` draws.
//!
//! All of it is plain data (no entity per particle, no drawing here), capped at
//! [`MAX_PARTICLES`], and allocation-free once warm, so it runs headless and costs little with
//! 20 ships in view.

use std::f32::consts::TAU;

use bevy::prelude::*;
use driftfire_shared::protocol::PlayerId;
use driftfire_shared::sim::{SimConfig, heading_dir};
use driftfire_shared::snapshot::ShipState;

use super::input::InputClock;
use super::predict::InputSent;
use super::sync::{BulletView, Kind, MyShip, RenderClock, ShipView, Smoothed, Vanished};
use crate::console::{Report, Throttle, report};
use crate::session::Session;
use crate::session::events::Killed;
use crate::state::{GameSet, Screen};

/// Live particles at most: a chain of explosions cannot cost frames. Exhaust may use only part
/// of it, so an explosion always has room.
pub const MAX_PARTICLES: usize = 1200;
/// Exhaust puffs stop being added past this many live particles.
const EXHAUST_ROOM: usize = MAX_PARTICLES / 2;
/// Exhaust puffs per second from a thrusting ship.
const EXHAUST_PER_SEC: f32 = 40.0;
/// Seconds a hit ship glows.
pub const HIT_FLASH_SECS: f32 = 0.18;
/// Seconds a muzzle flash lasts.
pub const MUZZLE_SECS: f32 = 0.08;
/// Seconds an explosion's blast ring grows and fades.
pub const BLAST_SECS: f32 = 0.45;
/// The nose of the hull (its tip is 22 units ahead of the centre).
pub const NOSE: f32 = 24.0;
/// A bullet first seen this close to its owner's ship has just been fired (at 30 Hz a fresh
/// bullet is at most ~75 units out); farther, it flew into view.
const MUZZLE_RANGE: f32 = 100.0;
/// Hits waiting for the render clock at most (a burst of damage in one frame is a handful).
const MAX_PENDING_HITS: usize = 32;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Effects>();
    app.add_message::<Cue>();
    app.add_systems(OnExit(Screen::Playing), |mut effects: ResMut<Effects>| effects.clear());
    app.add_systems(
        Update,
        (own_shots, watch_ships, watch_bullets, release_hits, announce_kills, rock_bursts, simulate)
            .chain()
            .in_set(GameSet::Present)
            .run_if(in_state(Screen::Playing)),
    );
}

/// Something worth a sound or a camera move, derived from the snapshots.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub enum Cue {
    /// A gun fired at `pos` (the muzzle); `yours` comes from your input, without the round trip.
    Fire {
        /// The shooter.
        owner: PlayerId,
        /// The muzzle.
        pos: Vec2,
        /// Your own shot.
        yours: bool,
    },
    /// A ship lost health (a bullet or a rock), when the render clock reaches the snapshot
    /// that says so, so it coincides with the bullet arriving on screen.
    Hit {
        /// Whose ship.
        victim: PlayerId,
        /// Where it is drawn.
        pos: Vec2,
        /// Health lost.
        damage: u8,
        /// Your ship was hit.
        yours: bool,
    },
    /// A ship was destroyed (it started waiting to respawn).
    Explosion {
        /// Whose ship.
        victim: PlayerId,
        /// Where it was drawn.
        pos: Vec2,
        /// Your ship.
        yours: bool,
    },
    /// You destroyed someone's ship (the server's kill announcement).
    Kill {
        /// Whose ship.
        victim: PlayerId,
    },
}

/// What a particle's colour comes from (`render` resolves it, so logic needs no palette).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tint {
    /// The player's colour.
    Player(PlayerId),
    /// White-hot yellow, for sparks and fire.
    Hot,
    /// Asteroid rock.
    Rock,
    /// Engine exhaust: orange fading to red.
    Exhaust,
}

/// How a particle is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// A streak along its motion.
    Spark,
    /// A tumbling piece of hull `len` units long.
    Debris {
        /// Length.
        len: f32,
    },
    /// A short exhaust streak.
    Puff,
}

/// One particle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Particle {
    /// Position.
    pub pos: Vec2,
    /// Velocity, units/s (slowed by drag).
    pub vel: Vec2,
    /// Seconds left.
    pub life: f32,
    /// Seconds it started with.
    pub max_life: f32,
    /// Colour.
    pub tint: Tint,
    /// Look.
    pub shape: Shape,
    /// Orientation (debris), radians.
    pub angle: f32,
    /// Spin, rad/s.
    pub spin: f32,
}

/// An explosion's expanding ring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blast {
    /// Centre.
    pub pos: Vec2,
    /// Seconds since it went off.
    pub age: f32,
    /// Whose ship.
    pub tint: Tint,
}

/// A muzzle flash on a ship's nose (it follows the ship).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Muzzle {
    /// The ship entity.
    pub ship: Entity,
    /// Seconds left.
    pub left: f32,
}

/// Per ship: what the last snapshot said (to see changes) and its hit flash.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct ShipFeel {
    health: u8,
    destroyed: bool,
    exhaust: f32,
    /// Hit flash left, 1 → 0 over [`HIT_FLASH_SECS`].
    pub flash: f32,
}

impl ShipFeel {
    fn new(ship: &ShipState) -> Self {
        Self { health: ship.health, destroyed: ship.respawn_in.is_some(), exhaust: 0.0, flash: 0.0 }
    }
}

#[derive(Debug, Clone, Copy)]
struct PendingHit {
    /// Render-clock tick of the snapshot that showed it.
    due: f64,
    ship: Entity,
    victim: PlayerId,
    damage: u8,
    yours: bool,
}

/// Every live particle and flash.
#[derive(Resource, Debug, Default)]
pub struct Effects {
    particles: Vec<Particle>,
    blasts: Vec<Blast>,
    muzzles: Vec<Muzzle>,
    pending: Vec<PendingHit>,
    /// Your gun's cooldown in ticks, as the server counts it.
    gun_cooldown: u16,
    rng: u32,
    lines: Throttle,
}

impl Effects {
    /// Live particles.
    pub fn particles(&self) -> &[Particle] {
        &self.particles
    }

    /// Live explosion rings.
    pub fn blasts(&self) -> &[Blast] {
        &self.blasts
    }

    /// Live muzzle flashes.
    pub fn muzzles(&self) -> &[Muzzle] {
        &self.muzzles
    }

    fn clear(&mut self) {
        self.particles.clear();
        self.blasts.clear();
        self.muzzles.clear();
        self.pending.clear();
        self.gun_cooldown = 0;
    }

    /// Uniform in [0, 1).
    fn random(&mut self) -> f32 {
        self.rng = self.rng.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.rng >> 8) as f32 / (1u32 << 24) as f32
    }

    /// Adds up to `count` particles flying out of `at` (plus `drift`), within `spread` radians
    /// either side of `toward` (`spread` ≥ π: all round).
    fn burst(&mut self, at: Vec2, drift: Vec2, count: usize, speed: f32, life: f32, look: (Tint, Shape), aim: (f32, f32)) {
        let (tint, shape) = look;
        let (toward, spread) = aim;
        for _ in 0..count {
            if self.particles.len() >= MAX_PARTICLES {
                return;
            }
            let angle = toward + (self.random() * 2.0 - 1.0) * spread;
            let r = self.random();
            let lived = life * (0.5 + 0.5 * self.random());
            let spin = (self.random() - 0.5) * 14.0;
            let vel = drift + Vec2::from_angle(angle) * speed * (0.25 + 0.75 * r);
            let angle = self.random() * TAU;
            self.particles.push(Particle { pos: at, vel, life: lived, max_life: lived, tint, shape, angle, spin });
        }
    }

    fn explode(&mut self, at: Vec2, drift: Vec2, victim: PlayerId) {
        self.blasts.push(Blast { pos: at, age: 0.0, tint: Tint::Player(victim) });
        let all_round = (0.0, TAU);
        self.burst(at, drift * 0.3, 36, 300.0, 0.9, (Tint::Player(victim), Shape::Spark), all_round);
        self.burst(at, drift * 0.3, 18, 160.0, 0.6, (Tint::Hot, Shape::Spark), all_round);
        for _ in 0..9 {
            let len = 5.0 + 9.0 * self.random();
            self.burst(at, drift * 0.5, 1, 220.0, 1.6, (Tint::Player(victim), Shape::Debris { len }), all_round);
        }
    }
}

/// Whether a ship's engine shows as firing: yours from your controls at once, others from the
/// newest snapshot.
pub fn engine_on(ship: &ShipState, mine: bool, input: &InputClock) -> bool {
    if ship.respawn_in.is_some() {
        return false;
    }
    if mine { input.last.is_some_and(|frame| frame.thrust) } else { ship.thrusting }
}

fn note(effects: &mut Effects, now: f64, what: &'static str) {
    if effects.lines.allow(what, now) {
        report(Report::Effect(what));
    }
}

/// Your shots, from the inputs sent this frame, with the server's cooldown: the flash and the
/// sound come without waiting a round trip for the bullet.
fn own_shots(
    time: Res<Time>,
    session: Option<Res<Session>>,
    mut sent: MessageReader<InputSent>,
    mut effects: ResMut<Effects>,
    me: Query<(Entity, &ShipView, &Smoothed), With<MyShip>>,
    mut cues: MessageWriter<Cue>,
) {
    let Some(session) = session else { return };
    let cooldown = SimConfig::new(session.tick_hz).fire_cooldown_ticks;
    let alive = me.iter().next().filter(|(_, view, _)| view.0.respawn_in.is_none());
    for InputSent(frame) in sent.read() {
        effects.gun_cooldown = effects.gun_cooldown.saturating_sub(1);
        let Some((entity, _, smoothed)) = alive else {
            effects.gun_cooldown = 0;
            continue;
        };
        if !frame.fire || effects.gun_cooldown > 0 {
            continue;
        }
        effects.gun_cooldown = cooldown;
        effects.muzzles.push(Muzzle { ship: entity, left: MUZZLE_SECS });
        let pos = smoothed.pos + heading_dir(smoothed.angle) * NOSE;
        cues.write(Cue::Fire { owner: session.me, pos, yours: true });
        note(&mut effects, time.elapsed_secs_f64(), "muzzle");
    }
}

/// Ship state changes: explosions at once (the hull disappears with the same snapshot), hits
/// queued for the render clock, exhaust while thrusting.
fn watch_ships(
    mut commands: Commands,
    time: Res<Time>,
    clock: Res<RenderClock>,
    input: Res<InputClock>,
    mut effects: ResMut<Effects>,
    mut ships: Query<(Entity, &ShipView, &Smoothed, Option<&mut ShipFeel>, Has<MyShip>)>,
    mut cues: MessageWriter<Cue>,
) {
    let dt = time.delta_secs();
    for (entity, view, smoothed, feel, mine) in &mut ships {
        let ship = view.0;
        let Some(mut feel) = feel else {
            commands.entity(entity).insert(ShipFeel::new(&ship));
            continue;
        };
        let destroyed = ship.respawn_in.is_some();
        if destroyed && !feel.destroyed {
            effects.explode(smoothed.pos, smoothed.vel, ship.owner);
            cues.write(Cue::Explosion { victim: ship.owner, pos: smoothed.pos, yours: mine });
            note(&mut effects, time.elapsed_secs_f64(), "explosion");
        } else if !destroyed && !feel.destroyed && ship.health < feel.health && effects.pending.len() < MAX_PENDING_HITS {
            let due = clock.latest_tick as f64;
            let damage = feel.health - ship.health;
            effects.pending.push(PendingHit { due, ship: entity, victim: ship.owner, damage, yours: mine });
        }
        feel.health = ship.health;
        feel.destroyed = destroyed;
        feel.flash = (feel.flash - dt / HIT_FLASH_SECS).max(0.0);
        if engine_on(&ship, mine, &input) {
            feel.exhaust += EXHAUST_PER_SEC * dt;
            let back = smoothed.pos - heading_dir(smoothed.angle) * 14.0;
            let behind = smoothed.angle + std::f32::consts::PI;
            while feel.exhaust >= 1.0 {
                feel.exhaust -= 1.0;
                if effects.particles.len() < EXHAUST_ROOM {
                    effects.burst(back, smoothed.vel * 0.6, 1, 170.0, 0.35, (Tint::Exhaust, Shape::Puff), (behind, 0.3));
                }
            }
        } else {
            feel.exhaust = 0.0;
        }
    }
}

/// Muzzle flashes of other ships: a bullet that first appears right at its owner's ship.
fn watch_bullets(
    time: Res<Time>,
    session: Option<Res<Session>>,
    mut effects: ResMut<Effects>,
    new_bullets: Query<(&BulletView, &Smoothed), Added<BulletView>>,
    ships: Query<(Entity, &ShipView, &Smoothed)>,
    mut cues: MessageWriter<Cue>,
) {
    let me = session.map(|s| s.me);
    for (bullet, at) in &new_bullets {
        if Some(bullet.owner) == me {
            continue;
        }
        let shooter = ships.iter().find(|(_, view, _)| view.0.owner == bullet.owner && view.0.respawn_in.is_none());
        let Some((entity, view, smoothed)) = shooter else { continue };
        if view.0.pos.distance(at.pos) > MUZZLE_RANGE {
            continue;
        }
        effects.muzzles.push(Muzzle { ship: entity, left: MUZZLE_SECS });
        let pos = smoothed.pos + heading_dir(smoothed.angle) * NOSE;
        cues.write(Cue::Fire { owner: bullet.owner, pos, yours: false });
        note(&mut effects, time.elapsed_secs_f64(), "muzzle");
    }
}

/// Hits whose snapshot the render clock has reached: sparks, the ship's flash, the cue.
fn release_hits(
    time: Res<Time>,
    clock: Res<RenderClock>,
    mut effects: ResMut<Effects>,
    mut ships: Query<(&Smoothed, &mut ShipFeel)>,
    mut cues: MessageWriter<Cue>,
) {
    let mut i = 0;
    while i < effects.pending.len() {
        let hit = effects.pending[i];
        if clock.tick < hit.due {
            i += 1;
            continue;
        }
        effects.pending.swap_remove(i);
        let Ok((smoothed, mut feel)) = ships.get_mut(hit.ship) else { continue };
        if feel.destroyed {
            continue;
        }
        feel.flash = 1.0;
        let count = 8 + usize::from(hit.damage / 4);
        effects.burst(smoothed.pos, smoothed.vel * 0.5, count, 220.0, 0.35, (Tint::Hot, Shape::Spark), (0.0, TAU));
        cues.write(Cue::Hit { victim: hit.victim, pos: smoothed.pos, damage: hit.damage, yours: hit.yours });
        note(&mut effects, time.elapsed_secs_f64(), "hit");
    }
}

/// Your kills, from the server's announcements.
fn announce_kills(session: Option<Res<Session>>, mut killed: MessageReader<Killed>, mut cues: MessageWriter<Cue>) {
    let Some(session) = session else { return };
    for kill in killed.read() {
        if kill.killer == Some(session.me) && kill.victim != session.me {
            cues.write(Cue::Kill { victim: kill.victim });
        }
    }
}

/// Asteroids break into rock dust.
fn rock_bursts(mut effects: ResMut<Effects>, mut vanished: MessageReader<Vanished>) {
    for gone in vanished.read() {
        if gone.kind == Kind::Asteroid {
            let count = 6 + 6 * usize::from(gone.size);
            effects.burst(gone.pos, Vec2::ZERO, count, 120.0, 0.9, (Tint::Rock, Shape::Spark), (0.0, TAU));
            for _ in 0..gone.size {
                let len = 4.0 + 4.0 * f32::from(gone.size);
                effects.burst(gone.pos, Vec2::ZERO, 1, 80.0, 1.2, (Tint::Rock, Shape::Debris { len }), (0.0, TAU));
            }
        }
    }
}

/// Moves and ages everything; the dead are dropped in place (no allocation).
fn simulate(time: Res<Time>, mut effects: ResMut<Effects>) {
    let dt = time.delta_secs();
    let drag = (-1.6 * dt).exp();
    effects.particles.retain_mut(|p| {
        p.life -= dt;
        p.pos += p.vel * dt;
        p.vel *= drag;
        p.angle += p.spin * dt;
        p.life > 0.0
    });
    effects.blasts.retain_mut(|b| {
        b.age += dt;
        b.age < BLAST_SECS
    });
    effects.muzzles.retain_mut(|m| {
        m.left -= dt;
        m.left > 0.0
    });
}
