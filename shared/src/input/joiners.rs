//! The invisible characters that text needs in some places and nowhere else: which zero-width
//! joiners (ZWJ), non-joiners (ZWNJ) and emoji/text presentation selectors (VS16/VS15) stay in
//! cleaned text, decided by their neighbours.
//!
//! They stay where they change what is drawn:
//! - **ZWJ between two emoji** makes one picture of several: 👩‍🚀 (woman ZWJ rocket), 🏳️‍🌈,
//!   👨‍👩‍👧, 👩🏽‍🚀. Its left neighbour is an emoji, a skin-tone modifier, or VS16 on an emoji;
//!   its right neighbour an emoji.
//! - **ZWJ or ZWNJ between two letters or marks of one script that uses them** (the Arabic and
//!   Indic scripts and others in [`JOINING_SCRIPTS`]): ZWNJ keeps Persian "می‌خواهم" from joining
//!   its letters, ZWJ after a virama asks for a half form (Devanagari "क्‍ष") or a Malayalam
//!   chillu ("എന്‍റെ"), ZWNJ after one for a visible virama. A virama is a mark of its script, so
//!   "directly after a virama" is one case of this rule (for the scripts in the table).
//! - **VS16 or VS15 directly after an emoji** ([`EXTENDED_PICTOGRAPHIC`]) asks for emoji (❤️) or
//!   text (❤︎) presentation; VS16 after `#`, `*` or a digit stays only before the combining
//!   keycap U+20E3 (1️⃣).
//!
//! Anywhere else they are dropped: alone, first or last, next to a space, next to another joiner
//! or selector (so two in a row both go), between Latin letters, after anything that is not an
//! emoji. None of them is visible, so a name still needs a visible character, and none changes a
//! name's TR39 skeleton, which leaves default-ignorable characters out: "می‌خواهم" and "میخواهم",
//! or 👩‍🚀 and 👩🚀, are the same name in a room.
//!
//! The tables are compact ranges rather than the `unicode-script` crate's script data, which is
//! left out of the browser bundle ([`super::precheck_name`] cleans text with these same rules).

use unicode_general_category::{GeneralCategory as G, get_general_category};
use unicode_script::Script;

/// ZERO WIDTH JOINER.
pub(super) const ZWJ: char = '\u{200D}';
/// ZERO WIDTH NON-JOINER.
pub(super) const ZWNJ: char = '\u{200C}';
/// VARIATION SELECTOR-15: text presentation.
pub(super) const VS15: char = '\u{FE0E}';
/// VARIATION SELECTOR-16: emoji presentation.
pub(super) const VS16: char = '\u{FE0F}';
/// COMBINING ENCLOSING KEYCAP, which makes a keycap emoji of `#`, `*` or a digit and VS16.
const KEYCAP: char = '\u{20E3}';

/// Whether `c` is one of the characters that stay only where [`settle`] finds them joining.
pub(super) fn is_joiner(c: char) -> bool {
    matches!(c, ZWJ | ZWNJ | VS15 | VS16)
}

/// Removes the joiners and selectors of `text` that join nothing (see the module's rules), given
/// text whose other characters are all kept: the neighbours that decide are the kept characters
/// around each one. Running it again changes nothing.
pub(super) fn settle(text: Vec<char>) -> Vec<char> {
    // Selectors first: each depends only on the character before it, which is not itself
    // dropped here unless it is a joiner or selector too, and then the selector goes anyway.
    let selected = keep_where(&text, |i, c| !matches!(c, VS15 | VS16) || selector_fits(c, before(&text, i, 1), text.get(i + 1).copied()));
    // Then joiners, on what is left. Two joiners in a row fail each other's rule, so both go,
    // and one that stays has kept, non-joiner characters on both sides.
    keep_where(&selected, |i, c| {
        !matches!(c, ZWJ | ZWNJ) || joiner_fits(c, before(&selected, i, 2), before(&selected, i, 1), selected.get(i + 1).copied())
    })
}

