//! Validation of untrusted player input, so that only finite, in-range values reach the sim,
//! and only visible, readable text reaches other players (names, chat, room codes).
//!
//! Text is cleaned by the rules in `text` (what is kept, folded and cut) and `joiners` (the
//! zero-width joiners and presentation selectors that emoji sequences and some scripts need).

use std::f32::consts::PI;

use unicode_normalization::UnicodeNormalization;

use crate::protocol::{InputFrame, MAX_CHAT_CHARS, MAX_NAME_CHARS, ROOM_CODE_ALPHABET, ROOM_CODE_LEN};
use text::{Keep, clean_text, keep};

mod joiners;
mod text;

/// Largest |aim| accepted before normalisation. Clients send atan2 results (within ±π); a
/// little slack allows for clients that accumulate angles, while absurd values mean a broken
/// or hostile client and are refused rather than silently wrapped.
pub const MAX_ABS_AIM: f32 = 64.0 * PI;

/// A problem with a value received from a client.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// A float was NaN or infinite.
    #[error("non-finite {0}")]
    NonFinite(&'static str),
    /// A number was outside the range the protocol allows.
    #[error("{0} out of range")]
    OutOfRange(&'static str),
    /// The name has no visible characters.
    #[error("empty name")]
    EmptyName,
    /// The name mixes scripts beyond what one writer would (see [`mixes_scripts`]).
    #[error("name mixes scripts")]
    MixedScripts,
}

/// Controls that passed validation, as the simulation consumes them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ValidInput {
    /// Aim direction, normalised into (-π, π].
    pub aim: f32,
    /// Engine on.
    pub thrust: bool,
    /// Trigger held.
    pub fire: bool,
    /// Ticks to rewind other ships by when testing this input's shots (lag compensation). Set
    /// by the server from [`InputFrame::view_tick`], capped by `SimConfig::max_rewind_ticks`;
    /// 0 from [`ValidInput::try_from_frame`].
    pub rewind_ticks: u8,
}

impl ValidInput {
    /// Checks an input frame from the network.
    pub fn try_from_frame(frame: &InputFrame) -> Result<Self, InputError> {
        if !frame.aim.is_finite() {
            return Err(InputError::NonFinite("aim"));
        }
        if frame.aim.abs() > MAX_ABS_AIM {
            return Err(InputError::OutOfRange("aim"));
        }
        Ok(Self { aim: normalize_angle(frame.aim), thrust: frame.thrust, fire: frame.fire, rewind_ticks: 0 })
    }
}

/// A room code as typed or linked (any case, spaces around), in canonical form; `None` if it
/// cannot be a code.
pub fn normalize_room_code(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    (code.len() == ROOM_CODE_LEN && code.bytes().all(|b| ROOM_CODE_ALPHABET.contains(&b))).then_some(code)
}

/// Wraps an angle into (-π, π].
pub fn normalize_angle(angle: f32) -> f32 {
    let mut a = angle % (2.0 * PI);
    if a <= -PI {
        a += 2.0 * PI;
    } else if a > PI {
        a -= 2.0 * PI;
    }
    a
}

/// Makes a display name out of what a client asked for: NFKC-normalized (full-width,
/// mathematical and other compatibility forms become their plain letters; joiners and
/// variation selectors stay as they are), then cleaned like chat (see [`sanitize_chat`]: only
/// visible characters kept, with the joiners and selectors between them that emoji sequences
/// and some scripts need, whitespace folded, trimmed), cut to [`MAX_NAME_CHARS`]. A name with
/// nothing visible left is refused, and so is one that [`mixes_scripts`]. Two names that look
/// alike ([`names_look_alike`]) count as the same name in a room.
pub fn sanitize_name(requested: &str) -> Result<String, InputError> {
    let name = clean_name(requested)?;
    if mixes_scripts(&name) { Err(InputError::MixedScripts) } else { Ok(name) }
}

