//! The vector lines the arena is drawn with, as one mesh a frame: systems add lines, strips,
//! circles and rectangles to [`Lines`]; at the end of the frame they become quads of one
//! [`Mesh2d`] (vertex colours, alpha-blended), drawn in a single non-instanced draw call.
//!
//! Why not Bevy's gizmos: they draw one instance per line, and a software rasteriser (the
//! stand-in for a weak GPU: SwiftShader runs each instance as a draw of its own) spent ~17 ms a
//! frame on ~2,200 of them at 1280×720 (tests/e2e/frames.mjs --skip-draws); the gizmo crates
//! also weighed 45 KB of the brotli bundle.

use std::f32::consts::TAU;

use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::NoFrustumCulling;
use bevy::mesh::{Indices, PrimitiveTopology, VertexAttributeValues};
use bevy::prelude::*;

use crate::ui::kit::font;

/// Line width in logical pixels, whatever the zoom.
pub const LINE_WIDTH_PX: f32 = 2.0;
/// Stroke width of text in the arena (ship names, ~11 px high at the usual zoom): thinner than
/// the lines, or the letters fill in.
const TEXT_WIDTH_PX: f32 = 1.3;
/// Segments of a full circle (enough that a 90-unit blast ring looks round at 1280×720).
const CIRCLE_SEGMENTS: usize = 32;
/// Lines kept at most in one frame: with 20 ships, ~1,200 particles and the stars a frame has
/// ~1,200, and the ships' names up to ~2,500 more (a dozen strokes a letter, 16 letters at
/// most); past this a frame drops the rest rather than grow the mesh without bound.
pub const MAX_LINES: usize = 8192;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Lines>();
    app.add_systems(Startup, spawn_line_mesh);
    app.add_systems(PostUpdate, build_line_mesh);
}

/// One straight segment, its colour in linear RGBA (what the vertex colours take) and its width
/// in logical pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    from: Vec2,
    to: Vec2,
    color: [f32; 4],
    width_px: f32,
}

/// This frame's lines, in world units: the drawing systems add to it; it is emptied each frame
/// when the mesh is built (its buffers kept, so a warm frame allocates nothing).
#[derive(Resource, Default)]
pub struct Lines {
    segments: Vec<Segment>,
}

impl Lines {
    /// A segment from `from` to `to`.
    pub fn line(&mut self, from: Vec2, to: Vec2, color: impl Into<Color>) {
        let color = LinearRgba::from(color.into()).to_f32_array();
        self.push(Segment { from, to, color, width_px: LINE_WIDTH_PX });
    }

    /// Segments through `points` in turn.
    pub fn strip(&mut self, points: impl IntoIterator<Item = Vec2>, color: impl Into<Color>) {
        let color = LinearRgba::from(color.into()).to_f32_array();
        let mut points = points.into_iter();
        let Some(mut from) = points.next() else { return };
        for to in points {
            self.push(Segment { from, to, color, width_px: LINE_WIDTH_PX });
            from = to;
        }
    }

    /// A circle of `radius` around `centre`.
    pub fn circle(&mut self, centre: Vec2, radius: f32, color: impl Into<Color>) {
        let points = (0..=CIRCLE_SEGMENTS).map(|i| centre + Vec2::from_angle(i as f32 / CIRCLE_SEGMENTS as f32 * TAU) * radius);
        self.strip(points, color);
    }

    /// The outline of a `size` rectangle around `centre`.
    pub fn rect(&mut self, centre: Vec2, size: Vec2, color: impl Into<Color>) {
        let half = size / 2.0;
        let corners =
            [Vec2::new(-half.x, -half.y), Vec2::new(half.x, -half.y), half, Vec2::new(-half.x, half.y), Vec2::new(-half.x, -half.y)];
        self.strip(corners.map(|c| centre + c), color);
    }

