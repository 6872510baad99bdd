//! The cleaning rules for untrusted text (names, chat, announcements): which characters are
//! kept, how whitespace folds, how many combining marks a character may carry, and where the
//! cut falls.

use super::joiners;

/// Combining marks kept on one base character: enough for any script's stacked vowels and
/// tones, too few for "Zalgo" text that spills over other lines.
pub(super) const MAX_MARKS_PER_BASE: usize = 3;

/// BRAILLE PATTERN BLANK: a symbol by category that renders as an empty cell, a well-known
/// way to make a name that looks like nothing.
const BRAILLE_BLANK: char = '\u{2800}';

/// What to do with one character of untrusted text, by its Unicode general category (an
/// allow-list: categories added to Unicode later are dropped until allowed here).
pub(super) enum Keep {
    /// Letters, numbers, punctuation and symbols: visible on their own.
    Visible,
    /// Combining marks: visible only on a base character.
    Mark,
    /// Any kind of space: folded to one ASCII space between words.
    Space,
    /// ZWJ, ZWNJ, VS15 and VS16: invisible, kept only where they join what is around them
    /// (see [`joiners`]).
    Joiner,
    /// Controls, other format characters (zero-width space, bidi, tags, musical and shorthand
    /// format controls…), other variation selectors, separators, private use, surrogates and
    /// unassigned code points.
    Drop,
}

pub(super) fn keep(c: char) -> Keep {
    use unicode_general_category::GeneralCategory as G;
    use unicode_security::general_security_profile::IdentifierType;
    if c.is_whitespace() {
        return Keep::Space;
    }
    if joiners::is_joiner(c) {
        return Keep::Joiner;
    }
    // Characters that render as nothing whatever their category (variation selectors, the
    // combining grapheme joiner, Hangul fillers…), from TR39's identifier types.
    if c == BRAILLE_BLANK || unicode_security::GeneralSecurityProfile::identifier_type(c) == Some(IdentifierType::Default_Ignorable) {
        return Keep::Drop;
    }
    match unicode_general_category::get_general_category(c) {
        G::UppercaseLetter
        | G::LowercaseLetter
        | G::TitlecaseLetter
        | G::ModifierLetter
        | G::OtherLetter
        | G::DecimalNumber
        | G::LetterNumber
        | G::OtherNumber
        | G::ConnectorPunctuation
        | G::DashPunctuation
        | G::OpenPunctuation
        | G::ClosePunctuation
        | G::InitialPunctuation
        | G::FinalPunctuation
        | G::OtherPunctuation
        | G::MathSymbol
        | G::CurrencySymbol
        | G::ModifierSymbol
        | G::OtherSymbol => Keep::Visible,
        G::NonspacingMark | G::SpacingMark | G::EnclosingMark => Keep::Mark,
        G::SpaceSeparator => Keep::Space,
        // Control, Format, LineSeparator, ParagraphSeparator, PrivateUse, Surrogate,
        // Unassigned, and any category a later Unicode adds.
        _ => Keep::Drop,
    }
}

/// Only visible characters kept (letters, numbers, punctuation, symbols, and up to
/// [`MAX_MARKS_PER_BASE`] combining marks on each) and the joiners that join them
/// ([`joiners`]), whitespace runs folded to one space, trimmed, cut to `max_chars`; `None` if
/// nothing visible is left.
pub(super) fn clean_text(text: &str, max_chars: usize) -> Option<String> {
    let mut out = Vec::new();
    let mut pending_space = false;
    // Marks on the last base character; `None` while there is no base to put one on.
    let mut marks: Option<usize> = None;
    for c in text.chars() {
        match keep(c) {
            Keep::Space => {
                pending_space = !out.is_empty();
                marks = None;
            }
            Keep::Drop => {}
            // Never first nor after a space; the rest is decided once the neighbours are known.
            // (A joiner leaves the marks count alone: a mark after it still sits on the base.)
            Keep::Joiner => {
                if !pending_space && !out.is_empty() {
                    out.push(c);
                }
            }
            Keep::Mark => {
                if let Some(n) = marks.as_mut().filter(|n| **n < MAX_MARKS_PER_BASE) {
                    *n += 1;
                    out.push(c);
                }
            }
            Keep::Visible => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
                marks = Some(0);
            }
        }
    }
    let mut out = joiners::settle(out);
    out.truncate(max_chars);
    // The cut may have taken what a joiner or selector joined: settled again, then trimmed.
    let mut out = joiners::settle(out);
    while out.last() == Some(&' ') {
        out.pop();
    }
    (!out.is_empty()).then(|| out.into_iter().collect())
}
