//! The camera: follows your ship smoothly, and maps the mouse cursor into the world.

use bevy::camera::ScalingMode;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use driftfire_shared::protocol::VIEW_SIZE;

use super::input::CursorWorld;
use super::sync::{MyShip, Smoothed};
use crate::state::{GameSet, Screen};

/// How quickly the camera catches up with the ship (1/s): fast enough to keep the ship near the
/// centre at full speed, slow enough to soften corrections.
const FOLLOW_RATE: f32 = 8.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_camera);
    app.add_systems(PreUpdate, track_cursor);
    app.add_systems(Update, follow_ship.in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
    app.add_systems(OnExit(Screen::Playing), |mut camera: Single<&mut Transform, With<Camera2d>>| {
        camera.translation = Vec3::ZERO;
    });
}

fn spawn_camera(mut commands: Commands) {
    // Show as much of the world as the server sends (VIEW_SIZE) and never more: a big window
    // zooms in instead of revealing the empty space past the edge of what is sent.
    let projection = OrthographicProjection {
        scaling_mode: ScalingMode::AutoMax { max_width: VIEW_SIZE.x, max_height: VIEW_SIZE.y },
        ..OrthographicProjection::default_2d()
    };
    commands.spawn((Camera2d, Projection::Orthographic(projection), Transform::default()));
}

fn follow_ship(time: Res<Time>, me: Query<&Smoothed, With<MyShip>>, mut camera: Single<&mut Transform, With<Camera2d>>) {
    let Some(ship) = me.iter().next() else { return };
    let current = camera.translation.truncate();
    let blend = 1.0 - (-FOLLOW_RATE * time.delta_secs()).exp();
    let next = if current.distance(ship.pos) > 1500.0 { ship.pos } else { current.lerp(ship.pos, blend) };
    camera.translation = next.extend(camera.translation.z);
}

fn track_cursor(
    window: Option<Single<&Window, With<PrimaryWindow>>>,
    camera: Option<Single<(&Camera, &GlobalTransform)>>,
    mut cursor: ResMut<CursorWorld>,
) {
    let (Some(window), Some(camera)) = (window, camera) else { return };
    let (camera, transform) = *camera;
    cursor.0 = window.cursor_position().and_then(|p| camera.viewport_to_world_2d(transform, p).ok());
}
