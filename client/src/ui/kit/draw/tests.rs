//! The UI painter's geometry: boxes, strokes, text placement, and its systems' queries.

use super::*;

#[test]
fn a_rounded_box_is_a_fan_a_ring_and_fading_edges() {
    let mut painter = Painter::new(Vec2::new(200.0, 100.0), 1.0);
    let rect = Rect::new(10.0, 10.0, 110.0, 50.0);
    painter.rounded_box(rect, 8.0, Color::WHITE, 2.0, Color::BLACK);
    let ring = 4 * (CORNER_SEGMENTS + 1);
    // Fill: centre + contour + fringe; border: ring pairs + fringe.
    assert_eq!(painter.positions.len(), 1 + ring + 2 * ring + 2 * ring + 2 * ring);
    assert!(painter.indices.iter().all(|&i| (i as usize) < painter.positions.len()));
    // The centre of the box is the centre of the window's left half, y up.
    assert_eq!(painter.positions[0], [60.0 - 100.0, 50.0 - 30.0, 0.0]);
    // Nothing reaches past the box by more than the fading edge.
    for [x, y, _] in &painter.positions {
        let (x, y) = (x + 100.0, 50.0 - y);
        assert!((9.0 - 1e-3..=111.0 + 1e-3).contains(&x) && (9.0 - 1e-3..=51.0 + 1e-3).contains(&y), "({x}, {y})");
    }
}

#[test]
fn a_stroke_is_one_quad_its_edges_marked_for_the_shader() {
    let mut painter = Painter::new(Vec2::new(200.0, 100.0), 1.0);
    painter.stroke(Vec2::new(100.0, 50.0), Vec2::new(110.0, 50.0), 2.0, [1.0; 4]);
    assert_eq!(painter.indices.len(), 6);
    assert_eq!(painter.across, [[0.0, -1.0], [0.0, 1.0], [0.0, 1.0], [0.0, -1.0]]);
    // Square ends (a half width past each point), a pixel and a half each side of the line.
    let xs: Vec<f32> = painter.positions.iter().map(|p| p[0]).collect();
    let ys: Vec<f32> = painter.positions.iter().map(|p| p[1].abs()).collect();
    assert_eq!(xs, [-1.0, -1.0, 11.0, 11.0]);
    assert_eq!(ys, [1.5; 4]);
}

#[test]
fn the_drawing_system_s_queries_do_not_conflict() {
    use bevy::ecs::system::RunSystemOnce;
    // Bevy checks a system's parameters for conflicting access when it first runs it, and
    // panics (headless tests do not add this plugin, so this is where it is checked); the
    // empty world's missing resources only make the run fail.
    let mut world = World::new();
    let _ = world.run_system_once(draw_ui);
}

#[test]
fn an_invisible_box_draws_nothing() {
    let mut painter = Painter::new(Vec2::new(200.0, 100.0), 1.0);
    painter.rounded_box(Rect::new(0.0, 0.0, 10.0, 10.0), 0.0, Color::NONE, 2.0, Color::NONE);
    assert!(painter.positions.is_empty());
}

#[test]
fn a_square_corner_is_one_point_with_a_diagonal_edge() {
    let points = contour(Rect::new(0.0, 0.0, 10.0, 10.0), 0.0, 0);
    assert_eq!(points.len(), 4);
    assert!(points[0].0.abs_diff_eq(Vec2::ZERO, 1e-5));
    assert!(points[0].1.abs_diff_eq(Vec2::new(-1.0, -1.0).normalize(), 1e-5), "top left points up and left");
    assert!(points[2].0.abs_diff_eq(Vec2::splat(10.0), 1e-5));
}

#[test]
fn text_is_centred_in_its_box() {
    let mut painter = Painter::new(Vec2::new(200.0, 100.0), 1.0);
    let content = Rect::new(0.0, 0.0, 200.0, 40.0);
    painter.text("I", 30.0, TextLayout::justify(Justify::Center), Color::WHITE, content, None);
    // "I" is one stroke at x = 4 units (4 px at size 30) from its left edge; the glyph is 8
    // wide, so centred it sits at x = 100, i.e. 0 in the mesh.
    let xs: Vec<f32> = painter.positions.iter().map(|p| p[0]).collect();
    let (lo, hi) = xs.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    assert!((lo + hi).abs() < 1e-3, "{lo}..{hi}");
}
