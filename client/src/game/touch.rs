//! Touch controls, for phones and tablets: a virtual stick under the left thumb (its direction
//! aims; pushed past a dead zone it thrusts) and a fire button under the right (a finger
//! anywhere on the right half fires). Every finger is followed by its id, so both thumbs work
//! at once. [`TouchControls`] holds what they say; `input` merges it into the same `InputFrame`
//! fields as the mouse and keys, which keep working. The controls are drawn as UI once a touch
//! is seen, with a chat button (the page's text box lies over it in the browser, so a tap opens
//! the phone's keyboard; see `chat`).
//!
//! The stick floats: a thumb put down on the left half away from the drawn stick becomes the
//! stick's centre there; one put down on the drawn stick pushes it from its resting place.
//! Everything is placed in window pixels ([`Geometry`]) and drawn at the UI's scale.

use bevy::input::InputSystems;
use bevy::input::touch::{TouchInput, TouchPhase};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use driftfire_shared::protocol::{InputFrame, MAX_CHAT_CHARS};

use super::chat::ChatBox;
use crate::console::{Report, report};
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::page::{TextBox, TypingAt};
use crate::ui::widgets::{ACCENT, label};

pub(super) fn plugin(app: &mut App) {
    // Registered by Bevy's input plugin in the game; headless tests run without it.
    app.add_message::<TouchInput>();
    app.init_resource::<TouchControls>();
    app.add_systems(PreUpdate, track_touches.after(InputSystems));
    app.add_systems(OnEnter(Screen::Playing), spawn_controls);
    app.add_systems(OnExit(Screen::Playing), |mut touch: ResMut<TouchControls>| touch.release());
    app.add_systems(Update, (draw_controls, report_controls).in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

/// How far the stick must be pushed to thrust, as a share of its radius.
pub const THRUST_DEAD_ZONE: f32 = 0.35;
/// How far the stick must be pushed to aim, as a share of its radius: a thumb resting on it
/// does not swing the ship round.
pub const AIM_DEAD_ZONE: f32 = 0.12;
/// Seconds between two `touch stick` console lines at least.
const REPORT_EVERY_SECS: f64 = 0.2;
/// The window assumed when there is none (headless).
const NO_WINDOW: Vec2 = Vec2::new(1280.0, 720.0);

/// The HUD's bottom right corner (the minimap, 160 UI pixels with a 12 pixel margin, and some
/// room): the fire button stays clear of it.
const HUD_CORNER: f32 = 180.0;

/// Where the controls are, in window pixels (logical pixels: CSS pixels in the browser), with
/// the origin at the top left and y pointing down, as touches report them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// The window's size.
    pub window: Vec2,
    /// The stick's radius: how far its knob goes.
    pub radius: f32,
    /// The stick's centre while no thumb is on it.
    pub stick_home: Vec2,
    /// The fire button's centre.
    pub fire: Vec2,
    /// The fire button's radius.
    pub fire_radius: f32,
    /// The chat button.
    pub chat: Rect,
}

impl Geometry {
    /// The controls in a window of `window` with the UI at `ui_scale`: thumb-sized, low on
    /// either side, clear of the minimap in the bottom right corner (upright, above it;
    /// sideways, beside it), the chat button between them (upright) or above the stick
    /// (sideways, where the bottom middle is the HUD's).
    pub fn of(window: Vec2, ui_scale: f32) -> Self {
        let radius = (window.min_element() * 0.15).clamp(44.0, 80.0);
        let fire_radius = radius * 0.8;
        let margin = 20.0 + radius * 0.25;
        let corner = HUD_CORNER * ui_scale;
        let chat_size = Vec2::new(64.0, 40.0);
        if window.y > window.x {
            let y = window.y - corner - fire_radius - 8.0;
            Self {
                window,
                radius,
                stick_home: Vec2::new(margin + radius, y),
                fire: Vec2::new(window.x - margin - radius, y),
                fire_radius,
                chat: Rect::from_center_size(Vec2::new(window.x / 2.0, y), chat_size),
            }
        } else {
            let y = window.y - margin - radius;
            let stick_home = Vec2::new(margin + radius, y);
            Self {
                window,
                radius,
                stick_home,
                fire: Vec2::new(window.x - corner - fire_radius - 8.0, y),
                fire_radius,
                chat: Rect::from_center_size(stick_home - Vec2::new(0.0, radius + chat_size.y), chat_size),
            }
        }
    }

    /// Where a stick put down at `at` has its centre: its resting place when the thumb is on
    /// the drawn stick, else under the thumb (kept on screen).
    fn stick_center(&self, at: Vec2) -> Vec2 {
        if at.distance(self.stick_home) <= self.radius {
            return self.stick_home;
        }
        let low = Vec2::splat(self.radius);
        at.clamp(low, (self.window - low).max(low))
    }
}

impl Default for Geometry {
    fn default() -> Self {
        Self::of(NO_WINDOW, 1.0)
    }
}

/// A thumb on the stick.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stick {
    /// The touch's id.
    id: u64,
    /// The stick's centre.
    center: Vec2,
    /// Where the thumb is.
    at: Vec2,
}

