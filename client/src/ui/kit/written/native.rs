//! The desktop's text engine: parley (shaping with HarfRust, bidi, font fallback by script
//! over the system's fonts, found through fontconfig, loaded at run time) and swash (outlines,
//! colour emoji) draw a line of text into pixels. A machine without fontconfig or fonts gets an
//! engine without fonts, and the UI kit falls back to its stroke font.

use parley::{FontContext, FontFamily, Layout, LayoutContext, PositionedLayoutItem, StyleProperty};
use swash::FontRef;
use swash::scale::image::Content;
use swash::scale::{Render, ScaleContext, Source, StrikeWith};
use swash::zeno::{Format, Vector};

use super::{Raster, raster_height};

/// The families asked for, in order; fontique falls back by script from there (Noto CJK for
/// Han, Noto Sans Arabic, the colour emoji font…).
const FAMILIES: &str = "system-ui, sans-serif, emoji";

/// Shapes and draws with the system's fonts.
pub struct Engine {
    fonts: FontContext,
    layouts: LayoutContext<()>,
    scaler: ScaleContext,
    has_fonts: bool,
}

impl Engine {
    /// Finds the system's fonts (a few milliseconds: fontconfig's cache).
    pub fn new() -> Self {
        let mut fonts = FontContext::new();
        let has_fonts = fonts.collection.family_names().next().is_some();
        Self { fonts, layouts: LayoutContext::new(), scaler: ScaleContext::new(), has_fonts }
    }

    /// Whether any font was found.
    pub fn has_fonts(&self) -> bool {
        self.has_fonts
    }

    fn layout(&mut self, text: &str, px: f32) -> Layout<()> {
        // A left-to-right mark first: the base direction is the interface's, as in the browser
        // (a right-to-left name is its own run inside it: "3. محمد  0" keeps its order).
        let text = &format!("\u{200E}{text}");
        let mut builder = self.layouts.ranged_builder(&mut self.fonts, text, 1.0, true);
        builder.push_default(StyleProperty::FontFamily(FontFamily::Source(FAMILIES.into())));
        builder.push_default(StyleProperty::FontSize(px));
        let mut layout = builder.build(text);
        layout.break_all_lines(None);
        layout
    }

    /// How wide `text` is on one line at `px` pixels to the em.
    pub fn measure(&mut self, text: &str, px: f32) -> f32 {
        self.layout(text, px).full_width()
    }

    /// `text` on one line at `px` pixels to the em in `color` (sRGB), its line centred in
    /// [`raster_height`] rows.
    pub fn draw(&mut self, text: &str, px: f32, color: [u8; 4]) -> Raster {
        let layout = self.layout(text, px);
        let height = raster_height(px);
        let width = (layout.full_width().ceil() as u32).max(1);
        let mut raster = Raster::empty(width, height);
        for line in layout.lines() {
            let metrics = line.metrics();
            // The line's middle (between ascent and descent) on the raster's middle.
            let shift = height as f32 / 2.0 - (metrics.baseline - (metrics.ascent - metrics.descent) / 2.0);
            for item in line.items() {
                let PositionedLayoutItem::GlyphRun(glyph_run) = item else { continue };
                let run = glyph_run.run();
                let font = run.font();
                let Some(font_ref) = FontRef::from_index(font.data.as_ref(), font.index as usize) else { continue };
                let mut scaler =
                    self.scaler.builder(font_ref).size(run.font_size()).normalized_coords(run.normalized_coords()).hint(false).build();
                for glyph in glyph_run.positioned_glyphs() {
                    if glyph.id == 0 {
                        raster.missing_glyphs += 1;
                    }
                    let Ok(id) = u16::try_from(glyph.id) else { continue };
                    let (x, y) = (glyph.x, glyph.y + shift);
                    let Some(image) = Render::new(&[Source::ColorOutline(0), Source::ColorBitmap(StrikeWith::BestFit), Source::Outline])
                        .format(Format::Alpha)
                        .offset(Vector::new(x.fract(), y.fract()))
                        .render(&mut scaler, id)
                    else {
                        continue;
                    };
                    let left = x.floor() as i32 + image.placement.left;
                    let top = y.floor() as i32 - image.placement.top;
                    let (w, h) = (image.placement.width, image.placement.height);
                    for row in 0..h {
                        for column in 0..w {
                            let i = (row * w + column) as usize;
                            let pixel = match image.content {
                                Content::Mask => [color[0], color[1], color[2], ((image.data[i] as u32 * color[3] as u32) / 255) as u8],
                                Content::Color => [image.data[4 * i], image.data[4 * i + 1], image.data[4 * i + 2], image.data[4 * i + 3]],
                                // Not asked for (Format::Alpha): drawn as coverage of its first channel.
                                Content::SubpixelMask => [color[0], color[1], color[2], image.data[4 * i]],
                            };
                            raster.blend(left + column as i32, top + row as i32, pixel);
                        }
                    }
                }
            }
        }
        raster
    }
}