fn keep_where(text: &[char], keep: impl Fn(usize, char) -> bool) -> Vec<char> {
    text.iter().enumerate().filter(|&(i, &c)| keep(i, c)).map(|(_, &c)| c).collect()
}

/// The character `n` places before index `i`.
fn before(text: &[char], i: usize, n: usize) -> Option<char> {
    i.checked_sub(n).map(|j| text[j])
}

fn selector_fits(selector: char, before: Option<char>, after: Option<char>) -> bool {
    match before {
        Some(b) if is_pictographic(b) => true,
        Some('#' | '*' | '0'..='9') => selector == VS16 && after == Some(KEYCAP),
        _ => false,
    }
}

fn joiner_fits(joiner: char, before2: Option<char>, before: Option<char>, after: Option<char>) -> bool {
    let (Some(b), Some(a)) = (before, after) else { return false };
    let emoji_left = is_pictographic(b) || is_skin_tone(b) || (b == VS16 && before2.is_some_and(is_pictographic));
    let emoji = joiner == ZWJ && emoji_left && is_pictographic(a);
    let script = is_letter_or_mark(b) && is_letter_or_mark(a) && joining_script(b).is_some_and(|s| joining_script(a) == Some(s));
    emoji || script
}

/// EMOJI MODIFIER FITZPATRICK TYPE-1-2..6: a skin tone on the emoji before it (a symbol by
/// category, so kept as a visible character), which a ZWJ sequence may continue (👩🏽‍🚀).
fn is_skin_tone(c: char) -> bool {
    matches!(c, '\u{1F3FB}'..='\u{1F3FF}')
}

fn is_letter_or_mark(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::NonspacingMark
            | G::SpacingMark
            | G::EnclosingMark
    )
}

/// Whether `c` is Extended_Pictographic: an emoji, or a code point set aside for future ones.
pub(super) fn is_pictographic(c: char) -> bool {
    c >= '\u{A9}' && in_ranges(c, &EXTENDED_PICTOGRAPHIC)
}

fn in_ranges(c: char, ranges: &[(char, char)]) -> bool {
    let i = ranges.partition_point(|&(_, hi)| hi < c);
    ranges.get(i).is_some_and(|&(lo, _)| lo <= c)
}

/// The script, among those that write joiners between letters, whose block `c` is in.
fn joining_script(c: char) -> Option<Script> {
    JOINING_SCRIPTS.iter().find(|&&(lo, hi, _)| (lo..=hi).contains(&c)).map(|&(_, _, script)| script)
}

/// The blocks of the scripts that put ZWJ and ZWNJ between letters (The Unicode Standard, 23.2
/// "Layout Controls", and the scripts' chapters): the cursive joining scripts (Arabic, Syriac,
/// N'Ko, Mandaic, Mongolian) and the Brahmic scripts with a virama that most names are
/// written in. Blocks, not exact script data: a block's punctuation and digits are not letters
/// or marks and so never hold a joiner, and its unassigned code points are dropped before
/// joiners are looked at. Brahmic scripts of the supplementary planes (Grantha, Sharada,
/// Javanese, Balinese…) are not here yet: a joiner in them is dropped.
const JOINING_SCRIPTS: [(char, char, Script); 24] = [
    ('\u{0600}', '\u{06FF}', Script::Arabic),
    ('\u{0700}', '\u{074F}', Script::Syriac),
    ('\u{0750}', '\u{077F}', Script::Arabic),
    ('\u{07C0}', '\u{07FF}', Script::Nko),
    ('\u{0840}', '\u{085F}', Script::Mandaic),
    ('\u{0860}', '\u{086F}', Script::Syriac),
    ('\u{0870}', '\u{08FF}', Script::Arabic),
    ('\u{0900}', '\u{097F}', Script::Devanagari),
    ('\u{0980}', '\u{09FF}', Script::Bengali),
    ('\u{0A00}', '\u{0A7F}', Script::Gurmukhi),
    ('\u{0A80}', '\u{0AFF}', Script::Gujarati),
    ('\u{0B00}', '\u{0B7F}', Script::Oriya),
    ('\u{0B80}', '\u{0BFF}', Script::Tamil),
    ('\u{0C00}', '\u{0C7F}', Script::Telugu),
    ('\u{0C80}', '\u{0CFF}', Script::Kannada),
    ('\u{0D00}', '\u{0D7F}', Script::Malayalam),
    ('\u{0D80}', '\u{0DFF}', Script::Sinhala),
    ('\u{1000}', '\u{109F}', Script::Myanmar),
    ('\u{1780}', '\u{17FF}', Script::Khmer),
    ('\u{1800}', '\u{18AF}', Script::Mongolian),
    ('\u{A8E0}', '\u{A8FF}', Script::Devanagari),
    // Arabic presentation forms A and B: chat keeps them; NFKC turns them into the letters
    // above in names.
    ('\u{FB50}', '\u{FDFF}', Script::Arabic),
    ('\u{FE70}', '\u{FEFF}', Script::Arabic),
    ('\u{10EC0}', '\u{10EFF}', Script::Arabic),
];

