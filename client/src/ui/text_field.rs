//! A one-line text editor driven by key presses: typed characters are appended (control
//! characters never), Backspace deletes, and the line never grows past its limit. The title
//! screen's name field and the chat line both edit through [`edit`].

use bevy::input::keyboard::Key;

/// What a key press did to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text may have changed (typed, deleted, or a key that did nothing at the limit).
    Typed,
    /// Enter: the owner decides what submitting means.
    Submit,
    /// Escape: the owner decides what cancelling means.
    Cancel,
    /// Any other key (arrows, modifiers…): not for the line.
    Other,
}

/// Applies one pressed key to `line`, which holds at most `max_chars` characters.
pub fn edit(line: &mut String, key: &Key, max_chars: usize) -> Edit {
    match key {
        Key::Enter => Edit::Submit,
        Key::Escape => Edit::Cancel,
        Key::Backspace => {
            line.pop();
            Edit::Typed
        }
        Key::Space => {
            if line.chars().count() < max_chars {
                line.push(' ');
            }
            Edit::Typed
        }
        Key::Character(typed) => {
            for c in typed.chars().filter(|c| !c.is_control()) {
                if line.chars().count() < max_chars {
                    line.push(c);
                }
            }
            Edit::Typed
        }
        _ => Edit::Other,
    }
}

/// The blinking caret at the end of a line being edited, half a second on, half off.
pub fn caret(secs: f64) -> &'static str {
    if secs.fract() < 0.5 { "|" } else { " " }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_deletes_and_stops_at_the_limit() {
        let mut line = String::new();
        assert_eq!(edit(&mut line, &Key::Character("ab\u{7}".into()), 4), Edit::Typed);
        assert_eq!(edit(&mut line, &Key::Space, 4), Edit::Typed);
        assert_eq!(edit(&mut line, &Key::Character("cd".into()), 4), Edit::Typed);
        assert_eq!(line, "ab c", "control characters dropped, the limit kept");
        edit(&mut line, &Key::Space, 4);
        assert_eq!(line, "ab c");
        edit(&mut line, &Key::Backspace, 4);
        assert_eq!(line, "ab ");
        assert_eq!(edit(&mut line, &Key::Enter, 4), Edit::Submit);
        assert_eq!(edit(&mut line, &Key::Escape, 4), Edit::Cancel);
        assert_eq!(edit(&mut line, &Key::ArrowLeft, 4), Edit::Other);
        assert_eq!(line, "ab ");
    }
}
