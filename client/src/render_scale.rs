//! Render scale in the browser: when frames come too slowly at the page's full resolution (a
//! weak GPU, or none: a software rasteriser), the game draws fewer pixels — the canvas's
//! backing store shrinks and the page scales it up to fill the window — and goes back up when
//! there is room again. `?render-scale=0.8` (or `1`) pins it.
//!
//! Why it pays: much of a frame's GPU work is per pixel and not the game's own drawing — Bevy's
//! copy of its main texture to the window, wgpu's sRGB copy to the canvas and the browser's
//! compositing are full-screen passes whatever is on screen. In SwiftShader at 1280×720 with 20
//! ships (tests/e2e/frames.mjs, BENCHMARKS.md): 17–21 fps at 1, 24–26 at 0.8, 29 at 0.65.
//!
//! How: `#stage` (the canvas's parent in web/index.html) is laid out at `--render-scale` times
//! the window and scaled back up by a CSS transform; the canvas fits its parent, so its
//! backing store follows. The window's scale factor is set to the device's times the render
//! scale, so logical pixels stay CSS pixels: the UI keeps its size and the pointer its place.
//! The desktop build does not use it (its window is the display's; natively only the tests run).
#![cfg_attr(not(target_family = "wasm"), allow(dead_code, reason = "the browser build's; natively only its tests run"))]

use bevy::prelude::*;

use crate::console::{Report, report};

/// The scales tried in turn, from full resolution down (pixels drawn: 100 %, 64 %, 42 %).
pub const STEPS: [f32; 3] = [1.0, 0.8, 0.65];
/// A typical frame (see [`RenderScale::observe`]) slower than this (under ~22 fps) steps the
/// scale down.
const SLOW_FRAME_MS: f32 = 45.0;
/// A typical frame faster than this (over ~50 fps) steps it back up: far enough from the slow
/// mark that the next step up (1.5× the pixels at most) does not come back down.
const FAST_FRAME_MS: f32 = 20.0;
/// A step down pays when the typical frame after it is at most this fraction of the one before
/// (fewer pixels than 1.5× as few, for 10 % less time at least).
const STEP_DOWN_PAYS: f32 = 0.9;
/// Frames the decision looks at (a few seconds at the frame rates that matter).
const WINDOW_FRAMES: usize = 60;
/// Frames not looked at after a start or a change: shaders compile and the canvas resizes.
const SETTLE_FRAMES: u32 = 30;
/// Frames to wait for the canvas to take its new size (the page lays it out within a frame or
/// two) before taking it that it will not.
const RESIZE_WAIT_FRAMES: u32 = 10;

pub(super) fn plugin(app: &mut App) {
    let pinned = app.world().get_resource::<crate::launch::Launch>().and_then(|launch| launch.render_scale);
    app.insert_resource(RenderScale::new(pinned));
    // Before the frame's UI layout, right after the window took the canvas's new size.
    app.add_systems(PreUpdate, apply);
    app.add_systems(Last, measure);
}

/// The render scale and the frame times it is decided on.
#[derive(Resource, Debug)]
pub struct RenderScale {
    /// Index into [`STEPS`] (unused when pinned).
    step: usize,
    /// Pinned by the URL: never changed by frame times.
    pinned: Option<f32>,
    /// Recent frame times, ms.
    frames: Vec<f32>,
    /// Frames left to ignore.
    settle: u32,
    /// The last step down, not yet judged: the step it left and the typical frame that caused it.
    tried: Option<(usize, f32)>,
    /// The lowest step allowed (raised when a step down did not pay).
    lowest: usize,
    /// The scale last put on the page (`None`: not yet).
    page: Option<f32>,
    /// The scale the canvas has: the page's, once the canvas took its size.
    canvas: f32,
    /// Asked the page for a new scale: the window's pixels then, and frames left to wait for
    /// them to change.
    waiting: Option<(UVec2, u32)>,
}

impl RenderScale {
    /// Starts at full resolution, or at `pinned` (clamped to 0.25–1) for good.
    pub fn new(pinned: Option<f32>) -> Self {
        Self {
            step: 0,
            pinned: pinned.filter(|s| s.is_finite()).map(|s| s.clamp(0.25, 1.0)),
            frames: Vec::with_capacity(WINDOW_FRAMES),
            settle: SETTLE_FRAMES,
            tried: None,
            lowest: STEPS.len() - 1,
            page: None,
            canvas: 1.0,
            waiting: None,
        }
    }

    /// The fraction of the window's pixels drawn, per axis.
    pub fn scale(&self) -> f32 {
        self.pinned.unwrap_or(STEPS[self.step])
    }

