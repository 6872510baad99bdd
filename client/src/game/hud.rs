//! The in-game HUD: score, players online, ping, FPS; the top-10 leaderboard; the kill feed;
//! the chat; the operator's announcement; the death overlay with the killer, your score, a new
//! hall-of-fame record and the respawn countdown; and the record as a toast when it arrives
//! after you are back. It only reads the session's resources and messages.

use bevy::diagnostic::{DiagnosticsStore, FrameTimeDiagnosticsPlugin};
use bevy::prelude::*;

use super::chat::ChatLine;
use super::sync::{MyShip, ShipView};
use crate::launch::{Launch, share_link};
use crate::session::Session;
use crate::session::events::{Killed, MadeBoard};
use crate::session::roster::{Announcement, ChatLog, KillFeed, Roster, RoundTrip};
use crate::state::{GameSet, Screen};
use crate::ui::text_field::caret;
use crate::ui::widgets::{ACCENT, DIM};

/// Seconds a kill stays in the feed.
const KILL_FEED_SECONDS: f64 = 6.0;
/// Seconds a chat line stays on screen (all recent lines show while typing).
const CHAT_SECONDS: f64 = 12.0;
/// Seconds an operator announcement stays on screen.
const ANNOUNCEMENT_SECONDS: f64 = 10.0;
/// Seconds a new record stays on screen after it arrives, in the death overlay and, once your
/// ship is back, as a toast.
const RECORD_SECONDS: f64 = 8.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Death>();
    app.add_systems(OnEnter(Screen::Playing), (spawn_hud, |mut death: ResMut<Death>| *death = Death::default()));
    app.add_systems(
        Update,
        (
            update_stats,
            update_leaderboard,
            update_kill_feed,
            (update_death_overlay, update_record_toast).chain(),
            update_chat,
            update_announcement,
        )
            .in_set(GameSet::Present)
            .run_if(in_state(Screen::Playing)),
    );
}

#[derive(Component)]
struct StatsText;
#[derive(Component)]
struct LeaderboardText;
#[derive(Component)]
struct KillFeedText;
#[derive(Component)]
struct DeathOverlay;
#[derive(Component)]
struct DeathText;
#[derive(Component)]
struct ChatText;
#[derive(Component)]
struct AnnouncementBanner;
#[derive(Component)]
struct AnnouncementText;
#[derive(Component)]
struct RecordToast;
#[derive(Component)]
struct RecordText;

fn text(size: f32, color: Color) -> impl Bundle {
    (Text::new(""), TextFont::from_font_size(size), TextColor(color))
}

fn panel(node: Node) -> impl Bundle {
    (
        Node { position_type: PositionType::Absolute, padding: UiRect::all(px(10)), border_radius: BorderRadius::all(px(6)), ..node },
        BackgroundColor(Color::srgba(0.0, 0.02, 0.06, 0.55)),
    )
}

fn spawn_hud(mut commands: Commands) {
    commands.spawn((
        panel(Node { left: px(12), top: px(12), ..default() }),
        DespawnOnExit(Screen::Playing),
        children![(text(18.0, Color::WHITE), StatsText)],
    ));
    commands.spawn((
        panel(Node { right: px(12), top: px(12), flex_direction: FlexDirection::Column, row_gap: px(4), min_width: px(220), ..default() }),
        DespawnOnExit(Screen::Playing),
        children![
            (Text::new("LEADERBOARD"), TextFont::from_font_size(15.0), TextColor(ACCENT)),
            (text(16.0, Color::WHITE), LeaderboardText)
        ],
    ));
    commands.spawn((
        Node {
            position_type: PositionType::Absolute,
            left: px(12),
            bottom: px(12),
            flex_direction: FlexDirection::Column,
            row_gap: px(8),
            ..default()
        },
        DespawnOnExit(Screen::Playing),
        children![(text(15.0, Color::srgb(0.85, 0.9, 1.0)), ChatText), (text(15.0, DIM), KillFeedText)],
    ));
    commands.spawn((
        Node {
            position_type: PositionType::Absolute,
            width: percent(100),
            top: px(16),
            justify_content: JustifyContent::Center,
            ..default()
        },
        Visibility::Hidden,
        AnnouncementBanner,
        DespawnOnExit(Screen::Playing),
        children![(
            Node { padding: UiRect::axes(px(20), px(10)), border_radius: BorderRadius::all(px(8)), ..default() },
            BackgroundColor(Color::srgba(0.35, 0.2, 0.0, 0.8)),
            children![(text(20.0, Color::WHITE), AnnouncementText)],
        )],
    ));
    commands.spawn((
        Node {
            position_type: PositionType::Absolute,
            width: percent(100),
            top: px(72),
            justify_content: JustifyContent::Center,
            ..default()
        },
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
            align_items: AlignItems::Center,
            ..default()
        },
        Visibility::Hidden,
        DeathOverlay,
        DespawnOnExit(Screen::Playing),
        children![(
            Node { padding: UiRect::axes(px(32), px(20)), border_radius: BorderRadius::all(px(10)), ..default() },
            BackgroundColor(Color::srgba(0.08, 0.0, 0.02, 0.7)),
            children![(text(28.0, Color::WHITE), TextLayout::justify(Justify::Center), DeathText)],
        )],
    ));
}

