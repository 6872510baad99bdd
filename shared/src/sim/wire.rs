//! Reading the simulated world out into the protocol's snapshot form.

use bevy_ecs::prelude::*;

use super::components::*;
use crate::protocol::{AsteroidState, BulletState, ShipState, SnapshotBody};

/// Every entity of the world as the protocol describes it, each list ordered by id.
pub fn snapshot_body(world: &mut World) -> SnapshotBody {
    let mut body = SnapshotBody::default();
    let mut ships = world.query::<(&NetEntity, &Ship, &Position, &Velocity, &Heading)>();
    body.ships.extend(ships.iter(world).map(|(id, ship, pos, vel, heading)| ShipState {
        id: id.0,
        owner: ship.owner,
        pos: pos.0,
        vel: vel.0,
        angle: heading.0,
        health: ship.health,
        thrusting: ship.thrusting,
        shielded: ship.shield_ticks > 0,
        respawn_in: ship.respawn_in,
    }));
    let mut bullets = world.query::<(&NetEntity, &Bullet, &Position, &Velocity)>();
    body.bullets.extend(bullets.iter(world).map(|(id, bullet, pos, vel)| BulletState {
        id: id.0,
        owner: bullet.owner,
        pos: pos.0,
        vel: vel.0,
    }));
    let mut asteroids = world.query::<(&NetEntity, &Asteroid, &Position, &Velocity)>();
    body.asteroids.extend(asteroids.iter(world).map(|(id, asteroid, pos, vel)| AsteroidState {
        id: id.0,
        size: asteroid.size,
        pos: pos.0,
        vel: vel.0,
    }));
    body.ships.sort_unstable_by_key(|s| s.id);
    body.bullets.sort_unstable_by_key(|b| b.id);
    body.asteroids.sort_unstable_by_key(|a| a.id);
    body
}
