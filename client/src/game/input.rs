//! Controls → `Input` messages at the server's tick rate, with sequence numbers.
//! Mouse aims, W / Up / right mouse thrusts, left mouse / Space fires.

use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, InputFrame};

use super::sync::{MyShip, Smoothed, SyncSet};
use crate::screens::Screen;
use crate::session::{Outgoing, Session};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CursorWorld>();
    app.init_resource::<InputClock>();
    app.add_systems(OnEnter(Screen::Playing), |mut clock: ResMut<InputClock>| *clock = InputClock::default());
    app.add_systems(Update, sample_and_send.after(SyncSet).run_if(in_state(Screen::Playing)));
}

/// The mouse cursor in world coordinates (filled by the camera each frame), if over the window.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct CursorWorld(pub Option<Vec2>);

/// Paces inputs to the tick rate and numbers them.
#[derive(Resource, Debug, Default)]
pub struct InputClock {
    accumulated: f32,
    /// Sequence number of the last input sent.
    pub seq: u32,
    /// Last aim sent, kept when the cursor leaves the window.
    pub aim: f32,
    /// Last frame sent.
    pub last: Option<InputFrame>,
}

/// Reads the controls into a frame (without sequence number).
pub fn read_controls(
    keys: &ButtonInput<KeyCode>,
    mouse: &ButtonInput<MouseButton>,
    cursor: Option<Vec2>,
    ship: Option<Vec2>,
    previous_aim: f32,
) -> InputFrame {
    let aim = match (cursor, ship) {
        (Some(cursor), Some(ship)) if cursor.distance_squared(ship) > 1.0 => {
            let d = cursor - ship;
            d.y.atan2(d.x)
        }
        _ => previous_aim,
    };
    InputFrame {
        seq: 0,
        aim,
        thrust: keys.any_pressed([KeyCode::KeyW, KeyCode::ArrowUp]) || mouse.pressed(MouseButton::Right),
        fire: keys.pressed(KeyCode::Space) || mouse.pressed(MouseButton::Left),
    }
}

fn sample_and_send(
    time: Res<Time>,
    keys: Res<ButtonInput<KeyCode>>,
    mouse: Res<ButtonInput<MouseButton>>,
    cursor: Res<CursorWorld>,
    me: Query<&Smoothed, With<MyShip>>,
    session: Option<Res<Session>>,
    mut clock: ResMut<InputClock>,
    mut outbox: MessageWriter<Outgoing>,
) {
    let Some(session) = session else { return };
    let step = 1.0 / f32::from(session.tick_hz.max(1));
    clock.accumulated += time.delta_secs();
    if clock.accumulated < step {
        return;
    }
    // One input per tick; after a stall, don't burst the backlog (the server keeps the newest).
    clock.accumulated = (clock.accumulated - step).min(step);
    let mut frame = read_controls(&keys, &mouse, cursor.0, me.iter().next().map(|s| s.pos), clock.aim);
    clock.seq += 1;
    clock.aim = frame.aim;
    frame.seq = clock.seq;
    clock.last = Some(frame);
    outbox.write(Outgoing(ClientMsg::Input(frame)));
}