/// [`sanitize_name`] without the script rule: how a name is written, for names that were
/// admitted before (the hall of fame's stored results, which keep what they were).
pub fn clean_name(requested: &str) -> Result<String, InputError> {
    let normalized: String = requested.nfkc().collect();
    clean_text(&normalized, MAX_NAME_CHARS).ok_or(InputError::EmptyName)
}

/// Whether a name mixes scripts more than UTS #39's "moderately restrictive" level allows, the
/// level its section 5.2 suggests for identifiers that people read: letters of one script
/// (Japanese kana with kanji, and Korean hangul with hanja, count as one), or Latin with
/// letters of one other script that cannot pass for Latin (Chinese, Japanese or Korean, Arabic,
/// Hebrew, Devanagari, Thai…: "李小龍 Bruce", "Ali محمد"). Refused: Latin with Cyrillic or
/// Greek ("Ivаn" with a Cyrillic "а" passes for "Ivan"), and letters of two scripts besides
/// Latin. Digits, punctuation, symbols and emoji belong to every script ("Common"), and so do
/// joiners and variation selectors ("Inherited"): they never count. Unlike the
/// `unicode-security` crate's `detect_restriction_level`, a character that is not allowed in
/// programming identifiers (emoji, punctuation, a historic script) does not make the name
/// "unrestricted": names are not identifiers.
pub fn mixes_scripts(name: &str) -> bool {
    use unicode_script::Script;
    use unicode_security::mixed_script::AugmentedScriptSet;
    let mut all = AugmentedScriptSet::default();
    let mut besides_latin = AugmentedScriptSet::default();
    for c in name.chars() {
        let scripts = AugmentedScriptSet::for_char(c);
        all.intersect_with(scripts);
        // (Common and Inherited characters contain every script, Latin included: skipped.)
        if !scripts.base.contains_script(Script::Latin) {
            besides_latin.intersect_with(scripts);
        }
    }
    let single_script = !all.is_empty();
    // Latin with Han and kana (Japanese), Han and hangul (Korean) or Han and bopomofo.
    let highly_restrictive = besides_latin.jpan || besides_latin.kore || besides_latin.hanb;
    let moderately_restrictive = besides_latin.base.len() == 1
        && besides_latin.base.iter().next().is_some_and(|s| s.is_recommended() && s != Script::Cyrillic && s != Script::Greek);
    !(single_script || highly_restrictive || moderately_restrictive)
}

/// A name checked the way a client can afford to: [`sanitize_name`] without the NFKC step,
/// whose tables cost the browser bundle ~32 KB of brotli. A name it accepts, the server never
/// finds empty (a name of nothing but [`SPACING_DIACRITICS`] is refused here, as NFKC would
/// leave it empty: checked for every code point in the tests); the server's [`sanitize_name`]
/// still decides how the name is written in the game, and refuses a name that
/// [`mixes_scripts`] with its own reason (script tables are left out of the browser bundle
/// too), which the player reads on the Disconnected screen.
pub fn precheck_name(requested: &str) -> Result<String, InputError> {
    let cleaned = clean_text(requested, MAX_NAME_CHARS).ok_or(InputError::EmptyName)?;
    let stays_visible = cleaned
        .chars()
        .any(|c| !matches!(keep(c), Keep::Mark | Keep::Space | Keep::Joiner) && SPACING_DIACRITICS.binary_search(&c).is_err());
    if stays_visible { Ok(cleaned) } else { Err(InputError::EmptyName) }
}