    /// Takes one frame's duration; after a window of them, steps the scale if their typical
    /// frame says so and returns that time. Typical: the mean of the middle half (the
    /// interquartile mean) — a stall or a hidden tab's long frame does not decide, and unlike
    /// the median it is not stuck on the 16.7 ms steps that vsync puts frames on.
    pub fn observe(&mut self, frame_ms: f32) -> Option<f32> {
        if self.pinned.is_some() {
            return None;
        }
        if self.settle > 0 {
            self.settle -= 1;
            return None;
        }
        self.frames.push(frame_ms);
        if self.frames.len() < WINDOW_FRAMES {
            return None;
        }
        self.frames.sort_by(f32::total_cmp);
        let middle = &self.frames[WINDOW_FRAMES / 4..WINDOW_FRAMES - WINDOW_FRAMES / 4];
        let typical = middle.iter().sum::<f32>() / middle.len() as f32;
        self.frames.clear();
        let tried = self.tried.take();
        let step = match tried {
            // A step down that did not pay (the frame is not bound by its pixels: the CPU, or
            // a browser capping the frame rate): back up, and no lower for the rest of the game.
            Some((from, before)) if typical > before * STEP_DOWN_PAYS => {
                self.lowest = from;
                from
            }
            _ if typical > SLOW_FRAME_MS && self.step < self.lowest => {
                self.tried = Some((self.step, typical));
                self.step + 1
            }
            _ if typical < FAST_FRAME_MS && self.step > 0 => self.step - 1,
            _ => return None,
        };
        self.step = step;
        self.settle = SETTLE_FRAMES;
        Some(typical)
    }
}

fn measure(time: Res<Time<Real>>, mut scale: ResMut<RenderScale>) {
    if let Some(typical) = scale.observe(time.delta_secs() * 1000.0) {
        report(Report::RenderScale { scale: scale.scale(), frame_ms: Some(typical) });
    }
}

/// Puts the scale on the page, then on the window once the canvas has its new pixels (so no
/// frame lays the UI out for a size the window does not have), and keeps the window's factor
/// right if the device's changes.
fn apply(mut scale: ResMut<RenderScale>, mut window: Single<&mut Window, With<bevy::window::PrimaryWindow>>) {
    let wanted = scale.scale();
    let physical = window.resolution.physical_size();
    if scale.page != Some(wanted) {
        let first = scale.page.is_none();
        scale.page = Some(wanted);
        if first && wanted == 1.0 {
            // The page starts at full resolution: nothing to ask.
            return;
        }
        set_page_scale(wanted);
        if scale.pinned.is_some() {
            report(Report::RenderScale { scale: wanted, frame_ms: None });
        }
        scale.waiting = Some((physical, RESIZE_WAIT_FRAMES));
        return;
    }
    if let Some((before, frames_left)) = scale.waiting {
        if physical != before {
            scale.canvas = wanted;
            scale.waiting = None;
        } else if frames_left > 0 {
            scale.waiting = Some((before, frames_left - 1));
            return;
        } else {
            // The page did not resize the canvas (it has no `#stage`): the canvas keeps its
            // scale, and so does the window; the next frames judge the step as not paying.
            scale.waiting = None;
        }
    }
    let factor = (scale.canvas < 1.0).then_some(window.resolution.base_scale_factor() * scale.canvas);
    if window.resolution.scale_factor_override() != factor {
        window.resolution.set_scale_factor_override(factor);
    }
}

/// Sets `--render-scale` on the page's root element (web/index.html's `#stage` reads it).
#[cfg(target_family = "wasm")]
fn set_page_scale(scale: f32) {
    use wasm_bindgen::JsCast;
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
    if let Some(root) = root.and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = root.style().set_property("--render-scale", &scale.to_string());
    }
}

