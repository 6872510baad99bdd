//! Drawing the arena as glowing vector lines: a parallax starfield, the arena wall, asteroids,
//! ships with flames, shields, hit flashes, health bars and name labels, bullets, and the
//! particles and flashes of [`super::effects`]. Everything is lines in [`Lines`] (one mesh, one
//! draw call, nothing to spawn) and nothing here allocates per frame.

use std::f32::consts::TAU;

use bevy::prelude::*;
use driftfire_shared::protocol::PlayerId;
use driftfire_shared::sim::heading_dir;

use super::camera::place_camera;
use super::effects::{BLAST_SECS, Effects, MUZZLE_SECS, NOSE, Shape, ShipFeel, Tint, engine_on};
use super::input::InputClock;
use super::lines::Lines;
use super::sync::{AsteroidView, BulletView, MyShip, NetObject, ShipView, Smoothed};
use crate::session::Session;
use crate::session::roster::Roster;
use crate::state::{GameSet, Screen};
use crate::ui::kit::written::{Labels, WrittenText};

/// Stars per parallax layer tile, and the layers' depth factors (fraction of camera motion
/// they follow: smaller is farther away).
const STARS_PER_TILE: usize = 60;
const STAR_LAYERS: [f32; 3] = [0.15, 0.35, 0.6];
const STAR_TILE: f32 = 1200.0;
/// World units past the view's edge a star is still drawn (more than a star's length and the
/// line's width, so none pops at the border).
const STAR_MARGIN: f32 = 8.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (name_ships, draw_starfield, draw_arena, draw_asteroids, draw_ships, draw_bullets, draw_effects)
            .in_set(GameSet::Present)
            .after(place_camera)
            .run_if(in_state(Screen::Playing)),
    );
    // The title screens get a slowly drifting starfield too.
    app.add_systems(Update, draw_starfield.run_if(not(in_state(Screen::Playing))));
}

/// Deterministic hash → [0, 1) for procedural detail.
fn hash01(a: u32, b: u32) -> f32 {
    let mut x = a.wrapping_mul(0x9E37_79B1) ^ b.wrapping_mul(0x85EB_CA77);
    x ^= x >> 15;
    x = x.wrapping_mul(0x2C1B_3C6D);
    x ^= x >> 12;
    (x >> 8) as f32 / (1u32 << 24) as f32
}

fn draw_starfield(mut lines: ResMut<Lines>, time: Res<Time>, camera: Single<(&Transform, &Projection), With<Camera2d>>) {
    let (transform, projection) = *camera;
    let Projection::Orthographic(projection) = projection else { return };
    let eye = transform.translation.truncate();
    let cam = eye + Vec2::new(time.elapsed_secs() * 6.0, 0.0);
    for (layer, depth) in STAR_LAYERS.iter().enumerate() {
        let shifted = cam * *depth;
        // Only the stars in view (3×3 whole tiles were 1,620 lines a frame, of which the view
        // holds ~120: the rest cost vertices and CPU). In layer space the view is `area` around
        // `shifted`.
        let view = Rect::from_corners(projection.area.min + shifted, projection.area.max + shifted).inflate(STAR_MARGIN);
        let brightness = 0.25 + 0.25 * layer as f32;
        let size = 0.8 + layer as f32 * 0.7;
        stars_in_view(view, layer, |in_layer| {
            let world = in_layer - shifted + eye;
            lines.line(world, world + Vec2::new(size, 0.0), Color::srgba(0.8, 0.85, 1.0, brightness));
        });
    }
}