/// The code points whose NFKC form is a space and combining marks (spacing forms of diacritics:
/// `¨`, `´`, Greek and Arabic tonos and vowel signs, kana voicing marks...): visible, but a name
/// of nothing else is empty once normalized. The tests find them by checking every code point.
const SPACING_DIACRITICS: [char; 52] = [
    '\u{00A8}', '\u{00AF}', '\u{00B4}', '\u{00B8}', '\u{02D8}', '\u{02D9}', '\u{02DA}', '\u{02DB}', '\u{02DC}', '\u{02DD}', '\u{037A}',
    '\u{0384}', '\u{0385}', '\u{1FBD}', '\u{1FBF}', '\u{1FC0}', '\u{1FC1}', '\u{1FCD}', '\u{1FCE}', '\u{1FCF}', '\u{1FDD}', '\u{1FDE}',
    '\u{1FDF}', '\u{1FED}', '\u{1FEE}', '\u{1FFD}', '\u{1FFE}', '\u{2017}', '\u{203E}', '\u{309B}', '\u{309C}', '\u{FC5E}', '\u{FC5F}',
    '\u{FC60}', '\u{FC61}', '\u{FC62}', '\u{FC63}', '\u{FE49}', '\u{FE4A}', '\u{FE4B}', '\u{FE4C}', '\u{FE70}', '\u{FE72}', '\u{FE74}',
    '\u{FE76}', '\u{FE78}', '\u{FE7A}', '\u{FE7C}', '\u{FE7E}', '\u{FF9E}', '\u{FF9F}', '\u{FFE3}',
];

/// The confusable skeleton of a name (Unicode TR39): names with the same skeleton render
/// (nearly) the same, such as "paypal" with a Cyrillic "а". Default-ignorable characters are
/// left out, so a name with and without a joiner or variation selector is one name ("می‌خواهم"
/// and "میخواهم", and even 👩‍🚀 and 👩🚀, which do not look alike: the safe side).
pub fn name_skeleton(name: &str) -> String {
    unicode_security::skeleton(name).collect()
}

/// Whether two names would look the same to players: the same TR39 confusable skeleton.
pub fn names_look_alike(a: &str, b: &str) -> bool {
    unicode_security::skeleton(a).eq(unicode_security::skeleton(b))
}

/// Cleans a chat line the same way as a name (without the normalization): visible characters,
/// the joiners and selectors that join them (ZWJ in 👩‍🚀, ZWNJ in Persian, VS16 in ❤️),
/// whitespace folded, trimmed, cut to [`MAX_CHAT_CHARS`]; `None` if nothing visible is left.
pub fn sanitize_chat(text: &str) -> Option<String> {
    clean_text(text, MAX_CHAT_CHARS)
}

/// Cleans operator announcements: like chat, but up to `max_chars`.
pub fn sanitize_announcement(text: &str, max_chars: usize) -> Option<String> {
    clean_text(text, max_chars)
}

#[cfg(test)]
mod tests {
    use super::text::MAX_MARKS_PER_BASE;
    use super::*;

    fn frame(aim: f32) -> InputFrame {
        InputFrame { seq: 1, aim, thrust: true, fire: false, view_tick: 0, ack_tick: 0 }
    }

    #[test]
    fn names_in_one_script_or_latin_with_one_other_pass() {
        for name in [
            "Ace",
            "Zoë",
            "Łukasz",
            "Дмитрий",
            "李小龍",
            "محمد",
            "עברית",
            "हिन्दी",
            "สมชาย",
            "🚀Ace",
            "ひらがなカタカナ漢字",
            "한글漢字",
            "李小龍 Bruce",
            "Ali محمد",
            "Иван 42 ★",
            "Ελένη",
        ] {
            assert_eq!(sanitize_name(name).as_deref(), Ok(name), "{name:?}");
        }
    }

    #[test]
    fn names_mixing_latin_with_cyrillic_or_greek_or_two_other_scripts_are_refused() {
        // "Ivan" with a Cyrillic "а" (U+0430), "Alpha" with a Greek "Α", Cyrillic with Greek,
        // Arabic with Hebrew, Cyrillic with Han.
        for name in ["Iv\u{430}n", "\u{391}lpha", "Ivan Иван", "Дмитрий Ελένη", "محمد עברית", "Иван李"] {
            assert_eq!(sanitize_name(name), Err(InputError::MixedScripts), "{name:?}");
            assert!(mixes_scripts(name), "{name:?}");
        }
        // The check runs on the cleaned name: dropped characters do not count.
        assert_eq!(sanitize_name("Ivan\u{200B}").as_deref(), Ok("Ivan"));
    }

