//! Chat: Enter opens a line, typing fills it (at most 200 characters), Enter sends it to the
//! room, Esc cancels. While the line is open the keys type instead of flying the ship.
//!
//! On a touch screen the touch controls' chat button ([`ChatBox`]) opens the line: in the
//! browser the page's text box lies over it, so the tap opens the phone's keyboard, and what is
//! typed there fills the line; the keyboard's Send sends it, closing the keyboard cancels it.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, MAX_CHAT_CHARS};

use crate::session::events::Outgoing;
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::page::{TextBox, TextBoxSubmitted};
use crate::ui::text_field::{Edit, edit};

pub(super) fn plugin(app: &mut App) {
    // Registered by Bevy's input plugin and the UI in the game; headless tests run without them.
    app.add_message::<KeyboardInput>();
    app.add_message::<TextBoxSubmitted>();
    app.init_resource::<ChatLine>();
    app.add_systems(OnExit(Screen::Playing), |mut line: ResMut<ChatLine>| *line = ChatLine::default());
    app.add_systems(PreUpdate, type_chat.after(bevy::input::InputSystems).run_if(in_state(Screen::Playing)));
    // Before the inputs are sampled, so an open line stops the ship in the same frame.
    app.add_systems(Update, chat_button.before(GameSet::Input).run_if(in_state(Screen::Playing)));
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

fn type_chat(mut keys: MessageReader<KeyboardInput>, mut line: ResMut<ChatLine>, mut outbox: MessageWriter<Outgoing>) {
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

/// The chat button: pressed, it opens the line (typed on a keyboard); in the browser, typing
/// into the page's text box over it fills the line, its Enter sends, leaving it cancels.
fn chat_button(
    mut buttons: Query<(Entity, &mut TextBox, &Interaction), With<ChatBox>>,
    mut submitted: MessageReader<TextBoxSubmitted>,
    mut line: ResMut<ChatLine>,
    mut outbox: MessageWriter<Outgoing>,
    mut was_typing: Local<bool>,
) {
    let Ok((entity, mut text_box, interaction)) = buttons.single_mut() else { return };
    if let Some(sent) = submitted.read().filter(|sent| sent.entity == entity).last() {
        line.text = sent.text.clone();
        line.send(&mut outbox);
        text_box.text.clear();
    } else if text_box.focused {
        line.open = true;
        if line.text != text_box.text {
            line.text.clone_from(&text_box.text);
        }
    } else if *was_typing {
        line.open = false;
        line.text.clear();
        text_box.text.clear();
    } else if *interaction == Interaction::Pressed && !line.open {
        line.open = true;
    }
    *was_typing = text_box.focused;
}