/// Calls `star` with each star of a parallax `layer` inside `view` (in that layer's space): the
/// layer is tiles of [`STARS_PER_TILE`] stars placed by a hash of the tile, so it is endless.
fn stars_in_view(view: Rect, layer: usize, mut star: impl FnMut(Vec2)) {
    let first = (view.min / STAR_TILE).floor().as_ivec2();
    let last = (view.max / STAR_TILE).floor().as_ivec2();
    for tile_x in first.x..=last.x {
        for tile_y in first.y..=last.y {
            let seed = (tile_x as u32).wrapping_mul(73_856_093) ^ (tile_y as u32).wrapping_mul(19_349_663) ^ layer as u32;
            for i in 0..STARS_PER_TILE as u32 {
                let local = Vec2::new(hash01(seed, i * 2), hash01(seed, i * 2 + 1)) * STAR_TILE;
                let in_layer = Vec2::new(tile_x as f32, tile_y as f32) * STAR_TILE + local;
                if view.contains(in_layer) {
                    star(in_layer);
                }
            }
        }
    }
}

fn draw_arena(mut lines: ResMut<Lines>, session: Option<Res<Session>>) {
    let Some(session) = session else { return };
    lines.rect(Vec2::ZERO, session.arena, Color::srgb(0.9, 0.25, 0.35));
    // A faint grid so your own motion reads even in empty space.
    let half = session.arena / 2.0;
    let grid = Color::srgba(0.3, 0.45, 0.7, 0.12);
    let step = 250.0;
    let mut x = -half.x + step;
    while x < half.x {
        lines.line(Vec2::new(x, -half.y), Vec2::new(x, half.y), grid);
        x += step;
    }
    let mut y = -half.y + step;
    while y < half.y {
        lines.line(Vec2::new(-half.x, y), Vec2::new(half.x, y), grid);
        y += step;
    }
}

fn draw_asteroids(mut lines: ResMut<Lines>, time: Res<Time>, asteroids: Query<(&NetObject, &Smoothed, &AsteroidView)>) {
    let radii = [0.0, 16.0, 32.0, 58.0];
    for (object, smoothed, asteroid) in &asteroids {
        let id = object.id.0;
        let radius = radii[usize::from(asteroid.size.clamp(1, 3))];
        let corners = 9 + (id % 4) as usize;
        let spin = (hash01(id, 99) - 0.5) * 1.2 * time.elapsed_secs();
        let points = (0..=corners).map(|i| {
            let k = i % corners;
            let angle = k as f32 / corners as f32 * TAU + spin;
            let r = radius * (0.78 + 0.3 * hash01(id, k as u32));
            smoothed.pos + Vec2::from_angle(angle) * r
        });
        lines.strip(points, ROCK);
    }
}

/// Hull outline of a ship facing `angle` at `pos`.
fn hull(pos: Vec2, angle: f32) -> [Vec2; 5] {
    let rot = Rot2::radians(angle);
    let p = |x: f32, y: f32| pos + rot * Vec2::new(x, y);
    [p(22.0, 0.0), p(-14.0, 14.0), p(-8.0, 0.0), p(-14.0, -14.0), p(22.0, 0.0)]
}

/// Sparks, fire and the hot core of flames.
const HOT: Color = Color::srgb(1.0, 0.9, 0.55);
/// The outer flame.
const FLAME: Color = Color::srgb(1.0, 0.55, 0.15);
/// Asteroids and their dust.
const ROCK: Color = Color::srgb(0.72, 0.66, 0.58);
/// A ship's name's em, world units (~14 px at the usual zoom).
const NAME_TAG_EM: f32 = 14.0;