fn update_stats(
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    round_trip: Res<RoundTrip>,
    launch: Res<Launch>,
    diagnostics: Res<DiagnosticsStore>,
    mut text: Single<&mut Text, With<StatsText>>,
) {
    let Some(session) = session else { return };
    let room = &session.room;
    let invite = share_link(&launch.server_url, &room.code);
    let room_line =
        if room.private { format!("Private room {}\nInvite: {invite}", room.code) } else { format!("Room {} | {}", room.name, room.code) };
    let score = roster.score_of(session.me).map_or(0, |s| s.score);
    let ping = round_trip.rtt_ms.map_or("-".to_string(), |ms| format!("{ms:.0} ms"));
    let fps = diagnostics.get(&FrameTimeDiagnosticsPlugin::FPS).and_then(|d| d.smoothed()).map_or("-".to_string(), |f| format!("{f:.0}"));
    let shown = format!(
        "{}\nScore {score}\nPlayers {}/{}\nPing {ping}\nFPS {fps}\n{room_line}",
        session.name,
        roster.players.len(),
        room.max_players
    );
    if text.0 != shown {
        text.0 = shown;
    }
}

fn update_leaderboard(session: Option<Res<Session>>, roster: Res<Roster>, mut text: Single<&mut Text, With<LeaderboardText>>) {
    let Some(session) = session else { return };
    if !roster.is_changed() && !session.is_changed() {
        return;
    }
    let lines: Vec<String> = roster
        .scores
        .iter()
        .take(10)
        .enumerate()
        .map(|(rank, entry)| {
            let marker = if entry.id == session.me { "> " } else { "" };
            format!("{}. {marker}{}  {}", rank + 1, roster.name_of(entry.id), entry.score)
        })
        .collect();
    text.0 = if lines.is_empty() { "...".into() } else { lines.join("\n") };
}

fn update_kill_feed(
    session: Option<Res<Session>>,
    kills: Res<KillFeed>,
    time: Res<Time<Real>>,
    mut text: Single<&mut Text, With<KillFeedText>>,
) {
    if session.is_none() {
        return;
    }
    let now = time.elapsed_secs_f64();
    let lines: Vec<String> = kills
        .0
        .iter()
        .filter(|kill| now - kill.at < KILL_FEED_SECONDS)
        .map(|kill| match &kill.killer {
            Some(killer) => format!("{killer} destroyed {}", kill.victim),
            None => format!("{} hit an asteroid", kill.victim),
        })
        .collect();
    let shown = lines.join("\n");
    if text.0 != shown {
        text.0 = shown;
    }
}

/// Who destroyed your ship, while it waits to respawn: set by the kill (`None` for an
/// asteroid), cleared when the ship is back. And the hall-of-fame record that life set, if
/// the server said so (`MadeBoard`, usually within a second of the death), with when it came;
/// forgotten at the next death.
#[derive(Resource, Debug, Default)]
struct Death {
    killer: Option<String>,
    record: Option<(String, f64)>,
}

impl Death {
    /// The record line, while it is recent.
    fn recent_record(&self, now: f64) -> Option<&str> {
        self.record.as_ref().filter(|(_, at)| now - at < RECORD_SECONDS).map(|(line, _)| line.as_str())
    }
}

