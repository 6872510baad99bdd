//! Touch controls without a real screen: `TouchInput`s written into a headless app with a
//! 390×844 phone window steer, thrust and fire through the same `InputFrame` fields as the mouse
//! and keys (both thumbs at once, the keys still working); the chat button and the page's text
//! box open, fill and send the chat line; on the title screen the phone arrangement is used, and
//! the text box fills the name and plays.

use std::f32::consts::{FRAC_PI_2, FRAC_PI_4, PI};

use bevy::input::touch::{TouchInput, TouchPhase};
use driftfire_client::game::chat::{ChatBox, ChatLine};
use driftfire_client::game::touch::{Geometry, TouchControls};
use driftfire_client::state::PilotName;
use driftfire_client::ui::layout::{Fit, Layout};
use driftfire_client::ui::page::{TextBox, TextBoxSubmitted};

use super::*;

/// A finger `id` at `at` (window pixels, y down).
fn finger(app: &mut App, window: Entity, id: u64, phase: TouchPhase, at: Vec2) {
    app.world_mut().write_message(TouchInput { phase, position: at, window, force: None, id });
}

/// Runs `count` frames and returns the last input sent.
fn last_input_after(app: &mut App, count: usize) -> InputFrame {
    frames(app, count);
    last_input(app)
}

fn assert_aim(frame: &InputFrame, expected: f32) {
    let off = (frame.aim - expected + PI).rem_euclid(2.0 * PI) - PI;
    assert!(off.abs() < 0.01, "aim {} expected {expected}", frame.aim);
}

#[test]
fn the_stick_aims_and_thrusts_and_the_button_fires_with_both_thumbs_at_once() {
    let mut app = app();
    let window = phone_window(&mut app);
    welcome(&mut app);
    let geometry = app.world().resource::<TouchControls>().geometry();
    assert_eq!(geometry, Geometry::of(PHONE, 1.0), "placed for the phone's window");
    assert!(!app.world().resource::<TouchControls>().seen, "no touch seen yet");

    // Left thumb on the drawn stick, pushed up and to the right: aim 45°, thrust. Right thumb
    // on the fire button at the same time.
    let home = geometry.stick_home;
    finger(&mut app, window, 1, TouchPhase::Started, home);
    finger(&mut app, window, 2, TouchPhase::Started, geometry.fire);
    app.update();
    finger(&mut app, window, 1, TouchPhase::Moved, home + Vec2::new(0.8, -0.8) * geometry.radius);
    let frame = last_input_after(&mut app, 10);
    assert!(app.world().resource::<TouchControls>().seen);
    assert_aim(&frame, FRAC_PI_4);
    assert!(frame.thrust && frame.fire, "{frame:?}");

    // A little push to the left, inside the thrust dead zone: it aims but does not thrust.
    finger(&mut app, window, 1, TouchPhase::Moved, home + Vec2::new(-0.2, 0.0) * geometry.radius);
    let frame = last_input_after(&mut app, 10);
    assert_aim(&frame, PI);
    assert!(!frame.thrust && frame.fire, "{frame:?}");

    // Another finger on the fire side: the first lifting does not stop the fire, the last does.
    finger(&mut app, window, 3, TouchPhase::Started, geometry.fire + Vec2::new(0.0, -60.0));
    finger(&mut app, window, 2, TouchPhase::Ended, geometry.fire);
    let frame = last_input_after(&mut app, 5);
    assert!(frame.fire, "{frame:?}");
    finger(&mut app, window, 3, TouchPhase::Ended, geometry.fire);
    let frame = last_input_after(&mut app, 5);
    assert!(!frame.fire, "{frame:?}");

    // Then the left thumb: nothing pressed, the aim stays where it was.
    finger(&mut app, window, 1, TouchPhase::Ended, home);
    let frame = last_input_after(&mut app, 5);
    assert!(!frame.thrust && !frame.fire, "{frame:?}");
    assert_aim(&frame, PI);

    // The keys still fly the ship on a touch screen.
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::KeyW);
    let frame = last_input_after(&mut app, 5);
    assert!(frame.thrust, "{frame:?}");
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().release_all();
}

