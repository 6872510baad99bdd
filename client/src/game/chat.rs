//! Chat: Enter opens a line, typing fills it (at most 200 characters), Enter sends it to the
//! room, Esc cancels. While the line is open the keys type instead of flying the ship.
//!
//! On a touch screen the touch controls' chat button ([`ChatBox`]) opens the line: in the
//! browser the page's text box lies over it, so the tap opens the phone's keyboard, and what is
//! typed there fills the line; the keyboard's Send sends it, closing the keyboard cancels it.
//!
//! In a desktop browser Enter opens the line in the page's text box too ([`ChatEntry`], a bar
//! across the top while typing), so input methods, dead keys and paste work as in any page;
//! its Enter sends, Escape cancels. Natively the window's input method commits text
//! ([`Ime::Commit`]) into the line.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
#[cfg(not(target_family = "wasm"))]
use bevy::window::{Ime, PrimaryWindow};
use driftfire_shared::protocol::{ClientMsg, MAX_CHAT_CHARS};

use crate::session::events::Outgoing;
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::page::{FocusTextBox, TextBox, TextBoxSubmitted, TypingAt, has_page};
use crate::ui::text_field::{Edit, edit};

pub(super) fn plugin(app: &mut App) {
    // Registered by Bevy's input plugin and the UI in the game; headless tests run without them.
    app.add_message::<KeyboardInput>();
    app.add_message::<TextBoxSubmitted>();
    app.init_resource::<FocusTextBox>();
    app.init_resource::<ChatLine>();
    app.add_systems(OnExit(Screen::Playing), |mut line: ResMut<ChatLine>| *line = ChatLine::default());
    app.add_systems(PreUpdate, type_chat.after(bevy::input::InputSystems).run_if(in_state(Screen::Playing)));
    // Before the inputs are sampled, so an open line stops the ship in the same frame.
    app.add_systems(Update, chat_boxes.before(GameSet::Input).run_if(in_state(Screen::Playing)));
    // The browser's chat types in the page's text box, whose input method is the browser's.
    #[cfg(not(target_family = "wasm"))]
    {
        app.add_message::<Ime>();
        app.init_resource::<TypedByKeys>();
        app.add_systems(PreUpdate, compose.after(type_chat).run_if(in_state(Screen::Playing)));
        app.add_systems(Update, window_ime.run_if(in_state(Screen::Playing)));
    }
}

/// The chat line being typed, if open.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct ChatLine {
    /// Whether the line is open (keys type into it).
    pub open: bool,
    /// What has been typed.
    pub text: String,
}

impl ChatLine {
    /// Sends the line (unless blank) and closes it.
    fn send(&mut self, outbox: &mut MessageWriter<Outgoing>) {
        let text = std::mem::take(&mut self.text);
        self.open = false;
        if !text.trim().is_empty() {
            outbox.write(Outgoing(ClientMsg::Chat { text }));
        }
    }
}

/// The chat button of the touch controls, with the page's [`TextBox`] over it in the browser.
#[derive(Component, Debug, Default)]
pub struct ChatBox;

/// The page's text box for a line opened with Enter in a desktop browser: no size of its own
/// (the page's box is a bar across the top while typing), shown only while the line is open.
#[derive(Component, Debug, Default)]
pub struct ChatEntry;

/// The [`ChatEntry`] node, for a page (spawned with the HUD's chat; natively nothing).
pub(crate) fn chat_entry() -> Option<impl Bundle> {
    has_page().then(|| {
        (
            Node { position_type: PositionType::Absolute, width: px(0), height: px(0), ..default() },
            Visibility::Hidden,
            ChatEntry,
            TextBox::new("", MAX_CHAT_CHARS, "send", TypingAt::TopBar),
        )
    })
}

#[cfg(not(target_family = "wasm"))]
/// Natively the window's input method is on while the line is open; what it commits is typed.
fn window_ime(line: Res<ChatLine>, mut window: Query<&mut Window, With<PrimaryWindow>>) {
    let Ok(mut window) = window.single_mut() else { return };
    if window.ime_enabled != line.open {
        window.ime_enabled = line.open;
    }
}

#[cfg(not(target_family = "wasm"))]
/// The characters key presses typed into the line this frame.
#[derive(Resource, Debug, Default)]
struct TypedByKeys(String);