/// Extended_Pictographic, from emoji-data.txt of Unicode 16.0 (78 ranges, about 600 bytes in
/// the bundle): emoji, and the code points around them set aside for future emoji. Unicode 17.0
/// took the property from 672 older symbols that are not emoji (mahjong and domino tiles,
/// dingbats, alchemical symbols…), which splits these ranges into twice as many; the older,
/// wider set is kept for its size: after one of those symbols a selector or joiner stays, is
/// invisible and changes no skeleton.
const EXTENDED_PICTOGRAPHIC: [(char, char); 78] = [
    ('\u{00A9}', '\u{00A9}'),
    ('\u{00AE}', '\u{00AE}'),
    ('\u{203C}', '\u{203C}'),
    ('\u{2049}', '\u{2049}'),
    ('\u{2122}', '\u{2122}'),
    ('\u{2139}', '\u{2139}'),
    ('\u{2194}', '\u{2199}'),
    ('\u{21A9}', '\u{21AA}'),
    ('\u{231A}', '\u{231B}'),
    ('\u{2328}', '\u{2328}'),
    ('\u{2388}', '\u{2388}'),
    ('\u{23CF}', '\u{23CF}'),
    ('\u{23E9}', '\u{23F3}'),
    ('\u{23F8}', '\u{23FA}'),
    ('\u{24C2}', '\u{24C2}'),
    ('\u{25AA}', '\u{25AB}'),
    ('\u{25B6}', '\u{25B6}'),
    ('\u{25C0}', '\u{25C0}'),
    ('\u{25FB}', '\u{25FE}'),
    ('\u{2600}', '\u{2605}'),
    ('\u{2607}', '\u{2612}'),
    ('\u{2614}', '\u{2685}'),
    ('\u{2690}', '\u{2705}'),
    ('\u{2708}', '\u{2712}'),
    ('\u{2714}', '\u{2714}'),
    ('\u{2716}', '\u{2716}'),
    ('\u{271D}', '\u{271D}'),
    ('\u{2721}', '\u{2721}'),
    ('\u{2728}', '\u{2728}'),
    ('\u{2733}', '\u{2734}'),
    ('\u{2744}', '\u{2744}'),
    ('\u{2747}', '\u{2747}'),
    ('\u{274C}', '\u{274C}'),
    ('\u{274E}', '\u{274E}'),
    ('\u{2753}', '\u{2755}'),
    ('\u{2757}', '\u{2757}'),
    ('\u{2763}', '\u{2767}'),
    ('\u{2795}', '\u{2797}'),
    ('\u{27A1}', '\u{27A1}'),
    ('\u{27B0}', '\u{27B0}'),
    ('\u{27BF}', '\u{27BF}'),
    ('\u{2934}', '\u{2935}'),
    ('\u{2B05}', '\u{2B07}'),
    ('\u{2B1B}', '\u{2B1C}'),
    ('\u{2B50}', '\u{2B50}'),
    ('\u{2B55}', '\u{2B55}'),
    ('\u{3030}', '\u{3030}'),
    ('\u{303D}', '\u{303D}'),
    ('\u{3297}', '\u{3297}'),
    ('\u{3299}', '\u{3299}'),
    ('\u{1F000}', '\u{1F0FF}'),
    ('\u{1F10D}', '\u{1F10F}'),
    ('\u{1F12F}', '\u{1F12F}'),
    ('\u{1F16C}', '\u{1F171}'),
    ('\u{1F17E}', '\u{1F17F}'),
    ('\u{1F18E}', '\u{1F18E}'),
    ('\u{1F191}', '\u{1F19A}'),
    ('\u{1F1AD}', '\u{1F1E5}'),
    ('\u{1F201}', '\u{1F20F}'),
    ('\u{1F21A}', '\u{1F21A}'),
    ('\u{1F22F}', '\u{1F22F}'),
    ('\u{1F232}', '\u{1F23A}'),
    ('\u{1F23C}', '\u{1F23F}'),
    ('\u{1F249}', '\u{1F3FA}'),
    ('\u{1F400}', '\u{1F53D}'),
    ('\u{1F546}', '\u{1F64F}'),
    ('\u{1F680}', '\u{1F6FF}'),
    ('\u{1F774}', '\u{1F77F}'),
    ('\u{1F7D5}', '\u{1F7FF}'),
    ('\u{1F80C}', '\u{1F80F}'),
    ('\u{1F848}', '\u{1F84F}'),
    ('\u{1F85A}', '\u{1F85F}'),
    ('\u{1F888}', '\u{1F88F}'),
    ('\u{1F8AE}', '\u{1F8FF}'),
    ('\u{1F90C}', '\u{1F93A}'),
    ('\u{1F93C}', '\u{1F945}'),
    ('\u{1F947}', '\u{1FAFF}'),
    ('\u{1FC00}', '\u{1FFFD}'),
];