/// What the touch controls say.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct TouchControls {
    /// A touch has been seen: this is a touch screen, and the controls are shown.
    pub seen: bool,
    stick: Option<Stick>,
    /// The fingers on the fire side.
    fire: Vec<u64>,
    /// The stick's last aim (world angle, radians), kept after the thumb lifts.
    pub last_aim: Option<f32>,
    geometry: Geometry,
}

impl TouchControls {
    /// Where the controls are.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// How far the stick is pushed, in window pixels (y down), if a thumb is on it.
    fn push(&self) -> Option<Vec2> {
        self.stick.map(|stick| stick.at - stick.center)
    }

    /// The aim (world angle, radians: counter-clockwise from +x, y up) while the stick is pushed
    /// past [`AIM_DEAD_ZONE`].
    pub fn aim(&self) -> Option<f32> {
        let push = self.push()?;
        (push.length() > self.geometry.radius * AIM_DEAD_ZONE).then(|| (-push.y).atan2(push.x))
    }

    /// Whether the stick is pushed past [`THRUST_DEAD_ZONE`].
    pub fn thrust(&self) -> bool {
        self.push().is_some_and(|push| push.length() > self.geometry.radius * THRUST_DEAD_ZONE)
    }

    /// Whether a finger is on the fire side.
    pub fn fire(&self) -> bool {
        !self.fire.is_empty()
    }

    /// Adds what the touch controls say to `frame` (read from the mouse and keys): the stick's
    /// aim wins while it aims; thrust and fire from either.
    pub fn apply(&self, frame: &mut InputFrame) {
        if let Some(aim) = self.aim() {
            frame.aim = aim;
        }
        frame.thrust |= self.thrust();
        frame.fire |= self.fire();
    }

    /// Every finger lifted (leaving the game).
    pub fn release(&mut self) {
        self.stick = None;
        self.fire.clear();
    }

    /// Follows one touch. Fingers only steer and fire while `playing`.
    fn touch(&mut self, touch: &TouchInput, playing: bool) {
        self.seen = true;
        let at = touch.position;
        match touch.phase {
            TouchPhase::Started if playing => {
                if self.geometry.chat.contains(at) {
                    // The chat button's (a UI button), not the ship's.
                } else if at.x < self.geometry.window.x / 2.0 {
                    if self.stick.is_none() {
                        self.stick = Some(Stick { id: touch.id, center: self.geometry.stick_center(at), at });
                    }
                } else {
                    self.fire.push(touch.id);
                }
            }
            TouchPhase::Started => {}
            TouchPhase::Moved => {
                if let Some(stick) = self.stick.as_mut().filter(|stick| stick.id == touch.id) {
                    stick.at = at;
                }
            }
            TouchPhase::Ended | TouchPhase::Canceled => {
                if self.stick.is_some_and(|stick| stick.id == touch.id) {
                    self.stick = None;
                }
                self.fire.retain(|id| *id != touch.id);
            }
        }
        if let Some(aim) = self.aim() {
            self.last_aim = Some(aim);
        }
    }
}

fn track_touches(
    mut touches: MessageReader<TouchInput>,
    window: Query<&Window, With<PrimaryWindow>>,
    ui_scale: Option<Res<UiScale>>,
    screen: Option<Res<State<Screen>>>,
    mut controls: ResMut<TouchControls>,
) {
    let size = window.single().map_or(NO_WINDOW, Window::size);
    let geometry = Geometry::of(size, ui_scale.map_or(1.0, |s| s.0));
    if controls.geometry != geometry {
        controls.geometry = geometry;
    }
    let playing = screen.is_some_and(|s| *s.get() == Screen::Playing);
    for touch in touches.read() {
        controls.touch(touch, playing);
    }
}

/// The controls' root: shown once a touch is seen.
#[derive(Component)]
struct TouchRoot;

#[derive(Component)]
struct StickBase;

#[derive(Component)]
struct StickKnob;

#[derive(Component)]
struct FireButton;

/// A circle's node, placed and sized later.
fn circle(border: f32) -> Node {
    Node { position_type: PositionType::Absolute, border: UiRect::all(px(border)), border_radius: BorderRadius::MAX, ..default() }
}