fn draw_ships(
    mut lines: ResMut<Lines>,
    mut labels: Option<ResMut<Labels>>,
    written: Option<Res<WrittenText>>,
    time: Res<Time>,
    input: Res<InputClock>,
    ships: Query<(&Smoothed, &ShipView, Option<&ShipFeel>, Option<&ShipName>, Has<MyShip>)>,
) {
    for (smoothed, view, feel, name, mine) in &ships {
        let ship = view.0;
        if ship.respawn_in.is_some() {
            continue;
        }
        let flash = feel.map_or(0.0, |f| f.flash);
        let color = player_color(ship.owner);
        lines.strip(hull(smoothed.pos, smoothed.angle), whiten(color, flash));
        if flash > 0.0 {
            lines.circle(smoothed.pos, 24.0 + 6.0 * (1.0 - flash), Color::srgba(1.0, 1.0, 1.0, 0.8 * flash));
        }
        if mine {
            lines.circle(smoothed.pos, 30.0, color.with_alpha(0.25));
        }
        if engine_on(&ship, mine, &input) {
            draw_flame(&mut lines, smoothed, time.elapsed_secs() * 40.0 + ship.id.0 as f32);
        }
        if ship.shielded {
            let pulse = 0.35 + 0.25 * (time.elapsed_secs() * 6.0).sin();
            lines.circle(smoothed.pos, 28.0, Color::srgba(0.5, 0.9, 1.0, pulse));
        }
        // Health bar under the ship.
        let width = 40.0;
        let left = smoothed.pos + Vec2::new(-width / 2.0, -34.0);
        let fraction = f32::from(ship.health) / 100.0;
        lines.line(left, left + Vec2::X * width, Color::srgba(1.0, 1.0, 1.0, 0.15));
        let health_color = Color::hsl(120.0 * fraction, 0.9, 0.5);
        lines.line(left, left + Vec2::X * width * fraction, health_color);
        if let Some(name) = name {
            // The name above the ship, in its colour, a little lighter: by the text engine, or
            // the stroke font on a machine without fonts.
            let (at, color) = (smoothed.pos + Vec2::new(0.0, 30.0), color.lighter(0.15));
            match (&written, labels.as_deref_mut()) {
                (Some(written), Some(labels)) if written.available() => labels.text(at, &name.0, NAME_TAG_EM, color),
                _ => lines.text(at, &name.0, NAME_TAG_EM, color),
            }
        }
    }
}

/// A flickering two-layer flame behind the hull: an orange cone and a hot core.
fn draw_flame(lines: &mut Lines, ship: &Smoothed, phase: f32) {
    let dir = heading_dir(ship.angle);
    let rot = Rot2::radians(ship.angle);
    let back = ship.pos - dir * 9.0;
    let flicker = 0.5 + 0.5 * phase.sin() * (phase * 0.37).cos();
    let tip = back - dir * (15.0 + 10.0 * flicker);
    lines.line(back + rot * Vec2::new(0.0, 6.0), tip, FLAME);
    lines.line(back + rot * Vec2::new(0.0, -6.0), tip, FLAME);
    lines.line(back, back - dir * (8.0 + 6.0 * flicker), HOT);
}

fn draw_bullets(mut lines: ResMut<Lines>, bullets: Query<(&Smoothed, &BulletView)>) {
    for (smoothed, bullet) in &bullets {
        let tail = smoothed.pos - smoothed.vel.normalize_or_zero() * 10.0;
        lines.line(tail, smoothed.pos, player_color(bullet.owner).lighter(0.2));
    }
}

/// `color` a `fraction` of the way to white (in sRGB: mixing in HSL would drift the hue).
fn whiten(color: Color, fraction: f32) -> Color {
    Color::Srgba(color.to_srgba().mix(&Srgba::WHITE, fraction))
}

/// What an effects tint looks like, at `alpha`.
fn tint_color(tint: Tint, alpha: f32, age: f32) -> Color {
    match tint {
        Tint::Player(id) => whiten(player_color(id), 0.4 * (1.0 - age)).with_alpha(alpha),
        Tint::Hot => HOT.with_alpha(alpha),
        Tint::Rock => ROCK.with_alpha(alpha),
        Tint::Exhaust => FLAME.mix(&Color::srgb(0.8, 0.15, 0.05), age).with_alpha(alpha * 0.8),
    }
}

