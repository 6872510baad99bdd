//! What a glance at the HUD tells you about yourself: your hull and your spawn shield as bars
//! (bottom centre), your score in large type (top centre) with a "+N" rising from it for each
//! gain, a kill-streak label when you destroy several ships without dying, and the `hud`
//! console line when any of it changes.

use bevy::prelude::*;
use driftfire_shared::sim::SimConfig;

use super::life::{Life, track};
use super::style::{GOOD, SHIELD, WARN, bar_track, centred_row, fill, health_color, panel, reveal, reveal_row, show, text};
use crate::console::{Report, report};
use crate::game::sync::MyShip;
use crate::game::sync::NetObject;
use crate::game::sync::ShipView;
use crate::session::Session;
use crate::session::events::Killed;
use crate::session::roster::Roster;
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::widgets::DIM;

/// "+N" labels on screen at once: a kill and a broken rock within a second, with room to spare.
const POPUPS: usize = 3;
/// Seconds a "+N" rises and fades.
const POPUP_SECONDS: f64 = 1.2;
/// Pixels a "+N" rises in that time.
const POPUP_RISE: f32 = 22.0;
/// Seconds a streak label stays after the kill that made it.
const STREAK_SECONDS: f64 = 3.0;
/// Seconds between `hud` console lines at most: combat changes health many times a second.
const REPORT_SECONDS: f64 = 1.0;
/// Width of the bars, pixels: long enough that a 25-point hit is a visible step.
const BAR_WIDTH: f32 = 220.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Vitals>();
    app.add_systems(OnEnter(Screen::Playing), (spawn, |mut vitals: ResMut<Vitals>| *vitals = Vitals::default()));
    app.add_systems(
        Update,
        (update_bars, update_score, (cheer, update_popups, update_streak).chain(), report_hud)
            .after(track)
            .in_set(GameSet::Present)
            .run_if(in_state(Screen::Playing)),
    );
}

/// Your hull's fill: its width is your health in percent.
#[derive(Component, Debug)]
pub struct HealthBar;
/// Your health as a number.
#[derive(Component, Debug)]
pub struct HealthText;
/// The shield's row, shown only while spawn protection lasts.
#[derive(Component, Debug)]
pub struct ShieldRow;
/// The shield's fill: its width is the protection left in percent.
#[derive(Component, Debug)]
pub struct ShieldBar;
/// The protection left, in seconds.
#[derive(Component, Debug)]
pub struct ShieldText;
/// Your score, large.
#[derive(Component, Debug)]
pub struct ScoreText;
/// One "+N" label of a small pool, reused oldest first.
#[derive(Component, Debug, Default)]
pub struct ScorePopup {
    /// Points it shows (0: never used).
    pub amount: u32,
    /// When it appeared (`Time<Real>` seconds).
    born: f64,
}
/// The kill-streak label ("Double kill", "4 kill streak").
#[derive(Component, Debug)]
pub struct StreakText;

/// What the HUD remembers about you between frames.
#[derive(Resource, Debug, Default)]
struct Vitals {
    /// Your score when last seen, `None` before the scoreboard lists you.
    score: Option<u32>,
    /// Points a kill's "+N" has shown that the scoreboard has not counted yet.
    credited: u32,
    /// When you last destroyed a ship, for the streak label.
    last_kill: Option<f64>,
    /// The snapshot tick at which your shield was first seen up.
    shield_from: Option<u64>,
    /// The last `hud` line's values, and when it was printed.
    reported: Option<(u8, u32, Option<usize>, usize)>,
    reported_at: Option<f64>,
}

/// The name of a streak of `kills` ships destroyed without dying.
pub fn streak_label(kills: u32) -> String {
    match kills {
        2 => "Double kill".into(),
        3 => "Triple kill".into(),
        n => format!("{n} kill streak"),
    }
}

/// The hull and shield panel's row (bottom centre; under the leaderboard on an upright phone).
#[derive(Component, Debug)]
pub struct VitalsRoot;

