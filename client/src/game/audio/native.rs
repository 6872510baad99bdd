//! Natively: Bevy's audio (rodio on cpal) plays the synthesized sounds as assets of a small
//! source type of our own ([`Tone`]: samples, no decoder, so no audio format features). The
//! engine is one looping player whose volume follows your thrust.
//!
//! A machine without an audio device (CI under Xvfb has none) must not break: Bevy then has no
//! output and never starts a player, so the engine loop doubles as a probe: if it has not
//! started within [`PROBE_SECS`], sound is off for this run (one log line) and nothing more is
//! spawned. Without Bevy's audio plugin at all (headless tests) nothing is played either.
//!
//! The mute choice lives in `driftfire/muted` in the platform's config folder.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bevy::audio::{AddAudioSource, AudioPlugin, AudioSink, ChannelCount, Decodable, SampleRate, Source, Volume};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::Sfx;
use super::synth::{SAMPLE_RATE, synthesize};
use crate::console::{Report, report};

/// Seconds the engine loop may take to start before the output counts as missing.
const PROBE_SECS: f64 = 2.0;
const RATE: SampleRate = SampleRate::new(SAMPLE_RATE).expect("non-zero sample rate");

pub(super) fn setup(app: &mut App) {
    if !app.is_plugin_added::<AudioPlugin>() {
        return;
    }
    app.add_audio_source::<Tone>();
    app.add_systems(Startup, load_sounds);
    app.add_systems(Update, probe_output);
}

/// Where the mute choice is remembered: a file, by default `driftfire/muted` in the platform's
/// config folder (tests point it elsewhere); `None` remembers nothing.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct MuteStore {
    /// The file.
    pub file: Option<PathBuf>,
}

impl Default for MuteStore {
    fn default() -> Self {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
        Self { file: base.map(|base| base.join("driftfire").join("muted")) }
    }
}

impl MuteStore {
    /// The remembered choice, if any.
    pub(super) fn load(&self) -> Option<bool> {
        std::fs::read_to_string(self.file.as_ref()?).ok()?.trim().parse().ok()
    }

    /// Remembers the choice (a failure is logged, never fatal).
    pub(super) fn save(&self, muted: bool) {
        let Some(file) = &self.file else { return };
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(error) = std::fs::write(file, muted.to_string()) {
            crate::console::warn(format_args!("cannot remember the mute choice in {}: {error}", file.display()));
        }
    }
}

/// A synthesized sound as a Bevy audio asset.
#[derive(Asset, TypePath, Debug, Clone)]
pub(super) struct Tone(Arc<[f32]>);

impl Decodable for Tone {
    type Decoder = ToneSamples;

    fn decoder(&self) -> ToneSamples {
        ToneSamples { samples: self.0.clone(), at: 0 }
    }
}

/// A [`Tone`] being played.
pub(super) struct ToneSamples {
    samples: Arc<[f32]>,
    at: usize,
}

impl Iterator for ToneSamples {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        let sample = self.samples.get(self.at).copied();
        self.at += 1;
        sample
    }
}

impl Source for ToneSamples {
    fn current_span_len(&self) -> Option<usize> {
        Some(self.samples.len().saturating_sub(self.at))
    }

    fn channels(&self) -> ChannelCount {
        ChannelCount::MIN
    }

    fn sample_rate(&self) -> SampleRate {
        RATE
    }

    fn total_duration(&self) -> Option<Duration> {
        Some(Duration::from_secs_f64(self.samples.len() as f64 / f64::from(SAMPLE_RATE)))
    }
}

/// Whether Bevy's audio output works.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Output {
    /// Waiting for the engine loop to start (since this many seconds).
    Probing(f64),
    Ready,
    Missing,
}

/// The sounds, loaded.
#[derive(Resource)]
pub(super) struct Bank {
    tones: Vec<Handle<Tone>>,
    output: Output,
}

/// The engine's looping player.
#[derive(Component)]
struct EngineLoop;

fn load_sounds(mut commands: Commands, time: Res<Time<Real>>, mut tones: ResMut<Assets<Tone>>) {
    let tones: Vec<Handle<Tone>> = Sfx::ALL.iter().map(|sfx| tones.add(Tone(synthesize(*sfx).into()))).collect();
    let engine = tones[Sfx::Thrust.index()].clone();
    commands.spawn((EngineLoop, AudioPlayer(engine), PlaybackSettings::LOOP.with_volume(Volume::Linear(0.0)).paused()));
    commands.insert_resource(Bank { tones, output: Output::Probing(time.elapsed_secs_f64()) });
}

fn probe_output(
    mut commands: Commands,
    time: Res<Time<Real>>,
    bank: Option<ResMut<Bank>>,
    engine: Query<(Entity, Has<AudioSink>), With<EngineLoop>>,
) {
    let Some(mut bank) = bank else { return };
    let Output::Probing(since) = bank.output else { return };
    let Ok((entity, started)) = engine.single() else { return };
    if started {
        bank.output = Output::Ready;
    } else if time.elapsed_secs_f64() - since > PROBE_SECS {
        bank.output = Output::Missing;
        commands.entity(entity).despawn();
        report(Report::NoAudioOutput);
    }
}

/// Plays sounds: the one API `mod.rs` uses on every platform.
#[derive(SystemParam)]
pub(super) struct Speaker<'w, 's> {
    commands: Commands<'w, 's>,
    bank: Option<Res<'w, Bank>>,
    engine: Query<'w, 's, &'static mut AudioSink, With<EngineLoop>>,
}

impl Speaker<'_, '_> {
    /// Whether the platform saw a first input Bevy does not (none natively).
    pub(super) fn gestured(&self) -> bool {
        false
    }

    /// A first input happened (nothing to do natively: no autoplay rules).
    pub(super) fn unlock(&mut self) {}

    /// Starts `sfx` at `volume` (0..1) if there is an output.
    pub(super) fn play(&mut self, sfx: Sfx, volume: f32) {
        let Some(bank) = &self.bank else { return };
        if bank.output == Output::Ready {
            let tone = bank.tones[sfx.index()].clone();
            self.commands.spawn((AudioPlayer(tone), PlaybackSettings::DESPAWN.with_volume(Volume::Linear(volume))));
        }
    }

    /// Sets the engine loop's volume; 0 pauses it.
    pub(super) fn set_engine(&mut self, volume: f32) {
        let Ok(mut sink) = self.engine.single_mut() else { return };
        if volume <= 0.0 {
            if !sink.is_paused() {
                sink.pause();
            }
            return;
        }
        sink.set_volume(Volume::Linear(volume));
        if sink.is_paused() {
            sink.play();
        }
    }
}
