//! Ship handling and motion: turning toward the aim, thrust, drag, speed cap, arena walls.
//!
//! The per-ship rules are plain functions so client prediction can replay them for one ship
//! without a world; the systems below apply the very same functions to every entity.

use bevy_ecs::prelude::*;
use bevy_math::Vec2;

use super::components::*;
use super::config::SimConfig;
use crate::input::{ValidInput, normalize_angle};

/// The kinematic state of one ship, as prediction replays it.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ShipKinematics {
    /// Centre.
    pub pos: Vec2,
    /// Velocity.
    pub vel: Vec2,
    /// Facing.
    pub heading: f32,
}

/// Unit vector of a heading.
pub fn heading_dir(heading: f32) -> Vec2 {
    let (sin, cos) = heading.sin_cos();
    Vec2::new(cos, sin)
}

/// Turns, thrusts, applies drag and the speed cap for one tick. Returns whether the engine fired.
pub fn steer(cfg: &SimConfig, control: &ValidInput, heading: &mut f32, vel: &mut Vec2) -> bool {
    let max_turn = cfg.ship_turn_rate * cfg.dt;
    let diff = normalize_angle(control.aim - *heading);
    let turn = diff.clamp(-max_turn, max_turn);
    *heading = normalize_angle(*heading + turn);
    if control.thrust {
        *vel += heading_dir(*heading) * cfg.ship_thrust * cfg.dt;
    }
    *vel *= cfg.drag_keep_per_tick();
    let speed_sq = vel.length_squared();
    if speed_sq > cfg.ship_max_speed * cfg.ship_max_speed {
        *vel *= cfg.ship_max_speed / speed_sq.sqrt();
    }
    control.thrust
}

/// Keeps a circle inside the arena, reflecting the velocity component that hit a wall.
/// Returns whether it touched a wall.
pub fn bounce_off_walls(cfg: &SimConfig, radius: f32, bounce: f32, pos: &mut Vec2, vel: &mut Vec2) -> bool {
    let limit = cfg.half_arena() - Vec2::splat(radius);
    let mut hit = false;
    for axis in 0..2 {
        if pos[axis] > limit[axis] {
            pos[axis] = limit[axis];
            vel[axis] = -vel[axis].abs() * bounce;
            hit = true;
        } else if pos[axis] < -limit[axis] {
            pos[axis] = -limit[axis];
            vel[axis] = vel[axis].abs() * bounce;
            hit = true;
        }
    }
    hit
}

/// One full tick of a lone ship's motion: what the server does to it before collisions.
pub fn ship_motion_step(cfg: &SimConfig, control: &ValidInput, state: &mut ShipKinematics) {
    steer(cfg, control, &mut state.heading, &mut state.vel);
    state.pos += state.vel * cfg.dt;
    bounce_off_walls(cfg, cfg.ship_radius, cfg.wall_bounce, &mut state.pos, &mut state.vel);
}

/// Applies each living ship's controls.
pub fn steer_ships(cfg: Res<SimConfig>, mut ships: Query<(&mut Ship, &ShipControl, &mut Heading, &mut Velocity)>) {
    for (mut ship, control, mut heading, mut vel) in &mut ships {
        if !ship.is_alive() {
            ship.thrusting = false;
            continue;
        }
        ship.thrusting = steer(&cfg, &control.0, &mut heading.0, &mut vel.0);
    }
}

/// Moves everything that has a velocity (living ships, bullets, asteroids).
pub fn integrate_motion(cfg: Res<SimConfig>, mut movers: Query<(&mut Position, &Velocity, Option<&Ship>)>) {
    for (mut pos, vel, ship) in &mut movers {
        if ship.is_some_and(|s| !s.is_alive()) {
            continue;
        }
        pos.0 += vel.0 * cfg.dt;
    }
}

/// Records where every ship is after this tick's motion, for lag-compensated hit tests.
pub fn record_trails(mut ships: Query<(&Position, &mut ShipTrail)>) {
    for (pos, mut trail) in &mut ships {
        trail.push(pos.0);
    }
}

/// Ships and asteroids bounce off the walls; bullets that leave the arena are gone.
pub fn confine_to_arena(
    mut commands: Commands,
    cfg: Res<SimConfig>,
    mut bodies: Query<(&mut Position, &mut Velocity, &Collider, Has<Ship>), Without<Bullet>>,
    bullets: Query<(Entity, &Position), With<Bullet>>,
) {
    for (mut pos, mut vel, collider, is_ship) in &mut bodies {
        let bounce = if is_ship { cfg.wall_bounce } else { 1.0 };
        bounce_off_walls(&cfg, collider.0, bounce, &mut pos.0, &mut vel.0);
    }
    let half = cfg.half_arena();
    for (entity, pos) in &bullets {
        if pos.0.x.abs() > half.x || pos.0.y.abs() > half.y {
            commands.entity(entity).despawn();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::f32::consts::PI;

    use super::*;

    #[test]
    fn ship_turns_toward_aim_at_bounded_rate_and_thrusts_forward() {
        let cfg = SimConfig::default();
        let control = ValidInput { aim: PI / 2.0, thrust: true, fire: false, rewind_ticks: 0 };
        let mut state = ShipKinematics::default();
        ship_motion_step(&cfg, &control, &mut state);
        assert!((state.heading - cfg.ship_turn_rate * cfg.dt).abs() < 1e-6);
        assert!(state.vel.length() > 0.0);
        for _ in 0..60 {
            ship_motion_step(&cfg, &control, &mut state);
        }
        assert!((state.heading - PI / 2.0).abs() < 1e-5, "settles on the aim");
        assert!(state.vel.y > 0.0 && state.pos.y > 0.0, "moves where it points");
    }

    #[test]
    fn speed_is_capped_and_drag_slows_a_coasting_ship() {
        let cfg = SimConfig::default();
        let mut state = ShipKinematics::default();
        let full = ValidInput { aim: 0.0, thrust: true, fire: false, rewind_ticks: 0 };
        for _ in 0..300 {
            ship_motion_step(&cfg, &full, &mut state);
            assert!(state.vel.length() <= cfg.ship_max_speed + 1e-3);
        }
        let before = state.vel.length();
        ship_motion_step(&cfg, &ValidInput::default(), &mut state);
        assert!(state.vel.length() < before);
    }

    #[test]
    fn walls_reflect_and_contain() {
        let cfg = SimConfig::default();
        let half = cfg.half_arena();
        let mut pos = Vec2::new(half.x + 50.0, 0.0);
        let mut vel = Vec2::new(100.0, 10.0);
        assert!(bounce_off_walls(&cfg, 10.0, 0.5, &mut pos, &mut vel));
        assert_eq!(pos.x, half.x - 10.0);
        assert_eq!(vel, Vec2::new(-50.0, 10.0));
    }
}
