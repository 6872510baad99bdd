//! Guns, bullets, collisions, damage, death, score and respawn.

use bevy_ecs::prelude::*;
use bevy_math::Vec2;

use super::asteroids::{break_asteroid, free_spot};
use super::components::*;
use super::config::SimConfig;
use super::grid::SpatialGrid;
use super::movement::heading_dir;
use super::rng::SimRng;
use crate::protocol::PlayerId;

/// Cell size of the collision grid: a bit over the largest asteroid's diameter, so any circle
/// pair that touches lies in neighbouring cells.
const COLLISION_CELL: f32 = 128.0;

/// Counts down gun cooldowns and fires for living ships whose trigger is held.
pub fn fire_weapons(
    mut commands: Commands,
    cfg: Res<SimConfig>,
    mut ids: ResMut<NetIdAllocator>,
    mut ships: Query<(&mut Ship, &ShipControl, &Position, &Velocity, &Heading)>,
) {
    for (mut ship, control, pos, vel, heading) in &mut ships {
        ship.fire_cooldown = ship.fire_cooldown.saturating_sub(1);
        ship.shield_ticks = ship.shield_ticks.saturating_sub(1);
        if !ship.is_alive() || !control.0.fire || ship.fire_cooldown > 0 {
            continue;
        }
        ship.fire_cooldown = cfg.fire_cooldown_ticks;
        // Firing ends spawn protection: a shielded ship may not shoot from safety.
        ship.shield_ticks = 0;
        let dir = heading_dir(heading.0);
        commands.spawn((
            NetEntity(ids.allocate()),
            Bullet { owner: ship.owner, ticks_left: cfg.bullet_life_ticks, rewind_ticks: control.0.rewind_ticks.min(cfg.max_rewind_ticks) },
            Position(pos.0 + dir * (cfg.ship_radius + cfg.bullet_radius + 2.0)),
            Velocity(vel.0 + dir * cfg.bullet_speed),
            Collider(cfg.bullet_radius),
        ));
    }
}