    #[test]
    fn non_finite_and_absurd_aims_are_refused() {
        assert_eq!(ValidInput::try_from_frame(&frame(f32::NAN)), Err(InputError::NonFinite("aim")));
        assert_eq!(ValidInput::try_from_frame(&frame(f32::INFINITY)), Err(InputError::NonFinite("aim")));
        assert_eq!(ValidInput::try_from_frame(&frame(1e30)), Err(InputError::OutOfRange("aim")));
    }

    #[test]
    fn aims_are_normalised() {
        let v = ValidInput::try_from_frame(&frame(3.0 * PI + 0.5)).unwrap();
        assert!((v.aim - (-PI + 0.5)).abs() < 1e-4, "{}", v.aim);
        for a in [-10.0f32, -PI, 0.0, PI, 10.0] {
            let n = normalize_angle(a);
            assert!(n > -PI - 1e-6 && n <= PI + 1e-6, "{a} -> {n}");
        }
    }

    #[test]
    fn chat_is_cleaned_and_cut() {
        assert_eq!(sanitize_chat("  gg\u{200B}  wp\n\u{7}").as_deref(), Some("gg wp"));
        assert_eq!(sanitize_chat("\u{202E}\t "), None);
        assert_eq!(sanitize_chat(&"x".repeat(500)).unwrap().chars().count(), MAX_CHAT_CHARS);
    }

    #[test]
    fn room_codes_are_normalised_or_refused() {
        assert_eq!(normalize_room_code(" ab2cd ").as_deref(), Some("AB2CD"));
        assert_eq!(normalize_room_code("AB0CD"), None, "0 is not in the alphabet");
        assert_eq!(normalize_room_code("ABCD"), None);
        assert_eq!(normalize_room_code("ABCDEF"), None);
        assert_eq!(normalize_room_code("ÄBCDE"), None);
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(sanitize_name("  Ace   Pilot \n").unwrap(), "Ace Pilot");
        assert_eq!(sanitize_name("a\u{200B}b\u{202E}c\u{7}").unwrap(), "abc");
        assert_eq!(sanitize_name("abcdefghijklmnopqrstuvwxyz").unwrap(), "abcdefghijklmnop");
        assert_eq!(sanitize_name("\u{200B}\u{FEFF} \t"), Err(InputError::EmptyName));
        assert_eq!(sanitize_name("漢字のパイロット").unwrap(), "漢字のパイロット");
    }

