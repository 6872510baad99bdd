//! How the UI fits the window. A desktop window shows the menus as designed; a phone held
//! upright ([`Fit::Portrait`]) or sideways ([`Fit::Landscape`]) gets the menus arranged for it
//! (the screens read [`Layout`] and rebuild when it changes) and a [`UiScale`] that makes them
//! fit, in the menus and in the game's HUD. [`Layout::touch`] says whether hints should speak of
//! touch: the page reports a touch screen, or a touch was seen.

use bevy::input::InputSystems;
use bevy::input::touch::TouchInput;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use super::page;
use crate::console::{Report, report};
use crate::state::Screen;
use crate::ui::kit::*;

pub(super) fn plugin(app: &mut App) {
    // Registered by Bevy's input plugin in the game; headless tests run without it.
    app.add_message::<TouchInput>();
    app.init_resource::<UiScale>();
    app.insert_resource(Layout { touch: page::touch_screen(), ..default() });
    app.add_systems(PreUpdate, fit_window.after(InputSystems));
}

/// The smallest window (logical pixels) the desktop arrangement is used in.
const DESKTOP_MIN: Vec2 = Vec2::new(960.0, 680.0);

/// How the menus are arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fit {
    /// A window at least [`DESKTOP_MIN`]: everything as designed, at scale 1.
    #[default]
    Desktop,
    /// Narrower than it is tall (a phone upright): panels stacked in one column.
    Portrait,
    /// Smaller than a desktop and wider than tall (a phone sideways): panels side by side,
    /// compact.
    Landscape,
}

impl Fit {
    /// The arrangement for a window of `size` (logical pixels; zero without a window).
    pub fn of(size: Vec2) -> Self {
        if size.cmpeq(Vec2::ZERO).any() || size.cmpge(DESKTOP_MIN).all() {
            Self::Desktop
        } else if size.y > size.x {
            Self::Portrait
        } else {
            Self::Landscape
        }
    }

    /// Whether this is a phone's arrangement.
    pub fn compact(self) -> bool {
        self != Self::Desktop
    }

    /// Its name in the console.
    pub fn name(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Portrait => "portrait",
            Self::Landscape => "landscape",
        }
    }

    /// The window size (UI pixels) that `screen`'s UI needs in this arrangement: a smaller
    /// window scales the UI down to it.
    fn needs(self, screen: Screen) -> Vec2 {
        match (self, screen) {
            (Self::Desktop, _) => Vec2::ZERO,
            // The HUD's stats and leaderboard side by side across the top.
            (Self::Portrait, Screen::Playing) => Vec2::new(500.0, 640.0),
            (Self::Landscape, Screen::Playing) => Vec2::new(720.0, 460.0),
            (Self::Portrait, _) => Vec2::new(420.0, 940.0),
            (Self::Landscape, _) => Vec2::new(940.0, 440.0),
        }
    }
}

/// The UI scale for `screen` in a window of `size`: 1 when the window is big enough for the
/// arrangement, smaller when not (never below a half).
pub fn scale_for(size: Vec2, screen: Screen) -> f32 {
    let needs = Fit::of(size).needs(screen);
    if needs == Vec2::ZERO {
        return 1.0;
    }
    let scale = (size / needs).min_element().min(1.0);
    // Rounded so a window that changes by a pixel does not lay everything out again.
    ((scale * 100.0).floor() / 100.0).max(0.5)
}

/// How the UI fits the window right now.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Default)]
pub struct Layout {
    /// The arrangement.
    pub fit: Fit,
    /// The window's size in logical pixels (CSS pixels in the browser); zero without a window.
    pub window: Vec2,
    /// Whether this is a touch screen: the page says so, or a touch was seen.
    pub touch: bool,
}

fn fit_window(
    window: Query<&Window, With<PrimaryWindow>>,
    screen: Option<Res<State<Screen>>>,
    mut touches: MessageReader<TouchInput>,
    mut layout: ResMut<Layout>,
    mut scale: ResMut<UiScale>,
) {
    let size = window.single().map_or(Vec2::ZERO, Window::size);
    let screen = screen.map_or(Screen::Title, |s| *s.get());
    let touch = layout.touch || touches.read().count() > 0;
    let next = Layout { fit: Fit::of(size), window: size, touch };
    let ui_scale = scale_for(size, screen);
    let fit_changed = next.fit != layout.fit;
    layout.set_if_neq(next);
    if scale.0 != ui_scale || fit_changed {
        scale.0 = ui_scale;
        report(Report::Layout { fit: next.fit.name(), window: size, scale: ui_scale });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_get_their_own_arrangement_and_a_scale_that_fits() {
        assert_eq!(Fit::of(Vec2::new(1280.0, 720.0)), Fit::Desktop);
        assert_eq!(Fit::of(Vec2::ZERO), Fit::Desktop, "no window: headless");
        assert_eq!(Fit::of(Vec2::new(390.0, 844.0)), Fit::Portrait);
        assert_eq!(Fit::of(Vec2::new(844.0, 390.0)), Fit::Landscape);
        assert_eq!(Fit::of(Vec2::new(1280.0, 600.0)), Fit::Landscape, "a short desktop window is compacted too");
        assert_eq!(scale_for(Vec2::new(1280.0, 720.0), Screen::Title), 1.0);
        for size in [Vec2::new(390.0, 844.0), Vec2::new(844.0, 390.0)] {
            for screen in [Screen::Title, Screen::Playing] {
                let scale = scale_for(size, screen);
                assert!((0.75..1.0).contains(&scale), "{size} {screen:?}: {scale}");
                let needs = Fit::of(size).needs(screen) * scale;
                assert!(needs.cmple(size).all(), "{size} {screen:?}: needs {needs}");
            }
        }
        assert_eq!(scale_for(Vec2::new(768.0, 1024.0), Screen::Title), 1.0, "a tablet upright has room");
    }
}