#[cfg(test)]
mod tests {
    use unicode_normalization::UnicodeNormalization;
    use unicode_script::UnicodeScript;

    use super::*;
    use crate::input::{InputError, mixes_scripts, names_look_alike, precheck_name, sanitize_announcement, sanitize_chat, sanitize_name};

    /// Emoji sequences, as names and in chat, kept whole.
    const EMOJI: [&str; 12] = [
        "\u{1F469}\u{200D}\u{1F680}",                                       // 👩‍🚀 woman ZWJ rocket: astronaut
        "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}",                               // 🏳️‍🌈 white flag VS16 ZWJ rainbow
        "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",                      // 👨‍👩‍👧 family
        "\u{2764}\u{FE0F}",                                                 // ❤️ heart, emoji presentation
        "\u{263A}\u{FE0E}",                                                 // ☺︎ smiling face, text presentation
        "\u{1F44D}\u{1F3FD}",                                               // 👍🏽 thumbs up, medium skin tone
        "\u{1F469}\u{1F3FD}\u{200D}\u{1F680}",                              // 👩🏽‍🚀 astronaut, medium skin tone
        "\u{2764}\u{FE0F}\u{200D}\u{1F525}",                                // ❤️‍🔥 heart on fire
        "\u{1F3F4}\u{200D}\u{2620}\u{FE0F}",                                // 🏴‍☠️ pirate flag
        "\u{1F9D1}\u{200D}\u{1F91D}\u{200D}\u{1F9D1}",                      // 🧑‍🤝‍🧑 people holding hands
        "\u{0031}\u{FE0F}\u{20E3}",                                         // 1️⃣ keycap one
        "\u{1F469}\u{200D}\u{1F680}Ace \u{2764}\u{FE0F} #\u{FE0F}\u{20E3}", // in a name
    ];