    #[test]
    fn a_name_the_precheck_accepts_the_server_accepts() {
        assert_eq!(precheck_name("  Ace   Pilot \n").unwrap(), "Ace Pilot");
        assert_eq!(precheck_name("\u{200B}\u{FEFF} \t"), Err(InputError::EmptyName));
        assert_eq!(precheck_name("ＡＣＥ").unwrap(), "ＡＣＥ", "left for the server to normalize");
        assert_eq!(sanitize_name("ＡＣＥ").unwrap(), "ACE");
        assert_eq!(precheck_name("\u{00A8}\u{00B4}"), Err(InputError::EmptyName), "nothing left once normalized");
        assert_eq!(precheck_name("a\u{00A8}").unwrap(), "a\u{00A8}");
        assert!(SPACING_DIACRITICS.is_sorted());
        // Joiners: what the precheck keeps (and the client sends) is what the server keeps.
        for name in [
            "\u{1F469}\u{200D}\u{1F680}Ace",
            "\u{2764}\u{FE0F}",
            "\u{645}\u{6CC}\u{200C}\u{62E}",
            "\u{915}\u{94D}\u{200D}\u{937}",
            "a\u{200D}b",
        ] {
            assert_eq!(precheck_name(name), sanitize_name(name), "{name:?}");
        }
        for joiners in ["\u{200D}", "\u{200C}\u{200C}", "\u{FE0F}", " \u{200D}\u{FE0F} "] {
            assert_eq!(precheck_name(joiners), Err(InputError::EmptyName), "{joiners:?}");
        }
        // Every code point alone, after a letter, carrying a combining mark, and with joiners and
        // selectors around it.
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for name in [c.to_string(), format!("a{c}"), format!("{c}\u{0301}"), format!("{c}\u{FE0F}\u{200D}{c}\u{200C}")] {
                if precheck_name(&name).is_ok() {
                    // Never empty on the server; a mix of scripts is its own, typed refusal.
                    assert!(
                        matches!(sanitize_name(&name), Ok(_) | Err(InputError::MixedScripts)),
                        "U+{:04X}: the precheck accepts {name:?}, the server would find it empty",
                        c as u32
                    );
                }
            }
        }
    }

    #[test]
    fn invisible_padding_the_old_deny_list_missed_is_removed() {
        // Variation selectors (incl. the supplement), musical-notation and shorthand format
        // controls, the combining grapheme joiner, Hangul fillers, the braille blank, tags,
        // private use. (VS16 and ZWJ are padding here, between Latin letters: the `joiners`
        // tests show where they stay.)
        let padding = [
            "\u{FE0F}",
            "\u{E0100}",
            "\u{1D173}",
            "\u{1D17A}",
            "\u{1BCA0}",
            "\u{1BCA3}",
            "\u{034F}",
            "\u{3164}",
            "\u{115F}",
            "\u{FFA0}",
            "\u{2800}",
            "\u{E0041}",
            "\u{E000}",
            "\u{180E}",
            "\u{200D}",
            "\u{2066}",
        ];
        for pad in padding {
            assert_eq!(sanitize_name(&format!("bob{pad}")).unwrap(), "bob", "{pad:?}");
            assert_eq!(sanitize_name(&format!("{pad}b{pad}o{pad}b{pad}")).unwrap(), "bob", "{pad:?}");
            assert_eq!(sanitize_name(&pad.repeat(5)), Err(InputError::EmptyName), "{pad:?}");
            assert_eq!(sanitize_chat(&format!("gg{pad}")).as_deref(), Some("gg"), "{pad:?}");
        }
        assert_eq!(sanitize_name("\u{3000}\u{2800}\u{3164} \u{FE0F}"), Err(InputError::EmptyName));
        // Line and paragraph separators are whitespace: one space between words.
        assert_eq!(sanitize_name("\u{2028}b\u{2029}\u{2029}ob\u{2028}").unwrap(), "b ob");
    }

    #[test]
    fn names_are_normalized_and_marks_need_a_base_and_are_capped() {
        // NFKC: full-width and mathematical letters are the plain ones.
        assert_eq!(sanitize_name("Ａｃｅ").unwrap(), "Ace");
        assert_eq!(sanitize_name("\u{1D400}ce").unwrap(), "Ace");
        // Composed and decomposed accents are the same name.
        assert_eq!(sanitize_name("Jose\u{301}").unwrap(), sanitize_name("José").unwrap());
        // A mark with nothing to sit on is dropped; a pile of marks is cut down.
        assert_eq!(sanitize_name("\u{301}\u{301}"), Err(InputError::EmptyName));
        let zalgo = format!("a{}", "\u{300}".repeat(40));
        assert_eq!(sanitize_name(&zalgo).unwrap().chars().count(), 1 + MAX_MARKS_PER_BASE);
        // Symbols, emoji and other scripts are fine.
        assert_eq!(sanitize_name("★ Ace_2 🚀").unwrap(), "★ Ace_2 🚀");
        assert_eq!(sanitize_name("Пилот").unwrap(), "Пилот");
        assert_eq!(sanitize_name("नमस्ते").unwrap(), "नमस्ते");
    }

    #[test]
    fn look_alike_names_share_a_skeleton() {
        assert!(names_look_alike("paypal", "p\u{430}yp\u{430}l"), "Cyrillic a");
        assert!(names_look_alike("Ace", "\u{391}ce"), "Greek capital alpha");
        assert!(names_look_alike("rn", "m"));
        assert!(!names_look_alike("Ace", "Bce"));
        assert_eq!(name_skeleton("Ace"), name_skeleton("\u{391}ce"));
    }
}
