//! The minimap (bottom right): the arena's bounds, your ship, and the room's leaders where the
//! server last said they were (`Leaders`: the top five living ships by score, twice a second,
//! whatever is in your view), each numbered and coloured by rank. A fixed handful of UI nodes
//! moved in place, nothing spawned per frame, so it costs next to nothing even in software
//! WebGL. The `minimap` console line says how many leaders it marks.

use bevy::prelude::*;
use driftfire_shared::protocol::LEADERS;

use super::sync::{MyShip, ShipView, Smoothed};
use crate::console::{Report, report};
use crate::session::Session;
use crate::session::roster::Roster;
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::widgets::ACCENT;

/// The map's longer side, pixels: big enough to tell the quarters of the arena apart, small
/// enough to stay out of the way.
const SIZE: f32 = 160.0;
/// A leader's marker, pixels: room for its rank's digit.
const LEADER_MARKER: f32 = 14.0;
/// Your marker, pixels.
const YOU_MARKER: f32 = 8.0;
/// Leaders' colours by rank: gold, silver, bronze, then two alike.
const RANK_COLORS: [Color; LEADERS] = [
    Color::srgb(1.0, 0.82, 0.25),
    Color::srgb(0.82, 0.86, 0.92),
    Color::srgb(0.85, 0.55, 0.3),
    Color::srgb(0.75, 0.5, 0.95),
    Color::srgb(0.75, 0.5, 0.95),
];

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Reported>();
    app.add_systems(OnEnter(Screen::Playing), spawn);
    app.add_systems(Update, (fit_arena, place_you, place_leaders).in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

/// The map itself: its border is the arena's.
#[derive(Component, Debug)]
pub struct Minimap;

/// Your ship on the map (hidden while it is destroyed).
#[derive(Component, Debug)]
pub struct YouMarker;

/// A leader on the map, by rank (0 for the best).
#[derive(Component, Debug)]
pub struct LeaderMarker(pub usize);

/// The leader count the last `minimap` line reported.
#[derive(Resource, Debug, Default)]
struct Reported(Option<usize>);

/// Where a world position sits on the map, in percent of its width and height from the top
/// left (the arena is centred on the origin, y up), kept inside the bounds.
pub fn map_percent(pos: Vec2, arena: Vec2) -> Vec2 {
    let arena = arena.max(Vec2::ONE);
    Vec2::new(pos.x / arena.x + 0.5, 0.5 - pos.y / arena.y).clamp(Vec2::ZERO, Vec2::ONE) * 100.0
}

/// A round marker of `size` pixels with a `border` of white, centred on its place, hidden
/// until placed.
fn marker(size: f32, color: Color, border: f32) -> impl Bundle {
    (
        Node {
            position_type: PositionType::Absolute,
            width: px(size),
            height: px(size),
            border: UiRect::all(px(border)),
            margin: UiRect { left: px(-size / 2.0), top: px(-size / 2.0), ..default() },
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            border_radius: BorderRadius::MAX,
            ..default()
        },
        BackgroundColor(color),
        BorderColor::all(Color::WHITE),
        Visibility::Hidden,
    )
}

fn spawn(mut commands: Commands, mut reported: ResMut<Reported>) {
    reported.0 = None;
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                right: px(12),
                bottom: px(12),
                width: px(SIZE),
                height: px(SIZE),
                border: UiRect::all(px(1)),
                ..default()
            },
            BackgroundColor(Color::srgba(0.0, 0.02, 0.06, 0.55)),
            BorderColor::all(Color::srgba(0.35, 0.85, 1.0, 0.5)),
            Minimap,
            DespawnOnExit(Screen::Playing),
        ))
        .with_children(|map| {
            for (rank, color) in RANK_COLORS.into_iter().enumerate() {
                map.spawn((marker(LEADER_MARKER, color, 0.0), LeaderMarker(rank))).with_child((
                    Text::new((rank + 1).to_string()),
                    TextFont::from_font_size(10.0),
                    TextColor(Color::BLACK),
                ));
            }
            // Last, so it is drawn over a leader at the same place (you, when you lead).
            map.spawn((marker(YOU_MARKER, ACCENT, 1.0), YouMarker));
        });
}

/// The map takes the arena's proportions (its longer side [`SIZE`]).
fn fit_arena(session: Option<Res<Session>>, mut map: Single<&mut Node, With<Minimap>>) {
    let Some(session) = session.filter(|session| session.is_changed()) else { return };
    let arena = session.arena.max(Vec2::ONE);
    let scale = SIZE / arena.max_element();
    let (width, height) = (px((arena.x * scale).round()), px((arena.y * scale).round()));
    if map.width != width || map.height != height {
        map.width = width;
        map.height = height;
    }
}

/// Moves a marker to `pos` and shows it, or hides it; touches nothing that did not change.
fn place(node: &mut Mut<Node>, visibility: &mut Mut<Visibility>, at: Option<Vec2>, arena: Vec2) {
    let Some(pos) = at else {
        visibility.set_if_neq(Visibility::Hidden);
        return;
    };
    let spot = map_percent(pos, arena);
    if node.left != percent(spot.x) || node.top != percent(spot.y) {
        node.left = percent(spot.x);
        node.top = percent(spot.y);
    }
    visibility.set_if_neq(Visibility::Inherited);
}

/// Your ship where it is drawn, every frame.
fn place_you(
    session: Option<Res<Session>>,
    me: Query<(&Smoothed, &ShipView), With<MyShip>>,
    mut marker: Single<(&mut Node, &mut Visibility), With<YouMarker>>,
) {
    let Some(session) = session else { return };
    let at = me.iter().next().filter(|(_, view)| view.0.respawn_in.is_none()).map(|(smoothed, _)| smoothed.pos);
    let (node, visibility) = &mut *marker;
    place(node, visibility, at, session.arena);
}

/// The leaders, when a new `Leaders` arrives.
fn place_leaders(
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    mut reported: ResMut<Reported>,
    mut markers: Query<(&LeaderMarker, &mut Node, &mut Visibility), Without<YouMarker>>,
) {
    let Some(session) = session else { return };
    if !roster.is_changed() && reported.0.is_some() {
        return;
    }
    for (marker, mut node, mut visibility) in &mut markers {
        place(&mut node, &mut visibility, roster.leaders.get(marker.0).map(|leader| leader.pos), session.arena);
    }
    let shown = roster.leaders.len().min(LEADERS);
    if reported.0 != Some(shown) {
        report(Report::Minimap { leaders: shown });
        reported.0 = Some(shown);
    }
}
