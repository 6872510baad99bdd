//! The UI's typeface: Dr. A. V. Hershey's Roman Simplex (1967, U.S. National Bureau of
//! Standards; public domain), a stroke font: every glyph is a few polylines, drawn as lines
//! like the rest of the game, sharp at any size, 2.6 KB in the bundle instead of a font file
//! and a text-shaping stack.
//!
//! `simplex.jhf` holds ASCII 32..=126, one glyph a line, in Hershey's own coordinates: each
//! character is a number as its distance from `R`; the first pair is the glyph's left and right
//! edge, then points, with `" R"` lifting the pen. Y grows downward; capitals run from -12 to
//! the baseline at 9. Four glyphs are not Hershey's simplex ones: `.` `,` `:` `;` come from his
//! other roman face (the simplex ones float above the baseline in the copy this was taken from)
//! and `-` is a hyphen, not his full-width minus.

use std::sync::LazyLock;

use bevy::prelude::*;

const SIMPLEX: &str = include_str!("simplex.jhf");

/// Hershey units of a capital letter's height.
const CAP_UNITS: f32 = 21.0;
/// Cap height as a share of the font size (the em): what a typical sans-serif has, so sizes
/// chosen for Bevy's default font look the same.
const CAP_PER_EM: f32 = 0.7;
/// Line height as a share of the font size (Bevy's default).
const LINE_PER_EM: f32 = 1.2;
/// Hershey's y at the middle of the capitals, placed at the middle of the line.
const CAP_MIDDLE_Y: f32 = -1.5;
/// Stands for a character the font lacks (nor a plain form of it): drawn as the missing-glyph
/// box ([`MISSING_BOX`]), so it cannot be read as a real character such as `?`.
const MISSING: char = '\u{FFFD}';

/// The standard missing-glyph box ("tofu"): a rectangle from the capitals' top to the baseline,
/// a little narrower than an "O", so "Иван" reads as four unknown letters, not "????".
static MISSING_BOX: LazyLock<Glyph> = LazyLock::new(|| Glyph {
    advance: 18.0,
    strokes: vec![vec![Vec2::new(3.0, -12.0), Vec2::new(15.0, -12.0), Vec2::new(15.0, 9.0), Vec2::new(3.0, 9.0), Vec2::new(3.0, -12.0)]],
});

/// Drawn for characters that have no look of their own (zero-width joiners and spaces,
/// direction marks and isolates, variation selectors, the byte-order mark): nothing, taking no
/// room.
static ZERO_WIDTH: Glyph = Glyph { advance: 0.0, strokes: Vec::new() };

/// One glyph: how far it advances the pen and its strokes, in Hershey units with x from the
/// glyph's left edge.
#[derive(Debug, Default)]
struct Glyph {
    advance: f32,
    strokes: Vec<Vec<Vec2>>,
}

fn value(c: u8) -> f32 {
    f32::from(c) - f32::from(b'R')
}

fn parse_glyph(line: &str) -> Glyph {
    let bytes = line.as_bytes();
    let (Some(&left), Some(&right)) = (bytes.first(), bytes.get(1)) else { return Glyph::default() };
    let (left, right) = (value(left), value(right));
    let mut strokes: Vec<Vec<Vec2>> = vec![Vec::new()];
    for pair in bytes[2..].chunks_exact(2) {
        if pair == b" R" {
            strokes.push(Vec::new());
        } else if let Some(stroke) = strokes.last_mut() {
            stroke.push(Vec2::new(value(pair[0]) - left, value(pair[1])));
        }
    }
    strokes.retain(|stroke| !stroke.is_empty());
    Glyph { advance: right - left, strokes }
}

static GLYPHS: LazyLock<Vec<Glyph>> = LazyLock::new(|| SIMPLEX.lines().map(parse_glyph).collect());

/// The ASCII character drawn for `c`: itself, or the plain letter or mark it is a variant of
/// (accents dropped, typographic dashes and quotes made plain), or [`MISSING`]. (Accented
/// Latin still reads as its base letter here, "Zoë" as "Zoe": player text in every script is
/// for a real text engine to draw; see the README.)
fn plain(c: char) -> char {
    match c {
        ' '..='~' => c,
        'À'..='Å' => 'A',
        'à'..='å' => 'a',
        'Ç' => 'C',
        'ç' => 'c',
        'È'..='Ë' => 'E',
        'è'..='ë' => 'e',
        'Ì'..='Ï' => 'I',
        'ì'..='ï' => 'i',
        'Ñ' => 'N',
        'ñ' => 'n',
        'Ò'..='Ö' | 'Ø' => 'O',
        'ò'..='ö' | 'ø' => 'o',
        'Ù'..='Ü' => 'U',
        'ù'..='ü' => 'u',
        'Ý' => 'Y',
        'ý' | 'ÿ' => 'y',
        'ß' => 's',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{2018}' | '\u{2019}' => '\'',
        '\u{201c}' | '\u{201d}' => '"',
        '\u{2022}' | '\u{00b7}' | '\u{2026}' => '.',
        '\u{00d7}' => 'x',
        _ => MISSING,
    }
}

