//! The camera: follows your ship smoothly, looks ahead toward where you aim (a fraction of the
//! view, eased), shakes a little when your ship is hit, and while you wait to respawn follows
//! the ship that destroyed you, then comes back to yours. Also maps the mouse cursor into the
//! world.
//!
//! Where the camera wants to be is computed in [`CameraRig`] without a window (tests read it);
//! the camera entity just takes the result.

use bevy::camera::ScalingMode;
use bevy::core_pipeline::tonemapping::DebandDither;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use driftfire_shared::protocol::{PlayerId, VIEW_SIZE};

use super::effects::Cue;
use super::input::{CursorWorld, InputClock};
use super::sync::{MyShip, ShipView, Smoothed};
use crate::console::{Report, report};
use crate::session::Session;
use crate::session::events::Killed;
use crate::state::{GameSet, Screen};

/// How quickly the camera catches up with the ship (1/s): fast enough to keep the ship near the
/// centre at full speed, slow enough to soften corrections.
const FOLLOW_RATE: f32 = 8.0;
/// A target this far away is a teleport (a respawn): the camera jumps instead of panning.
const SNAP_DISTANCE: f32 = 1500.0;
/// Look-ahead: this fraction of the half view, toward the aim.
pub const LOOK_AHEAD: f32 = 0.2;
/// How quickly the look-ahead follows a new aim (1/s): slower than the follow, so turning
/// swings the view gently.
const LOOK_AHEAD_RATE: f32 = 3.0;
/// Seconds a full shake takes to die away.
pub const SHAKE_SECS: f32 = 0.3;
/// Largest shake offset, world units (the view is 1600 wide).
const SHAKE_AMPLITUDE: f32 = 12.0;
/// Shake strength (0..1) per point of damage; a bullet (25) gives 0.5.
const SHAKE_PER_DAMAGE: f32 = 0.02;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CameraRig>();
    app.add_systems(Startup, spawn_camera);
    app.add_systems(PreUpdate, track_cursor);
    app.add_systems(Update, (steer, place_camera).chain().in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
    app.add_systems(OnExit(Screen::Playing), |mut rig: ResMut<CameraRig>, camera: Option<Single<&mut Transform, With<Camera2d>>>| {
        *rig = CameraRig::default();
        if let Some(mut camera) = camera {
            camera.translation = Vec3::ZERO;
        }
    });
}

/// Where the camera is and why: the eased follow point, the look-ahead and the shake. The
/// camera sits at `focus + look_ahead + shake`.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct CameraRig {
    /// The followed ship's position, eased (yours, or your killer's while you are destroyed).
    pub focus: Vec2,
    /// Offset toward your aim, eased; zero while you are destroyed.
    pub look_ahead: Vec2,
    /// Shake strength, 0..1: set by hits on your ship, gone within [`SHAKE_SECS`].
    pub trauma: f32,
    /// This frame's shake offset.
    pub shake: Vec2,
    /// The pilot whose ship you watch while you wait to respawn.
    pub following: Option<PlayerId>,
    /// Whether any ship has been followed yet this game (the first is jumped to).
    started: bool,
    /// Your ship was destroyed at the last frame.
    was_dead: bool,
    /// Seconds of shake noise.
    clock: f32,
}

impl CameraRig {
    /// Where the camera is put.
    pub fn position(&self) -> Vec2 {
        self.focus + self.look_ahead + self.shake
    }
}

fn spawn_camera(mut commands: Commands) {
    // Show as much of the world as the server sends (VIEW_SIZE) and never more: a big window
    // zooms in instead of revealing the empty space past the edge of what is sent.
    let projection = OrthographicProjection {
        scaling_mode: ScalingMode::AutoMax { max_width: VIEW_SIZE.x, max_height: VIEW_SIZE.y },
        ..OrthographicProjection::default_2d()
    };
    commands.spawn((
        Camera2d,
        Projection::Orthographic(projection),
        Transform::default(),
        // Multisampling and dithering each cost a full-screen pass per frame, which a software
        // or weak GPU cannot afford at 1280×720 (frames.mjs: 4.5 fps in SwiftShader with both).
        Msaa::Off,
        DebandDither::Disabled,
    ));
}

