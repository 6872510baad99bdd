//! The AI pilot's brain: lifelike inputs from the latest snapshot — wander, chase, lead the
//! target, shoot when lined up, keep off the walls, dodge rocks on a collision course, and flee
//! when badly hurt. Rooms fly their AI pilots with it (`room/pilots.rs`); the load-test swarm
//! ([`crate::bots`]) is one more client of it. It depends on nothing of the server but the
//! shared protocol and simulation types.

use bevy_math::Vec2;
use driftfire_shared::protocol::{InputFrame, PlayerId};
use driftfire_shared::sim::{SimConfig, SimRng};
use driftfire_shared::snapshot::{AsteroidState, Snapshot};

/// How far a bot looks for someone to fight (about one screen).
const ENGAGE_RANGE: f32 = 900.0;
/// Aim error (radians) under which a bot pulls the trigger.
const FIRE_CONE: f32 = 0.25;
/// Health under which a pilot flees instead of fighting (a third of full health: two or three
/// more hits).
const FLEE_HEALTH: u8 = 35;
/// How far ahead (seconds) a pilot checks whether a rock will hit it.
const ROCK_LOOKAHEAD: f32 = 1.2;
/// Clearance kept from a rock's edge, world units.
const ROCK_MARGIN: f32 = 40.0;

/// One bot's decision state.
pub struct Brain {
    me: PlayerId,
    rng: SimRng,
    wander_to: Vec2,
    seq: u32,
    /// Reaction noise: humans don't aim perfectly.
    aim_jitter: f32,
}

impl Brain {
    /// A pilot for player `me`; `seed` varies behaviour between bots.
    pub fn new(me: PlayerId, seed: u64) -> Self {
        let mut rng = SimRng::new(seed);
        let aim_jitter = rng.range(0.02, 0.15);
        Self { me, rng, wander_to: Vec2::ZERO, seq: 0, aim_jitter }
    }

    /// The next input given the newest snapshot (if any yet).
    pub fn decide(&mut self, cfg: &SimConfig, snapshot: Option<&Snapshot>) -> InputFrame {
        self.seq += 1;
        let mut frame = InputFrame { seq: self.seq, ..InputFrame::default() };
        let Some(snapshot) = snapshot else { return frame };
        // Bots act on the newest snapshot as is (no interpolation), so that is what they see.
        frame.view_tick = snapshot.tick as u32;
        let ships = &snapshot.body.ships;
        let Some(me) = ships.iter().find(|s| s.owner == self.me) else { return frame };
        if me.respawn_in.is_some() {
            return frame;
        }
        let half = cfg.half_arena();
        if self.rng.unit() < 0.01 || me.pos.distance(self.wander_to) < 150.0 {
            self.wander_to = Vec2::new(self.rng.range(-0.8, 0.8) * half.x, self.rng.range(-0.8, 0.8) * half.y);
        }
        let enemy = ships
            .iter()
            .filter(|s| s.owner != self.me && s.respawn_in.is_none())
            .map(|s| (s, s.pos.distance(me.pos)))
            .filter(|(_, d)| *d < ENGAGE_RANGE)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let near_wall = me.pos.abs().cmpgt(half - Vec2::splat(250.0)).any();
        let rock = incoming_rock(cfg, me.pos, me.vel, &snapshot.body.asteroids);
        let (target, engaging) = match enemy {
            _ if near_wall => (Vec2::ZERO, false),
            // A rock on a collision course: steer across its path, away from it.
            _ if rock.is_some() => {
                let away = me.pos - rock.unwrap_or(me.pos);
                (me.pos + Vec2::new(-away.y, away.x).normalize_or_zero() * 300.0 + away.normalize_or_zero() * 200.0, false)
            }
            // Hurt: break off and run from the nearest enemy.
            Some((ship, _)) if me.health < FLEE_HEALTH => (me.pos + (me.pos - ship.pos).normalize_or_zero() * 600.0, false),
            Some((ship, dist)) => {
                // Lead the target by the bullet's flight time.
                let flight = dist / cfg.bullet_speed;
                (ship.pos + (ship.vel - me.vel) * flight, true)
            }
            None => (self.wander_to, false),
        };
        let to_target = target - me.pos;
        let aim = to_target.y.atan2(to_target.x) + self.rng.range(-self.aim_jitter, self.aim_jitter);
        frame.aim = driftfire_shared::input::normalize_angle(aim);
        let facing_error = driftfire_shared::input::normalize_angle(frame.aim - me.angle).abs();
        frame.thrust = if engaging { to_target.length() > 350.0 && facing_error < 1.0 } else { facing_error < 0.6 };
        frame.fire = engaging && facing_error < FIRE_CONE;
        // Asteroid shooting when idle keeps bots busy and scoring.
        if !engaging && facing_error < FIRE_CONE {
            frame.fire = snapshot.body.asteroids.iter().any(|a| a.pos.distance(me.pos) < 500.0) && self.rng.unit() < 0.5;
        }
        frame
    }
}

