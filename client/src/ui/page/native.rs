//! No page natively: typing reaches the game as key presses, and there is no text box to place.

use super::{PageBox, Placement};

/// Natively the game never has a page's text box.
pub(super) fn read() -> Option<PageBox> {
    None
}

/// Nothing to place.
pub(super) fn show(_placement: &Placement) {}

/// Nothing to hide.
pub(super) fn hide() {}

/// Nothing to focus.
pub(super) fn focus() {}

/// No page.
pub(super) fn has_page() -> bool {
    false
}

/// Desktop windows are taken for mouse and keyboard until a touch is seen.
pub(super) fn touch_screen() -> bool {
    false
}