fn spawn_controls(mut commands: Commands) {
    commands
        .spawn((
            TouchRoot,
            Node { position_type: PositionType::Absolute, width: percent(100), height: percent(100), ..default() },
            Visibility::Hidden,
            GlobalZIndex(10),
            DespawnOnExit(Screen::Playing),
        ))
        .with_children(|root| {
            root.spawn((
                StickBase,
                circle(2.0),
                BorderColor::all(ACCENT.with_alpha(0.35)),
                BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.2)),
            ));
            root.spawn((StickKnob, circle(2.0), BorderColor::all(ACCENT.with_alpha(0.6)), BackgroundColor(ACCENT.with_alpha(0.25))));
            root.spawn((
                FireButton,
                Node { justify_content: JustifyContent::Center, align_items: AlignItems::Center, ..circle(3.0) },
                BorderColor::all(Color::srgba(1.0, 0.45, 0.35, 0.6)),
                BackgroundColor(Color::srgba(1.0, 0.3, 0.2, 0.1)),
                children![label("FIRE", 18.0, Color::srgba(1.0, 0.85, 0.8, 0.9))],
            ));
            root.spawn((
                Button,
                ChatBox,
                TextBox::new("", MAX_CHAT_CHARS, "send", TypingAt::TopBar),
                Node {
                    position_type: PositionType::Absolute,
                    justify_content: JustifyContent::Center,
                    align_items: AlignItems::Center,
                    border: UiRect::all(px(2)),
                    border_radius: BorderRadius::all(px(8)),
                    ..default()
                },
                BorderColor::all(ACCENT.with_alpha(0.5)),
                BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.35)),
                children![label("Chat", 16.0, Color::WHITE)],
            ));
        });
}

/// Puts `node` over `rect` (window pixels), at UI scale `scale`.
fn place(node: &mut Mut<Node>, rect: Rect, scale: f32) {
    let placed = Node {
        left: px(rect.min.x / scale),
        top: px(rect.min.y / scale),
        width: px(rect.width() / scale),
        height: px(rect.height() / scale),
        ..(**node).clone()
    };
    node.set_if_neq(placed);
}

fn draw_controls(
    controls: Res<TouchControls>,
    ui_scale: Option<Res<UiScale>>,
    mut root: Query<&mut Visibility, With<TouchRoot>>,
    mut base: Query<&mut Node, (With<StickBase>, Without<StickKnob>, Without<FireButton>, Without<ChatBox>)>,
    mut knob: Query<(&mut Node, &mut BackgroundColor), (With<StickKnob>, Without<FireButton>, Without<ChatBox>)>,
    mut fire: Query<(&mut Node, &mut BackgroundColor), (With<FireButton>, Without<StickKnob>, Without<ChatBox>)>,
    mut chat: Query<&mut Node, (With<ChatBox>, Without<StickBase>, Without<StickKnob>, Without<FireButton>)>,
) {
    let Ok(mut visibility) = root.single_mut() else { return };
    if !controls.seen {
        return;
    }
    if *visibility == Visibility::Hidden {
        *visibility = Visibility::Inherited;
        report(Report::TouchShown);
    }
    let scale = ui_scale.map_or(1.0, |s| s.0).max(0.1);
    let geometry = controls.geometry;
    let radius = geometry.radius;
    let (center, push) = controls.stick.map_or((geometry.stick_home, Vec2::ZERO), |stick| (stick.center, stick.at - stick.center));
    if let Ok(mut node) = base.single_mut() {
        place(&mut node, Rect::from_center_size(center, Vec2::splat(radius * 2.0)), scale);
    }
    if let Ok((mut node, mut color)) = knob.single_mut() {
        let knob_at = center + push.clamp_length_max(radius);
        place(&mut node, Rect::from_center_size(knob_at, Vec2::splat(radius * 0.9)), scale);
        color.set_if_neq(BackgroundColor(ACCENT.with_alpha(if controls.thrust() { 0.4 } else { 0.2 })));
    }
    if let Ok((mut node, mut color)) = fire.single_mut() {
        place(&mut node, Rect::from_center_size(geometry.fire, Vec2::splat(geometry.fire_radius * 2.0)), scale);
        color.set_if_neq(BackgroundColor(Color::srgba(1.0, 0.3, 0.2, if controls.fire() { 0.3 } else { 0.1 })));
    }
    if let Ok(mut node) = chat.single_mut() {
        place(&mut node, geometry.chat, scale);
    }
}

/// What the last `touch stick` line said (nothing pushed, nothing aimed before the first), and
/// when.
#[derive(Default)]
struct Reported {
    line: Option<(Option<i32>, bool, bool)>,
    at: f64,
}

fn report_controls(controls: Res<TouchControls>, time: Res<Time<Real>>, mut reported: Local<Reported>) {
    if !controls.seen {
        return;
    }
    let aim_deg = controls.last_aim.map(|aim| aim.to_degrees().round() as i32);
    let now = (aim_deg, controls.thrust(), controls.fire());
    let last = reported.line.unwrap_or((None, false, false));
    // Small turns of the thumb are not news; a dead zone crossed or a finger lifted is.
    let turned = match (last.0, now.0) {
        (Some(a), Some(b)) => (a - b).rem_euclid(360).min((b - a).rem_euclid(360)) >= 5,
        (a, b) => a != b,
    };
    let elapsed = time.elapsed_secs_f64();
    if (turned || last.1 != now.1 || last.2 != now.2) && elapsed - reported.at >= REPORT_EVERY_SECS {
        report(Report::TouchStick { aim_deg: now.0, thrust: now.1, fire: now.2 });
        *reported = Reported { line: Some(now), at: elapsed };
    }
}