fn glyph(c: char) -> &'static Glyph {
    if matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{2066}'..='\u{2069}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}') {
        return &ZERO_WIDTH;
    }
    let plain = plain(c);
    match (plain as usize).checked_sub(32).filter(|&i| plain != MISSING && i < GLYPHS.len()) {
        Some(index) => &GLYPHS[index],
        None => &MISSING_BOX,
    }
}

/// Pixels per Hershey unit at `size`.
fn unit(size: f32) -> f32 {
    size * CAP_PER_EM / CAP_UNITS
}

/// The height of a line of text at `size`.
pub fn line_height(size: f32) -> f32 {
    size * LINE_PER_EM
}

/// How thick the strokes of text at `size` are: bolder than Hershey's hairline so small text
/// stays readable, never under a pixel and a quarter.
pub fn stroke_width(size: f32) -> f32 {
    (size / 13.0).max(1.25)
}

/// How wide `text` is on one line at `size`.
pub fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| glyph(c).advance).sum::<f32>() * unit(size)
}

/// One line of a laid-out text: its characters and its width.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine<'a> {
    /// The characters on it.
    pub text: &'a str,
    /// Its width, pixels.
    pub width: f32,
}

/// `text` broken into lines at each `\n` and, when `wrap_width` is given, between words so no
/// line is wider than it (a single word wider than that gets a line of its own).
pub fn lines(text: &str, size: f32, wrap_width: Option<f32>) -> Vec<TextLine<'_>> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let Some(max) = wrap_width else {
            out.push(TextLine { text: paragraph, width: text_width(paragraph, size) });
            continue;
        };
        let mut start = 0;
        let mut end = 0;
        for (at, _) in paragraph.match_indices(' ').chain([(paragraph.len(), "")]) {
            let candidate = &paragraph[start..at];
            if end > start && text_width(candidate, size) > max {
                out.push(TextLine { text: &paragraph[start..end], width: text_width(&paragraph[start..end], size) });
                start = end + 1;
            }
            end = at;
        }
        let rest = &paragraph[start.min(paragraph.len())..];
        out.push(TextLine { text: rest, width: text_width(rest, size) });
    }
    out
}

/// The size of `text` laid out as [`lines`] does.
pub fn measure(text: &str, size: f32, wrap_width: Option<f32>) -> Vec2 {
    let lines = lines(text, size, wrap_width);
    let width = lines.iter().map(|line| line.width).fold(0.0, f32::max);
    Vec2::new(width, lines.len() as f32 * line_height(size))
}