/// Moves the rig: who to follow, the look-ahead, the shake.
fn steer(
    time: Res<Time>,
    session: Option<Res<Session>>,
    input: Res<InputClock>,
    mut rig: ResMut<CameraRig>,
    mut killed: MessageReader<Killed>,
    mut cues: MessageReader<Cue>,
    me: Query<(&ShipView, &Smoothed), With<MyShip>>,
    ships: Query<(&ShipView, &Smoothed)>,
) {
    let dt = time.delta_secs();
    let me_id = session.map(|s| s.me);
    for kill in killed.read() {
        if Some(kill.victim) == me_id
            && let Some(killer) = kill.killer.filter(|k| Some(*k) != me_id)
        {
            rig.following = Some(killer);
            report(Report::CameraFollows(Some(killer)));
        }
    }
    for cue in cues.read() {
        let hurt = match *cue {
            Cue::Hit { damage, yours: true, .. } => f32::from(damage) * SHAKE_PER_DAMAGE,
            Cue::Explosion { yours: true, .. } => 1.0,
            _ => 0.0,
        };
        rig.trauma = (rig.trauma + hurt).min(1.0);
    }
    let mine = me.iter().next();
    let dead = mine.is_some_and(|(view, _)| view.0.respawn_in.is_some());
    if rig.was_dead && !dead && rig.following.take().is_some() {
        report(Report::CameraFollows(None));
    }
    rig.was_dead = dead;

    // Whom to follow: your killer's ship while you are destroyed (if it is in view and alive),
    // else yours; with neither, stay.
    let killer = rig
        .following
        .filter(|_| dead)
        .and_then(|killer| ships.iter().find(|(view, _)| view.0.owner == killer && view.0.respawn_in.is_none()).map(|(_, s)| s.pos));
    let target = killer.or_else(|| mine.map(|(_, s)| s.pos));
    if let Some(target) = target {
        let blend = 1.0 - (-FOLLOW_RATE * dt).exp();
        rig.focus = if !rig.started || rig.focus.distance(target) > SNAP_DISTANCE { target } else { rig.focus.lerp(target, blend) };
        rig.started = true;
    }

    let wanted = if mine.is_some() && !dead { Vec2::from_angle(input.aim) * VIEW_SIZE / 2.0 * LOOK_AHEAD } else { Vec2::ZERO };
    rig.look_ahead = rig.look_ahead.lerp(wanted, 1.0 - (-LOOK_AHEAD_RATE * dt).exp());

    rig.trauma = (rig.trauma - dt / SHAKE_SECS).max(0.0);
    rig.clock += dt;
    let t = rig.clock;
    // Two incommensurate wobbles per axis: irregular, yet smooth frame to frame.
    let wobble = Vec2::new((t * 71.0).sin() + 0.5 * (t * 113.0).sin(), (t * 83.0).cos() + 0.5 * (t * 127.0).sin()) / 1.5;
    rig.shake = wobble * SHAKE_AMPLITUDE * rig.trauma * rig.trauma;
}

/// Puts the camera where the rig says.
pub(super) fn place_camera(rig: Res<CameraRig>, mut camera: Single<&mut Transform, With<Camera2d>>) {
    if rig.started {
        camera.translation = rig.position().extend(camera.translation.z);
    }
}

fn track_cursor(
    window: Option<Single<&Window, With<PrimaryWindow>>>,
    camera: Option<Single<(&Camera, &GlobalTransform)>>,
    rig: Res<CameraRig>,
    mut cursor: ResMut<CursorWorld>,
) {
    let (Some(window), Some(camera)) = (window, camera) else { return };
    let (camera, transform) = *camera;
    // Without the shake: a hit must not jerk your aim.
    cursor.0 = window.cursor_position().and_then(|p| camera.viewport_to_world_2d(transform, p).ok()).map(|p| p - rig.shake);
}