/// Your ship's respawn countdown in ticks, while it is destroyed.
fn respawning(me: &Query<&ShipView, With<MyShip>>) -> Option<u16> {
    me.iter().next().and_then(|view| view.0.respawn_in)
}

fn update_death_overlay(
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    mut killed: MessageReader<Killed>,
    mut made_board: MessageReader<MadeBoard>,
    mut death: ResMut<Death>,
    time: Res<Time<Real>>,
    me: Query<&ShipView, With<MyShip>>,
    mut overlay: Single<&mut Visibility, With<DeathOverlay>>,
    mut text: Single<&mut Text, With<DeathText>>,
) {
    let Some(session) = session else { return };
    let now = time.elapsed_secs_f64();
    for kill in killed.read().filter(|kill| kill.victim == session.me) {
        death.killer = kill.killer_name.clone();
        death.record = None;
    }
    for made in made_board.read() {
        death.record = Some((made.headline(), now));
    }
    let Some(ticks) = respawning(&me) else {
        overlay.set_if_neq(Visibility::Hidden);
        if death.killer.is_some() {
            death.killer = None;
        }
        return;
    };
    overlay.set_if_neq(Visibility::Inherited);
    let by = match death.killer.clone() {
        Some(killer) => format!("Destroyed by {killer}"),
        None => "Destroyed".to_string(),
    };
    let score = roster.score_of(session.me).map_or(0, |s| s.score);
    let seconds = (f32::from(ticks) / f32::from(session.tick_hz.max(1))).ceil();
    // The record stays as long as the overlay does.
    let record = death.record.as_ref().map_or(String::new(), |(line, _)| format!("{line}\n"));
    let shown = format!("{by}\nScore {score}\n{record}Respawning in {seconds:.0}...");
    if text.0 != shown {
        text.0 = shown;
    }
}

/// The record as a toast once your ship is back (or if it arrives after the respawn), for
/// what is left of [`RECORD_SECONDS`].
fn update_record_toast(
    death: Res<Death>,
    time: Res<Time<Real>>,
    me: Query<&ShipView, With<MyShip>>,
    mut toast: Single<&mut Visibility, With<RecordToast>>,
    mut text: Single<&mut Text, With<RecordText>>,
) {
    let line = death.recent_record(time.elapsed_secs_f64()).filter(|_| respawning(&me).is_none());
    match line {
        Some(line) => {
            toast.set_if_neq(Visibility::Inherited);
            if text.0 != line {
                text.0 = line.to_string();
            }
        }
        None => {
            toast.set_if_neq(Visibility::Hidden);
        }
    }
}

fn update_chat(
    session: Option<Res<Session>>,
    chat: Res<ChatLog>,
    line: Res<ChatLine>,
    time: Res<Time<Real>>,
    mut text: Single<&mut Text, With<ChatText>>,
) {
    if session.is_none() {
        return;
    }
    let now = time.elapsed_secs_f64();
    let mut lines: Vec<String> = chat
        .0
        .iter()
        .filter(|entry| line.open || now - entry.at < CHAT_SECONDS)
        .map(|entry| match &entry.speaker {
            Some(name) => format!("{name}: {}", entry.text),
            None => format!("- {}", entry.text),
        })
        .collect();
    if line.open {
        lines.push(format!("say> {}{}   (Enter sends, Esc cancels)", line.text, caret(now)));
    }
    let shown = lines.join("\n");
    if text.0 != shown {
        text.0 = shown;
    }
}

fn update_announcement(
    session: Option<Res<Session>>,
    announcement: Res<Announcement>,
    time: Res<Time<Real>>,
    mut banner: Single<&mut Visibility, With<AnnouncementBanner>>,
    mut text: Single<&mut Text, With<AnnouncementText>>,
) {
    let current = announcement.0.as_ref().filter(|said| session.is_some() && time.elapsed_secs_f64() - said.at < ANNOUNCEMENT_SECONDS);
    match current {
        Some(said) => {
            banner.set_if_neq(Visibility::Inherited);
            if text.0 != said.text {
                text.0 = said.text.clone();
            }
        }
        None => {
            banner.set_if_neq(Visibility::Hidden);
        }
    }
}
