//! Draws the UI as one mesh: rounded boxes (fill and border) and stroked text, in [`UiStack`]
//! order, with a pixel of fading edge for smoothness (the camera has no multisampling): a ring
//! around each box, and for strokes the fragment shader (`stroke.wgsl`), so a stroke stays two
//! triangles (a software rasteriser pays per triangle: with a quad of fading edge on each side,
//! the HUD's ~4,000 text strokes cost SwiftShader ~15 ms a frame). The mesh is rebuilt only in
//! frames where something in the UI changed, and rides with the game's camera (z above the
//! arena), so the UI costs no pass of its own. Text players wrote ([`Written`]) is drawn by the
//! text engine into an atlas texture ([`written`]) and shown as textured quads of the same mesh,
//! in the same order as the rest.

use std::f32::consts::{FRAC_PI_2, FRAC_PI_4, PI};

use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::NoFrustumCulling;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_asset::RenderAssets;
use bevy::render::render_resource::{
    AsBindGroup, Extent3d, Origin3d, TexelCopyBufferLayout, TexelCopyTextureInfo, TextureAspect, TextureDimension, TextureFormat,
};
use bevy::render::renderer::RenderQueue;
use bevy::render::texture::GpuImage;
use bevy::render::{ExtractSchedule, MainWorld, Render, RenderApp, RenderSystems};
use bevy::shader::ShaderRef;
use bevy::sprite_render::{AlphaMode2d, Material2d, Material2dPlugin};
use bevy::transform::TransformSystems;
use bevy::window::PrimaryWindow;

use super::layout::{Relaid, UiStack};
use super::style::*;
use super::written::{ATLAS_SIDE, AtlasWrite, Written, WrittenText};
use super::{UiSystems, font, shown, written};

/// The UI's depth in the camera's view: in front of everything the arena draws (which stays
/// within ±100), inside the 2D camera's ±1000.
const UI_Z: f32 = 900.0;
/// Segments of a rounded corner's quarter circle.
const CORNER_SEGMENTS: usize = 6;

/// Draws the UI (needs rendering; headless tests leave it out) and the arena's labels, with the
/// text engine for what players wrote.
pub fn plugin(app: &mut App) {
    bevy::asset::embedded_asset!(app, "stroke.wgsl");
    app.add_plugins(Material2dPlugin::<UiMaterial>::default());
    app.add_plugins((written::plugin, written::labels_plugin));
    if let Some(render_app) = app.get_sub_app_mut(RenderApp) {
        render_app.init_resource::<PendingAtlasWrites>();
        render_app.add_systems(ExtractSchedule, extract_atlas_writes);
        render_app.add_systems(Render, write_atlas.in_set(RenderSystems::PrepareResources));
    }
    app.add_systems(Startup, spawn_ui_mesh);
    // After the camera's projection is updated for this frame's window, before meshes go to
    // the GPU; the labels first, so a frame that empties the atlas shows the UI's text right.
    app.add_systems(
        PostUpdate,
        draw_ui
            .after(UiSystems::Layout)
            .after(written::LabelSystems)
            .after(bevy::camera::CameraUpdateSystems)
            .before(bevy::asset::AssetEventSystems)
            .before(TransformSystems::Propagate),
    );
}

/// The texture the text engine's lines are drawn into ([`written`]'s atlas), shared by the UI
/// and the arena's labels.
#[derive(Resource, Debug, Clone)]
struct AtlasTexture(pub Handle<Image>);

fn atlas_texture(images: &mut Assets<Image>) -> Handle<Image> {
    let size = Extent3d { width: ATLAS_SIDE, height: ATLAS_SIDE, depth_or_array_layers: 1 };
    // Empty at first; lines are written into the GPU's copy ([`write_atlas`]), so the main
    // world keeps no pixels.
    let image = Image::new_fill(size, TextureDimension::D2, &[0, 0, 0, 0], TextureFormat::Rgba8UnormSrgb, RenderAssetUsages::RENDER_WORLD);
    images.add(image)
}

/// The atlas's writes on their way to the GPU (the render world's), with the texture's id.
#[derive(Resource, Debug, Default)]
struct PendingAtlasWrites {
    texture: Option<AssetId<Image>>,
    writes: Vec<AtlasWrite>,
}