    /// Words that need a joiner or non-joiner between their letters, kept whole.
    const SCRIPTS: [&str; 8] = [
        "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}", // Persian "می‌خواهم", ZWNJ after "می"
        "\u{62E}\u{627}\u{646}\u{647}\u{200C}\u{647}\u{627}",        // Persian "خانه‌ها"
        "\u{915}\u{94D}\u{200D}\u{937}",                             // Devanagari "क्‍ष": ZWJ after the virama, half form
        "\u{915}\u{94D}\u{200C}\u{937}",                             // Devanagari "क्‌ष": ZWNJ, a visible virama
        "\u{930}\u{200D}\u{94D}\u{92F}",                             // Devanagari eyelash ra: ZWJ before the virama
        "\u{D0E}\u{D28}\u{D4D}\u{200D}\u{D31}\u{D46}",               // Malayalam "എന്‍റെ": chillu n by ZWJ after the virama
        "\u{DC1}\u{DCA}\u{200D}\u{DBB}\u{DD3}",                      // Sinhala "ශ්‍රී": ZWJ after al-lakuna
        "\u{9B0}\u{200D}\u{9CD}\u{9AF}",                             // Bengali ra ZWJ virama ya: ya-phala
    ];

    #[test]
    fn emoji_sequences_keep_their_joiners_and_selectors() {
        for text in EMOJI {
            assert_eq!(sanitize_name(text).as_deref(), Ok(text), "{text:?}");
            assert_eq!(precheck_name(text).as_deref(), Ok(text), "{text:?}: the client sends it as written");
            assert_eq!(sanitize_chat(&format!("gg {text} wp")), Some(format!("gg {text} wp")), "{text:?}");
        }
    }

    #[test]
    fn joiners_that_scripts_need_are_kept() {
        for text in SCRIPTS {
            assert_eq!(sanitize_name(text).as_deref(), Ok(text), "{text:?}");
            assert_eq!(precheck_name(text).as_deref(), Ok(text), "{text:?}");
            assert_eq!(sanitize_chat(&format!("{text} {text}")), Some(format!("{text} {text}")), "{text:?}");
            assert!(!mixes_scripts(text), "{text:?}");
        }
    }

    #[test]
    fn joiners_alone_doubled_at_the_ends_next_to_spaces_or_between_latin_letters_go() {
        let (woman, rocket, heart) = ("\u{1F469}", "\u{1F680}", "\u{2764}");
        let (mi, khah) = ("\u{645}\u{6CC}", "\u{62E}");
        for alone in ["\u{200D}", "\u{200C}", "\u{FE0F}", "\u{FE0E}", "\u{200D}\u{200C}\u{FE0F}", " \u{200D} \u{200C} "] {
            assert_eq!(sanitize_name(alone), Err(InputError::EmptyName), "{alone:?}");
            assert_eq!(precheck_name(alone), Err(InputError::EmptyName), "{alone:?}");
            assert_eq!(sanitize_chat(alone), None, "{alone:?}");
        }
        let cases = [
            // Doubled: both go.
            (format!("{woman}\u{200D}\u{200D}{rocket}"), format!("{woman}{rocket}")),
            (format!("{woman}\u{200D}\u{200C}{rocket}"), format!("{woman}{rocket}")),
            (format!("{mi}\u{200C}\u{200C}{khah}"), format!("{mi}{khah}")),
            (format!("{mi}\u{200D}\u{200C}{khah}"), format!("{mi}{khah}")),
            (format!("{heart}\u{FE0F}\u{FE0F}"), format!("{heart}\u{FE0F}")),
            // At the ends.
            (format!("\u{200D}{woman}\u{200D}"), woman.to_string()),
            (format!("\u{200C}{mi}\u{200C}"), mi.to_string()),
            (format!("\u{FE0F}{heart}"), heart.to_string()),
            // Next to spaces.
            (format!("{woman} \u{200D}{rocket}"), format!("{woman} {rocket}")),
            (format!("{woman}\u{200D} {rocket}"), format!("{woman} {rocket}")),
            (format!("{mi} \u{200C} {khah}"), format!("{mi} {khah}")),
            (format!("{heart} \u{FE0F}"), heart.to_string()),
            // Between Latin letters, or an emoji and a letter; a selector after a letter or a digit
            // without a keycap.
            ("A\u{200D}c\u{200C}e\u{FE0F}".to_string(), "Ace".to_string()),
            (format!("Ace\u{200D}{rocket}"), format!("Ace{rocket}")),
            (format!("{woman}\u{200D}Ace"), format!("{woman}Ace")),
            ("Ace1\u{FE0F}".to_string(), "Ace1".to_string()),
            // A selector after a joiner; a skin tone is no emoji to end a sequence on.
            (format!("{woman}\u{200D}\u{FE0F}{rocket}"), format!("{woman}\u{200D}{rocket}")),
            (format!("{woman}\u{200D}\u{1F3FD}"), format!("{woman}\u{1F3FD}")),
        ];
        for (text, cleaned) in cases {
            assert_eq!(sanitize_name(&text).as_deref(), Ok(cleaned.as_str()), "{text:?}");
            assert_eq!(precheck_name(&text).as_deref(), Ok(cleaned.as_str()), "{text:?}");
            assert_eq!(sanitize_chat(&text).as_deref(), Some(cleaned.as_str()), "{text:?}");
        }
        // Between letters of two scripts, or of a script that does not use them (Cyrillic).
        assert_eq!(sanitize_chat("\u{645}\u{200C}\u{915}").as_deref(), Some("\u{645}\u{915}"));
        assert_eq!(sanitize_chat("\u{438}\u{200D}\u{439}").as_deref(), Some("\u{438}\u{439}"));
        // Characters dropped anyway do not separate a joiner from what it joins.
        assert_eq!(sanitize_chat(&format!("{woman}\u{200B}\u{200D}\u{202E}{rocket}")), Some(format!("{woman}\u{200D}{rocket}")));
    }

