//! The world lives on the wire's grid: at the end of every tick positions, velocities and
//! headings are rounded to the precision snapshots carry. The server then sends exactly its
//! state, delta encoding can predict motion bit-exactly, and client prediction replays from
//! exactly what the server had.

use std::f32::consts::TAU;

use bevy_ecs::prelude::*;

use super::components::{Heading, Position, Velocity};
use crate::input::normalize_angle;

/// Position steps per world unit: 1/8 unit is far below a pixel at any zoom the game draws.
pub const POS_STEPS_PER_UNIT: f32 = 8.0;
/// Velocity steps per unit/s: 1/4 unit/s moves a body under 0.01 units per tick.
pub const VEL_STEPS_PER_UNIT: f32 = 4.0;
/// Heading steps per turn: 0.09°, finer than a pixel at a ship's nose.
pub const ANGLE_STEPS: i32 = 4096;

/// A position coordinate on the grid.
pub fn quantize_pos(v: f32) -> i32 {
    (v * POS_STEPS_PER_UNIT).round() as i32
}

/// A velocity component on the grid, rounded toward zero so drag brings bodies to rest.
pub fn quantize_vel(v: f32) -> i32 {
    (v * VEL_STEPS_PER_UNIT).trunc() as i32
}

/// A heading as steps in `0..ANGLE_STEPS`.
pub fn quantize_angle(a: f32) -> u16 {
    ((a / TAU * ANGLE_STEPS as f32).round() as i32).rem_euclid(ANGLE_STEPS) as u16
}

/// World units from grid steps.
pub fn pos_from_steps(q: i32) -> f32 {
    q as f32 / POS_STEPS_PER_UNIT
}

/// Units/s from grid steps.
pub fn vel_from_steps(q: i32) -> f32 {
    q as f32 / VEL_STEPS_PER_UNIT
}

/// Radians in (-π, π] from heading steps.
pub fn angle_from_steps(q: u16) -> f32 {
    normalize_angle(f32::from(q) * TAU / ANGLE_STEPS as f32)
}

/// Snaps one ship's motion state to the grid, as the end of a server tick does: prediction
/// calls it after each replayed step so it stays bit-identical to the server.
pub fn snap_kinematics(state: &mut super::movement::ShipKinematics) {
    state.pos.x = pos_from_steps(quantize_pos(state.pos.x));
    state.pos.y = pos_from_steps(quantize_pos(state.pos.y));
    state.vel.x = vel_from_steps(quantize_vel(state.vel.x));
    state.vel.y = vel_from_steps(quantize_vel(state.vel.y));
    state.heading = angle_from_steps(quantize_angle(state.heading));
}

/// Snaps every body to the grid (the last system of a tick).
pub fn snap_to_grid(mut bodies: Query<(&mut Position, &mut Velocity, Option<&mut Heading>)>) {
    for (mut pos, mut vel, heading) in &mut bodies {
        pos.0.x = pos_from_steps(quantize_pos(pos.0.x));
        pos.0.y = pos_from_steps(quantize_pos(pos.0.y));
        vel.0.x = vel_from_steps(quantize_vel(vel.0.x));
        vel.0.y = vel_from_steps(quantize_vel(vel.0.y));
        if let Some(mut heading) = heading {
            heading.0 = angle_from_steps(quantize_angle(heading.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_values_survive_a_round_trip_exactly() {
        for q in [-160_000, -1, 0, 1, 7, 80_001] {
            assert_eq!(quantize_pos(pos_from_steps(q)), q);
            assert_eq!(quantize_vel(vel_from_steps(q / 8)), q / 8);
        }
        for q in [0u16, 1, 1024, 2047, 2048, 2049, 4095] {
            assert_eq!(quantize_angle(angle_from_steps(q)), q, "{q}");
        }
    }

    #[test]
    fn drag_can_bring_a_body_to_rest() {
        let mut v = 0.25f32;
        for _ in 0..3 {
            v = vel_from_steps(quantize_vel(v * 0.97));
        }
        assert_eq!(v, 0.0);
    }
}