/// As the frame goes to the render world: the lines the atlas took this frame, each a small
/// write of its own rectangle (a whole-texture update would copy 4 MB three times — main world,
/// extraction, upload — for every new line, ~11 a second in a busy room).
fn extract_atlas_writes(mut main: ResMut<MainWorld>, mut pending: ResMut<PendingAtlasWrites>) {
    if pending.texture.is_none() {
        pending.texture = main.get_resource::<AtlasTexture>().map(|texture| texture.0.id());
    }
    if let Some(mut written) = main.get_resource_mut::<WrittenText>() {
        let writes = written.end_frame();
        pending.writes.extend(writes);
    }
}

/// Writes the pending lines into the atlas's texture (kept until the texture exists).
fn write_atlas(mut pending: ResMut<PendingAtlasWrites>, images: Res<RenderAssets<GpuImage>>, queue: Res<RenderQueue>) {
    let Some(image) = pending.texture.and_then(|id| images.get(id)) else { return };
    let texture = image.texture.clone();
    for write in pending.writes.drain(..) {
        queue.write_texture(
            TexelCopyTextureInfo {
                texture: &texture,
                mip_level: 0,
                origin: Origin3d { x: write.at.x, y: write.at.y, z: 0 },
                aspect: TextureAspect::All,
            },
            &write.pixels,
            TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(write.size.x * 4), rows_per_image: None },
            Extent3d { width: write.size.x, height: write.size.y, depth_or_array_layers: 1 },
        );
    }
}

/// The mesh entity the UI is drawn with.
#[derive(Component)]
struct UiMesh;

/// Vertex colours, alpha-blended, strokes faded at their edges, and quads of the text atlas
/// (`stroke.wgsl`).
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub(super) struct UiMaterial {
    /// Multiplies every colour (white: as they are).
    #[uniform(0)]
    pub tint: LinearRgba,
    /// The written lines ([`AtlasTexture`]).
    #[texture(1)]
    #[sampler(2)]
    pub atlas: Handle<Image>,
}

impl Material2d for UiMaterial {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Path(bevy::asset::AssetPath::from_path_buf(bevy::asset::embedded_path!("stroke.wgsl")).with_source("embedded"))
    }

    fn alpha_mode(&self) -> AlphaMode2d {
        AlphaMode2d::Blend
    }
}

/// The atlas texture, the UI's mesh and the arena labels' mesh.
fn spawn_ui_mesh(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<UiMaterial>>,
    mut images: ResMut<Assets<Image>>,
) {
    let atlas = atlas_texture(&mut images);
    let material = UiMaterial { tint: LinearRgba::WHITE, atlas: atlas.clone() };
    written::spawn_label_mesh(&mut commands, &mut meshes, materials.add(material.clone()));
    commands.insert_resource(AtlasTexture(atlas));
    commands.spawn((
        UiMesh,
        Mesh2d(meshes.add(Painter::default().into_mesh())),
        MeshMaterial2d(materials.add(material)),
        Transform::from_xyz(0.0, 0.0, UI_Z),
        // Shown once it has something in it.
        Visibility::Hidden,
        // It follows the camera and covers the window: nothing to cull.
        NoFrustumCulling,
    ));
}

/// Vertices and triangles in window pixels (y down from the top left), turned into the
/// camera-centred, y-up space of the mesh as they are added.
#[derive(Default)]
pub(super) struct Painter {
    positions: Vec<[f32; 3]>,
    colors: Vec<[f32; 4]>,
    /// Where each vertex is across a stroke (y: -1 to 1), 0 off strokes.
    across: Vec<[f32; 2]>,
    indices: Vec<u32>,
    /// Half the window.
    half: Vec2,
    /// Width of the fading edge (a physical pixel).
    feather: f32,
    /// Physical pixels per window pixel.
    scale_factor: f32,
}

fn linear(color: Color) -> [f32; 4] {
    LinearRgba::from(color).to_f32_array()
}

fn transparent(mut color: [f32; 4]) -> [f32; 4] {
    color[3] = 0.0;
    color
}

/// Around a rounded rectangle clockwise (on screen): each point with its outward direction.
fn contour(rect: Rect, radius: f32, segments: usize) -> Vec<(Vec2, Vec2)> {
    let r = radius;
    let corners = [
        (Vec2::new(rect.min.x + r, rect.min.y + r), PI),
        (Vec2::new(rect.max.x - r, rect.min.y + r), PI + FRAC_PI_2),
        (Vec2::new(rect.max.x - r, rect.max.y - r), 0.0),
        (Vec2::new(rect.min.x + r, rect.max.y - r), FRAC_PI_2),
    ];
    let mut points = Vec::with_capacity(4 * (segments + 1));
    for (centre, start) in corners {
        if segments == 0 {
            let out = Vec2::from_angle(start + FRAC_PI_4);
            points.push((centre + out * r, out));
            continue;
        }
        for k in 0..=segments {
            let out = Vec2::from_angle(start + FRAC_PI_2 * k as f32 / segments as f32);
            points.push((centre + out * r, out));
        }
    }
    points
}

