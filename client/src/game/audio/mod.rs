//! Sound: five effects (fire, hit, explosion, thrust, kill) synthesized at start-up by `synth`
//! (no asset files), played for the [`Cue`]s of [`super::effects`] and for your engine, behind
//! one API with the platform underneath: Bevy's audio natively (`native.rs`), Web Audio in the
//! browser (`wasm.rs`, which adds only bindings to the bundle).
//!
//! M toggles mute (not while typing a chat line), remembered across runs ([`MuteStore`]:
//! localStorage in the browser, a small file natively). Sound stays off until the first key,
//! click or touch, as browsers require.
//!
//! Other ships' sounds fade with their distance from the camera, and each kind of sound from
//! others plays at most every `REPEAT_SECS`, so twenty ships firing stay a texture rather
//! than a wall of noise.

#[cfg(not(target_family = "wasm"))]
mod native;
#[cfg(not(target_family = "wasm"))]
use native as platform;
#[cfg(target_family = "wasm")]
mod wasm;
#[cfg(target_family = "wasm")]
use wasm as platform;
mod synth;

use bevy::prelude::*;

pub use platform::MuteStore;
use platform::Speaker;

use super::chat::ChatLine;
use super::effects::{Cue, engine_on};
use super::input::InputClock;
use super::sync::{MyShip, ShipView};
use crate::console::{Report, Throttle, report};
use crate::state::{GameSet, Screen};

/// Others' sounds of one kind play at most this often.
const REPEAT_SECS: f64 = 0.045;
/// Others' sounds are silent at this distance from the camera and beyond (a little more than
/// half the view's width).
const HEARING: f32 = 1100.0;
/// Loudness of the engine loop.
const ENGINE_VOLUME: f32 = 0.22;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<MuteStore>();
    app.init_resource::<Sound>();
    platform::setup(app);
    app.add_systems(Startup, |sound: Res<Sound>| report(Report::Muted(sound.muted)));
    app.add_systems(Update, (unlock_on_first_input, toggle_mute.run_if(in_state(Screen::Playing)), remember).chain());
    app.add_systems(Update, (play_cues, run_engine).in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
    app.add_systems(OnExit(Screen::Playing), |mut speaker: Speaker, mut sound: ResMut<Sound>| {
        sound.engine = 0.0;
        speaker.set_engine(0.0);
    });
}

/// One of the game's sounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sfx {
    /// A gun.
    Fire,
    /// A ship hit.
    Hit,
    /// A ship destroyed.
    Explosion,
    /// Your engine (a loop).
    Thrust,
    /// You destroyed a ship.
    Kill,
}

impl Sfx {
    /// Every sound, in [`index`](Self::index) order.
    pub const ALL: [Sfx; 5] = [Sfx::Fire, Sfx::Hit, Sfx::Explosion, Sfx::Thrust, Sfx::Kill];

    /// Position in [`ALL`](Self::ALL).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name console lines use.
    pub fn name(self) -> &'static str {
        match self {
            Sfx::Fire => "fire",
            Sfx::Hit => "hit",
            Sfx::Explosion => "explosion",
            Sfx::Thrust => "thrust",
            Sfx::Kill => "kill",
        }
    }
}

/// The sound settings and what has been played.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct Sound {
    /// The player's choice (M), remembered in the [`MuteStore`].
    pub muted: bool,
    /// A key, click or touch has happened: from then on browsers let a page play sound.
    pub unlocked: bool,
    /// Sounds started so far, by [`Sfx::index`] (the engine counts each time it starts).
    played: [u32; 5],
    /// When each kind last played for someone else, seconds.
    last_other: [f64; 5],
    /// The engine's loudness, eased toward its target.
    engine: f32,
    lines: Throttle,
}

impl FromWorld for Sound {
    fn from_world(world: &mut World) -> Self {
        let muted = world.resource::<MuteStore>().load().unwrap_or(false);
        Self { muted, unlocked: false, played: [0; 5], last_other: [f64::NEG_INFINITY; 5], engine: 0.0, lines: Throttle::default() }
    }
}

impl Sound {
    /// Whether sounds play now: unlocked by a first input and not muted.
    pub fn audible(&self) -> bool {
        self.unlocked && !self.muted
    }

    /// How many times `sfx` has been started.
    pub fn played(&self, sfx: Sfx) -> u32 {
        self.played[sfx.index()]
    }

