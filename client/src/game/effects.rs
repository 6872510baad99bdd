//! Explosion particles: a burst where a ship is destroyed (the session's [`Killed`]) or an
//! asteroid breaks.

use bevy::prelude::*;

use super::render::player_color;
use super::sync::{Kind, ShipView, Smoothed, Vanished};
use crate::session::events::Killed;
use crate::state::{GameSet, Screen};

/// Cap on live particles, so a chain of explosions cannot cost frames.
const MAX_PARTICLES: usize = 2000;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Particles>();
    app.add_systems(OnExit(Screen::Playing), |mut particles: ResMut<Particles>| particles.0.clear());
    app.add_systems(Update, (spawn_bursts, simulate_and_draw).chain().in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

struct Particle {
    pos: Vec2,
    vel: Vec2,
    life: f32,
    max_life: f32,
    color: Color,
}

#[derive(Resource, Default)]
struct Particles(Vec<Particle>, u32);

impl Particles {
    fn burst(&mut self, at: Vec2, count: usize, speed: f32, color: Color) {
        for _ in 0..count {
            if self.0.len() >= MAX_PARTICLES {
                return;
            }
            self.1 = self.1.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let angle = (self.1 >> 8) as f32 / (1u32 << 24) as f32 * std::f32::consts::TAU;
            let r = ((self.1 >> 4) & 0xFF) as f32 / 255.0;
            let life = 0.4 + 0.6 * r;
            self.0.push(Particle { pos: at, vel: Vec2::from_angle(angle) * speed * (0.3 + r), life, max_life: life, color });
        }
    }
}

fn spawn_bursts(
    mut particles: ResMut<Particles>,
    mut vanished: MessageReader<Vanished>,
    mut killed: MessageReader<Killed>,
    ships: Query<(&ShipView, &Smoothed)>,
) {
    for v in vanished.read() {
        if v.kind == Kind::Asteroid {
            particles.burst(v.pos, 10 + 8 * usize::from(v.size), 120.0, Color::srgb(0.75, 0.68, 0.6));
        }
    }
    for Killed { victim, .. } in killed.read() {
        if let Some((_, smoothed)) = ships.iter().find(|(view, _)| view.0.owner == *victim) {
            particles.burst(smoothed.pos, 60, 260.0, player_color(*victim));
            particles.burst(smoothed.pos, 30, 120.0, Color::srgb(1.0, 0.8, 0.4));
        }
    }
}

fn simulate_and_draw(time: Res<Time>, mut particles: ResMut<Particles>, mut gizmos: Gizmos) {
    let dt = time.delta_secs();
    particles.0.retain_mut(|p| {
        p.life -= dt;
        p.pos += p.vel * dt;
        p.vel *= 1.0 - 1.5 * dt;
        p.life > 0.0
    });
    for p in &particles.0 {
        let alpha = p.life / p.max_life;
        gizmos.line_2d(p.pos, p.pos - p.vel * 0.03, p.color.with_alpha(alpha));
    }
}
