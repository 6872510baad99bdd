//! The pointer and the buttons: which [`Button`] the mouse or a finger is over, pressed on, or
//! neither ([`Interaction`]), the topmost one under it taking the pointer.

use bevy::input::touch::Touches;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use super::layout::UiStack;
use super::shown;
use super::style::{ComputedNode, Interaction};

pub(super) fn update_interactions(
    window: Query<&Window, With<PrimaryWindow>>,
    mouse: Option<Res<ButtonInput<MouseButton>>>,
    touches: Option<Res<Touches>>,
    stack: Res<UiStack>,
    nodes: Query<(&ComputedNode, &Visibility)>,
    mut buttons: Query<(Entity, &mut Interaction)>,
) {
    // Headless (no window): nothing points at anything; tests set interactions themselves.
    let Ok(window) = window.single() else { return };
    let touch_at = touches.as_ref().and_then(|touches| touches.first_pressed_position());
    let pointer = touch_at.or_else(|| window.cursor_position());
    let pressed = mouse.as_ref().is_some_and(|mouse| mouse.just_pressed(MouseButton::Left))
        || touches.as_ref().is_some_and(|touches| touches.any_just_pressed());
    let released = mouse.as_ref().is_some_and(|mouse| mouse.just_released(MouseButton::Left))
        || touches.as_ref().is_some_and(|touches| touches.any_just_released());
    let shown = shown(&stack, |entity| nodes.get(entity).map_or(Visibility::Hidden, |(_, visibility)| *visibility));
    let hovered = pointer.and_then(|at| {
        stack.entries.iter().zip(&shown).rev().find_map(|(entry, &shown)| {
            let over = shown && buttons.contains(entry.entity) && nodes.get(entry.entity).is_ok_and(|(node, _)| node.rect.contains(at));
            over.then_some(entry.entity)
        })
    });
    for (entity, mut interaction) in &mut buttons {
        let over = hovered == Some(entity);
        let next = match *interaction {
            // A press lasts until the button (or finger) is let go, wherever the pointer went.
            Interaction::Pressed if !released => Interaction::Pressed,
            _ if over && pressed => Interaction::Pressed,
            _ if over => Interaction::Hovered,
            _ => Interaction::None,
        };
        interaction.set_if_neq(next);
    }
}
