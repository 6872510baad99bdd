//! Chat: Enter opens a line, typing fills it (at most 200 characters), Enter sends it to the
//! room, Esc cancels. While the line is open the keys type instead of flying the ship.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use driftfire_shared::protocol::{ClientMsg, MAX_CHAT_CHARS};

use crate::session::events::Outgoing;
use crate::state::Screen;
use crate::ui::text_field::{Edit, edit};

pub(super) fn plugin(app: &mut App) {
    // Registered by Bevy's input plugin in the game; headless tests run without it.
    app.add_message::<KeyboardInput>();
    app.init_resource::<ChatLine>();
    app.add_systems(OnExit(Screen::Playing), |mut line: ResMut<ChatLine>| *line = ChatLine::default());
    app.add_systems(PreUpdate, type_chat.after(bevy::input::InputSystems).run_if(in_state(Screen::Playing)));
}

/// The chat line being typed, if open.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct ChatLine {
    /// Whether the line is open (keys type into it).
    pub open: bool,
    /// What has been typed.
    pub text: String,
}

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
            Edit::Submit => {
                let text = std::mem::take(&mut line.text);
                line.open = false;
                if !text.trim().is_empty() {
                    outbox.write(Outgoing(ClientMsg::Chat { text }));
                }
            }
            Edit::Cancel => {
                line.open = false;
                line.text.clear();
            }
            Edit::Typed | Edit::Other => {}
        }
    }
}
