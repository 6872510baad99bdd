//! What a snapshot holds, in both directions: the server reads its world straight into the
//! wire's integer grid ([`read_world`]), and a client turns each [`SnapshotFrame`] back into a
//! [`Snapshot`] of ships, bullets and asteroids in world units ([`SnapshotReader`]). The client,
//! the bots and the tests all decode through the one reader.

use bevy_ecs::prelude::*;
use bevy_math::Vec2;
use serde::{Deserialize, Serialize};

use crate::delta::{DeltaDecoder, DeltaError, EntityKind, GridEntity};
use crate::protocol::{NetId, PlayerId, SnapshotFrame};
use crate::sim::quantize::*;
use crate::sim::{Asteroid, Bullet, Heading, NetEntity, Position, Ship, Velocity};

/// Turns one connection's snapshot frames into [`Snapshot`]s. Each frame is a delta against the
/// previous one, so every frame of the connection must pass through the same reader, in order.
#[derive(Debug, Clone)]
pub struct SnapshotReader {
    decoder: DeltaDecoder,
}

impl SnapshotReader {
    /// A reader for a stream at `tick_hz` (from Welcome); the first frame must be full.
    pub fn new(tick_hz: u16) -> Self {
        Self { decoder: DeltaDecoder::new(tick_hz) }
    }

    /// Forgets the baseline: every Welcome (a resume, a new room) starts a new delta stream.
    pub fn reset(&mut self, tick_hz: u16) {
        *self = Self::new(tick_hz);
    }

    /// Decodes the next frame. An error means client and server disagree about the stream:
    /// the connection has to start over.
    pub fn apply(&mut self, frame: &SnapshotFrame) -> Result<Snapshot, DeltaError> {
        let entities = self.decoder.decode_frame(frame.tick, frame.base_age, &frame.delta)?;
        Ok(Snapshot { tick: frame.tick, last_input_seq: frame.last_input_seq, body: SnapshotBody::from_grid(&entities) })
    }
}

/// Every entity of `world` on the wire's grid, sorted by id, into `out` (cleared first). The
/// world is already snapped to the grid at the end of each tick, so this is exact.
pub fn read_world(world: &mut World, out: &mut Vec<GridEntity>) {
    out.clear();
    let grid = |p: Vec2| [quantize_pos(p.x), quantize_pos(p.y)];
    let grid_vel = |v: Vec2| [quantize_vel(v.x), quantize_vel(v.y)];
    let mut ships = world.query::<(&NetEntity, &Ship, &Position, &Velocity, &Heading)>();
    out.extend(ships.iter(world).map(|(id, ship, pos, vel, heading)| GridEntity {
        pos: grid(pos.0),
        vel: grid_vel(vel.0),
        angle: quantize_angle(heading.0),
        owner: ship.owner.0,
        health: ship.health,
        thrusting: ship.thrusting,
        shielded: ship.shield_ticks > 0,
        respawn_in: ship.respawn_in,
        ..GridEntity::blank(id.0.0, EntityKind::Ship)
    }));
    let mut bullets = world.query::<(&NetEntity, &Bullet, &Position, &Velocity)>();
    out.extend(bullets.iter(world).map(|(id, bullet, pos, vel)| GridEntity {
        pos: grid(pos.0),
        vel: grid_vel(vel.0),
        owner: bullet.owner.0,
        ..GridEntity::blank(id.0.0, EntityKind::Bullet)
    }));
    let mut asteroids = world.query::<(&NetEntity, &Asteroid, &Position, &Velocity)>();
    out.extend(asteroids.iter(world).map(|(id, asteroid, pos, vel)| GridEntity {
        pos: grid(pos.0),
        vel: grid_vel(vel.0),
        size: asteroid.size,
        ..GridEntity::blank(id.0.0, EntityKind::Asteroid)
    }));
    out.sort_unstable_by_key(|e| e.id);
}

/// A decoded snapshot: the state around one client at one tick.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Snapshot {
    /// Simulation tick this state belongs to.
    pub tick: u64,
    /// Newest [`InputFrame::seq`](crate::protocol::InputFrame::seq) of yours applied up to this tick (0 before the first).
    pub last_input_seq: u32,
    /// Every entity in and near your view.
    pub body: SnapshotBody,
}

/// The entity lists of a snapshot.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct SnapshotBody {
    /// All ships, alive or waiting to respawn.
    pub ships: Vec<ShipState>,
    /// All bullets in flight.
    pub bullets: Vec<BulletState>,
    /// All asteroids.
    pub asteroids: Vec<AsteroidState>,
}

/// A ship on the wire.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct ShipState {
    /// Entity id.
    pub id: NetId,
    /// Pilot.
    pub owner: PlayerId,
    /// Centre, world units.
    pub pos: Vec2,
    /// World units per second.
    pub vel: Vec2,
    /// Facing, radians.
    pub angle: f32,
    /// 0..=100.
    pub health: u8,
    /// Engine on this tick (for the flame).
    pub thrusting: bool,
    /// Spawn protection active: bullets and rocks do no damage.
    pub shielded: bool,
    /// `Some(ticks)` while destroyed and waiting to respawn.
    pub respawn_in: Option<u16>,
}

/// A bullet on the wire.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct BulletState {
    /// Entity id.
    pub id: NetId,
    /// Who fired it.
    pub owner: PlayerId,
    /// Centre, world units.
    pub pos: Vec2,
    /// World units per second.
    pub vel: Vec2,
}

/// An asteroid on the wire.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct AsteroidState {
    /// Entity id.
    pub id: NetId,
    /// 1 (small) ..= 3 (large).
    pub size: u8,
    /// Centre, world units.
    pub pos: Vec2,
    /// World units per second.
    pub vel: Vec2,
}