fn spawn(mut commands: Commands) {
    let bar_line = || Node { align_items: AlignItems::Center, column_gap: px(8), ..default() };
    let label = |name: &str| (Text::new(name), TextFont::from_font_size(13.0), TextColor(DIM), Node { width: px(52), ..default() });
    let number = || Node { width: px(40), ..default() };
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                width: percent(100),
                bottom: px(12),
                justify_content: JustifyContent::Center,
                ..default()
            },
            VitalsRoot,
            DespawnOnExit(Screen::Playing),
        ))
        .with_children(|row| {
            let bars = Node { flex_direction: FlexDirection::Column, row_gap: px(6), ..default() };
            row.spawn(panel(bars)).with_children(|panel| {
                panel.spawn(bar_line()).with_children(|line| {
                    line.spawn(label("HULL"));
                    line.spawn(bar_track(BAR_WIDTH, 12.0)).with_child((fill(health_color(100)), HealthBar));
                    line.spawn((text(15.0, Color::WHITE), number(), HealthText));
                });
                let hidden = Node { display: Display::None, ..bar_line() };
                panel.spawn((hidden, ShieldRow, Visibility::Hidden)).with_children(|line| {
                    line.spawn(label("SHIELD"));
                    line.spawn(bar_track(BAR_WIDTH, 8.0)).with_child((fill(SHIELD), ShieldBar));
                    line.spawn((text(13.0, SHIELD), number(), ShieldText));
                });
            });
        });
    commands.spawn((centred_row(6.0), DespawnOnExit(Screen::Playing))).with_children(|row| {
        row.spawn(Node { flex_direction: FlexDirection::Column, align_items: AlignItems::Center, ..default() }).with_children(|column| {
            column.spawn((text(44.0, Color::WHITE), ScoreText));
            column
                .spawn(Node { height: px(POPUP_RISE + 6.0), column_gap: px(12), align_items: AlignItems::FlexEnd, ..default() })
                .with_children(|popups| {
                    for _ in 0..POPUPS {
                        let hidden = Node { display: Display::None, ..default() };
                        popups.spawn((text(20.0, GOOD), hidden, Visibility::Hidden, UiTransform::default(), ScorePopup::default()));
                    }
                });
            column.spawn((text(22.0, WARN), StreakText, Visibility::Hidden));
        });
    });
}

/// Your hull and shield from your ship's newest snapshot: an empty hull while destroyed, the
/// shield only while spawn protection lasts, emptying over its duration.
fn update_bars(
    session: Option<Res<Session>>,
    me: Query<(&ShipView, &NetObject), With<MyShip>>,
    mut vitals: ResMut<Vitals>,
    mut health_bar: Single<(&mut Node, &mut BackgroundColor), (With<HealthBar>, Without<ShieldBar>)>,
    mut health_text: Single<&mut Text, (With<HealthText>, Without<ShieldText>)>,
    mut shield_row: Single<(&mut Node, &mut Visibility), (With<ShieldRow>, Without<HealthBar>, Without<ShieldBar>)>,
    mut shield_bar: Single<&mut Node, (With<ShieldBar>, Without<HealthBar>, Without<ShieldRow>)>,
    mut shield_text: Single<&mut Text, (With<ShieldText>, Without<HealthText>)>,
) {
    let (Some(session), Some((view, object))) = (session, me.iter().next()) else { return };
    let ship = view.0;
    let health = if ship.respawn_in.is_some() { 0 } else { ship.health.min(100) };
    let (node, color) = &mut *health_bar;
    if node.width != percent(health) {
        node.width = percent(health);
    }
    color.set_if_neq(BackgroundColor(health_color(health)));
    show(&mut health_text, health.to_string());

    let shielded = ship.shielded && ship.respawn_in.is_none();
    if !shielded {
        if vitals.shield_from.is_some() {
            vitals.shield_from = None;
        }
        let (node, visibility) = &mut *shield_row;
        reveal_row(node, visibility, false);
        return;
    }
    let cfg = SimConfig::new(session.tick_hz);
    let from = *vitals.shield_from.get_or_insert(object.last_seen_tick);
    let total = f32::from(cfg.spawn_shield_ticks.max(1));
    let left_ticks = (total - object.last_seen_tick.saturating_sub(from) as f32).max(0.0);
    let left = left_ticks / total;
    let (node, visibility) = &mut *shield_row;
    reveal_row(node, visibility, true);
    if shield_bar.width != percent(left * 100.0) {
        shield_bar.width = percent(left * 100.0);
    }
    show(&mut shield_text, format!("{:.1} s", left_ticks / f32::from(cfg.tick_hz.max(1))));
}