impl Painter {
    fn new(window: Vec2, scale_factor: f32) -> Self {
        let scale_factor = scale_factor.max(0.25);
        Self { half: window / 2.0, feather: 1.0 / scale_factor, scale_factor, ..default() }
    }

    fn vertex(&mut self, at: Vec2, color: [f32; 4]) -> u32 {
        self.stroke_vertex(at, color, 0.0)
    }

    fn stroke_vertex(&mut self, at: Vec2, color: [f32; 4], across: f32) -> u32 {
        let index = self.positions.len() as u32;
        self.positions.push([at.x - self.half.x, self.half.y - at.y, 0.0]);
        self.colors.push(color);
        self.across.push([0.0, across]);
        index
    }

    fn quad(&mut self, corners: [u32; 4]) {
        let [a, b, c, d] = corners;
        self.indices.extend([a, b, c, a, c, d]);
    }

    /// A line from `from` to `to`, `width` thick with square ends: one quad, half a pixel wider
    /// on each side, whose outer pixel the shader fades.
    fn stroke(&mut self, from: Vec2, to: Vec2, width: f32, color: [f32; 4]) {
        let half = width.max(self.feather) / 2.0;
        let along = (to - from).try_normalize().unwrap_or(Vec2::X);
        let across = along.perp() * (half + self.feather / 2.0);
        let (from, to) = (from - along * half, to + along * half);
        let v = [
            self.stroke_vertex(from - across, color, -1.0),
            self.stroke_vertex(from + across, color, 1.0),
            self.stroke_vertex(to + across, color, 1.0),
            self.stroke_vertex(to - across, color, -1.0),
        ];
        self.quad(v);
    }

    /// A fading edge just outside `points`.
    fn fringe(&mut self, points: &[(Vec2, Vec2)], color: [f32; 4]) {
        let first = self.positions.len() as u32;
        for &(at, out) in points {
            self.vertex(at, color);
            self.vertex(at + out * self.feather, transparent(color));
        }
        let n = points.len() as u32;
        for i in 0..n {
            let j = (i + 1) % n;
            self.quad([first + 2 * i, first + 2 * i + 1, first + 2 * j + 1, first + 2 * j]);
        }
    }

    /// A box with corners of `radius`, filled with `fill` and bordered `border` thick.
    fn rounded_box(&mut self, rect: Rect, radius: f32, fill: Color, border: f32, border_color: Color) {
        let radius = radius.min(rect.width().min(rect.height()) / 2.0).max(0.0);
        let segments = if radius >= 1.0 { CORNER_SEGMENTS } else { 0 };
        let outer = contour(rect, radius, segments);
        if fill.alpha() > 0.0 {
            let color = linear(fill);
            let centre = self.vertex(rect.center(), color);
            let first = self.positions.len() as u32;
            for &(at, _) in &outer {
                self.vertex(at, color);
            }
            let n = outer.len() as u32;
            for i in 0..n {
                self.indices.extend([centre, first + i, first + (i + 1) % n]);
            }
            self.fringe(&outer, color);
        }
        let border = border.min(rect.width().min(rect.height()) / 2.0);
        if border > 0.0 && border_color.alpha() > 0.0 {
            let color = linear(border_color);
            let inner_rect = Rect { min: rect.min + border, max: rect.max - border };
            let inner = contour(inner_rect, (radius - border).max(0.0), segments);
            let first = self.positions.len() as u32;
            for (&(o, _), &(i, _)) in outer.iter().zip(&inner) {
                self.vertex(o, color);
                self.vertex(i, color);
            }
            let n = outer.len() as u32;
            for i in 0..n {
                let j = (i + 1) % n;
                self.quad([first + 2 * i, first + 2 * j, first + 2 * j + 1, first + 2 * i + 1]);
            }
            self.fringe(&outer, color);
        }
    }

