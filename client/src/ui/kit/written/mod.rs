//! Text players write (names, chat, the room's list, the hall of fame) drawn by a real text
//! engine, so it reads in every script: the browser's own (a canvas 2D context) or, on the
//! desktop, parley and swash over the system's fonts — one API, [`WrittenText`]. Each distinct
//! line is drawn once into a texture ([`atlas`]) that the UI kit and the arena's labels show
//! as textured quads. The interface's own English keeps the stroke font ([`super::font`]);
//! without any font (a desktop machine with none) written text falls back to it too.

mod atlas;
#[cfg(target_family = "wasm")]
#[path = "browser.rs"]
mod engine;
#[cfg(not(target_family = "wasm"))]
#[path = "native.rs"]
mod engine;
mod labels;
pub mod wrap;

use std::hash::{BuildHasher, Hash, Hasher};

use bevy::platform::collections::HashMap;
use bevy::platform::hash::{FixedHasher, NoOpHash};
use bevy::prelude::*;

use atlas::Atlas;
pub use atlas::{ATLAS_SIDE, AtlasWrite};
pub use labels::{LabelSystems, Labels};
pub(super) use labels::{plugin as labels_plugin, spawn_label_mesh};
pub use wrap::Line;

/// Marks a [`Text`](super::Text) node whose text players wrote (wholly or in part): drawn by
/// the text engine, not the stroke font.
#[derive(Component, Debug, Default, Clone, Copy)]
pub struct Written;

/// A drawn line's rows per pixel of em: room for Thai and Devanagari marks above and below and
/// for emoji, which stand taller than letters; the line itself is centred in them.
const RASTER_EM: f32 = 1.5;
/// Widths remembered at most (each a few bytes); past it the memory starts over.
const MAX_WIDTHS: usize = 4096;

/// Rows of a drawn line at `px` pixels to the em.
pub(crate) fn raster_height(px: f32) -> u32 {
    (px * RASTER_EM).ceil().max(1.0) as u32
}

/// A line drawn into pixels: RGBA, premultiplied, sRGB, rows top to bottom.
#[derive(Debug, Clone)]
pub struct Raster {
    /// Columns, pixels.
    pub width: u32,
    /// Rows, pixels.
    pub height: u32,
    /// `width × height` pixels.
    pub rgba: Vec<u8>,
    /// Glyphs no font had, drawn as the font's missing-glyph box (known natively; the browser
    /// does not say).
    pub missing_glyphs: usize,
}

impl Raster {
    fn empty(width: u32, height: u32) -> Self {
        Self { width, height, rgba: vec![0; (width * height * 4) as usize], missing_glyphs: 0 }
    }

    /// Lays straight-alpha `pixel` over the premultiplied pixel at `x`, `y` (outside: nothing).
    #[cfg_attr(target_family = "wasm", allow(dead_code))]
    fn blend(&mut self, x: i32, y: i32, pixel: [u8; 4]) {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return;
        }
        let i = ((y as u32 * self.width + x as u32) * 4) as usize;
        let alpha = pixel[3] as u32;
        for (channel, (value, below)) in pixel.iter().zip(&mut self.rgba[i..i + 4]).enumerate() {
            let source = if channel == 3 { alpha } else { *value as u32 * alpha / 255 };
            *below = (source + *below as u32 * (255 - alpha) / 255).min(255) as u8;
        }
    }

    /// Turns straight alpha into premultiplied.
    #[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
    fn premultiply(&mut self) {
        for pixel in self.rgba.chunks_exact_mut(4) {
            let alpha = pixel[3] as u32;
            for channel in &mut pixel[..3] {
                *channel = (*channel as u32 * alpha / 255) as u8;
            }
        }
    }

    /// Whether anything was drawn.
    pub fn is_blank(&self) -> bool {
        self.rgba.chunks_exact(4).all(|pixel| pixel[3] == 0)
    }
}

/// Where a drawn line is in the atlas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// Its corners in texture coordinates (0 to 1).
    pub uv: Rect,
    /// Its size, pixels of the atlas (physical pixels on screen).
    pub size: Vec2,
}

/// The text engine and the atlas of lines it drew.
#[derive(Resource)]
pub struct WrittenText {
    engine: engine::Engine,
    atlas: Atlas,
    /// Widths by [`key`] (a hash already).
    widths: HashMap<u64, f32, NoOpHash>,
    /// Whether the atlas was emptied this frame already (it is emptied at most once a frame,
    /// so a frame needing more than it holds cannot empty it over and over).
    cleared_this_frame: bool,
}