#[cfg(not(target_family = "wasm"))]
fn set_page_scale(_scale: f32) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(scale: &mut RenderScale, frame_ms: f32, frames: u32) -> Vec<f32> {
        (0..frames).filter_map(|_| scale.observe(frame_ms)).collect()
    }

    #[test]
    fn slow_frames_step_the_scale_down_one_step_at_a_time() {
        let mut scale = RenderScale::new(None);
        assert_eq!(scale.scale(), 1.0);
        // Settling frames are not looked at, however slow.
        assert!(feed(&mut scale, 500.0, SETTLE_FRAMES).is_empty());
        // Frames bound by their pixels: each step down makes them faster.
        assert_eq!(feed(&mut scale, 90.0, WINDOW_FRAMES as u32), vec![90.0]);
        assert_eq!(scale.scale(), 0.8);
        feed(&mut scale, 60.0, SETTLE_FRAMES + WINDOW_FRAMES as u32);
        assert_eq!(scale.scale(), 0.65);
        feed(&mut scale, 46.0, 5 * (SETTLE_FRAMES + WINDOW_FRAMES as u32));
        assert_eq!(scale.scale(), 0.65, "the last step is the floor");
    }

    #[test]
    fn playable_frames_keep_the_scale_and_fast_ones_step_back_up() {
        let window = WINDOW_FRAMES as u32;
        let mut scale = RenderScale::new(None);
        feed(&mut scale, 33.0, SETTLE_FRAMES + 10 * window);
        assert_eq!(scale.scale(), 1.0, "30 fps is fine at full resolution");
        assert_eq!(feed(&mut scale, 50.0, window), vec![50.0]);
        assert_eq!(scale.scale(), 0.8);
        feed(&mut scale, 30.0, SETTLE_FRAMES + 10 * window);
        assert_eq!(scale.scale(), 0.8, "between the marks nothing changes");
        assert_eq!(feed(&mut scale, 12.0, window), vec![12.0]);
        assert_eq!(scale.scale(), 1.0);
    }

    #[test]
    fn a_step_down_that_does_not_pay_is_undone_for_good() {
        let window = WINDOW_FRAMES as u32;
        let mut scale = RenderScale::new(None);
        feed(&mut scale, 60.0, SETTLE_FRAMES);
        assert_eq!(feed(&mut scale, 60.0, window), vec![60.0]);
        assert_eq!(scale.scale(), 0.8);
        // Not faster with fewer pixels: the frame is bound by something else.
        assert_eq!(feed(&mut scale, 58.0, SETTLE_FRAMES + window), vec![58.0]);
        assert_eq!(scale.scale(), 1.0);
        feed(&mut scale, 60.0, 20 * (SETTLE_FRAMES + window));
        assert_eq!(scale.scale(), 1.0, "no second try");
    }

    #[test]
    fn a_step_down_that_pays_is_kept_and_the_next_one_judged_too() {
        let window = WINDOW_FRAMES as u32;
        let mut scale = RenderScale::new(None);
        feed(&mut scale, 70.0, SETTLE_FRAMES + window);
        assert_eq!(scale.scale(), 0.8);
        // 0.8 is faster but still slow: the next step is tried, and does not pay.
        assert_eq!(feed(&mut scale, 50.0, SETTLE_FRAMES + window), vec![50.0]);
        assert_eq!(scale.scale(), 0.65);
        assert_eq!(feed(&mut scale, 49.0, SETTLE_FRAMES + window), vec![49.0]);
        assert_eq!(scale.scale(), 0.8, "back to the step that paid");
        feed(&mut scale, 50.0, 20 * (SETTLE_FRAMES + window));
        assert_eq!(scale.scale(), 0.8);
    }

    #[test]
    fn a_few_long_frames_do_not_decide() {
        let mut scale = RenderScale::new(None);
        feed(&mut scale, 16.7, SETTLE_FRAMES);
        let mut changes = Vec::new();
        for i in 0..WINDOW_FRAMES {
            // A hidden tab or a stall: a quarter of the window is very long.
            changes.extend(scale.observe(if i % 4 == 0 { 900.0 } else { 16.7 }));
        }
        assert!(changes.is_empty());
        assert_eq!(scale.scale(), 1.0);
    }

    /// A headless app with a 1024×576-pixel window on a 2× device and the plugin, pinned at 0.8.
    fn app_with_window() -> (App, Entity) {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins);
        app.insert_resource(crate::launch::Launch { render_scale: Some(0.8), ..default() });
        let mut resolution = bevy::window::WindowResolution::new(1024, 576);
        resolution.set_scale_factor(2.0);
        let window = app.world_mut().spawn((Window { resolution, ..default() }, bevy::window::PrimaryWindow)).id();
        app.add_plugins(plugin);
        (app, window)
    }

    fn resolution(app: &App, window: Entity) -> &bevy::window::WindowResolution {
        &app.world().get::<Window>(window).unwrap().resolution
    }

    /// Once the canvas has its new pixels, the window's scale factor is the device's times the
    /// render scale: logical pixels stay CSS pixels (the UI keeps its size).
    #[test]
    fn the_window_follows_when_the_canvas_has_its_new_pixels() {
        let (mut app, window) = app_with_window();
        app.update();
        app.update();
        assert_eq!(resolution(&app, window).scale_factor(), 2.0, "waits for the canvas to resize");
        // The page laid the stage out at 0.8: the canvas's backing store is 0.8 × 0.8 as big.
        app.world_mut().get_mut::<Window>(window).unwrap().resolution.set_physical_resolution(819, 461);
        app.update();
        let resolution = resolution(&app, window);
        assert_eq!(resolution.scale_factor(), 1.6);
        assert_eq!((resolution.width().round(), resolution.height().round()), (512.0, 288.0), "the same logical size as before");
    }

    #[test]
    fn the_window_keeps_its_factor_if_the_canvas_keeps_its_size() {
        let (mut app, window) = app_with_window();
        for _ in 0..RESIZE_WAIT_FRAMES + 5 {
            app.update();
        }
        assert_eq!(resolution(&app, window).scale_factor(), 2.0, "the UI must not shrink on a canvas that did not");
    }

    #[test]
    fn a_pinned_scale_never_moves() {
        let mut scale = RenderScale::new(Some(0.8));
        assert!(feed(&mut scale, 200.0, 1000).is_empty());
        assert_eq!(scale.scale(), 0.8);
        assert_eq!(RenderScale::new(Some(7.0)).scale(), 1.0);
        assert_eq!(RenderScale::new(Some(0.01)).scale(), 0.25);
        assert_eq!(RenderScale::new(Some(f32::NAN)).scale(), 1.0);
    }
}