    #[test]
    fn a_cut_through_a_sequence_leaves_no_joiner_at_the_end() {
        // 14 letters and 👩‍🚀 are 17 characters: the cut falls after the ZWJ.
        assert_eq!(sanitize_name("abcdefghijklmn\u{1F469}\u{200D}\u{1F680}").as_deref(), Ok("abcdefghijklmn\u{1F469}"));
        // Cut between a keycap's VS16 and its keycap: the selector goes too.
        assert_eq!(sanitize_announcement("ab1\u{FE0F}\u{20E3}", 4).as_deref(), Some("ab1"));
        assert_eq!(sanitize_announcement("ab\u{2764}\u{FE0F}\u{200D}\u{1F525}", 5).as_deref(), Some("ab\u{2764}\u{FE0F}"));
    }

    #[test]
    fn names_with_and_without_joiners_are_one_name() {
        // The skeleton leaves out default-ignorable characters: a joiner makes no new name.
        assert!(names_look_alike(SCRIPTS[0], "\u{645}\u{6CC}\u{62E}\u{648}\u{627}\u{647}\u{645}"), "می‌خواهم and میخواهم");
        assert!(names_look_alike("\u{1F469}\u{200D}\u{1F680}Ace", "\u{1F469}\u{1F680}Ace"), "👩‍🚀Ace and 👩🚀Ace, one name");
        assert!(names_look_alike("\u{2764}\u{FE0F}Ace", "\u{2764}Ace"));
        assert!(names_look_alike("\u{915}\u{94D}\u{200D}\u{937}", "\u{915}\u{94D}\u{937}"));
    }

    #[test]
    fn nfkc_and_the_script_rule_leave_joiners_alone() {
        for text in EMOJI.iter().chain(&SCRIPTS) {
            assert_eq!(text.nfkc().collect::<String>(), *text, "{text:?}");
        }
        for c in [ZWJ, ZWNJ, VS15, VS16] {
            assert!(unicode_security::mixed_script::AugmentedScriptSet::for_char(c).is_all(), "{c:?} counts as a script");
            assert!(!mixes_scripts(&format!("Ace{c}")), "{c:?}");
        }
        assert!(!mixes_scripts("Ace \u{645}\u{6CC}\u{200C}\u{62E}"));
    }

