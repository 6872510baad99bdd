//! The title screen's hall of fame, as UI: the top of the session's [`HallOfFame`] board (asked
//! for while the title screen is shown), one row per pilot with rank, name, score, kills and
//! time alive, and a tab per period; clicking a tab or pressing Tab (Shift+Tab backwards)
//! switches the board. On a phone the pilot column is narrower and the Tab hint is left out.

use bevy::prelude::*;
use driftfire_shared::protocol::{BOARD_SIZE, Board, BoardEntry, Period};

use crate::session::hall_of_fame::HallOfFame;
use crate::state::{GameSet, Screen};
use crate::ui::kit::written::Written;
use crate::ui::kit::*;
use crate::ui::layout::Fit;
use crate::ui::widgets::{ACCENT, DIM, label, tab, tab_border};

/// Widths of the table's columns, px: rank, pilot, score, kills, time alive.
const COLUMNS: [f32; 5] = [36.0, 168.0, 72.0, 56.0, 72.0];
/// The same on a phone: a narrower pilot column.
const COMPACT_COLUMNS: [f32; 5] = [32.0, 132.0, 64.0, 50.0, 64.0];

/// The columns for `fit`.
fn columns(fit: Fit) -> [f32; 5] {
    if fit.compact() { COMPACT_COLUMNS } else { COLUMNS }
}
/// Space between columns, px.
const COLUMN_GAP: f32 = 10.0;
/// Height of a full table (heading and [`BOARD_SIZE`] rows), px: a short message in its place
/// leaves the screen where it was.
const TABLE_HEIGHT: f32 = 240.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Title), |mut commands: Commands| commands.insert_resource(HallOfFame::default()));
    app.add_systems(OnExit(Screen::Title), |mut commands: Commands| commands.remove_resource::<HallOfFame>());
    app.add_systems(Update, (switch_period, show_tabs, show_board).chain().in_set(GameSet::Present).run_if(in_state(Screen::Title)));
}

/// The table's node, with what it shows (board, problem), so it is rebuilt only on change, and
/// the arrangement it is in.
#[derive(Component)]
struct BoardNode {
    shown: Option<(Option<Board>, Option<String>)>,
    fit: Fit,
}

/// The tab that shows a period's board.
#[derive(Component)]
struct PeriodTab(Period);

/// The hall of fame's place on the title screen: a panel beside the name field and rooms (or
/// below them), arranged for `fit`; `touch` leaves out the Tab hint.
pub(super) fn hall_of_fame_section(fit: Fit, touch: bool) -> impl Bundle {
    let columns = columns(fit);
    let hint = if touch { Visibility::Hidden } else { Visibility::Inherited };
    (
        Node {
            flex_direction: FlexDirection::Column,
            align_items: AlignItems::Center,
            row_gap: px(8),
            padding: UiRect::all(px(14)),
            border: UiRect::all(px(1)),
            border_radius: BorderRadius::all(px(8)),
            ..default()
        },
        BorderColor::all(ACCENT.with_alpha(0.3)),
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.35)),
        children![
            label("Hall of fame", 18.0, DIM),
            (
                Node { column_gap: px(8), ..default() },
                children![
                    tab(Period::AllTime.title(), PeriodTab(Period::AllTime)),
                    tab(Period::Week.title(), PeriodTab(Period::Week)),
                    tab(Period::Day.title(), PeriodTab(Period::Day)),
                ],
            ),
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    align_items: AlignItems::Center,
                    justify_content: JustifyContent::Center,
                    row_gap: px(2),
                    min_width: px(columns.iter().sum::<f32>() + COLUMN_GAP * (columns.len() - 1) as f32),
                    min_height: px(TABLE_HEIGHT),
                    ..default()
                },
                BoardNode { shown: None, fit }
            ),
            (label("Tab switches the board", 14.0, DIM), hint),
        ],
    )
}

/// The period after (or, `back`, before) `period`, round the tabs.
fn cycle(period: Period, back: bool) -> Period {
    let count = Period::ALL.len();
    let at = Period::ALL.iter().position(|p| *p == period).unwrap_or(0);
    Period::ALL[if back { (at + count - 1) % count } else { (at + 1) % count }]
}

