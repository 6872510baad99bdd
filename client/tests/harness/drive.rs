//! Driving the app as a player and a network would, and reading it as a player does: frames
//! stepped or waited through, keys tapped and typed, the last inputs sent, buttons pressed by
//! their label, the texts on screen, and a phone-sized window.

use std::time::Duration;

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use bevy::window::{PrimaryWindow, WindowResolution};
use driftfire_client::Screen;
use driftfire_client::ui::kit::{Interaction, Text};
use driftfire_shared::protocol::{ClientMsg, InputFrame};

use super::app::Sent;

/// How long a test waiting on the network sleeps after each frame: the socket threads' moment.
pub const NET_PAUSE: Duration = Duration::from_millis(5);

/// The upright phone the touch tests and the portrait HUD play on (logical pixels).
pub const PHONE: Vec2 = Vec2::new(390.0, 844.0);

/// Runs `count` frames.
pub fn frames(app: &mut App, count: usize) {
    for _ in 0..count {
        app.update();
    }
}

/// Runs frames until `done` holds, at most `limit` of them, each followed by `pause` (for the
/// network threads to answer) before `done` is asked; whether it came to hold.
pub fn update_until(app: &mut App, limit: usize, pause: Duration, mut done: impl FnMut(&mut App) -> bool) -> bool {
    for _ in 0..limit {
        app.update();
        std::thread::sleep(pause);
        if done(app) {
            return true;
        }
    }
    false
}

/// The screen the game is on.
pub fn current_screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

/// Presses and lets go of a key within one frame (no input plugin clears it here).
pub fn tap(app: &mut App, code: KeyCode) {
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(code);
    app.update();
    let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    keys.release(code);
    keys.clear();
}

/// A key press as the keyboard reports it, with the `logical` key it types (for text entry);
/// read on the next frame.
pub fn key(app: &mut App, code: KeyCode, logical: Key) {
    app.world_mut().write_message(KeyboardInput {
        key_code: code,
        logical_key: logical,
        state: ButtonState::Pressed,
        text: None,
        repeat: false,
        window: Entity::PLACEHOLDER,
    });
}

/// The input frames among what the client sent, in order.
pub fn inputs_sent(app: &App) -> Vec<InputFrame> {
    app.world().resource::<Sent>().0.iter().filter_map(|m| if let ClientMsg::Input(f) = m { Some(*f) } else { None }).collect()
}

/// The last input frame the client sent.
pub fn last_input(app: &App) -> InputFrame {
    *inputs_sent(app).last().expect("inputs sent")
}

/// Presses the button (or tab, or list row) whose child text reads `label`, as a click does.
pub fn press_labelled(app: &mut App, label: &str) {
    let world = app.world_mut();
    let button = world.query::<(&Text, &ChildOf)>().iter(world).find(|(text, _)| text.0 == label).map(|(_, parent)| parent.parent());
    let button = button.unwrap_or_else(|| panic!("nothing labelled {label:?} to press"));
    app.world_mut().entity_mut(button).insert(Interaction::Pressed);
}

/// Every text on screen whose entity and ancestors are not hidden.
pub fn shown_texts(app: &mut App) -> Vec<String> {
    let world = app.world_mut();
    let texts: Vec<(Entity, String)> = world.query::<(Entity, &Text)>().iter(world).map(|(e, t)| (e, t.0.clone())).collect();
    let mut visibility = world.query::<(Option<&Visibility>, Option<&ChildOf>)>();
    texts
        .into_iter()
        .filter(|(entity, _)| {
            let mut at = Some(*entity);
            while let Some(entity) = at {
                let Ok((shown, parent)) = visibility.get(world, entity) else { break };
                if shown == Some(&Visibility::Hidden) {
                    return false;
                }
                at = parent.map(ChildOf::parent);
            }
            true
        })
        .map(|(_, text)| text)
        .collect()
}

/// Updates (giving the network threads a moment each time) until a shown text is `wanted`;
/// panics with what is shown if none is within about ten seconds.
pub fn update_until_shown(app: &mut App, wanted: &str) {
    if !update_until(app, 2000, NET_PAUSE, |app| shown_texts(app).iter().any(|text| text == wanted)) {
        panic!("{wanted:?} never shown; shown: {:?}", shown_texts(app));
    }
}

/// A [`PHONE`]-sized primary window (no real one: only its size is read).
pub fn phone_window(app: &mut App) -> Entity {
    let window = Window { resolution: WindowResolution::new(PHONE.x as u32, PHONE.y as u32), ..default() };
    app.world_mut().spawn((window, PrimaryWindow)).id()
}
