//! The game rules as bevy_ecs systems, run once per fixed tick by server and client alike.
//!
//! [`new_world`] builds a world with the resources the rules need, [`build_schedule`] the
//! ordered systems; one `schedule.run(&mut world)` is one tick. Everything is deterministic for
//! a given seed, tick rate and sequence of joins, leaves and inputs: no clocks, no OS
//! randomness, single-threaded execution in a fixed order.

mod asteroids;
mod combat;
mod components;
mod config;
mod grid;
mod movement;
pub mod quantize;
mod rng;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{ScheduleLabel, SingleThreadedExecutor};

pub use asteroids::free_spot;
pub use combat::fresh_ship;
pub use components::*;
pub use config::{DEFAULT_TICK_HZ, SimConfig};
pub use grid::SpatialGrid;
pub use movement::{ShipKinematics, bounce_off_walls, heading_dir, ship_motion_step, steer};
pub use rng::SimRng;

use crate::protocol::PlayerId;

/// The schedule that advances the simulation by one tick.
#[derive(ScheduleLabel, Clone, Debug, PartialEq, Eq, Hash)]
pub struct SimTickSchedule;

/// Phases of a tick, in order. Hosts may add their own systems before or after.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SimSet {
    /// Controls become velocities and bullets.
    Control,
    /// Everything moves and stays inside the arena.
    Motion,
    /// Hits, damage, deaths, score, respawns, the asteroid field.
    Resolve,
}

/// A world with every resource the rules need, but no entities yet.
pub fn new_world(config: SimConfig, seed: u64) -> World {
    let mut world = World::new();
    world.insert_resource(config);
    world.insert_resource(SimRng::new(seed));
    world.insert_resource(SimTick::default());
    world.insert_resource(NetIdAllocator::default());
    world.insert_resource(SimEvents::default());
    world
}

/// The systems of one tick in their fixed order.
pub fn build_schedule() -> Schedule {
    let mut schedule = Schedule::new(SimTickSchedule);
    // Determinism beats parallelism here: a room's tick is well under a millisecond, and many
    // rooms already spread over the cores.
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.configure_sets((SimSet::Control, SimSet::Motion, SimSet::Resolve).chain());
    schedule.add_systems(
        (
            clear_events,
            movement::steer_ships.in_set(SimSet::Control),
            combat::fire_weapons.in_set(SimSet::Control),
            movement::integrate_motion.in_set(SimSet::Motion),
            movement::confine_to_arena.in_set(SimSet::Motion),
            movement::record_trails.in_set(SimSet::Motion),
            combat::expire_bullets.in_set(SimSet::Resolve),
            combat::resolve_collisions.in_set(SimSet::Resolve),
            // Respawn before destroy: a ship destroyed this tick waits exactly `respawn_ticks`.
            combat::respawn_ships.in_set(SimSet::Resolve),
            combat::destroy_ships.in_set(SimSet::Resolve),
            asteroids::replenish_asteroids.in_set(SimSet::Resolve),
            quantize::snap_to_grid,
            advance_tick,
        )
            .chain(),
    );
    schedule
}

fn clear_events(mut events: ResMut<SimEvents>) {
    events.0.clear();
}

fn advance_tick(mut tick: ResMut<SimTick>) {
    tick.0 += 1;
}

/// Adds a pilot's ship at the freest spot, shielded. Returns its entity.
pub fn spawn_ship(world: &mut World, owner: PlayerId) -> Entity {
    let mut obstacles: Vec<(bevy_math::Vec2, f32)> = Vec::new();
    let mut query = world.query::<(&Position, &Collider)>();
    obstacles.extend(query.iter(world).map(|(p, c)| (p.0, c.0)));
    let cfg = world.resource::<SimConfig>().clone();
    let (spot, heading) = {
        let mut rng = world.resource_mut::<SimRng>();
        let spot = free_spot(&cfg, &mut rng, cfg.ship_radius, &obstacles);
        (spot, rng.range(-std::f32::consts::PI, std::f32::consts::PI))
    };
    let id = world.resource_mut::<NetIdAllocator>().allocate();
    world
        .spawn((
            NetEntity(id),
            fresh_ship(&cfg, owner),
            ShipControl::default(),
            Score::default(),
            Position(spot),
            Velocity::default(),
            Heading(heading),
            Collider(cfg.ship_radius),
            ShipTrail::at(spot),
        ))
        .id()
}

/// Fills the asteroid field up to its target at once (a new room starts full).
pub fn seed_asteroids(world: &mut World) {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.add_systems(asteroids::replenish_asteroids);
    let target = world.resource::<SimConfig>().asteroid_target_mass as usize;
    for _ in 0..target {
        schedule.run(world);
    }
}

#[cfg(test)]
mod tests;