    /// Flips the mute choice (the M key; a touch button may call it too). It is remembered
    /// and reported by the next frame.
    pub fn toggle(&mut self) {
        self.muted = !self.muted;
    }

    fn count(&mut self, sfx: Sfx, now: f64) {
        self.played[sfx.index()] += 1;
        if self.lines.allow(sfx.name(), now) {
            report(Report::Sound(sfx.name()));
        }
    }
}

/// The first key, click or touch lifts the browsers' hold on sound.
fn unlock_on_first_input(
    keys: Res<ButtonInput<KeyCode>>,
    mouse: Res<ButtonInput<MouseButton>>,
    mut speaker: Speaker,
    mut sound: ResMut<Sound>,
) {
    if sound.unlocked {
        return;
    }
    if keys.get_just_pressed().next().is_some() || mouse.get_just_pressed().next().is_some() || speaker.gestured() {
        sound.unlocked = true;
        speaker.unlock();
        report(Report::SoundUnlocked);
    }
}

fn toggle_mute(keys: Res<ButtonInput<KeyCode>>, chat: Res<ChatLine>, mut sound: ResMut<Sound>) {
    if !chat.open && keys.just_pressed(KeyCode::KeyM) {
        sound.toggle();
    }
}

/// Remembers and reports a changed mute choice.
fn remember(sound: Res<Sound>, store: Res<MuteStore>, mut last: Local<Option<bool>>) {
    if last.is_none() {
        *last = Some(sound.muted);
    }
    if *last != Some(sound.muted) {
        *last = Some(sound.muted);
        store.save(sound.muted);
        report(Report::Muted(sound.muted));
    }
}

/// How loud a sound at `pos` is for the camera at `ear`, 0..1.
fn falloff(pos: Vec2, ear: Vec2) -> f32 {
    let near = 1.0 - (pos.distance(ear) / HEARING).min(1.0);
    near * near
}

/// Plays the cues: yours at full loudness, others' fading with distance and paced.
fn play_cues(
    time: Res<Time<Real>>,
    mut cues: MessageReader<Cue>,
    mut sound: ResMut<Sound>,
    mut speaker: Speaker,
    camera: Query<&Transform, With<Camera2d>>,
) {
    if !sound.audible() {
        cues.clear();
        return;
    }
    let now = time.elapsed_secs_f64();
    let ear = camera.iter().next().map_or(Vec2::ZERO, |t| t.translation.truncate());
    for cue in cues.read() {
        let (sfx, loudness, at, yours) = match *cue {
            Cue::Fire { pos, yours, .. } => (Sfx::Fire, if yours { 0.32 } else { 0.2 }, pos, yours),
            Cue::Hit { pos, yours, .. } => (Sfx::Hit, if yours { 0.8 } else { 0.4 }, pos, yours),
            Cue::Explosion { pos, yours, .. } => (Sfx::Explosion, 0.9, pos, yours),
            Cue::Kill { .. } => (Sfx::Kill, 0.55, ear, true),
        };
        let volume = if yours { loudness } else { loudness * falloff(at, ear) };
        if volume < 0.01 {
            continue;
        }
        if !yours {
            if now - sound.last_other[sfx.index()] < REPEAT_SECS {
                continue;
            }
            sound.last_other[sfx.index()] = now;
        }
        speaker.play(sfx, volume);
        sound.count(sfx, now);
    }
}

/// Your engine's loop, eased in and out with your thrust (from your controls, at once).
fn run_engine(
    time: Res<Time<Real>>,
    input: Res<InputClock>,
    chat: Res<ChatLine>,
    me: Query<&ShipView, With<MyShip>>,
    mut sound: ResMut<Sound>,
    mut speaker: Speaker,
) {
    let thrusting = !chat.open && me.iter().next().is_some_and(|view| engine_on(&view.0, true, &input));
    let target = if thrusting && sound.audible() { ENGINE_VOLUME } else { 0.0 };
    if target > 0.0 && sound.engine == 0.0 {
        sound.count(Sfx::Thrust, time.elapsed_secs_f64());
    }
    // About 60 ms to come up or fall away: no clicks, no lag you can hear.
    let blend = 1.0 - (-time.delta_secs() * 16.0).exp();
    let engine = sound.engine + (target - sound.engine) * blend;
    sound.engine = if engine < 0.002 && target == 0.0 { 0.0 } else { engine };
    speaker.set_engine(sound.engine);
}
