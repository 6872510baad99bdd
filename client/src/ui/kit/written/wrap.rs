//! Line breaking for text players write, by measure, for any script: lines break after spaces
//! and between CJK characters (which take no spaces); a word wider than the line (or a run of
//! Thai, which writes words without spaces) breaks between characters, never inside a
//! character's cluster (combining marks, joiners, emoji modifiers stay with their base). Lines
//! that do not wrap are cut with an ellipsis.

use unicode_general_category::{GeneralCategory, get_general_category};

/// One line of a laid-out text.
#[derive(Debug, Clone, PartialEq)]
pub struct Line<'a> {
    /// The characters on it (trailing spaces left out).
    pub text: &'a str,
    /// Its width, pixels.
    pub width: f32,
    /// How far it is set in: a paragraph's continuation lines are, so a wrapped kill or chat
    /// line does not read as two.
    pub indent: f32,
}

/// The ellipsis a cut line ends with.
pub const ELLIPSIS: &str = "\u{2026}";

/// Whether `c` continues the cluster before it (so no line may break before it): combining
/// marks, joiners, variation selectors, emoji skin-tone modifiers and tags, the keycap mark.
fn extends(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{20E3}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
        || matches!(
            get_general_category(c),
            GeneralCategory::NonspacingMark | GeneralCategory::SpacingMark | GeneralCategory::EnclosingMark
        )
}

/// Whether lines may break on either side of `c` without a space: ideographs, kana, Hangul
/// syllables and the CJK punctuation and full-width forms (UAX #14's ID class, roughly).
fn breaks_around(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FFF}' | '\u{3000}'..='\u{303F}' | '\u{3040}'..='\u{30FF}' | '\u{3100}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Byte offsets inside `text` where a cluster starts (a line may break there as a last resort).
fn cluster_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut previous: Option<char> = None;
    text.char_indices().filter_map(move |(at, c)| {
        let starts = at > 0 && !extends(c) && previous != Some('\u{200D}');
        previous = Some(c);
        starts.then_some(at)
    })
}

/// Byte offsets where a line may break by the rules of the text (not as a last resort): after a
/// run of spaces (the offset of the next word), and around CJK characters.
fn soft_breaks(text: &str) -> Vec<usize> {
    let mut breaks = Vec::new();
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        if let Some(before) = previous {
            let after_space = before == ' ' && c != ' ';
            let cjk = (breaks_around(c) || breaks_around(before)) && !extends(c) && before != '\u{200D}' && c != ' ';
            if after_space || cjk {
                breaks.push(at);
            }
        }
        previous = Some(c);
    }
    breaks
}

/// `text` broken into lines at each `\n` and, with `wrap_width`, so no line is wider than it
/// where that can be helped; continuation lines set in by `indent`. `width_of` measures one
/// line of text.
pub fn lines<'a>(text: &'a str, wrap_width: Option<f32>, indent: f32, width_of: &mut dyn FnMut(&str) -> f32) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let Some(max) = wrap_width else {
            out.push(Line { text: paragraph, width: width_of(paragraph), indent: 0.0 });
            continue;
        };
        let mut rest = paragraph;
        let mut first = true;
        loop {
            let set_in = if first { 0.0 } else { indent.min(max / 2.0) };
            let room = max - set_in;
            let whole = width_of(rest.trim_end());
            if whole <= room || rest.trim_end().is_empty() {
                out.push(Line { text: rest.trim_end(), width: whole, indent: set_in });
                break;
            }
            let cut = fitting(rest, room, soft_breaks(rest), width_of)
                .or_else(|| fitting(rest, room, cluster_starts(rest).collect(), width_of))
                // Not even one cluster fits: it gets a line of its own.
                .or_else(|| cluster_starts(rest).next())
                .unwrap_or(rest.len());
            let line = rest[..cut].trim_end();
            out.push(Line { text: line, width: width_of(line), indent: set_in });
            rest = rest[cut..].trim_start_matches(' ');
            first = false;
            if rest.is_empty() {
                break;
            }
        }
    }
    out
}

/// The last of `breaks` before which `text` fits in `room` (binary search: widths grow with
/// the offset).
fn fitting(text: &str, room: f32, breaks: Vec<usize>, width_of: &mut dyn FnMut(&str) -> f32) -> Option<usize> {
    let fits = breaks.partition_point(|&at| width_of(text[..at].trim_end()) <= room);
    fits.checked_sub(1).map(|i| breaks[i])
}

