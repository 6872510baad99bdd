//! Controls → `Input` messages at the server's tick rate, with sequence numbers.
//! Mouse aims, W / Up / right mouse thrusts, left mouse / Space fires; on a touch screen the
//! virtual stick aims and thrusts and the fire button fires ([`TouchControls`]), into the same
//! fields.

use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, InputFrame};

use super::chat::ChatLine;
use super::predict::{InputSent, Prediction};
use super::sync::{MyShip, RenderClock, Smoothed};
use super::touch::TouchControls;
use crate::session::Session;
use crate::session::events::Outgoing;
use crate::session::reconnect::Reconnecting;
use crate::state::{GameSet, Screen};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CursorWorld>();
    app.init_resource::<InputClock>();
    app.add_systems(OnEnter(Screen::Playing), |mut clock: ResMut<InputClock>| *clock = InputClock::default());
    // Between reconciliation and the prediction step, so the input sent this frame moves your
    // ship this very frame.
    app.add_systems(
        Update,
        sample_and_send.in_set(GameSet::Input).run_if(in_state(Screen::Playing).and_then(not(resource_exists::<Reconnecting>))),
    );
}

/// Most inputs sent in one frame: a 15 fps frame covers two ticks, but after a long stall the
/// missed ticks are dropped rather than burst (the server would only queue or discard them).
const MAX_INPUTS_PER_FRAME: u32 = 4;

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
        view_tick: 0,
        ack_tick: 0,
    }
}

fn sample_and_send(
    time: Res<Time>,
    keys: Res<ButtonInput<KeyCode>>,
    mouse: Res<ButtonInput<MouseButton>>,
    cursor: Res<CursorWorld>,
    me: Query<&Smoothed, With<MyShip>>,
    prediction: Res<Prediction>,
    render_clock: Res<RenderClock>,
    stream: Res<super::snapshots::SnapshotStream>,
    chat: Res<ChatLine>,
    touch: Res<TouchControls>,
    session: Option<Res<Session>>,
    mut clock: ResMut<InputClock>,
    mut outbox: MessageWriter<Outgoing>,
    mut sent: MessageWriter<InputSent>,
) {
    let Some(session) = session else { return };
    let step = 1.0 / f32::from(session.tick_hz.max(1));
    clock.accumulated += time.delta_secs();
    // Aim from where your ship is drawn: the prediction, not the delayed interpolated copy.
    let ship = prediction.shown.or_else(|| me.iter().next().map(|s| s.pos));
    let mut controls = read_controls(&keys, &mouse, cursor.0, ship, clock.aim);
    touch.apply(&mut controls);
    if chat.open {
        // Typing a chat line: W and Space are letters now, not thrust and fire (and the thumbs
        // are on the phone's keyboard).
        controls.thrust = false;
        controls.fire = false;
    }
    // Exactly one input per server tick, so the server and the prediction step the ship alike:
    // a slow frame sends the ticks it covered (up to a cap), a stall drops the backlog.
    let mut sent_now = 0;
    while clock.accumulated >= step && sent_now < MAX_INPUTS_PER_FRAME {
        clock.accumulated -= step;
        sent_now += 1;
        let mut frame = controls;
        clock.seq += 1;
        clock.aim = frame.aim;
        frame.seq = clock.seq;
        // What you see of other ships: the server rewinds your shots' hit tests to it.
        frame.view_tick = render_clock.tick.max(0.0) as u32;
        frame.ack_tick = stream.newest as u32;
        clock.last = Some(frame);
        outbox.write(Outgoing(ClientMsg::Input(frame)));
        sent.write(InputSent(frame));
    }
    clock.accumulated = clock.accumulated.min(step);
}
