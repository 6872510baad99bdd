//! The death overlay, while your ship waits to respawn: who destroyed it (or an asteroid), how
//! long that life lasted, what it destroyed, your score and session best, a new hall-of-fame
//! record if the server says that life set one (`MadeBoard`, usually within a second of the
//! death), and the respawn countdown. A record that arrives after the respawn, or outlives the
//! overlay, shows as a toast.

use bevy::prelude::*;

use super::life::{Cause, Life, track};
use super::style::{centred_row, reveal, show, text, written};
use crate::game::sync::MyShip;
use crate::game::sync::ShipView;
use crate::session::Session;
use crate::session::events::{Killed, MadeBoard};
use crate::session::roster::{Roster, label};
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::widgets::ACCENT;

/// Seconds a new record stays on screen after it arrives, in the death overlay and, once your
/// ship is back, as a toast.
const RECORD_SECONDS: f64 = 8.0;
/// Pixels from the top to the record toast: under the announcement banner's place.
const TOAST_TOP: f32 = 176.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Record>();
    app.add_systems(OnEnter(Screen::Playing), (spawn, |mut record: ResMut<Record>| *record = Record::default()));
    app.add_systems(
        Update,
        (update_overlay, update_record_toast).chain().after(track).in_set(GameSet::Present).run_if(in_state(Screen::Playing)),
    );
}

/// The overlay (hidden while your ship flies).
#[derive(Component, Debug)]
pub struct DeathOverlay;
/// What the overlay says, one line per fact.
#[derive(Component, Debug)]
pub struct DeathText;
#[derive(Component)]
struct RecordToast;
#[derive(Component)]
struct RecordText;

/// The hall-of-fame record your last life set, with when it came; forgotten at the next death.
#[derive(Resource, Debug, Default)]
struct Record(Option<(String, f64)>);

impl Record {
    /// The record line, while it is recent.
    fn recent(&self, now: f64) -> Option<&str> {
        self.0.as_ref().filter(|(_, at)| now - at < RECORD_SECONDS).map(|(line, _)| line.as_str())
    }
}

fn spawn(mut commands: Commands) {
    commands.spawn((
        centred_row(TOAST_TOP),
        Visibility::Hidden,
        RecordToast,
        DespawnOnExit(Screen::Playing),
        children![(
            Node { padding: UiRect::axes(px(20), px(8)), border_radius: BorderRadius::all(px(8)), ..default() },
            BackgroundColor(Color::srgba(0.0, 0.1, 0.16, 0.8)),
            children![(text(20.0, ACCENT), RecordText)],
        )],
    ));
    commands.spawn((
        Node {
            position_type: PositionType::Absolute,
            width: percent(100),
            height: percent(100),
            justify_content: JustifyContent::Center,
            // Above the middle, where the camera shows the killer it follows.
            align_items: AlignItems::FlexStart,
            padding: UiRect::top(percent(14)),
            ..default()
        },
        Visibility::Hidden,
        DeathOverlay,
        DespawnOnExit(Screen::Playing),
        children![(
            Node { padding: UiRect::axes(px(32), px(20)), border_radius: BorderRadius::all(px(10)), ..default() },
            BackgroundColor(Color::srgba(0.08, 0.0, 0.02, 0.7)),
            children![(written(26.0, Color::WHITE), TextLayout::justify(Justify::Center), DeathText)],
        )],
    ));
}

/// Your ship's respawn countdown in ticks, while it is destroyed.
fn respawning(me: &Query<&ShipView, With<MyShip>>) -> Option<u16> {
    me.iter().next().and_then(|view| view.0.respawn_in)
}

/// A duration as the overlay shows it: `0:42`, `12:05`.
pub fn clock(secs: f64) -> String {
    let secs = secs.max(0.0) as u64;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The overlay's text: the cause, the life, the score, the record, the countdown.
fn overlay_text(life: &Life, score: u32, record: Option<&str>, respawn_secs: f32) -> String {
    let (by, alive_secs, kills) = match &life.death {
        Some(death) => {
            let by = match &death.cause {
                Cause::Pilot { name, ai } => format!("Destroyed by {}", label(name, *ai)),
                Cause::Asteroid => "Destroyed by an asteroid".to_string(),
                Cause::Unknown => "Destroyed".to_string(),
            };
            (by, death.alive_secs, death.kills)
        }
        None => ("Destroyed".to_string(), 0.0, 0),
    };
    let record = record.map_or(String::new(), |line| format!("{line}\n"));
    format!(
        "{by}\nAlive {}   Kills {kills}\nScore {score}   Best {}\n{record}Respawning in {respawn_secs:.0}...",
        clock(alive_secs),
        life.best.max(score)
    )
}

fn update_overlay(
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    life: Res<Life>,
    mut killed: MessageReader<Killed>,
    mut made_board: MessageReader<MadeBoard>,
    mut record: ResMut<Record>,
    time: Res<Time<Real>>,
    me: Query<&ShipView, With<MyShip>>,
    mut overlay: Single<&mut Visibility, With<DeathOverlay>>,
    mut text: Single<&mut Text, With<DeathText>>,
) {
    let Some(session) = session else {
        killed.clear();
        made_board.clear();
        return;
    };
    let now = time.elapsed_secs_f64();
    if killed.read().any(|kill| kill.victim == session.me) {
        record.0 = None;
    }
    for made in made_board.read() {
        record.0 = Some((made.headline(), now));
    }
    let Some(ticks) = respawning(&me) else {
        reveal(&mut overlay, false);
        return;
    };
    reveal(&mut overlay, true);
    let score = roster.score_of(session.me).map_or(0, |s| s.score);
    let respawn_secs = (f32::from(ticks) / f32::from(session.tick_hz.max(1))).ceil();
    // The record stays as long as the overlay does.
    let line = record.0.as_ref().map(|(line, _)| line.as_str());
    show(&mut text, overlay_text(&life, score, line, respawn_secs));
}

/// The record as a toast once your ship is back (or if it arrives after the respawn), for
/// what is left of [`RECORD_SECONDS`].
fn update_record_toast(
    record: Res<Record>,
    time: Res<Time<Real>>,
    me: Query<&ShipView, With<MyShip>>,
    mut toast: Single<&mut Visibility, With<RecordToast>>,
    mut text: Single<&mut Text, With<RecordText>>,
) {
    let line = record.recent(time.elapsed_secs_f64()).filter(|_| respawning(&me).is_none());
    reveal(&mut toast, line.is_some());
    if let Some(line) = line {
        show(&mut text, line.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(clock(0.4), "0:00");
        assert_eq!(clock(42.9), "0:42");
        assert_eq!(clock(725.0), "12:05");
    }
}