#[cfg(not(target_family = "wasm"))]
/// What the input method commits (a word of Chinese, a Korean syllable…) goes into the open line
/// — unless the same key presses typed it already (some systems send both for plain keys).
fn compose(mut ime: MessageReader<Ime>, mut line: ResMut<ChatLine>, typed: Res<TypedByKeys>) {
    for event in ime.read() {
        if let Ime::Commit { value, .. } = event
            && line.open
            && !typed.0.ends_with(value.as_str())
        {
            let room = MAX_CHAT_CHARS.saturating_sub(line.text.chars().count());
            line.text.extend(value.chars().take(room));
        }
    }
}

fn type_chat(
    mut keys: MessageReader<KeyboardInput>,
    mut line: ResMut<ChatLine>,
    mut outbox: MessageWriter<Outgoing>,
    #[cfg(not(target_family = "wasm"))] mut typed: ResMut<TypedByKeys>,
) {
    #[cfg(not(target_family = "wasm"))]
    typed.0.clear();
    for key in keys.read() {
        if key.state != ButtonState::Pressed {
            continue;
        }
        if !line.open {
            // Closed, only Enter matters: it opens the line.
            if key.logical_key == Key::Enter {
                line.open = true;
            }
            continue;
        }
        #[cfg(not(target_family = "wasm"))]
        if let Key::Character(characters) = &key.logical_key {
            typed.0.push_str(characters);
        }
        match edit(&mut line.text, &key.logical_key, MAX_CHAT_CHARS) {
            Edit::Submit => line.send(&mut outbox),
            Edit::Cancel => {
                line.open = false;
                line.text.clear();
            }
            Edit::Typed | Edit::Other => {}
        }
    }
}

/// The page's text boxes that fill the line: the touch controls' chat button (pressed, it opens
/// the line; in the browser, typing into the page's text box over it fills the line, its Enter
/// sends, leaving it cancels) and, for a line opened with Enter in a browser, the [`ChatEntry`],
/// which then takes the keys the same way.
#[allow(clippy::type_complexity)]
fn chat_boxes(
    mut buttons: Query<(Entity, &mut TextBox, &Interaction), (With<ChatBox>, Without<ChatEntry>)>,
    mut entry: Query<(Entity, &mut TextBox, &mut Visibility), (With<ChatEntry>, Without<ChatBox>)>,
    mut submitted: MessageReader<TextBoxSubmitted>,
    mut line: ResMut<ChatLine>,
    mut outbox: MessageWriter<Outgoing>,
    mut focus: ResMut<FocusTextBox>,
    mut was_typing: Local<[bool; 2]>,
    mut entry_was_open: Local<bool>,
) {
    let submitted: Vec<TextBoxSubmitted> = submitted.read().cloned().collect();
    let mut by_touch = false;
    if let Ok((entity, mut text_box, interaction)) = buttons.single_mut() {
        by_touch = text_box.focused;
        let filled = fill_line(entity, &mut text_box, &submitted, &mut line, &mut outbox, &mut was_typing[0]);
        if !filled && *interaction == Interaction::Pressed && !line.open {
            line.open = true;
        }
    }
    let Ok((entity, mut text_box, mut visibility)) = entry.single_mut() else { return };
    let open = line.open && !by_touch;
    visibility.set_if_neq(if open { Visibility::Inherited } else { Visibility::Hidden });
    if open && !*entry_was_open {
        text_box.text.clone_from(&line.text);
        focus.0 = true;
    }
    *entry_was_open = open;
    if !by_touch {
        fill_line(entity, &mut text_box, &submitted, &mut line, &mut outbox, &mut was_typing[1]);
    }
}

/// The line as a page's text box has it: sent on its Enter, its text while typing, cancelled
/// when it stops typing. False when the box played no part.
fn fill_line(
    entity: Entity,
    text_box: &mut TextBox,
    submitted: &[TextBoxSubmitted],
    line: &mut ChatLine,
    outbox: &mut MessageWriter<Outgoing>,
    was_typing: &mut bool,
) -> bool {
    let typing = std::mem::replace(was_typing, text_box.focused);
    if let Some(sent) = submitted.iter().rfind(|sent| sent.entity == entity) {
        line.text = sent.text.clone();
        line.send(outbox);
        text_box.text.clear();
    } else if text_box.focused {
        line.open = true;
        if line.text != text_box.text {
            line.text.clone_from(&text_box.text);
        }
    } else if typing {
        line.open = false;
        line.text.clear();
        text_box.text.clear();
    } else {
        return false;
    }
    true
}