fn update_score(session: Option<Res<Session>>, roster: Res<Roster>, mut text: Single<&mut Text, With<ScoreText>>) {
    let Some(session) = session else { return };
    if !roster.is_changed() && !text.0.is_empty() {
        return;
    }
    show(&mut text, roster.score_of(session.me).map_or(0, |entry| entry.score).to_string());
}

/// A "+N" for each gain: at once for a kill (the scoreboard comes once a second), and for what
/// the scoreboard adds beyond the kills already shown (broken asteroids).
fn cheer(
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    time: Res<Time<Real>>,
    mut killed: MessageReader<Killed>,
    mut vitals: ResMut<Vitals>,
    mut popups: Query<&mut ScorePopup>,
) {
    let Some(session) = session else {
        killed.clear();
        return;
    };
    let now = time.elapsed_secs_f64();
    let mut gains = Vec::new();
    for _ in killed.read().filter(|kill| kill.killer == Some(session.me) && kill.victim != session.me) {
        let points = SimConfig::new(session.tick_hz).score_per_kill;
        vitals.credited += points;
        vitals.last_kill = Some(now);
        gains.push(points);
    }
    let score = roster.score_of(session.me).map(|entry| entry.score);
    if let (Some(before), Some(after)) = (vitals.score, score)
        && after > before
    {
        let rise = after - before;
        let unseen = rise.saturating_sub(vitals.credited);
        vitals.credited = vitals.credited.saturating_sub(rise);
        if unseen > 0 {
            gains.push(unseen);
        }
    }
    if score.is_some() && vitals.score != score {
        vitals.score = score;
    }
    for amount in gains {
        // The oldest label of the pool shows the new gain.
        if let Some(mut popup) = popups.iter_mut().min_by(|a, b| a.born.total_cmp(&b.born)) {
            *popup = ScorePopup { amount, born: now };
        }
    }
}

/// Each "+N" rises and fades out over [`POPUP_SECONDS`].
fn update_popups(
    time: Res<Time<Real>>,
    mut popups: Query<(&ScorePopup, &mut Text, &mut TextColor, &mut UiTransform, &mut Node, &mut Visibility)>,
) {
    let now = time.elapsed_secs_f64();
    for (popup, mut text, mut color, mut transform, mut node, mut visibility) in &mut popups {
        let age = ((now - popup.born) / POPUP_SECONDS) as f32;
        let shown = popup.amount > 0 && (0.0..1.0).contains(&age);
        reveal_row(&mut node, &mut visibility, shown);
        if !shown {
            continue;
        }
        show(&mut text, format!("+{}", popup.amount));
        transform.translation = Vec2::new(0.0, -age * POPUP_RISE);
        color.0 = GOOD.with_alpha(1.0 - age * age);
    }
}

fn update_streak(
    life: Res<Life>,
    vitals: Res<Vitals>,
    time: Res<Time<Real>>,
    mut label: Single<(&mut Text, &mut Visibility), With<StreakText>>,
) {
    let recent = vitals.last_kill.is_some_and(|at| time.elapsed_secs_f64() - at < STREAK_SECONDS);
    let (text, visibility) = &mut *label;
    let shown = recent && life.kills >= 2;
    reveal(visibility, shown);
    if shown {
        show(text, streak_label(life.kills));
    }
}

/// The `hud` console line, when what it says changed, at most once per [`REPORT_SECONDS`].
fn report_hud(
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    time: Res<Time<Real>>,
    me: Query<&ShipView, With<MyShip>>,
    mut vitals: ResMut<Vitals>,
) {
    let now = time.elapsed_secs_f64();
    if vitals.reported_at.is_some_and(|at| now - at < REPORT_SECONDS) {
        return;
    }
    let (Some(session), Some(view)) = (session, me.iter().next()) else { return };
    let health = if view.0.respawn_in.is_some() { 0 } else { view.0.health };
    let score = roster.score_of(session.me).map_or(0, |entry| entry.score);
    let values = (health, score, roster.rank_of(session.me), roster.scores.len());
    if vitals.reported == Some(values) {
        return;
    }
    report(Report::Hud { health, score, rank: values.2, of: values.3 });
    vitals.reported = Some(values);
    vitals.reported_at = Some(now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaks_have_names() {
        assert_eq!(streak_label(2), "Double kill");
        assert_eq!(streak_label(3), "Triple kill");
        assert_eq!(streak_label(7), "7 kill streak");
    }
}