fn switch_period(
    keys: Res<ButtonInput<KeyCode>>,
    tabs: Query<(&Interaction, &PeriodTab), Changed<Interaction>>,
    fame: Option<ResMut<HallOfFame>>,
) {
    let Some(mut fame) = fame else { return };
    if let Some((_, PeriodTab(period))) = tabs.iter().find(|(i, _)| **i == Interaction::Pressed) {
        fame.show(*period);
    } else if keys.just_pressed(KeyCode::Tab) {
        let back = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
        let next = cycle(fame.period(), back);
        fame.show(next);
    }
}

fn show_tabs(fame: Option<Res<HallOfFame>>, mut tabs: Query<(&PeriodTab, &mut BorderColor)>) {
    let Some(fame) = fame else { return };
    for (PeriodTab(period), mut border) in &mut tabs {
        border.set_if_neq(tab_border(*period == fame.period()));
    }
}

fn show_board(mut commands: Commands, fame: Option<Res<HallOfFame>>, mut node: Query<(Entity, &mut BoardNode)>) {
    let Some(fame) = fame else { return };
    let Ok((node, mut shown)) = node.single_mut() else { return };
    let current = (fame.board().cloned(), fame.problem.clone());
    if shown.shown.as_ref() == Some(&current) {
        return;
    }
    commands.entity(node).despawn_related::<Children>();
    match fame.board() {
        None => {
            let text = fame.problem.clone().unwrap_or_else(|| "Loading the hall of fame...".into());
            commands.entity(node).with_child(label(text, 16.0, DIM));
        }
        Some(board) if !board.available => {
            commands.entity(node).with_child(label("Hall of fame unavailable on this server", 16.0, DIM));
        }
        Some(board) if board.entries.is_empty() => {
            commands.entity(node).with_child(label("No results yet \u{2014} be the first", 16.0, DIM));
        }
        Some(board) => {
            let columns = columns(shown.fit);
            commands.entity(node).with_child(row(["#", "Pilot", "Score", "Kills", "Alive"].map(String::from), columns, DIM));
            for (rank, entry) in board.entries.iter().take(BOARD_SIZE).enumerate() {
                commands.entity(node).with_child(row(cells(rank + 1, entry), columns, Color::WHITE));
            }
        }
    }
    shown.shown = Some(current);
}

/// One entry's cells: rank, name, score, kills, time alive.
fn cells(rank: usize, entry: &BoardEntry) -> [String; 5] {
    [format!("{rank}."), entry.name.clone(), entry.score.to_string(), entry.kills.to_string(), alive(entry.alive_secs)]
}

/// How long a life lasted, as a clock reads: `1:35`, or `1:02:03` past an hour.
fn alive(secs: u32) -> String {
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    if hours > 0 { format!("{hours}:{minutes:02}:{seconds:02}") } else { format!("{minutes}:{seconds:02}") }
}

/// A table row: the name left-aligned, the numbers right-aligned, in `columns`; a cell never
/// wraps (a name wider than its column is cut).
fn row(cells: [String; 5], columns: [f32; 5], color: Color) -> impl Bundle {
    let [rank, name, score, kills, alive] = cells;
    // The column's box places the text (start or end); the text itself keeps its own width.
    let cell = |text: String, column: usize, align: JustifyContent| {
        (
            Node { width: px(columns[column]), justify_content: align, overflow: Overflow::clip_x(), ..default() },
            children![(Text::new(text), TextFont::from_font_size(16.0), TextColor(color), TextLayout::no_wrap(), Written)],
        )
    };
    (
        Node { column_gap: px(COLUMN_GAP), ..default() },
        children![
            cell(rank, 0, JustifyContent::FlexEnd),
            cell(name, 1, JustifyContent::FlexStart),
            cell(score, 2, JustifyContent::FlexEnd),
            cell(kills, 3, JustifyContent::FlexEnd),
            cell(alive, 4, JustifyContent::FlexEnd),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_alive_read_like_a_clock() {
        assert_eq!(alive(0), "0:00");
        assert_eq!(alive(95), "1:35");
        assert_eq!(alive(600), "10:00");
        assert_eq!(alive(3723), "1:02:03");
    }

    #[test]
    fn tab_cycles_round_the_periods_both_ways() {
        assert_eq!(cycle(Period::AllTime, false), Period::Week);
        assert_eq!(cycle(Period::Week, false), Period::Day);
        assert_eq!(cycle(Period::Day, false), Period::AllTime);
        assert_eq!(cycle(Period::AllTime, true), Period::Day);
    }
}
