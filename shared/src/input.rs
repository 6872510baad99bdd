//! Validation of untrusted player input, so that only finite, in-range values reach the sim.

use std::f32::consts::PI;

use crate::protocol::{InputFrame, MAX_CHAT_CHARS, MAX_NAME_CHARS, ROOM_CODE_ALPHABET, ROOM_CODE_LEN};

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

/// Makes a display name out of what a client asked for: control, format and other invisible
/// characters removed, whitespace runs folded to one space, trimmed, cut to [`MAX_NAME_CHARS`].
pub fn sanitize_name(requested: &str) -> Result<String, InputError> {
    clean_text(requested, MAX_NAME_CHARS).ok_or(InputError::EmptyName)
}

/// Cleans a chat line the same way as a name, cut to [`MAX_CHAT_CHARS`]; `None` if nothing
/// visible is left.
pub fn sanitize_chat(text: &str) -> Option<String> {
    clean_text(text, MAX_CHAT_CHARS)
}

/// Cleans operator announcements: like chat, but up to `max_chars`.
pub fn sanitize_announcement(text: &str, max_chars: usize) -> Option<String> {
    clean_text(text, max_chars)
}

/// Control, format and other invisible characters removed, whitespace runs folded to one
/// space, trimmed, cut to `max_chars`; `None` if nothing visible is left.
fn clean_text(text: &str, max_chars: usize) -> Option<String> {
    let mut out = String::new();
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    let cut: String = out.chars().take(max_chars).collect();
    let cut = cut.trim_end().to_string();
    (!cut.is_empty()).then_some(cut)
}

/// Format characters that render as nothing (zero-width spaces and joiners, bidi overrides,
/// BOM, tags): a name made of them would look empty or spoof another.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(aim: f32) -> InputFrame {
        InputFrame { seq: 1, aim, thrust: true, fire: false, view_tick: 0 }
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
}