#[test]
fn the_stick_floats_to_where_the_thumb_lands_and_fingers_are_told_apart() {
    let mut app = app();
    let window = phone_window(&mut app);
    welcome(&mut app);
    let geometry = app.world().resource::<TouchControls>().geometry();

    // A thumb lands mid-left, far from the drawn stick: the stick is centred there, so nothing
    // is pushed yet.
    let landed = Vec2::new(120.0, 420.0);
    finger(&mut app, window, 7, TouchPhase::Started, landed);
    let frame = last_input_after(&mut app, 5);
    assert!(!frame.thrust && !frame.fire, "{frame:?}");

    // A second finger on the left half does not take the stick over; fingers on the right half
    // fire, and the chat button is not the ship's.
    finger(&mut app, window, 8, TouchPhase::Started, Vec2::new(60.0, 600.0));
    finger(&mut app, window, 9, TouchPhase::Started, geometry.chat.center());
    let frame = last_input_after(&mut app, 5);
    assert!(!frame.thrust && !frame.fire, "{frame:?}");
    finger(&mut app, window, 8, TouchPhase::Moved, Vec2::new(300.0, 600.0));

    // Dragged down the screen: aim straight down (-90° in the world, y up), thrust.
    finger(&mut app, window, 7, TouchPhase::Moved, landed + Vec2::new(0.0, geometry.radius));
    let frame = last_input_after(&mut app, 5);
    assert_aim(&frame, -FRAC_PI_2);
    assert!(frame.thrust && !frame.fire, "{frame:?}");

    // A cancelled touch (the browser took it back) lets go like a lifted one.
    finger(&mut app, window, 7, TouchPhase::Canceled, landed);
    let frame = last_input_after(&mut app, 5);
    assert!(!frame.thrust, "{frame:?}");
}

#[test]
fn the_chat_button_and_the_page_text_box_open_fill_and_send_the_chat_line() {
    let mut app = app();
    phone_window(&mut app);
    welcome(&mut app);
    let button = app.world_mut().query_filtered::<Entity, With<ChatBox>>().single(app.world()).expect("one chat button");

    // Pressed (a tap the UI saw): the line opens, and the thumbs stop flying the ship.
    app.world_mut().entity_mut(button).insert(Interaction::Pressed);
    app.update();
    assert!(app.world().resource::<ChatLine>().open);
    app.world_mut().entity_mut(button).insert(Interaction::None);

    // Typing into the page's text box over it fills the line; its Enter sends it.
    {
        let mut entity = app.world_mut().entity_mut(button);
        let mut text_box = entity.get_mut::<TextBox>().unwrap();
        text_box.focused = true;
        text_box.text = "gg from a phone".into();
    }
    app.update();
    assert_eq!(*app.world().resource::<ChatLine>(), ChatLine { open: true, text: "gg from a phone".into() });
    app.world_mut().entity_mut(button).get_mut::<TextBox>().unwrap().focused = false;
    app.world_mut().write_message(TextBoxSubmitted { entity: button, text: "gg from a phone".into() });
    app.update();
    assert!(!app.world().resource::<ChatLine>().open);
    let sent = &app.world().resource::<Sent>().0;
    assert!(sent.iter().any(|m| matches!(m, ClientMsg::Chat { text } if text == "gg from a phone")), "chat sent");
    assert_eq!(app.world_mut().entity_mut(button).get::<TextBox>().unwrap().text, "", "the box is emptied");

    // Leaving the text box without Enter (the keyboard closed) cancels the line.
    app.world_mut().entity_mut(button).get_mut::<TextBox>().unwrap().focused = true;
    app.update();
    app.world_mut().entity_mut(button).get_mut::<TextBox>().unwrap().focused = false;
    app.update();
    assert_eq!(*app.world().resource::<ChatLine>(), ChatLine::default());
}

#[test]
fn a_phone_gets_the_compact_title_screen_and_the_text_box_names_the_pilot() {
    let mut app = interface_app(NOWHERE);
    assert_eq!(app.world().resource::<Layout>().fit, Fit::Desktop, "no window: the desktop arrangement");
    assert!(shown_texts(&mut app).iter().any(|t| t == "Pilot name"));

    // The window turns out to be a phone's: the title screen is rebuilt for it, scaled to fit.
    phone_window(&mut app);
    app.update();
    app.update();
    assert_eq!(app.world().resource::<Layout>().fit, Fit::Portrait);
    let scale = app.world().resource::<UiScale>().0;
    assert!((0.75..1.0).contains(&scale), "ui scale {scale}");
    let texts = shown_texts(&mut app);
    assert!(texts.iter().any(|t| t == "Pilot name (optional)"), "{texts:?}");
    assert!(!texts.iter().any(|t| t == "Pilot name"), "the desktop arrangement is gone: {texts:?}");

    // Typing into the page's text box over the name field names the pilot; its Enter plays.
    let field = app.world_mut().query_filtered::<Entity, With<TextBox>>().single(app.world()).expect("one name field");
    {
        let mut entity = app.world_mut().entity_mut(field);
        let mut text_box = entity.get_mut::<TextBox>().unwrap();
        text_box.focused = true;
        text_box.text = "Thumbs".into();
    }
    app.update();
    assert_eq!(app.world().resource::<PilotName>().0, "Thumbs");
    app.world_mut().write_message(TextBoxSubmitted { entity: field, text: "Thumbs".into() });
    app.update();
    app.update();
    assert_ne!(current_screen(&app), Screen::Title, "Play was pressed");
    assert_eq!(app.world().resource::<PilotName>().0, "Thumbs");
}
