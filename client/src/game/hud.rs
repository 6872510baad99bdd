//! The in-game HUD: score, players online, ping, FPS; the top-10 leaderboard; the kill feed;
//! and the death overlay with the killer, your score and the respawn countdown.

use bevy::diagnostic::{DiagnosticsStore, FrameTimeDiagnosticsPlugin};
use bevy::prelude::*;

use super::chat::ChatLine;
use super::sync::{MyShip, ShipView};
use crate::screens::Screen;
use crate::screens::widgets::{ACCENT, DIM};
use crate::session::Session;

/// Seconds a kill stays in the feed.
const KILL_FEED_SECONDS: f64 = 6.0;
/// Seconds a chat line stays on screen (all recent lines show while typing).
const CHAT_SECONDS: f64 = 12.0;
/// Seconds an operator announcement stays on screen.
const ANNOUNCEMENT_SECONDS: f64 = 10.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Playing), spawn_hud);
    app.add_systems(
        Update,
        (update_stats, update_leaderboard, update_kill_feed, update_death_overlay, update_chat, update_announcement)
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
    launch: Res<crate::launch::Launch>,
    diagnostics: Res<DiagnosticsStore>,
    mut text: Single<&mut Text, With<StatsText>>,
) {
    let Some(session) = session else { return };
    let room = &session.room;
    let invite = crate::launch::share_link(&launch.server_url, &room.code);
    let room_line =
        if room.private { format!("Private room {}\nInvite: {invite}", room.code) } else { format!("Room {} | {}", room.name, room.code) };
    let score = session.my_score().map_or(0, |s| s.score);
    let ping = session.rtt_ms.map_or("-".to_string(), |ms| format!("{ms:.0} ms"));
    let fps = diagnostics.get(&FrameTimeDiagnosticsPlugin::FPS).and_then(|d| d.smoothed()).map_or("-".to_string(), |f| format!("{f:.0}"));
    let shown = format!(
        "{}\nScore {score}\nPlayers {}/{}\nPing {ping}\nFPS {fps}\n{room_line}",
        session.name,
        session.players.len(),
        room.max_players
    );
    if text.0 != shown {
        text.0 = shown;
    }
}

fn update_leaderboard(session: Option<Res<Session>>, mut text: Single<&mut Text, With<LeaderboardText>>) {
    let Some(session) = session else { return };
    if !session.is_changed() {
        return;
    }
    let lines: Vec<String> = session
        .scores
        .iter()
        .take(10)
        .enumerate()
        .map(|(rank, entry)| {
            let marker = if entry.id == session.me { "> " } else { "" };
            format!("{}. {marker}{}  {}", rank + 1, session.name_of(entry.id), entry.score)
        })
        .collect();
    text.0 = if lines.is_empty() { "...".into() } else { lines.join("\n") };
}

fn update_kill_feed(session: Option<Res<Session>>, time: Res<Time<Real>>, mut text: Single<&mut Text, With<KillFeedText>>) {
    let Some(session) = session else { return };
    let now = time.elapsed_secs_f64();
    let lines: Vec<String> = session
        .kill_feed
        .iter()
        .filter(|(_, _, at)| now - at < KILL_FEED_SECONDS)
        .map(|(killer, victim, _)| match killer {
            Some(killer) => format!("{killer} destroyed {victim}"),
            None => format!("{victim} hit an asteroid"),
        })
        .collect();
    let shown = lines.join("\n");
    if text.0 != shown {
        text.0 = shown;
    }
}

fn update_death_overlay(
    session: Option<ResMut<Session>>,
    me: Query<&ShipView, With<MyShip>>,
    mut overlay: Single<&mut Visibility, With<DeathOverlay>>,
    mut text: Single<&mut Text, With<DeathText>>,
) {
    let Some(mut session) = session else { return };
    let respawn_in = me.iter().next().and_then(|view| view.0.respawn_in);
    let Some(ticks) = respawn_in else {
        overlay.set_if_neq(Visibility::Hidden);
        if session.death.is_some() {
            session.death = None;
        }
        return;
    };
    overlay.set_if_neq(Visibility::Inherited);
    let by = match session.death.as_ref().and_then(|d| d.killer.clone()) {
        Some(killer) => format!("Destroyed by {killer}"),
        None => "Destroyed".to_string(),
    };
    let score = session.my_score().map_or(0, |s| s.score);
    let seconds = (f32::from(ticks) / f32::from(session.tick_hz.max(1))).ceil();
    let shown = format!("{by}\nScore {score}\nRespawning in {seconds:.0}...");
    if text.0 != shown {
        text.0 = shown;
    }
}

fn update_chat(session: Option<Res<Session>>, line: Res<ChatLine>, time: Res<Time<Real>>, mut text: Single<&mut Text, With<ChatText>>) {
    let Some(session) = session else { return };
    let now = time.elapsed_secs_f64();
    let mut lines: Vec<String> = session
        .chat
        .iter()
        .filter(|(_, _, at)| line.open || now - at < CHAT_SECONDS)
        .map(|(speaker, said, _)| match speaker {
            Some(name) => format!("{name}: {said}"),
            None => format!("- {said}"),
        })
        .collect();
    if line.open {
        let caret = if now.fract() < 0.5 { "|" } else { " " };
        lines.push(format!("say> {}{caret}   (Enter sends, Esc cancels)", line.text));
    }
    let shown = lines.join("\n");
    if text.0 != shown {
        text.0 = shown;
    }
}

fn update_announcement(
    session: Option<Res<Session>>,
    time: Res<Time<Real>>,
    mut banner: Single<&mut Visibility, With<AnnouncementBanner>>,
    mut text: Single<&mut Text, With<AnnouncementText>>,
) {
    let current = session.and_then(|s| s.announcement.clone()).filter(|(_, at)| time.elapsed_secs_f64() - at < ANNOUNCEMENT_SECONDS);
    match current {
        Some((said, _)) => {
            banner.set_if_neq(Visibility::Inherited);
            if text.0 != said {
                text.0 = said;
            }
        }
        None => {
            banner.set_if_neq(Visibility::Hidden);
        }
    }
}
