//! Components and resources of the simulated world.

use bevy_ecs::prelude::*;
use bevy_math::Vec2;

use crate::input::ValidInput;
use crate::protocol::{NetId, PlayerId};

/// Identity of an entity on the wire.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetEntity(pub NetId);

/// Centre in world units.
#[derive(Component, Clone, Copy, Debug, PartialEq, Default)]
pub struct Position(pub Vec2);

/// World units per second.
#[derive(Component, Clone, Copy, Debug, PartialEq, Default)]
pub struct Velocity(pub Vec2);

/// Facing in radians (0 = +x, counter-clockwise).
#[derive(Component, Clone, Copy, Debug, PartialEq, Default)]
pub struct Heading(pub f32);

/// Radius for circle collisions.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Collider(pub f32);

/// A player's ship. It exists for as long as its pilot is in the room, also while destroyed.
#[derive(Component, Clone, Debug, PartialEq)]
pub struct Ship {
    /// Pilot.
    pub owner: PlayerId,
    /// Hit points; 0 means destroyed.
    pub health: u8,
    /// Ticks until the gun may fire again.
    pub fire_cooldown: u16,
    /// `Some(ticks)` while destroyed and waiting to respawn.
    pub respawn_in: Option<u16>,
    /// Ticks of spawn protection left.
    pub shield_ticks: u16,
    /// Whoever damaged the ship last, for kill credit.
    pub last_attacker: Option<PlayerId>,
    /// Engine on during the last tick.
    pub thrusting: bool,
}

impl Ship {
    /// Whether the ship is in play (not waiting to respawn).
    pub fn is_alive(&self) -> bool {
        self.respawn_in.is_none()
    }
}

/// The controls currently applied to a ship (the pilot's newest valid input).
#[derive(Component, Clone, Copy, Debug, PartialEq, Default)]
pub struct ShipControl(pub ValidInput);

/// A pilot's tally. Lives on the ship entity so it survives respawns.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Score {
    /// Points.
    pub score: u32,
    /// Ships destroyed.
    pub kills: u32,
    /// Times destroyed.
    pub deaths: u32,
}

/// A bullet in flight.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Bullet {
    /// Who fired it (never hurts its owner).
    pub owner: PlayerId,
    /// Ticks until it fizzles.
    pub ticks_left: u16,
    /// Lag compensation: the bullet is tested against ships where they were this many ticks
    /// ago, i.e. where its shooter saw them (from the firing input's `rewind_ticks`).
    pub rewind_ticks: u8,
}

/// Ticks of position history kept per ship for lag compensation; must exceed
/// `SimConfig::max_rewind_ticks` at any supported tick rate (200 ms at up to 60 Hz is 12).
pub const TRAIL_LEN: usize = 16;

/// Where a ship was over the last [`TRAIL_LEN`] ticks, newest first (index 0 = this tick).
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct ShipTrail(pub [Vec2; TRAIL_LEN]);

impl ShipTrail {
    /// A trail that has been standing at `pos` forever.
    pub fn at(pos: Vec2) -> Self {
        Self([pos; TRAIL_LEN])
    }

    /// Where the ship was `ticks_ago` ticks ago (clamped to the oldest entry).
    pub fn ago(&self, ticks_ago: u8) -> Vec2 {
        self.0[usize::from(ticks_ago).min(TRAIL_LEN - 1)]
    }

    /// Largest distance between the newest position and any older one: how far a rewound
    /// hit test can be from where the ship is now.
    pub fn reach(&self) -> f32 {
        self.0.iter().map(|p| p.distance(self.0[0])).fold(0.0, f32::max)
    }

    /// Records this tick's position.
    pub fn push(&mut self, pos: Vec2) {
        self.0.copy_within(0..TRAIL_LEN - 1, 1);
        self.0[0] = pos;
    }
}

/// A drifting rock; size 3 splits into two of size 2, which split into two of size 1.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Asteroid {
    /// 1 (small) ..= 3 (large).
    pub size: u8,
}

/// The current simulation tick; advanced at the end of every schedule run.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SimTick(pub u64);

/// Hands out [`NetId`]s in spawn order, so ids are deterministic too.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct NetIdAllocator(pub u32);

impl NetIdAllocator {
    /// A fresh id.
    pub fn allocate(&mut self) -> NetId {
        self.0 = self.0.wrapping_add(1);
        NetId(self.0)
    }
}

/// Something that happened during the last tick, for the server to broadcast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SimEvent {
    /// A ship was destroyed.
    ShipDestroyed {
        /// Who gets the credit; `None` for an asteroid.
        killer: Option<PlayerId>,
        /// The destroyed ship's pilot.
        victim: PlayerId,
    },
    /// An asteroid broke up.
    AsteroidDestroyed {
        /// Where.
        pos: Vec2,
        /// Its size before breaking.
        size: u8,
    },
}

/// Events of the last tick; cleared at the start of each tick.
#[derive(Resource, Clone, Debug, Default)]
pub struct SimEvents(pub Vec<SimEvent>);