/// The centre of the asteroid that will come within its radius (plus a margin) of the ship
/// in the next [`ROCK_LOOKAHEAD`] seconds, if any: the closest approach of two straight paths.
fn incoming_rock(cfg: &SimConfig, pos: Vec2, vel: Vec2, rocks: &[AsteroidState]) -> Option<Vec2> {
    rocks
        .iter()
        .filter_map(|rock| {
            let rel_pos = rock.pos - pos;
            let rel_vel = rock.vel - vel;
            let speed2 = rel_vel.length_squared();
            let t = if speed2 > 1e-3 { (-rel_pos.dot(rel_vel) / speed2).clamp(0.0, ROCK_LOOKAHEAD) } else { 0.0 };
            let closest = (rel_pos + rel_vel * t).length();
            let reach = cfg.asteroid_radius[usize::from(rock.size.clamp(1, 3))] + cfg.ship_radius + ROCK_MARGIN;
            (closest < reach).then_some((t, rock.pos))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, pos)| pos)
}

#[cfg(test)]
mod tests {
    use driftfire_shared::protocol::NetId;
    use driftfire_shared::snapshot::{ShipState, SnapshotBody};

    use super::*;

    fn ship(owner: u32, pos: Vec2, health: u8) -> ShipState {
        ShipState {
            id: NetId(owner),
            owner: PlayerId(owner),
            pos,
            vel: Vec2::ZERO,
            angle: 0.0,
            health,
            thrusting: false,
            shielded: false,
            respawn_in: None,
        }
    }

    fn decide(me: ShipState, others: Vec<ShipState>, rocks: Vec<AsteroidState>) -> InputFrame {
        let cfg = SimConfig::new(30);
        let mut ships = vec![me];
        ships.extend(others);
        let snapshot = Snapshot { tick: 10, last_input_seq: 0, body: SnapshotBody { ships, bullets: vec![], asteroids: rocks } };
        Brain::new(me.owner, 7).decide(&cfg, Some(&snapshot))
    }

    #[test]
    fn a_healthy_pilot_turns_toward_an_enemy_and_a_hurt_one_away() {
        let enemy = ship(2, Vec2::new(400.0, 0.0), 100);
        let fight = decide(ship(1, Vec2::ZERO, 100), vec![enemy], vec![]);
        assert!(fight.aim.abs() < 0.3, "aims at the enemy on +x: {}", fight.aim);
        let flee = decide(ship(1, Vec2::ZERO, 20), vec![enemy], vec![]);
        assert!(flee.aim.abs() > 2.8, "aims away, toward -x: {}", flee.aim);
        assert!(!flee.fire);
    }

    #[test]
    fn a_rock_on_a_collision_course_is_avoided() {
        let rock = AsteroidState { id: NetId(50), size: 3, pos: Vec2::new(300.0, 0.0), vel: Vec2::new(-300.0, 0.0) };
        assert!(incoming_rock(&SimConfig::new(30), Vec2::ZERO, Vec2::ZERO, &[rock]).is_some());
        let passing = AsteroidState { vel: Vec2::new(0.0, 300.0), pos: Vec2::new(300.0, -900.0), ..rock };
        assert!(incoming_rock(&SimConfig::new(30), Vec2::ZERO, Vec2::ZERO, &[passing]).is_none());
        let dodge = decide(ship(1, Vec2::ZERO, 100), vec![], vec![rock]);
        assert!(dodge.aim.abs() > 0.5, "does not fly at the rock: {}", dodge.aim);
    }
}