/// `text` whole if it fits in `max`, else its longest start (whole clusters) that fits with
/// [`ELLIPSIS`] after it (the ellipsis alone when nothing does).
pub fn ellipsize(text: &str, max: f32, width_of: &mut dyn FnMut(&str) -> f32) -> String {
    if width_of(text) <= max {
        return text.to_owned();
    }
    let starts: Vec<usize> = cluster_starts(text).collect();
    let fits = starts.partition_point(|&at| width_of(&format!("{}{ELLIPSIS}", text[..at].trim_end())) <= max);
    match fits.checked_sub(1) {
        Some(i) => format!("{}{ELLIPSIS}", text[..starts[i]].trim_end()),
        None => ELLIPSIS.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character 10 pixels wide, marks and joiners none (as a real font draws them).
    fn width(text: &str) -> f32 {
        text.chars().filter(|&c| !extends(c)).count() as f32 * 10.0
    }

    fn texts(text: &str, max: f32) -> Vec<String> {
        lines(text, Some(max), 20.0, &mut width).iter().map(|line| line.text.to_owned()).collect()
    }

    #[test]
    fn words_wrap_after_spaces_and_continuation_lines_are_set_in() {
        assert_eq!(texts("ab cd ef", 50.0), ["ab cd", "ef"]);
        let wrapped = lines("[AI] Deneb destroyed [AI] Altair", Some(200.0), 20.0, &mut width);
        assert_eq!(wrapped.iter().map(|l| l.text).collect::<Vec<_>>(), ["[AI] Deneb destroyed", "[AI] Altair"]);
        assert_eq!(wrapped.iter().map(|l| l.indent).collect::<Vec<_>>(), [0.0, 20.0], "the continuation is set in");
        assert_eq!(wrapped[0].width, 200.0);
        assert_eq!(texts("one\ntwo", 1000.0), ["one", "two"]);
        assert_eq!(lines("one\ntwo", Some(1000.0), 20.0, &mut width)[1].indent, 0.0, "a new paragraph is not set in");
        assert_eq!(texts("", 10.0), [""]);
        assert_eq!(lines("abc", None, 20.0, &mut width).len(), 1);
    }

    #[test]
    fn cjk_breaks_between_characters_and_thai_by_measure() {
        assert_eq!(texts("李小龍李小龍", 40.0), ["李小龍李", "小龍"]);
        assert_eq!(texts("ok 李小龍", 40.0), ["ok 李", "小龍"]);
        // Thai has no spaces: the last resort keeps vowel marks with their consonant.
        let thai = "สวัสดีครับ";
        for line in texts(thai, 40.0) {
            assert!(!line.starts_with(|c: char| extends(c)), "{line:?} starts with a mark");
        }
        assert_eq!(texts(thai, 40.0).concat(), thai);
    }

    #[test]
    fn clusters_are_never_split() {
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(cluster_starts(family).count(), 0, "a ZWJ sequence is one cluster");
        assert_eq!(cluster_starts("👍🏽a").collect::<Vec<_>>(), [8], "a skin tone stays with its hand");
        assert_eq!(cluster_starts("क्\u{200D}ष").count(), 0, "a joiner joins");
        assert_eq!(cluster_starts("e\u{301}x").collect::<Vec<_>>(), [3]);
        let long = format!("{family}{family}{family}");
        for line in texts(&long, 10.0) {
            assert_eq!(line, family);
        }
    }

    #[test]
    fn a_word_wider_than_the_line_breaks_inside_it() {
        assert_eq!(texts("abcdefgh ij", 40.0), ["abcd", "ef", "gh", "ij"], "continuations have 20 px less room");
    }

    #[test]
    fn lines_that_do_not_fit_end_with_an_ellipsis() {
        assert_eq!(ellipsize("Dmitry", 100.0, &mut width), "Dmitry");
        assert_eq!(ellipsize("Дмитрий Иванов", 60.0, &mut width), "Дмитр\u{2026}");
        assert_eq!(ellipsize("ab cd", 40.0, &mut width), "ab\u{2026}", "no space before the ellipsis");
        assert_eq!(ellipsize("abc", 5.0, &mut width), ELLIPSIS);
        assert_eq!(ellipsize("e\u{301}e\u{301}e\u{301}", 25.0, &mut width), "e\u{301}\u{2026}");
    }
}
