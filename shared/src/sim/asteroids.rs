//! The asteroid field: rocks drift, break into smaller ones when hit, and the field is topped
//! up from the edges so the arena never empties.

use std::f32::consts::TAU;

use bevy_ecs::prelude::*;
use bevy_math::{Rot2, Vec2};

use super::components::*;
use super::config::SimConfig;
use super::rng::SimRng;

/// Candidate spots tried when looking for a free place; the one farthest from everything wins.
/// 24 gives a good spot in a crowded arena at negligible cost (it runs only on spawns).
const FREE_SPOT_CANDIDATES: usize = 24;

/// How many small asteroids one of the next size up is worth, for the field's mass budget.
fn mass(size: u8) -> u32 {
    match size {
        3 => 4,
        2 => 2,
        _ => 1,
    }
}

/// The spot, among random candidates, with the most clearance from `obstacles` (centre, radius),
/// keeping `radius` inside the arena.
pub fn free_spot(cfg: &SimConfig, rng: &mut SimRng, radius: f32, obstacles: &[(Vec2, f32)]) -> Vec2 {
    let half = cfg.half_arena() - Vec2::splat(radius + 20.0);
    let mut best = (Vec2::ZERO, f32::NEG_INFINITY);
    for _ in 0..FREE_SPOT_CANDIDATES {
        let candidate = Vec2::new(rng.range(-half.x, half.x), rng.range(-half.y, half.y));
        let clearance = obstacles.iter().map(|(p, r)| p.distance(candidate) - r - radius).fold(f32::INFINITY, f32::min);
        if clearance > best.1 {
            best = (candidate, clearance);
        }
    }
    best.0
}

/// Spawns one asteroid.
pub fn spawn_asteroid(commands: &mut Commands, cfg: &SimConfig, ids: &mut NetIdAllocator, size: u8, pos: Vec2, vel: Vec2) {
    commands.spawn((
        NetEntity(ids.allocate()),
        Asteroid { size },
        Position(pos),
        Velocity(vel),
        Collider(cfg.asteroid_radius[usize::from(size.clamp(1, 3))]),
    ));
}

/// Replaces a destroyed asteroid (already despawned by the caller) by two smaller ones flying
/// apart, unless it was the smallest size, and records the event.
pub fn break_asteroid(
    commands: &mut Commands,
    cfg: &SimConfig,
    rng: &mut SimRng,
    ids: &mut NetIdAllocator,
    events: &mut SimEvents,
    asteroid: Asteroid,
    pos: Vec2,
    vel: Vec2,
) {
    events.0.push(SimEvent::AsteroidDestroyed { pos, size: asteroid.size });
    if asteroid.size <= 1 {
        return;
    }
    let child = asteroid.size - 1;
    let split_dir = Rot2::radians(rng.range(0.0, TAU)) * Vec2::X;
    let offset = split_dir * cfg.asteroid_radius[usize::from(child)];
    let kick = rng.range(40.0, 90.0);
    for sign in [1.0, -1.0] {
        spawn_asteroid(commands, cfg, ids, child, pos + offset * sign, vel + split_dir * kick * sign);
    }
}

/// Tops the field up to its target mass with large rocks drifting in from the arena's edge,
/// one per tick at most so a cleared field refills gradually.
pub fn replenish_asteroids(
    mut commands: Commands,
    cfg: Res<SimConfig>,
    mut rng: ResMut<SimRng>,
    mut ids: ResMut<NetIdAllocator>,
    asteroids: Query<&Asteroid>,
) {
    let total: u32 = asteroids.iter().map(|a| mass(a.size)).sum();
    if total + mass(3) > cfg.asteroid_target_mass * mass(3) {
        return;
    }
    let half = cfg.half_arena() - Vec2::splat(cfg.asteroid_radius[3] + 1.0);
    let along = rng.range(-1.0, 1.0);
    let side = (rng.unit() * 4.0) as u32;
    let pos = match side {
        0 => Vec2::new(-half.x, along * half.y),
        1 => Vec2::new(half.x, along * half.y),
        2 => Vec2::new(along * half.x, -half.y),
        _ => Vec2::new(along * half.x, half.y),
    };
    // Aim roughly at the middle so new rocks cross the arena.
    let target = Vec2::new(rng.range(-0.5, 0.5) * half.x, rng.range(-0.5, 0.5) * half.y);
    let vel = (target - pos).normalize_or_zero() * rng.range(30.0, 80.0);
    spawn_asteroid(&mut commands, &cfg, &mut ids, 3, pos, vel);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_spot_avoids_obstacles() {
        let cfg = SimConfig::default();
        let mut rng = SimRng::new(1);
        let obstacles: Vec<(Vec2, f32)> = (0..50).map(|i| (Vec2::new(i as f32 * 40.0 - 1000.0, 0.0), 30.0)).collect();
        for _ in 0..20 {
            let spot = free_spot(&cfg, &mut rng, 18.0, &obstacles);
            let clearance = obstacles.iter().map(|(p, r)| p.distance(spot) - r - 18.0).fold(f32::INFINITY, f32::min);
            assert!(clearance > 100.0, "spot {spot} too close ({clearance})");
            assert!(spot.abs().cmple(cfg.half_arena()).all());
        }
    }
}
