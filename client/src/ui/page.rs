//! The web page around the game's canvas, behind one API: `wasm.rs` talks to the DOM,
//! `native.rs` has no page (its functions do nothing). Two things need the page:
//!
//! - A phone opens its on-screen keyboard only for a text input the player tapped, never for a
//!   canvas. So the page's text box (`#text-entry` in `web/index.html`) is laid over the UI node
//!   marked [`TextBox`], invisible until focused: the tap lands on it, the keyboard opens, and
//!   what is typed comes back into [`TextBox::text`]; Enter sends [`TextBoxSubmitted`]. Only
//!   one [`TextBox`] is shown at a time (the title's name field, or the chat button in the game).
//!   On a desktop browser the chat line uses it too (the owner asks for the focus with
//!   [`FocusTextBox`]), so input methods (Chinese, Japanese, Korean…), dead keys and paste work.
//! - Whether the device has a touch screen, for the hints before the first touch.

#[cfg(not(target_family = "wasm"))]
mod native;
#[cfg(not(target_family = "wasm"))]
use native as platform;
#[cfg(target_family = "wasm")]
mod wasm;
#[cfg(target_family = "wasm")]
use wasm as platform;

use crate::ui::kit::{ComputedNode, UiStack, UiSystems, shown};
use bevy::input::InputSystems;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<TextBoxSubmitted>();
    app.init_resource::<FocusTextBox>();
    app.init_resource::<PlacedBox>();
    app.add_systems(PreUpdate, read_box.after(InputSystems));
    app.add_systems(PostUpdate, place_box.after(UiSystems::Layout));
}

/// A UI node the page's text box covers: tapping or clicking it types into [`text`](Self::text).
/// Its owner keeps `text` current while it is not [`focused`](Self::focused) (the page shows it
/// when typing starts) and reads it while it is.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct TextBox {
    /// The text: the owner's while not focused, the page's while focused.
    pub text: String,
    /// Characters the box takes at most.
    pub max_chars: usize,
    /// Whether the player is typing into it (set from the page; never natively).
    pub focused: bool,
    /// What the phone keyboard's Enter key says: `go`, `send`, `done`...
    pub enter_key: &'static str,
    /// Where the box is while typing.
    pub typing_at: TypingAt,
}

impl TextBox {
    /// A box holding `text`, at most `max_chars` long, whose Enter key says `enter_key`.
    pub fn new(text: impl Into<String>, max_chars: usize, enter_key: &'static str, typing_at: TypingAt) -> Self {
        Self { text: text.into(), max_chars, focused: false, enter_key, typing_at }
    }
}

/// Where the page's text box is while the player types into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypingAt {
    /// Over its node, looking like a text field.
    Node,
    /// A bar across the top of the screen, clear of the on-screen keyboard.
    TopBar,
}

/// Enter was pressed in a [`TextBox`] (the page's box is unfocused with it).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct TextBoxSubmitted {
    /// The node with the [`TextBox`].
    pub entity: Entity,
    /// What was typed.
    pub text: String,
}

/// Set to ask for the keyboard focus to go to the page's text box over the shown [`TextBox`] (in
/// the browser; natively nothing happens); cleared when done.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FocusTextBox(pub bool);

/// The [`TextBox`] the page's text box is over, if any.
#[derive(Resource, Debug, Default)]
struct PlacedBox(Option<Entity>);

/// What the page's text box holds, read once a frame.
#[derive(Debug, Clone, PartialEq)]
struct PageBox {
    /// It has the keyboard focus.
    focused: bool,
    /// Its text.
    value: String,
    /// Enter was pressed since the last read.
    submitted: bool,
    /// The player changed its text since the last read (it may have lost the focus since).
    edited: bool,
}

/// Where the page's text box goes, in CSS pixels from the page's top left.
#[derive(Debug, Clone, PartialEq)]
struct Placement {
    rect: Rect,
    /// The text to show, while not focused.
    value: String,
    max_chars: usize,
    enter_key: &'static str,
}

/// Whether there is a page with a text box (the browser); `false` natively.
pub fn has_page() -> bool {
    platform::has_page()
}

/// Whether the device has a touch screen (the browser says so); `false` natively.
pub fn touch_screen() -> bool {
    platform::touch_screen()
}

/// `text` cut to `max_chars` characters.
fn clipped(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

fn read_box(placed: Res<PlacedBox>, mut boxes: Query<(Entity, &mut TextBox)>, mut submitted: MessageWriter<TextBoxSubmitted>) {
    let Some(page) = platform::read() else { return };
    let Some((entity, mut text_box)) = placed.0.and_then(|entity| boxes.get_mut(entity).ok()) else { return };
    // Typed into, or was until now (the last keys may have come with the focus going), or
    // Enter.
    if page.focused || text_box.focused || page.submitted || page.edited {
        let text = clipped(&page.value, text_box.max_chars);
        if text_box.text != text {
            text_box.text = text;
        }
    }
    if text_box.focused != page.focused {
        text_box.focused = page.focused;
    }
    if page.submitted {
        submitted.write(TextBoxSubmitted { entity, text: text_box.text.clone() });
    }
}

#[allow(clippy::too_many_arguments)]
fn place_box(
    boxes: Query<&TextBox>,
    nodes: Query<(&ComputedNode, &Visibility)>,
    stack: Res<UiStack>,
    window: Query<&Window, With<PrimaryWindow>>,
    mut focus: ResMut<FocusTextBox>,
    mut placed: ResMut<PlacedBox>,
    mut last: Local<Option<Placement>>,
) {
    let focus_asked = std::mem::take(&mut focus.0);
    let Ok(window) = window.single() else { return };
    let shown = shown(&stack, |entity| nodes.get(entity).map_or(Visibility::Hidden, |(_, visibility)| *visibility));
    let shown_box = stack.entries.iter().zip(shown).find_map(|(entry, shown)| {
        let text_box = boxes.get(entry.entity).ok().filter(|_| shown)?;
        Some((entry.entity, text_box, nodes.get(entry.entity).ok()?.0))
    });
    placed.0 = shown_box.map(|(entity, ..)| entity);
    let shown_box = shown_box.map(|(_, text_box, node)| (text_box, node));
    if focus_asked && let Some((text_box, _)) = shown_box {
        // Placed where it goes while typing before it takes the keys.
        let mut typing = text_box.clone();
        typing.focused = true;
        let placement = placement_of(&typing, shown_box.map_or(Rect::default(), |(_, node)| node.rect), window);
        platform::show(&placement);
        platform::focus();
        *last = Some(placement);
        return;
    }
    let placement = shown_box.map(|(text_box, node)| placement_of(text_box, node.rect, window));
    if *last == placement {
        return;
    }
    match &placement {
        Some(placement) => platform::show(placement),
        None => platform::hide(),
    }
    *last = placement;
}

/// Where the page's box goes for `text_box` over a node at `rect` (window, i.e. CSS, pixels).
fn placement_of(text_box: &TextBox, rect: Rect, window: &Window) -> Placement {
    let rect = match (text_box.typing_at, text_box.focused) {
        (TypingAt::TopBar, true) => {
            let margin = 8.0;
            Rect::new(margin, margin, (window.width() - margin).max(margin + 120.0), margin + 44.0)
        }
        _ => rect,
    };
    Placement { rect, value: text_box.text.clone(), max_chars: text_box.max_chars, enter_key: text_box.enter_key }
}
