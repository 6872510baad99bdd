//! The leaderboard (top right): the room's top ten by score, you highlighted, AI pilots tagged,
//! and your own place below them when you are not among the ten.

use bevy::prelude::*;

use super::style::{panel, reveal_row, show, written};
use crate::session::Session;
use crate::session::roster::{Roster, isolate};
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::widgets::{ACCENT, DIM};

/// Rows shown: enough to see who to chase, few enough to leave the arena visible.
pub const ROWS: usize = 10;

/// Rows shown on an upright phone, where the board shares the top with the score and hull.
pub const PORTRAIT_ROWS: usize = 3;

/// How many rows the board shows now ([`ROWS`], or [`PORTRAIT_ROWS`] on an upright phone).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowsShown(pub usize);

impl Default for RowsShown {
    fn default() -> Self {
        Self(ROWS)
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<RowsShown>();
    app.add_systems(OnEnter(Screen::Playing), spawn);
    app.add_systems(Update, update.in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

/// One row of the top ten, by place (0 for the best).
#[derive(Component, Debug)]
pub struct LeaderRow(pub usize);

/// Your place, under the ten when you are not among them: `#14 you  120`.
#[derive(Component, Debug)]
pub struct RankLine;

fn spawn(mut commands: Commands) {
    let column = Node {
        position_type: PositionType::Absolute,
        right: px(12),
        top: px(12),
        flex_direction: FlexDirection::Column,
        row_gap: px(3),
        min_width: px(220),
        ..default()
    };
    commands.spawn((panel(column), DespawnOnExit(Screen::Playing))).with_children(|board| {
        board.spawn((Text::new("LEADERBOARD"), TextFont::from_font_size(14.0), TextColor(ACCENT)));
        for place in 0..ROWS {
            board.spawn((written(16.0, Color::WHITE), LeaderRow(place), Node { display: Display::None, ..default() }, Visibility::Hidden));
        }
        let below = Node { display: Display::None, margin: UiRect::top(px(6)), ..default() };
        board.spawn((written(16.0, ACCENT), RankLine, below, Visibility::Hidden));
    });
}

fn update(
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    shown: Res<RowsShown>,
    mut rows: Query<(&LeaderRow, &mut Text, &mut TextColor, &mut Node, &mut Visibility), Without<RankLine>>,
    mut rank_line: Single<(&mut Text, &mut Node, &mut Visibility), With<RankLine>>,
) {
    let Some(session) = session else { return };
    if !roster.is_changed() && !session.is_changed() && !shown.is_changed() {
        return;
    }
    for (row, mut text, mut color, mut node, mut visibility) in &mut rows {
        if row.0 >= shown.0 {
            reveal_row(&mut node, &mut visibility, false);
            continue;
        }
        let Some(entry) = roster.scores.get(row.0) else {
            // Before the first scoreboard, the first row says it is coming.
            reveal_row(&mut node, &mut visibility, row.0 == 0);
            show(&mut text, "...".into());
            color.set_if_neq(TextColor(DIM));
            continue;
        };
        let mine = entry.id == session.me;
        let marker = if mine { "> " } else { "" };
        show(&mut text, format!("{}. {marker}{}  {}", row.0 + 1, roster.label_of(entry.id), entry.score));
        color.set_if_neq(TextColor(if mine { ACCENT } else { Color::WHITE }));
        reveal_row(&mut node, &mut visibility, true);
    }
    let (text, node, visibility) = &mut *rank_line;
    let below = roster.rank_of(session.me).filter(|rank| *rank > shown.0);
    reveal_row(node, visibility, below.is_some());
    if let (Some(rank), Some(entry)) = (below, roster.score_of(session.me)) {
        show(text, format!("#{rank} {}  {}", isolate(&session.name), entry.score));
    }
}
