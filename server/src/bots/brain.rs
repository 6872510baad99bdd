//! A bot's pilot: lifelike inputs from the latest snapshot — wander, chase, lead the target,
//! shoot when lined up, keep off the walls.

use bevy_math::Vec2;
use driftfire_shared::protocol::{InputFrame, PlayerId};
use driftfire_shared::sim::{SimConfig, SimRng};
use driftfire_shared::snapshot::Snapshot;

/// How far a bot looks for someone to fight (about one screen).
const ENGAGE_RANGE: f32 = 900.0;
/// Aim error (radians) under which a bot pulls the trigger.
const FIRE_CONE: f32 = 0.25;

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
        let (target, engaging) = match enemy {
            _ if near_wall => (Vec2::ZERO, false),
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
