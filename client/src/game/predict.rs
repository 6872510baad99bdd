//! Client-side prediction of your own ship, so it answers the controls in the same frame at any
//! round trip. Every input is applied locally at once with the shared movement rules; each
//! snapshot reconciles: start again from the server's state for the newest input it applied
//! and replay the inputs it has not seen yet. The difference between the old and the new
//! prediction is drawn as an offset that fades out within ~0.1 s, never as a jump, unless it
//! is a teleport (respawn).

use std::collections::VecDeque;

use bevy::prelude::*;
use driftfire_shared::input::ValidInput;
use driftfire_shared::protocol::InputFrame;
use driftfire_shared::sim::quantize::snap_kinematics;
use driftfire_shared::sim::{ShipKinematics, SimConfig, ship_motion_step};

use super::snapshots::WorldUpdate;
use super::sync::{MyShip, Smoothed};
use crate::session::Session;
use crate::state::{GameSet, Screen};

/// A visual correction fades by a factor e every 1/10 s: quick enough that the ship is where
/// the server says almost at once, slow enough that nobody sees it move on its own.
const CORRECTION_FADE_PER_S: f32 = 10.0;
/// A disagreement larger than this is a teleport (respawn, a collision the client could not
/// foresee at full speed): show the new place at once instead of sliding across the arena.
const SNAP_DISTANCE: f32 = 120.0;
/// Differences below this are float noise, not corrections worth counting.
const CORRECTION_EPSILON: f32 = 0.05;
/// Unacknowledged inputs kept (2 s at 30 Hz). If the server stops acknowledging, the oldest go:
/// replaying them would only grow the cost of each reconciliation.
const MAX_PENDING_INPUTS: usize = 64;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Prediction>();
    app.add_message::<InputSent>();
    app.add_systems(OnEnter(Screen::Playing), |mut prediction: ResMut<Prediction>| *prediction = Prediction::default());
    // Reconcile with new snapshots, then (input sampling runs between the two) step the inputs
    // sent this frame and draw the result.
    app.add_systems(Update, reconcile.in_set(GameSet::Reconcile).run_if(in_state(Screen::Playing)));
    app.add_systems(Update, (step_sent_inputs, show_predicted).chain().in_set(GameSet::Step).run_if(in_state(Screen::Playing)));
}

/// An input that has just gone to the server; prediction applies it at once.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct InputSent(pub InputFrame);

/// Your ship's predicted motion.
#[derive(Resource, Debug, Default)]
pub struct Prediction {
    /// Inputs sent and not yet acknowledged by a snapshot, oldest first.
    pending: VecDeque<(u32, ValidInput)>,
    /// Kinematics after the newest input sent; `None` with no ship or while destroyed.
    pub state: Option<ShipKinematics>,
    /// Difference still being faded out (drawn position = predicted + offset).
    pub offset: Vec2,
    /// Newest snapshot tick reconciled.
    latest_tick: u64,
    /// Seconds since the newest input was applied, for drawing between ticks.
    since_step: f32,
    /// Where your ship was last drawn (for aiming).
    pub shown: Option<Vec2>,
    /// Reconciliations that moved the prediction (for the net graph).
    pub corrections: u64,
    /// Size of the newest correction, world units.
    pub last_correction: f32,
    /// Every reconciliation's disagreement, world units, newest last (tests read it; bounded).
    pub recent_errors: VecDeque<f32>,
}

impl Prediction {
    /// Records an input just sent and applies it to the predicted ship.
    pub fn apply_input(&mut self, cfg: &SimConfig, frame: &InputFrame) {
        let Ok(input) = ValidInput::try_from_frame(frame) else { return };
        self.pending.push_back((frame.seq, input));
        if self.pending.len() > MAX_PENDING_INPUTS {
            self.pending.pop_front();
        }
        if let Some(state) = &mut self.state {
            server_step(cfg, &input, state);
            self.since_step = 0.0;
        }
    }

    /// Starts again from the server's `server` state, which includes every input up to
    /// `acked`, and replays the rest. Returns how far the prediction moved.
    pub fn reconcile(&mut self, cfg: &SimConfig, server: ShipKinematics, acked: u32) -> f32 {
        while self.pending.front().is_some_and(|(seq, _)| *seq <= acked) {
            self.pending.pop_front();
        }
        let mut replayed = server;
        for (_, input) in &self.pending {
            server_step(cfg, input, &mut replayed);
        }
        let error = match self.state {
            Some(old) => {
                let diff = old.pos - replayed.pos;
                if diff.length() > SNAP_DISTANCE {
                    self.offset = Vec2::ZERO;
                } else {
                    self.offset += diff;
                }
                diff.length()
            }
            None => {
                self.offset = Vec2::ZERO;
                0.0
            }
        };
        if error > CORRECTION_EPSILON {
            self.corrections += 1;
            self.last_correction = error;
        }
        self.recent_errors.push_back(error);
        if self.recent_errors.len() > 1024 {
            self.recent_errors.pop_front();
        }
        self.state = Some(replayed);
        error
    }

    /// Forgets the ship (destroyed, or gone from view); inputs stay queued for the next one.
    pub fn suspend(&mut self, acked: u32) {
        self.state = None;
        self.offset = Vec2::ZERO;
        self.pending.retain(|(seq, _)| *seq > acked);
    }