/// Bullets fizzle at the end of their life.
pub fn expire_bullets(mut commands: Commands, mut bullets: Query<(Entity, &mut Bullet)>) {
    for (entity, mut bullet) in &mut bullets {
        bullet.ticks_left = bullet.ticks_left.saturating_sub(1);
        if bullet.ticks_left == 0 {
            commands.entity(entity).despawn();
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Target {
    Ship(Entity),
    Asteroid(Entity),
}

/// A collision candidate: what it is, where, how big, whose.
#[derive(Clone, Copy)]
struct Candidate {
    target: Target,
    pos: Vec2,
    radius: f32,
    owner: Option<PlayerId>,
    trail: Option<ShipTrail>,
}

impl Candidate {
    /// Where a bullet that rewinds `ticks` sees this target (lag compensation for ships).
    fn pos_for(&self, ticks: u8) -> Vec2 {
        match (ticks, self.trail) {
            (1.., Some(trail)) => trail.ago(ticks),
            _ => self.pos,
        }
    }
}

/// [`resolve_collisions`]'s storage, kept from tick to tick so a tick allocates nothing once it
/// has grown to the room's size.
#[derive(Default)]
pub struct CollisionScratch {
    targets: Vec<Candidate>,
    grid: SpatialGrid,
}

/// Circle collisions: bullet→ship, bullet→asteroid, ship→asteroid. Each bullet hits at most the
/// nearest thing it touches; each asteroid breaks at most once per tick. Bullets test ships at
/// the positions their shooter saw (see [`Bullet::rewind_ticks`]); asteroids, which everyone
/// sees alike, are tested where they are.
pub fn resolve_collisions(
    mut commands: Commands,
    cfg: Res<SimConfig>,
    mut rng: ResMut<SimRng>,
    mut ids: ResMut<NetIdAllocator>,
    mut events: ResMut<SimEvents>,
    mut ships: Query<(Entity, &mut Ship, &Position, &mut Velocity, &mut Score, Option<&ShipTrail>), Without<Asteroid>>,
    asteroids: Query<(Entity, &Asteroid, &Position, &Velocity, &Collider), Without<Ship>>,
    bullets: Query<(Entity, &Bullet, &Position)>,
    mut broken: Local<Vec<Entity>>,
    mut seen: Local<Vec<usize>>,
    mut scratch: Local<CollisionScratch>,
) {
    broken.clear();
    let CollisionScratch { targets, grid } = &mut *scratch;
    targets.clear();
    for (entity, ship, pos, _, _, trail) in &ships {
        if ship.is_alive() {
            let trail = trail.copied();
            targets.push(Candidate { target: Target::Ship(entity), pos: pos.0, radius: cfg.ship_radius, owner: Some(ship.owner), trail });
        }
    }
    for (entity, _, pos, _, collider) in &asteroids {
        targets.push(Candidate { target: Target::Asteroid(entity), pos: pos.0, radius: collider.0, owner: None, trail: None });
    }
    // Storage reused from tick to tick: no allocation once it has grown to the room's size.
    grid.reset(COLLISION_CELL);
    for (i, candidate) in targets.iter().enumerate() {
        // A ship is filed under every cell its recent trail touches, so rewound tests find it.
        let reach = candidate.trail.map_or(0.0, |t| t.reach());
        grid.insert(i, candidate.pos, candidate.radius + reach);
    }
    grid.finish();

    let mut credit: Vec<(PlayerId, u32)> = Vec::new();
    for (bullet_entity, bullet, bullet_pos) in &bullets {
        let mut best: Option<(usize, f32)> = None;
        grid.query(bullet_pos.0, cfg.bullet_radius, &mut seen, |i| {
            let candidate = targets[i];
            if candidate.owner == Some(bullet.owner) || matches!(candidate.target, Target::Asteroid(e) if broken.contains(&e)) {
                return;
            }
            let reach = candidate.radius + cfg.bullet_radius;
            let dist_sq = candidate.pos_for(bullet.rewind_ticks).distance_squared(bullet_pos.0);
            if dist_sq <= reach * reach && best.is_none_or(|(_, d)| dist_sq < d) {
                best = Some((i, dist_sq));
            }
        });
        let Some((i, _)) = best else { continue };
        commands.entity(bullet_entity).despawn();
        match targets[i].target {
            Target::Ship(entity) => {
                if let Ok((_, mut ship, _, _, _, _)) = ships.get_mut(entity)
                    && ship.shield_ticks == 0
                {
                    ship.health = ship.health.saturating_sub(cfg.bullet_damage);
                    ship.last_attacker = Some(bullet.owner);
                }
            }
            Target::Asteroid(entity) => {
                broken.push(entity);
                credit.push((bullet.owner, cfg.score_per_asteroid));
            }
        }
    }

    // Ships ramming asteroids: the ship takes damage and bounces, the asteroid breaks.
    for (_, mut ship, ship_pos, mut ship_vel, _, _) in &mut ships {
        if !ship.is_alive() {
            continue;
        }
        grid.query(ship_pos.0, cfg.ship_radius, &mut seen, |i| {
            let Candidate { target: Target::Asteroid(entity), pos, radius, .. } = targets[i] else { return };
            if broken.contains(&entity) {
                return;
            }
            let offset = ship_pos.0 - pos;
            let reach = radius + cfg.ship_radius;
            if offset.length_squared() > reach * reach {
                return;
            }
            broken.push(entity);
            let normal = offset.try_normalize().unwrap_or(Vec2::X);
            let along = ship_vel.0.dot(normal);
            if along < 0.0 {
                ship_vel.0 -= normal * along * (1.0 + cfg.wall_bounce);
            }
            if ship.shield_ticks == 0 {
                let size = asteroids.get(entity).map(|(_, a, ..)| a.size).unwrap_or(1);
                ship.health = ship.health.saturating_sub(cfg.asteroid_ram_damage_per_size.saturating_mul(size));
                ship.last_attacker = None;
            }
        });
    }

    for &entity in broken.iter() {
        if let Ok((_, asteroid, pos, vel, _)) = asteroids.get(entity) {
            commands.entity(entity).despawn();
            break_asteroid(&mut commands, &cfg, &mut rng, &mut ids, &mut events, *asteroid, pos.0, vel.0);
        }
    }
    for (owner, points) in credit {
        if let Some((_, _, _, _, mut score, _)) = ships.iter_mut().find(|(_, s, ..)| s.owner == owner) {
            score.score += points;
        }
    }
}

/// Ships at zero health are destroyed: the pilot's deaths and the attacker's kills go up, and
/// the respawn countdown starts.
pub fn destroy_ships(cfg: Res<SimConfig>, mut events: ResMut<SimEvents>, mut ships: Query<(&mut Ship, &mut Velocity, &mut Score)>) {
    let mut killers = Vec::new();
    for (mut ship, mut vel, mut score) in &mut ships {
        if ship.is_alive() && ship.health == 0 {
            ship.respawn_in = Some(cfg.respawn_ticks);
            vel.0 = Vec2::ZERO;
            score.deaths += 1;
            let killer = ship.last_attacker.filter(|k| *k != ship.owner);
            events.0.push(SimEvent::ShipDestroyed { killer, victim: ship.owner });
            killers.extend(killer);
        }
    }
    for killer in killers {
        if let Some((_, _, mut score)) = ships.iter_mut().find(|(s, ..)| s.owner == killer) {
            score.kills += 1;
            score.score += cfg.score_per_kill;
        }
    }
}

/// Counts down destroyed ships and brings them back at the freest spot in the arena.
pub fn respawn_ships(
    cfg: Res<SimConfig>,
    mut rng: ResMut<SimRng>,
    mut ships: Query<(&mut Ship, &mut Position, &mut Velocity, &mut Heading)>,
    asteroids: Query<(&Position, &Collider), (With<Asteroid>, Without<Ship>)>,
) {
    let mut due = Vec::new();
    for (mut ship, ..) in &mut ships {
        if let Some(left) = ship.respawn_in {
            if left <= 1 {
                due.push(ship.owner);
            } else {
                ship.respawn_in = Some(left - 1);
            }
        }
    }
    if due.is_empty() {
        return;
    }
    let mut obstacles: Vec<(Vec2, f32)> = asteroids.iter().map(|(p, c)| (p.0, c.0)).collect();
    obstacles.extend(ships.iter().filter(|(s, ..)| s.is_alive()).map(|(_, p, ..)| (p.0, cfg.ship_radius)));
    for owner in due {
        let spot = free_spot(&cfg, &mut rng, cfg.ship_radius, &obstacles);
        obstacles.push((spot, cfg.ship_radius));
        let heading = rng.range(-std::f32::consts::PI, std::f32::consts::PI);
        if let Some((mut ship, mut pos, mut vel, mut head)) = ships.iter_mut().find(|(s, ..)| s.owner == owner) {
            *ship = fresh_ship(&cfg, owner);
            pos.0 = spot;
            vel.0 = Vec2::ZERO;
            head.0 = heading;
        }
    }
}

/// A ship at full health with spawn protection.
pub fn fresh_ship(cfg: &SimConfig, owner: PlayerId) -> Ship {
    Ship {
        owner,
        health: cfg.ship_max_health,
        fire_cooldown: 0,
        respawn_in: None,
        shield_ticks: cfg.spawn_shield_ticks,
        last_attacker: None,
        thrusting: false,
    }
}
