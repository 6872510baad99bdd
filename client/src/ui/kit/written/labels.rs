//! The arena's labels (ships' names): written lines placed in the world, drawn each frame as
//! textured quads of one mesh over the arena's lines, from the same atlas as the UI's.

use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::NoFrustumCulling;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::sprite_render::MeshMaterial2d;
use bevy::window::PrimaryWindow;

use super::WrittenText;
use crate::ui::kit::draw::UiMaterial;

/// The labels' depth: over the arena's lines (within ±100), under the UI (900).
const LABEL_Z: f32 = 150.0;

/// Where the labels' mesh is built in `PostUpdate`.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct LabelSystems;

/// One label: a line of text, its bottom centred on a point of the world.
#[derive(Debug, Clone)]
struct Label {
    bottom_centre: Vec2,
    text: String,
    /// The em, world units.
    size: f32,
    color: Color,
}

/// This frame's labels: systems add them, the mesh is built from them and they are emptied.
#[derive(Resource, Debug, Default)]
pub struct Labels {
    labels: Vec<Label>,
}

impl Labels {
    /// One line of `text`, `size` world units to the em, its bottom centred on `bottom_centre`.
    pub fn text(&mut self, bottom_centre: Vec2, text: &str, size: f32, color: impl Into<Color>) {
        self.labels.push(Label { bottom_centre, text: text.to_owned(), size, color: color.into() });
    }
}

#[derive(Component)]
struct LabelMesh;

pub(in crate::ui::kit) fn plugin(app: &mut App) {
    app.init_resource::<Labels>();
    app.add_systems(
        PostUpdate,
        build_label_mesh.in_set(LabelSystems).after(bevy::camera::CameraUpdateSystems).before(bevy::asset::AssetEventSystems),
    );
}

/// The labels' mesh, drawn with `material` (the UI's, over the same atlas).
pub(in crate::ui::kit) fn spawn_label_mesh(commands: &mut Commands, meshes: &mut Assets<Mesh>, material: Handle<UiMaterial>) {
    let mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, Vec::<[f32; 3]>::new())
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, Vec::<[f32; 4]>::new())
        .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, Vec::<[f32; 2]>::new())
        .with_inserted_indices(Indices::U32(Vec::new()));
    commands.spawn((
        LabelMesh,
        Mesh2d(meshes.add(mesh)),
        MeshMaterial2d(material),
        Transform::from_xyz(0.0, 0.0, LABEL_Z),
        NoFrustumCulling,
    ));
}

/// Turns this frame's labels into quads, each drawn at the size it has on screen.
fn build_label_mesh(
    mut labels: ResMut<Labels>,
    written: Option<ResMut<WrittenText>>,
    mut meshes: ResMut<Assets<Mesh>>,
    label_mesh: Option<Single<&Mesh2d, With<LabelMesh>>>,
    camera: Option<Single<(&Camera, &Projection)>>,
    window: Query<&Window, With<PrimaryWindow>>,
) {
    let labels = std::mem::take(&mut labels.labels);
    let (Some(mut written), Some(label_mesh), Some(camera), Ok(window)) = (written, label_mesh, camera, window.single()) else { return };
    let (camera, projection) = *camera;
    let world_per_px = match (projection, camera.logical_viewport_size()) {
        (Projection::Orthographic(ortho), Some(size)) if size.x > 0.0 => ortho.area.width() / size.x,
        _ => 1.0,
    };
    let scale_factor = window.scale_factor().max(0.25);
    let (mut positions, mut colors, mut uvs, mut indices) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for attempt in 0..2 {
        let generation = written.generation();
        positions.clear();
        colors.clear();
        uvs.clear();
        indices.clear();
        for label in &labels {
            // Whole physical pixels to the em: a zoom that drifts does not draw a new line
            // every frame.
            let px = (label.size / world_per_px * scale_factor).round().max(1.0);
            let Some(placed) = written.line(&label.text, px, label.color) else { continue };
            let extent = placed.size / scale_factor * world_per_px;
            let min = Vec2::new(label.bottom_centre.x - extent.x / 2.0, label.bottom_centre.y);
            let first = positions.len() as u32;
            let corners = [
                (Vec2::new(min.x, min.y + extent.y), placed.uv.min),
                (min + extent, Vec2::new(placed.uv.max.x, placed.uv.min.y)),
                (Vec2::new(min.x + extent.x, min.y), placed.uv.max),
                (min, Vec2::new(placed.uv.min.x, placed.uv.max.y)),
            ];
            for (at, uv) in corners {
                positions.push(at.extend(0.0).to_array());
                colors.push([1.0; 4]);
                uvs.push([uv.x + 2.0, uv.y]);
            }
            indices.extend([0, 1, 2, 0, 2, 3].map(|k| first + k));
        }
        // Placed again if the atlas was emptied on the way.
        if attempt == 0 && written.generation() == generation {
            break;
        }
    }
    let Some(mut mesh) = meshes.get_mut(&label_mesh.0) else { return };
    mesh.insert_attribute(Mesh::ATTRIBUTE_POSITION, positions);
    mesh.insert_attribute(Mesh::ATTRIBUTE_COLOR, colors);
    mesh.insert_attribute(Mesh::ATTRIBUTE_UV_0, uvs);
    mesh.insert_indices(Indices::U32(indices));
}