    /// `text` laid out in `content` as [`font::lines`] does, `size` pixels.
    fn text(&mut self, text: &str, size: f32, layout: TextLayout, color: Color, content: Rect, clip_x: Option<(f32, f32)>) {
        let color = linear(color);
        let width = font::stroke_width(size);
        // The layout measured this text at exactly this width, then rounded the box's edges to
        // whole pixels (up to a pixel narrower): two pixels of slack keep its lines as measured.
        let wrap = layout.wrap.then_some(content.width() + 2.0);
        let mut y = content.min.y;
        for line in font::lines(text, size, wrap) {
            let x = content.min.x
                + match layout.justify {
                    Justify::Left => 0.0,
                    Justify::Center => (content.width() - line.width) / 2.0,
                    Justify::Right => content.width() - line.width,
                };
            font::strokes(line.text, size, Vec2::new(x, y), clip_x, |a, b| self.stroke(a, b, width, color));
            y += font::line_height(size);
        }
    }

    /// A quad over `rect` showing `uv` of the atlas (premultiplied; `stroke.wgsl` knows a
    /// textured vertex by its u, which is 2 more than the atlas's, where strokes have 0).
    fn image(&mut self, rect: Rect, uv: Rect) {
        let white = [1.0; 4];
        let corners = [
            (rect.min, uv.min),
            (Vec2::new(rect.max.x, rect.min.y), Vec2::new(uv.max.x, uv.min.y)),
            (rect.max, uv.max),
            (Vec2::new(rect.min.x, rect.max.y), Vec2::new(uv.min.x, uv.max.y)),
        ];
        let first = self.positions.len() as u32;
        for (at, uv) in corners {
            self.positions.push([at.x - self.half.x, self.half.y - at.y, 0.0]);
            self.colors.push(white);
            self.across.push([uv.x + 2.0, uv.y]);
        }
        self.quad([first, first + 1, first + 2, first + 3]);
    }

    /// Written `text` laid out in `content` as [`WrittenText::lines`] does, `size` pixels, each
    /// line from the atlas; a line that does not fit where it may not wrap (or its ancestor's
    /// clip) is cut with an ellipsis. False if a line could not be placed in the atlas.
    #[allow(clippy::too_many_arguments)]
    fn written_text(
        &mut self,
        written: &mut WrittenText,
        text: &str,
        size: f32,
        layout: TextLayout,
        color: Color,
        content: Rect,
        clip_x: Option<(f32, f32)>,
    ) -> bool {
        let wrap = layout.wrap.then_some(content.width() + 2.0);
        let right_edge = clip_x.map_or(f32::INFINITY, |(_, max)| max).min(if layout.wrap { f32::INFINITY } else { content.max.x + 2.0 });
        let line_height = font::line_height(size);
        let scale_factor = self.scale_factor;
        let snap = |v: f32| (v * scale_factor).round() / scale_factor;
        let mut placed_all = true;
        let mut y = content.min.y;
        for line in written.lines(text, size, wrap) {
            let start = |width: f32| {
                let room = content.width() - line.indent;
                content.min.x
                    + line.indent
                    + match layout.justify {
                        Justify::Left => 0.0,
                        Justify::Center => (room - width) / 2.0,
                        Justify::Right => room - width,
                    }
            };
            let mut shown = std::borrow::Cow::Borrowed(line.text);
            let mut x = start(line.width);
            if x + line.width > right_edge + 0.5 {
                shown = written.ellipsize(line.text, size, right_edge - x.max(content.min.x)).into();
                x = start(written.width(&shown, size)).max(content.min.x);
            }
            match written.line(&shown, size * self.scale_factor, color) {
                Some(placed) => {
                    let extent = placed.size / self.scale_factor;
                    let min = Vec2::new(snap(x), snap(y + (line_height - extent.y) / 2.0));
                    self.image(Rect { min, max: min + extent }, placed.uv);
                }
                None => placed_all = false,
            }
            y += line_height;
        }
        placed_all
    }

    fn into_mesh(self) -> Mesh {
        Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
            .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, self.positions)
            .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, self.colors)
            .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, self.across)
            .with_inserted_indices(Indices::U32(self.indices))
    }
}

type Looks = Or<(
    Changed<BackgroundColor>,
    Changed<BorderColor>,
    Changed<TextColor>,
    Changed<Visibility>,
    Changed<ComputedNode>,
    Changed<UiTransform>,
)>;

/// A node as the painter needs it.
type Drawn<'a> = (
    &'a Node,
    &'a ComputedNode,
    &'a Visibility,
    &'a BackgroundColor,
    &'a BorderColor,
    Option<(&'a Text, &'a TextFont, &'a TextLayout, &'a TextColor)>,
    Option<&'a UiTransform>,
    Has<Written>,
);