    #[test]
    fn the_tables_are_sorted_and_hold_what_they_say() {
        for table in [&EXTENDED_PICTOGRAPHIC[..], &JOINING_SCRIPTS.map(|(lo, hi, _)| (lo, hi))[..]] {
            assert!(table.iter().all(|(lo, hi)| lo <= hi), "ranges run forwards");
            assert!(table.windows(2).all(|w| w[0].1 < w[1].0), "sorted, not overlapping");
        }
        for c in ['\u{A9}', '\u{2764}', '\u{263A}', '\u{2620}', '\u{26A7}', '\u{1F308}', '\u{1F3F3}', '\u{1F469}', '\u{1F680}', '\u{1F9D1}']
        {
            assert!(is_pictographic(c), "{c:?}");
        }
        // Skin tones, regional indicators, keycap bases and letters are not.
        for c in ['\u{1F3FB}', '\u{1F3FF}', '\u{1F1E6}', '#', '1', 'a', '\u{20E3}', '\u{2800}'] {
            assert!(!is_pictographic(c), "{c:?}");
        }
        // Every letter and mark in a joining block is of the block's script (or of all scripts).
        for (lo, hi, script) in JOINING_SCRIPTS {
            for c in (lo..=hi).filter(|&c| is_letter_or_mark(c)) {
                assert!(matches!(c.script(), s if s == script || s == Script::Common || s == Script::Inherited), "{c:?} in {script:?}");
            }
        }
    }

    /// Characters that exercise every rule: emoji, a skin tone, a keycap, Arabic and Devanagari
    /// letters and marks, Latin, spaces, and characters that are dropped anyway.
    const ALPHABET: [char; 22] = [
        'a',
        ' ',
        '1',
        ZWJ,
        ZWNJ,
        VS15,
        VS16,
        KEYCAP,
        '\u{1F469}',
        '\u{1F680}',
        '\u{1F3FD}',
        '\u{2764}',
        '\u{645}',
        '\u{6CC}',
        '\u{64E}',
        '\u{915}',
        '\u{94D}',
        '\u{937}',
        '\u{301}',
        '\u{200B}',
        '\u{202E}',
        '\u{FE0F}',
    ];

    proptest::proptest! {
        /// Whatever the text, no joiner or selector is left first or after a space, no joiner
        /// last or before a space, none next to another (but VS16 before a ZWJ, as in 🏳️‍🌈),
        /// no selector after anything but an emoji or a keycap's digit, and cleaning again
        /// changes nothing; with and without a cut.
        #[test]
        fn joiners_never_dangle(text in proptest::collection::vec(proptest::sample::select(&ALPHABET[..]), 0..24)) {
            let text: String = text.into_iter().collect();
            for (cleaned, max) in [(sanitize_chat(&text), 200), (sanitize_announcement(&text, 7), 7)] {
                let Some(cleaned) = cleaned else { continue };
                let chars: Vec<char> = cleaned.chars().collect();
                let last = chars[chars.len() - 1];
                proptest::prop_assert!(!is_joiner(chars[0]) && last != ZWJ && last != ZWNJ, "{:?}", cleaned);
                for w in chars.windows(2) {
                    let (x, y) = (w[0], w[1]);
                    proptest::prop_assert!(!(is_joiner(x) && is_joiner(y)) || (x == VS16 && y == ZWJ), "{:?}", cleaned);
                    proptest::prop_assert!(!(matches!(x, ZWJ | ZWNJ) && y == ' ' || x == ' ' && is_joiner(y)), "{:?}", cleaned);
                    proptest::prop_assert!(!matches!(y, VS15 | VS16) || is_pictographic(x) || x.is_ascii_digit(), "{:?}", cleaned);
                }
                proptest::prop_assert_eq!(sanitize_announcement(&cleaned, max), Some(cleaned.clone()));
            }
        }
    }
}
