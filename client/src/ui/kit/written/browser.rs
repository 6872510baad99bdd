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

/// A colour as a canvas fill style.
fn fill(color: [u8; 4]) -> String {
    format!("rgba({},{},{},{})", color[0], color[1], color[2], color[3] as f32 / 255.0)
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
            // The base direction stays the page's (left to right, as the interface reads): a
            // right-to-left name is its own run inside it, so "3. محمد  0" keeps its order.
            context.set_text_baseline("middle");
            context.set_fill_style_str(&fill(color));
            let _ = context.fill_text(text, 0.0, height as f64 / 2.0);
            if let Ok(image) = context.get_image_data(0.0, 0.0, width as f64, height as f64) {
                raster.rgba = image.data().0;
                raster.premultiply();
            }
        });
        raster
    }
}
