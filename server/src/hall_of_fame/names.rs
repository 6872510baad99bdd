//! Which name a result is stored under ([`board_name`]) and which names are one pilot on a
//! board ([`name_key`]); both backends use these two, so they agree on who is who.

use driftfire_shared::input::{clean_name, name_skeleton};

/// What a name that cleans to nothing is stored as (room names are already cleaned, so this
/// only guards against a caller that did not): one shared "pilot" rather than a lost result.
const FALLBACK_NAME: &str = "pilot";

/// The name a result is stored under: the in-game name cleaner ([`clean_name`]: NFKC,
/// visible characters only, whitespace folded, at most `MAX_NAME_CHARS`; the handshake's rule
/// on mixed scripts already kept such names out of the rooms), or `"pilot"` if nothing is left.
pub fn board_name(raw: &str) -> String {
    clean_name(raw).unwrap_or_else(|_| FALLBACK_NAME.to_string())
}

/// The key that makes names one pilot on a board: the name lower-cased, then its TR39
/// confusable skeleton, lower-cased again (so "Ada", "ADA", "Аda" with a Cyrillic "А", "TWIN"
/// and "twin" are one pilot). Lower-casing first matters: the skeleton maps a capital "I" to
/// "l", which would split "TWIN" from "twin". Takes a [`board_name`].
pub fn name_key(name: &str) -> String {
    name_skeleton(&name.to_lowercase()).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn case_and_confusables_are_one_pilot() {
        assert_eq!(name_key("TWIN"), name_key("twin"));
        assert_eq!(name_key("ADA"), name_key("ada"));
        assert_eq!(name_key("\u{410}da"), name_key("Ada"), "Cyrillic capital A");
        assert_ne!(name_key("ace"), name_key("acer"));
    }
}