    /// One line of `text`, `size` world units high (the em), its bottom centred on
    /// `bottom_centre`, in the UI's stroke font with strokes [`TEXT_WIDTH_PX`] wide.
    pub fn text(&mut self, bottom_centre: Vec2, text: &str, size: f32, color: impl Into<Color>) {
        let color = LinearRgba::from(color.into()).to_f32_array();
        let left = bottom_centre.x - font::text_width(text, size) / 2.0;
        let top = bottom_centre.y + font::line_height(size);
        // The font lays out y down from the line's top; the world is y up.
        let world = |p: Vec2| Vec2::new(left + p.x, top - p.y);
        font::strokes(text, size, Vec2::ZERO, None, |from, to| {
            self.push(Segment { from: world(from), to: world(to), color, width_px: TEXT_WIDTH_PX });
        });
    }

    /// Segments added this frame.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.segments.len()
    }

    fn push(&mut self, segment: Segment) {
        if self.segments.len() < MAX_LINES {
            self.segments.push(segment);
        }
    }

    /// Writes every segment as a quad its width times `world_per_px` wide (with square caps, so a star a fraction of a
    /// pixel long still shows and a strip's corners close) into the mesh's buffers, and empties
    /// the list.
    fn drain_into(&mut self, world_per_px: f32, positions: &mut Vec<[f32; 3]>, colors: &mut Vec<[f32; 4]>, indices: &mut Vec<u32>) {
        positions.clear();
        colors.clear();
        indices.clear();
        for segment in self.segments.drain(..) {
            let half = segment.width_px * world_per_px / 2.0;
            let along = (segment.to - segment.from).try_normalize().unwrap_or(Vec2::X) * half;
            let across = along.perp();
            let first = positions.len() as u32;
            for corner in
                [segment.from - along - across, segment.from - along + across, segment.to + along + across, segment.to + along - across]
            {
                positions.push(corner.extend(0.0).to_array());
                colors.push(segment.color);
            }
            indices.extend([0, 1, 2, 0, 2, 3].map(|k| first + k));
        }
    }
}

/// The mesh entity the lines are drawn with.
#[derive(Component)]
struct LineMesh;

fn spawn_line_mesh(mut commands: Commands, mut meshes: ResMut<Assets<Mesh>>, mut materials: ResMut<Assets<ColorMaterial>>) {
    let mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, Vec::<[f32; 3]>::new())
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, Vec::<[f32; 4]>::new())
        .with_inserted_indices(Indices::U32(Vec::new()));
    let material = ColorMaterial { color: Color::WHITE, alpha_mode: bevy::sprite_render::AlphaMode2d::Blend, ..default() };
    commands.spawn((
        LineMesh,
        Mesh2d(meshes.add(mesh)),
        MeshMaterial2d(materials.add(material)),
        Transform::default(),
        // The mesh changes every frame and covers the whole view: nothing to cull.
        NoFrustumCulling,
    ));
}

