//! In the browser: Web Audio through web-sys, so the bundle only gains a few bindings (Bevy's
//! audio would add rodio, cpal and their web backend). The synthesized samples are copied into
//! one `AudioBuffer` each; a sound is a buffer source through a gain node into a master gain.
//! The engine is one looping source whose gain follows your thrust.
//!
//! Browsers only let a page start audio from inside a user gesture, so the `AudioContext` is
//! created (and resumed, if the browser suspended it) by listeners on the window's first
//! `keydown`, `pointerdown` and `touchend`, inside the event itself: no "not allowed to start"
//! warning, and it works in Safari too. The mute choice lives in localStorage.

use std::cell::RefCell;
use std::rc::Rc;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{AudioBuffer, AudioContext, AudioContextState, GainNode};

use super::Sfx;
use super::synth::{SAMPLE_RATE, synthesize};

const MUTED_KEY: &str = "driftfire.muted";

pub(super) fn setup(app: &mut App) {
    app.insert_non_send(WebAudio::install());
}

/// Where the mute choice is remembered: the page's localStorage.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct MuteStore;

impl MuteStore {
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    /// The remembered choice, if any.
    pub(super) fn load(&self) -> Option<bool> {
        Self::storage()?.get_item(MUTED_KEY).ok()??.parse().ok()
    }

    /// Remembers the choice (storage may be off: then it is not remembered).
    pub(super) fn save(&self, muted: bool) {
        if let Some(storage) = Self::storage() {
            let _ = storage.set_item(MUTED_KEY, &muted.to_string());
        }
    }
}

/// The audio graph, once a gesture has made it.
struct Graph {
    context: AudioContext,
    master: GainNode,
    buffers: Vec<AudioBuffer>,
    engine: GainNode,
}

impl Graph {
    fn build(samples: &[Vec<f32>]) -> Result<Self, wasm_bindgen::JsValue> {
        let context = AudioContext::new()?;
        let master = context.create_gain()?;
        master.connect_with_audio_node(&context.destination())?;
        let mut buffers = Vec::with_capacity(samples.len());
        for sound in samples {
            let buffer = context.create_buffer(1, sound.len() as u32, SAMPLE_RATE as f32)?;
            buffer.copy_to_channel(sound, 0)?;
            buffers.push(buffer);
        }
        let engine = context.create_gain()?;
        engine.gain().set_value(0.0);
        engine.connect_with_audio_node(&master)?;
        let source = context.create_buffer_source()?;
        source.set_buffer(Some(&buffers[Sfx::Thrust.index()]));
        source.set_loop(true);
        source.connect_with_audio_node(&engine)?;
        source.start()?;
        Ok(Self { context, master, buffers, engine })
    }

    fn running(&self) -> bool {
        self.context.state() == AudioContextState::Running
    }

    fn play(&self, sfx: Sfx, volume: f32) -> Result<(), wasm_bindgen::JsValue> {
        let source = self.context.create_buffer_source()?;
        source.set_buffer(Some(&self.buffers[sfx.index()]));
        let gain = self.context.create_gain()?;
        gain.gain().set_value(volume);
        source.connect_with_audio_node(&gain)?;
        gain.connect_with_audio_node(&self.master)?;
        source.start()
    }
}

/// The samples until a gesture, then the graph.
#[derive(Default)]
struct Shared {
    samples: Vec<Vec<f32>>,
    graph: Option<Graph>,
    gestured: bool,
    failed: bool,
}

impl Shared {
    /// Inside a user gesture: make the graph, or wake it if the browser suspended it.
    fn on_gesture(&mut self) {
        self.gestured = true;
        if self.failed {
            return;
        }
        if self.graph.is_none() {
            match Graph::build(&self.samples) {
                Ok(graph) => self.graph = Some(graph),
                Err(error) => {
                    self.failed = true;
                    crate::console::warn(format_args!("driftfire: Web Audio unavailable: {error:?}"));
                    return;
                }
            }
        }
        if let Some(graph) = &self.graph
            && !graph.running()
        {
            let _ = graph.context.resume();
        }
    }
}

/// The page's sound (not `Send`: JavaScript objects stay on the main thread).
pub(super) struct WebAudio(Rc<RefCell<Shared>>);

impl WebAudio {
    fn install() -> Self {
        let shared = Rc::new(RefCell::new(Shared { samples: Sfx::ALL.iter().map(|s| synthesize(*s)).collect(), ..default() }));
        if let Some(window) = web_sys::window() {
            for event in ["keydown", "pointerdown", "touchend"] {
                let shared = shared.clone();
                let listener = Closure::<dyn FnMut()>::new(move || shared.borrow_mut().on_gesture());
                // Capturing, so the game's own handlers cannot stop the event first.
                let _ = window.add_event_listener_with_callback_and_bool(event, listener.as_ref().unchecked_ref(), true);
                // The listeners live as long as the page.
                listener.forget();
            }
        }
        Self(shared)
    }
}

/// Plays sounds: the one API `mod.rs` uses on every platform.
#[derive(SystemParam)]
pub(super) struct Speaker<'w> {
    audio: NonSend<'w, WebAudio>,
}

impl Speaker<'_> {
    /// Whether a gesture reached the page (a touch Bevy does not report as a key or click).
    pub(super) fn gestured(&self) -> bool {
        self.audio.0.borrow().gestured
    }

    /// A first input happened; the listeners have already made the graph inside it.
    pub(super) fn unlock(&mut self) {}

    /// Starts `sfx` at `volume` (0..1) if the graph runs.
    pub(super) fn play(&mut self, sfx: Sfx, volume: f32) {
        let shared = self.audio.0.borrow();
        if let Some(graph) = shared.graph.as_ref().filter(|g| g.running())
            && let Err(error) = graph.play(sfx, volume)
        {
            crate::console::warn(format_args!("driftfire: sound {} failed: {error:?}", sfx.name()));
        }
    }

    /// Sets the engine loop's volume (0 silences it).
    pub(super) fn set_engine(&mut self, volume: f32) {
        if let Some(graph) = &self.audio.0.borrow().graph {
            let gain = graph.engine.gain();
            if (gain.value() - volume).abs() > 0.001 {
                gain.set_value(volume);
            }
        }
    }
}
