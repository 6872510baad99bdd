//! The browser's text engine: a canvas 2D context (not in the page) measures and draws a line
//! of text with the system's fonts, so the browser shapes it, runs right-to-left scripts,
//! falls back from font to font and draws colour emoji; the pixels are read back for the atlas.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::{Raster, raster_height};

/// The families asked for, in order: the system's interface font, then emoji fonts; the
/// browser falls back by script from there.
const FAMILIES: &str = "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Noto Sans\", sans-serif, \"Apple Color Emoji\", \"Segoe UI Emoji\", \"Noto Color Emoji\"";

/// Draws with the canvas 2D context of [`CANVAS`].
pub struct Engine {
    /// The font the context was last set to.
    font_px: f32,
}

thread_local! {
    /// The engine's canvas (JavaScript objects stay on the page's one thread, so the engine
    /// itself holds none and can be a resource).
    static CANVAS: Option<(HtmlCanvasElement, CanvasRenderingContext2d)> = canvas();
}

/// A canvas with a 2D context that is read back often (kept in memory, not on the GPU).
fn canvas() -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    let document = web_sys::window()?.document()?;
    let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE).ok()?;
    let context = canvas.get_context_with_context_options("2d", &options).ok()??.dyn_into().ok()?;
    Some((canvas, context))
}

/// Lines kept in the page's record of what was drawn.
const RECORDED_LINES: u32 = 512;

/// Notes a drawn line in the page's `driftfireWritten` list (the newest [`RECORDED_LINES`]):
/// text, font, direction, colour, size and an FNV-1a hash of its pixels as the canvas gave them,
/// so the end-to-end test can draw the same line with the page's own canvas and compare.
fn record(text: &str, font: &str, rtl: bool, color: [u8; 4], raster: &Raster) {
    let Some(window) = web_sys::window() else { return };
    let key = JsValue::from_str("driftfireWritten");
    let list = match js_sys::Reflect::get(&window, &key) {
        Ok(list) if list.is_object() => js_sys::Array::from(&list),
        _ => {
            let list = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&window, &key, &list);
            list
        }
    };
    if list.length() >= RECORDED_LINES {
        list.shift();
    }
    let hash = raster.rgba.iter().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193));
    let line = js_sys::Object::new();
    for (name, value) in [
        ("text", JsValue::from_str(text)),
        ("font", JsValue::from_str(font)),
        ("direction", JsValue::from_str(if rtl { "rtl" } else { "ltr" })),
        ("fill", JsValue::from_str(&fill(color))),
        ("width", JsValue::from(raster.width)),
        ("height", JsValue::from(raster.height)),
        ("hash", JsValue::from(hash)),
    ] {
        let _ = js_sys::Reflect::set(&line, &JsValue::from_str(name), &value);
    }
    list.push(&line);
}

/// A colour as a canvas fill style.
fn fill(color: [u8; 4]) -> String {
    format!("rgba({},{},{},{})", color[0], color[1], color[2], color[3] as f32 / 255.0)
}

/// Whether `text`'s first strongly directional letter is right-to-left (Hebrew, Arabic,
/// Syriac, Thaana, N'Ko…, and their presentation forms).
fn right_to_left(text: &str) -> bool {
    text.chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(|c| matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' | '\u{10800}'..='\u{10FFF}' | '\u{1E800}'..='\u{1EFFF}'))
}

impl Engine {
    /// The page's text canvas, made on first use.
    pub fn new() -> Self {
        Self { font_px: 0.0 }
    }

    /// Whether the canvas could be made (the browser has fonts).
    pub fn has_fonts(&self) -> bool {
        CANVAS.with(Option::is_some)
    }

    fn set_font(context: &CanvasRenderingContext2d, px: f32) {
        context.set_font(&format!("{px}px {FAMILIES}"));
    }

    /// How wide `text` is on one line at `px` pixels to the em.
    pub fn measure(&mut self, text: &str, px: f32) -> f32 {
        CANVAS.with(|canvas| {
            let Some((_, context)) = canvas else { return 0.0 };
            if self.font_px != px {
                Self::set_font(context, px);
                self.font_px = px;
            }
            context.measure_text(text).map_or(0.0, |metrics| metrics.width() as f32)
        })
    }

    /// `text` on one line at `px` pixels to the em in `color` (sRGB), its line centred in
    /// [`raster_height`] rows.
    pub fn draw(&mut self, text: &str, px: f32, color: [u8; 4]) -> Raster {
        let width = (self.measure(text, px).ceil() as u32).max(1);
        let height = raster_height(px);
        let mut raster = Raster::empty(width, height);
        CANVAS.with(|canvas| {
            let Some((canvas, context)) = canvas else { return };
            // Resizing clears the canvas and resets its state (the font is set again below).
            canvas.set_width(width);
            canvas.set_height(height);
            Self::set_font(context, px);
            let rtl = right_to_left(text);
            let _ = js_sys::Reflect::set(context, &"direction".into(), &(if rtl { "rtl" } else { "ltr" }).into());
            context.set_text_baseline("middle");
            context.set_fill_style_str(&fill(color));
            let x = if rtl { width as f64 } else { 0.0 };
            let _ = context.fill_text(text, x, height as f64 / 2.0);
            if let Ok(image) = context.get_image_data(0.0, 0.0, width as f64, height as f64) {
                raster.rgba = image.data().0;
                record(text, &context.font(), rtl, color, &raster);
                raster.premultiply();
            }
        });
        raster
    }
}