impl SnapshotBody {
    /// The grid form of every entity, by id (what an encoder takes).
    pub fn to_grid(&self) -> Vec<GridEntity> {
        let body = self;
        let blank = |id: NetId, kind| GridEntity::blank(id.0, kind);
        let grid = |p: Vec2| [quantize_pos(p.x), quantize_pos(p.y)];
        let grid_vel = |v: Vec2| [quantize_vel(v.x), quantize_vel(v.y)];
        let mut out = Vec::with_capacity(body.ships.len() + body.bullets.len() + body.asteroids.len());
        out.extend(body.ships.iter().map(|s| GridEntity {
            pos: grid(s.pos),
            vel: grid_vel(s.vel),
            angle: quantize_angle(s.angle),
            owner: s.owner.0,
            health: s.health,
            thrusting: s.thrusting,
            shielded: s.shielded,
            respawn_in: s.respawn_in,
            ..blank(s.id, EntityKind::Ship)
        }));
        out.extend(body.bullets.iter().map(|b| GridEntity {
            pos: grid(b.pos),
            vel: grid_vel(b.vel),
            owner: b.owner.0,
            ..blank(b.id, EntityKind::Bullet)
        }));
        out.extend(body.asteroids.iter().map(|a| GridEntity {
            pos: grid(a.pos),
            vel: grid_vel(a.vel),
            size: a.size,
            ..blank(a.id, EntityKind::Asteroid)
        }));
        out.sort_unstable_by_key(|e| e.id);
        out
    }

    /// The game's form of grid entities.
    pub fn from_grid(entities: &[GridEntity]) -> Self {
        let mut body = SnapshotBody::default();
        let pos = |e: &GridEntity| Vec2::new(pos_from_steps(e.pos[0]), pos_from_steps(e.pos[1]));
        let vel = |e: &GridEntity| Vec2::new(vel_from_steps(e.vel[0]), vel_from_steps(e.vel[1]));
        for e in entities {
            match e.kind {
                EntityKind::Ship => body.ships.push(ShipState {
                    id: NetId(e.id),
                    owner: PlayerId(e.owner),
                    pos: pos(e),
                    vel: vel(e),
                    angle: angle_from_steps(e.angle),
                    health: e.health,
                    thrusting: e.thrusting,
                    shielded: e.shielded,
                    respawn_in: e.respawn_in,
                }),
                EntityKind::Bullet => {
                    body.bullets.push(BulletState { id: NetId(e.id), owner: PlayerId(e.owner), pos: pos(e), vel: vel(e) })
                }
                EntityKind::Asteroid => body.asteroids.push(AsteroidState { id: NetId(e.id), size: e.size, pos: pos(e), vel: vel(e) }),
            }
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::{Budget, DeltaEncoder};
    use crate::input::ValidInput;
    use crate::sim::{ShipControl, SimConfig, build_schedule, new_world, seed_asteroids, spawn_ship};

    #[test]
    fn the_reader_gives_back_exactly_the_world_the_server_read() {
        let mut world = new_world(SimConfig::default(), 7);
        seed_asteroids(&mut world);
        let mut schedule = build_schedule();
        let ships = [spawn_ship(&mut world, PlayerId(1)), spawn_ship(&mut world, PlayerId(2))];
        let mut encoder = DeltaEncoder::new(30);
        let mut reader = SnapshotReader::new(30);
        let mut entities = Vec::new();
        for tick in 0..90u64 {
            for (n, ship) in ships.iter().enumerate() {
                let input = ValidInput { aim: tick as f32 * 0.1 + n as f32, thrust: tick % 3 != 0, fire: tick % 4 == 0, rewind_ticks: 0 };
                world.get_mut::<ShipControl>(*ship).unwrap().0 = input;
            }
            schedule.run(&mut world);
            read_world(&mut world, &mut entities);
            let (delta, _) = encoder.encode(&entities, &Budget::UNLIMITED);
            let snapshot = reader.apply(&SnapshotFrame { tick, last_input_seq: 3, base_age: 1, delta }).unwrap();
            assert_eq!((snapshot.tick, snapshot.last_input_seq), (tick, 3));
            assert_eq!(snapshot.body.to_grid(), entities, "tick {tick}");
            // The world is on the grid, so world units come back bit for bit.
            let mut ships_in_world = world.query::<(&NetEntity, &Position, &Heading)>();
            for state in &snapshot.body.ships {
                let (_, pos, heading) = ships_in_world.iter(&world).find(|(id, ..)| id.0 == state.id).unwrap();
                assert_eq!((state.pos, state.angle), (pos.0, heading.0));
            }
        }
        // The run exercised every kind of entity.
        assert!(entities.iter().any(|e| e.kind == EntityKind::Bullet) && entities.iter().any(|e| e.kind == EntityKind::Asteroid));
    }

    #[test]
    fn a_reset_reader_expects_a_full_frame_again() {
        let mut encoder = DeltaEncoder::new(30);
        let mut reader = SnapshotReader::new(30);
        let ship = GridEntity { pos: [80, 80], ..GridEntity::blank(1, EntityKind::Ship) };
        let (full, _) = encoder.encode(&[ship], &Budget::UNLIMITED);
        reader.apply(&SnapshotFrame { tick: 1, last_input_seq: 0, base_age: 0, delta: full.clone() }).unwrap();
        reader.reset(30);
        let snapshot = reader.apply(&SnapshotFrame { tick: 2, last_input_seq: 0, base_age: 0, delta: full }).unwrap();
        assert_eq!(snapshot.body.ships.len(), 1);
    }
}