/// Turns this frame's lines into the mesh, each its width in pixels on screen.
fn build_line_mesh(
    mut lines: ResMut<Lines>,
    mut meshes: ResMut<Assets<Mesh>>,
    line_mesh: Option<Single<&Mesh2d, With<LineMesh>>>,
    camera: Option<Single<(&Camera, &Projection)>>,
) {
    let (Some(line_mesh), Some(camera)) = (line_mesh, camera) else {
        lines.segments.clear();
        return;
    };
    let (camera, projection) = *camera;
    let world_per_px = match (projection, camera.logical_viewport_size()) {
        (Projection::Orthographic(ortho), Some(size)) if size.x > 0.0 => ortho.area.width() / size.x,
        _ => 1.0,
    };
    let Some(mut mesh) = meshes.get_mut(&line_mesh.0) else {
        lines.segments.clear();
        return;
    };
    // Our buffers are taken out, refilled and put back: reused frame after frame.
    let mut positions = match mesh.remove_attribute(Mesh::ATTRIBUTE_POSITION) {
        Some(VertexAttributeValues::Float32x3(positions)) => positions,
        _ => Vec::new(),
    };
    let mut colors = match mesh.remove_attribute(Mesh::ATTRIBUTE_COLOR) {
        Some(VertexAttributeValues::Float32x4(colors)) => colors,
        _ => Vec::new(),
    };
    let mut indices = match mesh.remove_indices() {
        Some(Indices::U32(indices)) => indices,
        _ => Vec::new(),
    };
    lines.drain_into(world_per_px, &mut positions, &mut colors, &mut indices);
    mesh.insert_attribute(Mesh::ATTRIBUTE_POSITION, positions);
    mesh.insert_attribute(Mesh::ATTRIBUTE_COLOR, colors);
    mesh.insert_indices(Indices::U32(indices));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quads of `lines` at a zoom where a line is `width` world units wide.
    fn quads(lines: &mut Lines, width: f32) -> (Vec<[f32; 3]>, Vec<[f32; 4]>, Vec<u32>) {
        let (mut positions, mut colors, mut indices) = (Vec::new(), Vec::new(), Vec::new());
        lines.drain_into(width / LINE_WIDTH_PX, &mut positions, &mut colors, &mut indices);
        (positions, colors, indices)
    }

    #[test]
    fn a_line_becomes_a_capped_quad_of_the_width() {
        let mut lines = Lines::default();
        lines.line(Vec2::ZERO, Vec2::new(10.0, 0.0), LinearRgba::new(1.0, 0.5, 0.25, 0.5));
        let (positions, colors, indices) = quads(&mut lines, 2.0);
        assert_eq!(positions, vec![[-1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [11.0, 1.0, 0.0], [11.0, -1.0, 0.0]]);
        assert_eq!(colors, vec![[1.0, 0.5, 0.25, 0.5]; 4]);
        assert_eq!(indices, vec![0, 1, 2, 0, 2, 3]);
        assert_eq!(lines.len(), 0, "building the mesh empties the list");
    }

    #[test]
    fn strips_circles_and_rects_are_segments() {
        let mut lines = Lines::default();
        lines.strip([Vec2::ZERO, Vec2::X, Vec2::ONE], Color::WHITE);
        assert_eq!(lines.len(), 2);
        lines.circle(Vec2::ZERO, 5.0, Color::WHITE);
        assert_eq!(lines.len(), 2 + CIRCLE_SEGMENTS);
        lines.rect(Vec2::ZERO, Vec2::new(4.0, 2.0), Color::WHITE);
        assert_eq!(lines.len(), 2 + CIRCLE_SEGMENTS + 4);
        lines.strip([Vec2::ZERO], Color::WHITE);
        assert_eq!(lines.len(), 2 + CIRCLE_SEGMENTS + 4, "one point is no segment");
        let (positions, _, indices) = quads(&mut lines, 1.0);
        assert_eq!(positions.len(), 4 * (6 + CIRCLE_SEGMENTS));
        assert_eq!(indices.len(), 6 * (6 + CIRCLE_SEGMENTS));
        assert!(indices.iter().all(|&i| (i as usize) < positions.len()));
    }

    #[test]
    fn a_point_long_line_is_still_a_square() {
        let mut lines = Lines::default();
        lines.line(Vec2::ONE, Vec2::ONE, Color::WHITE);
        let (positions, _, _) = quads(&mut lines, 2.0);
        assert_eq!(positions, vec![[0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [2.0, 2.0, 0.0], [2.0, 0.0, 0.0]]);
    }

    #[test]
    fn text_is_thinner_strokes_standing_on_its_anchor() {
        let mut lines = Lines::default();
        lines.text(Vec2::new(100.0, 50.0), "I", 30.0, Color::WHITE);
        assert_eq!(lines.len(), 1, "an I is one stroke");
        let segment = lines.segments[0];
        assert_eq!(segment.width_px, TEXT_WIDTH_PX);
        assert!((segment.from.x - 100.0).abs() < 1e-4 && (segment.to.x - 100.0).abs() < 1e-4, "centred: {segment:?}");
        let (low, high) = (segment.from.y.min(segment.to.y), segment.from.y.max(segment.to.y));
        assert!(low > 50.0 && high - low > 20.0, "above the anchor, y up: {segment:?}");
    }

    #[test]
    fn a_frame_holds_at_most_max_lines() {
        let mut lines = Lines::default();
        for i in 0..MAX_LINES + 100 {
            lines.line(Vec2::ZERO, Vec2::splat(i as f32), Color::WHITE);
        }
        assert_eq!(lines.len(), MAX_LINES);
    }
}