/// Particles, explosion rings and muzzle flashes.
fn draw_effects(mut lines: ResMut<Lines>, effects: Res<Effects>, ships: Query<&Smoothed>) {
    for p in effects.particles() {
        let left = p.life / p.max_life;
        let color = tint_color(p.tint, left, 1.0 - left);
        match p.shape {
            Shape::Spark => lines.line(p.pos, p.pos - p.vel * 0.03, color),
            Shape::Puff => lines.line(p.pos, p.pos - p.vel * 0.025, color),
            Shape::Debris { len } => {
                let half = Vec2::from_angle(p.angle) * len / 2.0;
                lines.line(p.pos - half, p.pos + half, color);
            }
        }
    }
    for blast in effects.blasts() {
        let t = blast.age / BLAST_SECS;
        let grown = 1.0 - (1.0 - t) * (1.0 - t);
        lines.circle(blast.pos, 12.0 + 80.0 * grown, tint_color(blast.tint, 1.0 - t, t));
        lines.circle(blast.pos, 6.0 + 40.0 * grown, HOT.with_alpha((1.0 - t) * 0.8));
    }
    for muzzle in effects.muzzles() {
        let Ok(ship) = ships.get(muzzle.ship) else { continue };
        let strength = muzzle.left / MUZZLE_SECS;
        let dir = heading_dir(ship.angle);
        let nose = ship.pos + dir * NOSE;
        let color = HOT.with_alpha(strength);
        for spread in [-0.5f32, 0.0, 0.5] {
            let reach = if spread == 0.0 { 14.0 } else { 8.0 };
            lines.line(nose, nose + Rot2::radians(spread) * dir * reach * (0.5 + 0.5 * strength), color);
        }
    }
}

/// The name a ship shows above it, taken from the roster when the ship appears (so drawing it
/// allocates nothing).
#[derive(Component)]
struct ShipName(String);

fn name_ships(
    mut commands: Commands,
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    new_ships: Query<(Entity, &ShipView), Added<ShipView>>,
) {
    if session.is_none() {
        return;
    }
    for (entity, view) in &new_ships {
        commands.entity(entity).insert(ShipName(roster.name_of(view.0.owner)));
    }
}

/// A player's colour: hues spread by the golden angle so neighbours' ids look different.
pub fn player_color(id: PlayerId) -> Color {
    let hue = (id.0 as f32 * 137.508) % 360.0;
    Color::hsl(hue, 0.85, 0.62)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every star of the nine tiles around a view that falls inside it, the way the starfield
    /// was drawn before it was culled.
    fn stars_by_brute_force(view: Rect, layer: usize) -> Vec<Vec2> {
        let centre = (view.center() / STAR_TILE).floor().as_ivec2();
        let mut stars = Vec::new();
        for tile_x in centre.x - 2..=centre.x + 2 {
            for tile_y in centre.y - 2..=centre.y + 2 {
                let tile = Rect::from_corners(
                    Vec2::new(tile_x as f32, tile_y as f32) * STAR_TILE,
                    Vec2::new(tile_x as f32 + 1.0, tile_y as f32 + 1.0) * STAR_TILE,
                );
                stars_in_view(tile, layer, |star| stars.push(star));
            }
        }
        stars.retain(|star| view.contains(*star));
        stars
    }

    #[test]
    fn the_starfield_draws_exactly_the_stars_in_view() {
        for (centre, layer) in [(Vec2::ZERO, 0), (Vec2::new(1799.0, -600.5), 1), (Vec2::new(-5000.0, 12_345.0), 2)] {
            let view = Rect::from_center_size(centre, Vec2::new(1600.0, 900.0));
            let mut drawn = Vec::new();
            stars_in_view(view, layer, |star| drawn.push(star));
            let mut expected = stars_by_brute_force(view, layer);
            let key = |v: &Vec2| (v.x.to_bits(), v.y.to_bits());
            drawn.sort_by_key(key);
            expected.sort_by_key(key);
            assert_eq!(drawn, expected, "view around {centre}");
            // A 1600×900 view holds about its share of the stars (60 per 1200×1200 tile), not
            // the ~540 of the tiles it touches.
            assert!((40..=160).contains(&drawn.len()), "{} stars in view around {centre}", drawn.len());
        }
    }
}