    /// Inputs waiting for acknowledgement.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

/// One tick of your ship exactly as the server runs it: the shared motion rules, then the
/// snap to the wire grid that ends every server tick.
fn server_step(cfg: &SimConfig, input: &ValidInput, state: &mut ShipKinematics) {
    ship_motion_step(cfg, input, state);
    snap_kinematics(state);
}

fn reconcile(mut updates: MessageReader<WorldUpdate>, session: Option<Res<Session>>, mut prediction: ResMut<Prediction>) {
    let Some(session) = session else { return };
    let cfg = session_config(&session);
    for WorldUpdate(snapshot) in updates.read() {
        if snapshot.tick <= prediction.latest_tick {
            continue;
        }
        prediction.latest_tick = snapshot.tick;
        let mine = snapshot.body.ships.iter().find(|s| s.owner == session.me);
        match mine {
            Some(ship) if ship.respawn_in.is_none() => {
                let server = ShipKinematics { pos: ship.pos, vel: ship.vel, heading: ship.angle };
                prediction.reconcile(&cfg, server, snapshot.last_input_seq);
            }
            _ => prediction.suspend(snapshot.last_input_seq),
        }
    }
}

fn step_sent_inputs(mut sent: MessageReader<InputSent>, session: Option<Res<Session>>, mut prediction: ResMut<Prediction>) {
    let Some(session) = session else { return };
    let cfg = session_config(&session);
    for InputSent(frame) in sent.read() {
        prediction.apply_input(&cfg, frame);
    }
}

/// Draws your ship at the predicted state, moved on by the time since the last input (so it
/// glides between 30 Hz steps) plus the fading correction.
fn show_predicted(time: Res<Time>, mut prediction: ResMut<Prediction>, mut me: Query<(&mut Smoothed, &mut Transform), With<MyShip>>) {
    let dt = time.delta_secs();
    prediction.since_step += dt;
    prediction.offset *= (-CORRECTION_FADE_PER_S * dt).exp();
    let Some(state) = prediction.state else {
        prediction.shown = None;
        return;
    };
    let Ok((mut smoothed, mut transform)) = me.single_mut() else { return };
    // Never glide further than one tick ahead (a stalled frame loop must not fling the ship).
    let ahead = prediction.since_step.min(1.0 / 20.0);
    let pos = state.pos + state.vel * ahead + prediction.offset;
    *smoothed = Smoothed { pos, vel: state.vel, angle: state.heading };
    transform.translation.x = pos.x;
    transform.translation.y = pos.y;
    prediction.shown = Some(pos);
}

/// The rules the server runs, from the tick rate and arena it announced.
fn session_config(session: &Session) -> SimConfig {
    SimConfig { arena: session.arena, ..SimConfig::new(session.tick_hz) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u32, thrust: bool) -> InputFrame {
        InputFrame { seq, aim: 0.5, thrust, fire: false, view_tick: 0, ack_tick: 0 }
    }

    /// The server: the same rules, one input per tick.
    fn server_run(cfg: &SimConfig, start: ShipKinematics, frames: &[InputFrame]) -> ShipKinematics {
        let mut state = start;
        for f in frames {
            server_step(cfg, &ValidInput::try_from_frame(f).unwrap(), &mut state);
        }
        state
    }

    #[test]
    fn agreeing_with_the_server_means_no_correction() {
        let cfg = SimConfig::default();
        let start = ShipKinematics::default();
        let mut prediction = Prediction::default();
        prediction.reconcile(&cfg, start, 0);
        let frames: Vec<InputFrame> = (1..=20).map(|seq| frame(seq, seq % 3 != 0)).collect();
        for f in &frames {
            prediction.apply_input(&cfg, f);
        }
        // The server has applied the first 12 of them.
        let server = server_run(&cfg, start, &frames[..12]);
        let error = prediction.reconcile(&cfg, server, 12);
        assert_eq!(error, 0.0, "bit-identical to the server");
        assert_eq!(prediction.pending_len(), 8);
        assert_eq!(prediction.state.unwrap(), server_run(&cfg, start, &frames));
    }

    #[test]
    fn a_disagreement_is_faded_in_not_snapped_and_a_teleport_is_snapped() {
        let cfg = SimConfig::default();
        let mut prediction = Prediction::default();
        prediction.reconcile(&cfg, ShipKinematics::default(), 0);
        // The server says we were pushed 10 units (say, by an asteroid).
        let pushed = ShipKinematics { pos: Vec2::new(10.0, 0.0), ..default() };
        let error = prediction.reconcile(&cfg, pushed, 0);
        assert!((error - 10.0).abs() < 1e-4);
        assert_eq!(prediction.offset, Vec2::new(-10.0, 0.0), "drawn where it was, then faded");
        assert_eq!(prediction.corrections, 1);
        // Respawn on the other side of the arena: no slide.
        let far = ShipKinematics { pos: Vec2::new(1500.0, 0.0), ..default() };
        prediction.reconcile(&cfg, far, 0);
        assert_eq!(prediction.offset, Vec2::ZERO);
    }
}
