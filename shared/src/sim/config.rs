//! Tuning of the game rules: every number the simulation uses, in seconds and world units,
//! converted once into per-tick values for the fixed `dt`.

use bevy_ecs::prelude::Resource;
use bevy_math::Vec2;

/// The rule set and its per-tick derivatives. Both server and client build it from the tick rate
/// the server announces, so prediction uses exactly the server's numbers.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Ticks per second.
    pub tick_hz: u16,
    /// Seconds per tick.
    pub dt: f32,
    /// Arena width and height; the arena is centred on the origin.
    pub arena: Vec2,

    /// Ship collision radius. Matches the drawn hull (a 36-unit triangle).
    pub ship_radius: f32,
    /// Hit points of a fresh ship.
    pub ship_max_health: u8,
    /// Fastest turn, rad/s: a half turn in ~0.5 s feels responsive yet makes aim a skill.
    pub ship_turn_rate: f32,
    /// Engine acceleration, units/s².
    pub ship_thrust: f32,
    /// Fraction of velocity kept after one second of coasting: ships drift, but settle.
    pub ship_drag_keep_per_s: f32,
    /// Speed cap, units/s: about a quarter of the arena width in a second.
    pub ship_max_speed: f32,
    /// Fraction of speed kept (reversed) when bouncing off the arena wall.
    pub wall_bounce: f32,

    /// Bullet speed relative to the ship, units/s: well above max ship speed so shots lead.
    pub bullet_speed: f32,
    /// Bullet life in ticks (1.1 s: a range of about 1,000 units, a screen's width).
    pub bullet_life_ticks: u16,
    /// Minimum ticks between shots (0.2 s → 5 shots/s).
    pub fire_cooldown_ticks: u16,
    /// Damage per bullet: four hits destroy a ship.
    pub bullet_damage: u8,
    /// Bullet collision radius.
    pub bullet_radius: f32,

    /// Ticks a destroyed ship waits before respawning (3 s).
    pub respawn_ticks: u16,
    /// Ticks of invulnerability after (re)spawning (2 s), so nobody is spawn-killed.
    pub spawn_shield_ticks: u16,

    /// Radius of an asteroid of size 1, 2, 3 (index 0 unused).
    pub asteroid_radius: [f32; 4],
    /// Number of large asteroids' worth of rock the field is topped up to.
    pub asteroid_target_mass: u32,
    /// Damage a ship takes from ramming an asteroid, per asteroid size.
    pub asteroid_ram_damage_per_size: u8,
    /// Points for a kill.
    pub score_per_kill: u32,
    /// Points for breaking an asteroid.
    pub score_per_asteroid: u32,
    /// Longest lag-compensation rewind, in ticks: 200 ms (Valve's Source caps near there), so
    /// a high-ping shooter cannot hit someone long behind cover.
    pub max_rewind_ticks: u8,
}

/// Default simulation rate. 30 Hz keeps bandwidth low; prediction and interpolation hide it.
pub const DEFAULT_TICK_HZ: u16 = 30;

impl SimConfig {
    /// The standard rules at `tick_hz` ticks per second.
    pub fn new(tick_hz: u16) -> Self {
        let tick_hz = tick_hz.max(1);
        let dt = 1.0 / f32::from(tick_hz);
        let ticks = |seconds: f32| (seconds * f32::from(tick_hz)).round().max(1.0) as u16;
        Self {
            tick_hz,
            dt,
            arena: Vec2::new(4000.0, 4000.0),
            ship_radius: 18.0,
            ship_max_health: 100,
            ship_turn_rate: 6.0,
            ship_thrust: 700.0,
            ship_drag_keep_per_s: 0.45,
            ship_max_speed: 520.0,
            wall_bounce: 0.5,
            bullet_speed: 950.0,
            bullet_life_ticks: ticks(1.1),
            fire_cooldown_ticks: ticks(0.2),
            bullet_damage: 25,
            bullet_radius: 3.0,
            respawn_ticks: ticks(3.0),
            spawn_shield_ticks: ticks(2.0),
            asteroid_radius: [0.0, 16.0, 32.0, 58.0],
            asteroid_target_mass: 22,
            asteroid_ram_damage_per_size: 12,
            score_per_kill: 100,
            score_per_asteroid: 10,
            max_rewind_ticks: ((0.2 * f32::from(tick_hz)).round() as usize).min(super::components::TRAIL_LEN - 1) as u8,
        }
    }

    /// The standard rules in a square arena of `side` units, with the asteroid field scaled
    /// to the area so density stays the same.
    pub fn with_arena_side(tick_hz: u16, side: f32) -> Self {
        let standard = Self::new(tick_hz);
        let scale = (side / standard.arena.x).powi(2);
        Self {
            arena: Vec2::splat(side),
            asteroid_target_mass: ((standard.asteroid_target_mass as f32 * scale).round() as u32).max(2),
            ..standard
        }
    }

    /// Half the arena size: the largest |x| and |y| of any centre.
    pub fn half_arena(&self) -> Vec2 {
        self.arena * 0.5
    }

    /// Velocity factor applied once per tick for drag.
    pub fn drag_keep_per_tick(&self) -> f32 {
        self.ship_drag_keep_per_s.powf(self.dt)
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self::new(DEFAULT_TICK_HZ)
    }
}