#[allow(clippy::too_many_arguments)]
fn draw_ui(
    relaid: Res<Relaid>,
    stack: Res<UiStack>,
    changed: Query<(), (With<Node>, Looks)>,
    nodes: Query<Drawn>,
    scale: Res<UiScale>,
    window: Query<&Window, With<PrimaryWindow>>,
    camera: Option<Single<(&Camera, &Projection, &Transform), Without<UiMesh>>>,
    ui_mesh: Option<Single<(&Mesh2d, &mut Transform, &mut Visibility), (With<UiMesh>, Without<Node>)>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut written: Option<ResMut<WrittenText>>,
    mut last_window: Local<Option<(Vec2, f32)>>,
    mut last_generation: Local<u64>,
) {
    let (Ok(window), Some(ui_mesh), Some(camera)) = (window.single(), ui_mesh, camera) else { return };
    let (mesh, mut transform, mut mesh_visibility) = ui_mesh.into_inner();
    let (camera, projection, camera_at) = *camera;
    // World units per window pixel: the mesh is in pixels and rides with the camera.
    let world_per_px = match (projection, camera.logical_viewport_size()) {
        (Projection::Orthographic(ortho), Some(size)) if size.x > 0.0 => ortho.area.width() / size.x,
        _ => 1.0,
    };
    let follow = Transform {
        translation: camera_at.translation.truncate().extend(UI_Z),
        rotation: camera_at.rotation,
        scale: Vec3::new(world_per_px, world_per_px, 1.0),
    };
    transform.set_if_neq(follow);

    let window_now = Some((window.size(), window.scale_factor()));
    let generation = written.as_ref().map_or(0, |written| written.generation());
    if !relaid.0 && changed.is_empty() && *last_window == window_now && *last_generation == generation {
        return;
    }
    *last_window = window_now;
    let mut written = written.as_deref_mut().filter(|written| written.available());
    // Drawn again if the atlas was emptied while drawing (what was placed before is gone).
    let mut painter = paint(&stack, &nodes, scale.0, window, written.as_deref_mut());
    if let Some(written) = written.as_deref_mut()
        && written.generation() != generation
    {
        painter = paint(&stack, &nodes, scale.0, window, Some(written));
    }
    *last_generation = written.map_or(0, |written| written.generation());
    // An empty mesh is hidden rather than sent (Bevy does not allocate it, and complains).
    mesh_visibility.set_if_neq(if painter.positions.is_empty() { Visibility::Hidden } else { Visibility::Inherited });
    if let Some(mut mesh) = meshes.get_mut(&mesh.0) {
        *mesh = painter.into_mesh();
    }
}

/// The UI's boxes and texts, back to front.
fn paint(stack: &UiStack, nodes: &Query<Drawn>, scale: f32, window: &Window, mut written: Option<&mut WrittenText>) -> Painter {
    let mut painter = Painter::new(window.size(), window.scale_factor());
    let shown = shown(stack, |entity| nodes.get(entity).map_or(Visibility::Hidden, |node| *node.2));
    // Each entry's offset: its own UiTransform plus its parent's.
    let mut offsets: Vec<Vec2> = Vec::with_capacity(stack.entries.len());
    for (entry, shown) in stack.entries.iter().zip(shown) {
        let Ok((node, computed, _, background, border, text, moved, is_written)) = nodes.get(entry.entity) else {
            offsets.push(Vec2::ZERO);
            continue;
        };
        let inherited = entry.parent.and_then(|parent| offsets.get(parent).copied()).unwrap_or(Vec2::ZERO);
        let offset = inherited + moved.map_or(Vec2::ZERO, |moved| moved.translation * scale);
        offsets.push(offset);
        if !shown {
            continue;
        }
        let rect = Rect { min: computed.rect.min + offset, max: computed.rect.max + offset };
        let content = Rect { min: computed.content.min + offset, max: computed.content.max + offset };
        let radius = match node.border_radius.0 {
            Val::Px(px) => px * scale,
            Val::Percent(percent) => rect.width().min(rect.height()) * percent / 100.0,
            Val::Auto => 0.0,
        };
        let border_width = match node.border.left {
            Val::Px(px) => px * scale,
            _ => 0.0,
        };
        painter.rounded_box(rect, radius, background.0, border_width, border.0);
        if let Some((text, font, layout, color)) = text {
            let size = font.font_size * scale;
            match written.as_deref_mut() {
                Some(written) if is_written => {
                    painter.written_text(written, &text.0, size, *layout, color.0, content, entry.clip_x);
                }
                _ => painter.text(&text.0, size, *layout, color.0, content, entry.clip_x),
            }
        }
    }
    painter
}

#[cfg(test)]
mod tests;