fn key(text: &str, px: f32, color: Option<[u8; 4]>) -> u64 {
    let mut hasher = FixedHasher.build_hasher();
    text.hash(&mut hasher);
    px.to_bits().hash(&mut hasher);
    color.hash(&mut hasher);
    hasher.finish()
}

impl Default for WrittenText {
    fn default() -> Self {
        Self::new()
    }
}

impl WrittenText {
    /// The platform's engine, with an empty atlas.
    pub fn new() -> Self {
        let engine = engine::Engine::new();
        // (In the browser a canvas is always there: the page's own fonts draw.)
        #[cfg(not(target_family = "wasm"))]
        if !engine.has_fonts() {
            bevy::log::warn!("no fonts found: players' names and chat are drawn with the built-in stroke font (Latin letters only)");
        }
        Self { engine, atlas: Atlas::default(), widths: HashMap::default(), cleared_this_frame: false }
    }

    /// Whether the engine has fonts to draw with.
    pub fn available(&self) -> bool {
        self.engine.has_fonts()
    }

    /// How wide `text` is on one line at `px` pixels to the em.
    pub fn width(&mut self, text: &str, px: f32) -> f32 {
        let key = key(text, px, None);
        if let Some(&width) = self.widths.get(&key) {
            return width;
        }
        if self.widths.len() >= MAX_WIDTHS {
            self.widths.clear();
        }
        let width = self.engine.measure(text, px);
        self.widths.insert(key, width);
        width
    }

    /// `text` broken into lines as [`wrap::lines`] does at `px`; continuation lines set in by
    /// an em.
    pub fn lines<'a>(&mut self, text: &'a str, px: f32, wrap_width: Option<f32>) -> Vec<Line<'a>> {
        wrap::lines(text, wrap_width, px, &mut |line| self.width(line, px))
    }

    /// `text` cut with an ellipsis to fit `max` pixels at `px`.
    pub fn ellipsize(&mut self, text: &str, px: f32, max: f32) -> String {
        wrap::ellipsize(text, max, &mut |line| self.width(line, px))
    }

    /// The laid-out size of `text` at `px` (lines of the stroke font's height, so written and
    /// interface text line up).
    pub fn measure(&mut self, text: &str, px: f32, wrap_width: Option<f32>) -> Vec2 {
        let lines = self.lines(text, px, wrap_width);
        let width = lines.iter().map(|line| line.width + line.indent).fold(0.0, f32::max);
        Vec2::new(width, lines.len() as f32 * super::font::line_height(px))
    }

    /// One line of `text` drawn at `px` pixels to the em in `color`: where it is in the atlas
    /// (drawn now if it was not). `None` if it cannot be placed this frame.
    pub fn line(&mut self, text: &str, px: f32, color: Color) -> Option<Placed> {
        let srgba = color.to_srgba().to_u8_array();
        let key = key(text, px, Some(srgba));
        let rect = match self.atlas.get(key) {
            Some(rect) => rect,
            None => {
                let raster = self.engine.draw(text, px, srgba);
                let before = self.atlas.generation;
                let rect = self.atlas.insert(key, &raster, !self.cleared_this_frame);
                self.cleared_this_frame |= self.atlas.generation != before;
                rect?
            }
        };
        let side = ATLAS_SIDE as f32;
        Some(Placed { uv: Rect { min: rect.min.as_vec2() / side, max: rect.max.as_vec2() / side }, size: rect.size().as_vec2() })
    }

    /// `text` drawn at `px` in `color`, as the atlas holds it, without placing it (tests).
    pub fn draw(&mut self, text: &str, px: f32, color: Color) -> Raster {
        self.engine.draw(text, px, color.to_srgba().to_u8_array())
    }

    /// Counts the times the atlas was emptied: places taken before are stale.
    pub fn generation(&self) -> u64 {
        self.atlas.generation
    }

    /// Lines held in the atlas.
    pub fn lines_held(&self) -> usize {
        self.atlas.len()
    }

    /// At the end of a frame (as the frame goes to the GPU): the atlas's writes since the last
    /// call; the next frame may empty the atlas again.
    pub(super) fn end_frame(&mut self) -> Vec<AtlasWrite> {
        self.cleared_this_frame = false;
        std::mem::take(&mut self.atlas.writes)
    }
}

/// The engine (made now: finding fonts takes a moment).
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<WrittenText>();
}