/// Calls `segment(from, to)` for every stroke segment of one line of `text` at `size` whose
/// line box's top left is `at` (pixels, y down). With `clip_x`, glyphs not wholly inside that
/// range are left out.
pub fn strokes(text: &str, size: f32, at: Vec2, clip_x: Option<(f32, f32)>, mut segment: impl FnMut(Vec2, Vec2)) {
    let unit = unit(size);
    let origin_y = at.y + line_height(size) / 2.0 - CAP_MIDDLE_Y * unit;
    let mut x = at.x;
    for c in text.chars() {
        let glyph = glyph(c);
        let advance = glyph.advance * unit;
        let inside = clip_x.is_none_or(|(min, max)| x >= min - 0.5 && x + advance <= max + 0.5);
        if inside {
            for stroke in &glyph.strokes {
                let point = |p: Vec2| Vec2::new(x + p.x * unit, origin_y + p.y * unit);
                match stroke.as_slice() {
                    [dot] => segment(point(*dot), point(*dot)),
                    points => {
                        for pair in points.windows(2) {
                            segment(point(pair[0]), point(pair[1]));
                        }
                    }
                }
            }
        }
        x += advance;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printable_ascii_character_has_a_glyph() {
        assert_eq!(GLYPHS.len(), 95);
        assert!(glyph(' ').strokes.is_empty());
        assert_eq!(glyph(' ').advance, 16.0);
        // "A": left edge I (-9), right [ (9); apex at (0, -12) → x 9 from the left edge.
        let a = glyph('A');
        assert_eq!(a.advance, 18.0);
        assert_eq!(a.strokes.len(), 3);
        assert_eq!(a.strokes[0], vec![Vec2::new(9.0, -12.0), Vec2::new(1.0, 9.0)]);
        for c in ' '..='~' {
            let g = glyph(c);
            assert!(g.advance > 0.0, "{c:?}");
            assert!(g.strokes.iter().flatten().all(|p| p.x >= -1.0 && p.x <= g.advance + 1.0 && p.y.abs() <= 16.0), "{c:?}");
        }
    }

    #[test]
    fn accents_and_typographic_marks_become_plain_and_the_rest_the_missing_glyph_box() {
        assert!(std::ptr::eq(glyph('é'), glyph('e')));
        assert!(std::ptr::eq(glyph('Ö'), glyph('O')));
        assert!(std::ptr::eq(glyph('—'), glyph('-')));
        assert!(std::ptr::eq(glyph('’'), glyph('\'')));
        for unknown in ['\u{7f}', '漢', 'И', '\u{FFFD}', '🚀'] {
            assert!(std::ptr::eq(glyph(unknown), &*MISSING_BOX), "{unknown:?}");
            assert!(!std::ptr::eq(glyph(unknown), glyph('?')), "{unknown:?} must not read as a question mark");
        }
        // The box is one closed rectangle within the capitals' height.
        assert_eq!(MISSING_BOX.strokes.len(), 1);
        assert_eq!(MISSING_BOX.strokes[0].first(), MISSING_BOX.strokes[0].last());
        assert!(MISSING_BOX.strokes[0].iter().all(|p| (-12.0..=9.0).contains(&p.y) && p.x > 0.0 && p.x < MISSING_BOX.advance));
        assert_eq!(text_width("é", 30.0), text_width("e", 30.0));
        // Joiners and variation selectors take no room and draw nothing.
        assert_eq!(text_width("a\u{200D}b\u{FE0F}", 30.0), text_width("ab", 30.0));
        let mut segments = 0;
        strokes("\u{200C}\u{200D}\u{FE0F}", 30.0, Vec2::ZERO, None, |_, _| segments += 1);
        assert_eq!(segments, 0);
    }

    #[test]
    fn periods_and_commas_sit_on_the_baseline() {
        let lowest = |c: &str| {
            let mut y = f32::MIN;
            strokes(c, 30.0, Vec2::ZERO, None, |a, b| y = y.max(a.y).max(b.y));
            y
        };
        assert_eq!(lowest("."), lowest("H"), "a period ends on the baseline");
        assert!(lowest(",") > lowest("H"), "a comma hangs below it");
    }

    #[test]
    fn capitals_are_seventy_percent_of_the_size_and_centred_in_the_line() {
        let mut ys = Vec::new();
        strokes("H", 30.0, Vec2::ZERO, None, |a, b| ys.extend([a.y, b.y]));
        let (top, bottom) = ys.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &y| (lo.min(y), hi.max(y)));
        assert!((bottom - top - 21.0).abs() < 1e-4, "cap height {}", bottom - top);
        assert!(((top + bottom) / 2.0 - line_height(30.0) / 2.0).abs() < 1e-4);
    }

    #[test]
    fn text_wraps_between_words_and_at_newlines() {
        let size = 30.0; // one unit a pixel: "A" is 18 wide, a space 16
        assert_eq!(text_width("AA A", size), 18.0 * 3.0 + 16.0);
        let one = lines("AA AA AA", size, None);
        assert_eq!(one.len(), 1);
        let wrapped = lines("AA AA AA", size, Some(80.0));
        assert_eq!(wrapped.iter().map(|l| l.text).collect::<Vec<_>>(), ["AA", "AA", "AA"]);
        let wrapped = lines("AA AA AA", size, Some(88.0 + 36.0));
        assert_eq!(wrapped.iter().map(|l| l.text).collect::<Vec<_>>(), ["AA AA", "AA"]);
        assert_eq!(wrapped[0].width, 88.0);
        let long = lines("AAAAAAAA A", size, Some(40.0));
        assert_eq!(long.iter().map(|l| l.text).collect::<Vec<_>>(), ["AAAAAAAA", "A"], "a long word keeps a line of its own");
        let paragraphs = lines("A\nAA", size, Some(1000.0));
        assert_eq!(paragraphs.iter().map(|l| l.text).collect::<Vec<_>>(), ["A", "AA"]);
        assert_eq!(measure("A\nAA", size, None), Vec2::new(36.0, 2.0 * line_height(size)));
        assert_eq!(lines("", size, Some(10.0)).len(), 1);
    }

    #[test]
    fn clipped_glyphs_are_left_out_whole() {
        let count = |clip| {
            let mut n = 0;
            strokes("II", 30.0, Vec2::ZERO, clip, |_, _| n += 1);
            n
        };
        assert_eq!(count(None), 2);
        assert_eq!(count(Some((0.0, 8.0))), 1, "the second I (8..16) is outside");
        assert_eq!(count(Some((0.0, 4.0))), 0);
    }
}
