//! What the room says, kept out of the way: the kill feed (AI pilots tagged) and the chat
//! (bottom left; on a phone only the newest few lines), the operator's announcement (a banner under the score), and the room's name,
//! code and player count, with the invite link of a private room (small, top left).

use bevy::prelude::*;

use super::style::{centred_row, reveal, show, written};
use crate::game::chat::{ChatLine, chat_entry};
use crate::launch::{Launch, share_link};
use crate::session::Session;
use crate::session::roster::{Announcement, ChatLog, KillEntry, KillFeed, Roster, isolate, label};
use crate::state::{GameSet, Screen};
use crate::ui::kit::*;
use crate::ui::layout::Layout;
use crate::ui::text_field::caret;
use crate::ui::widgets::DIM;

/// Seconds a kill stays in the feed.
const KILL_FEED_SECONDS: f64 = 6.0;
/// Seconds a chat line stays on screen (all recent lines show while typing).
const CHAT_SECONDS: f64 = 12.0;
/// Seconds an operator announcement stays on screen.
const ANNOUNCEMENT_SECONDS: f64 = 10.0;
/// Pixels from the top to the announcement banner: under the score, its "+N" and streak.
const BANNER_TOP: f32 = 120.0;
/// Kills a phone shows at once (the newest): its lower left is the thumb stick's, and the feed
/// sits just above it.
const PHONE_KILL_LINES: usize = 2;
/// Chat lines a phone shows at once when not typing (the newest), for the same reason.
const PHONE_CHAT_LINES: usize = 3;

/// At most the `max` newest of `lines`.
fn newest(mut lines: Vec<String>, max: usize) -> Vec<String> {
    lines.drain(..lines.len().saturating_sub(max));
    lines
}

/// Lines of a feed shown at once: all it keeps on a desktop, `phone` on a phone.
fn lines_for(layout: Option<&Layout>, phone: usize) -> usize {
    if layout.is_some_and(|l| l.fit.compact()) { phone } else { usize::MAX }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Playing), spawn);
    app.add_systems(
        Update,
        (update_room, update_kill_feed, update_chat, update_announcement).in_set(GameSet::Present).run_if(in_state(Screen::Playing)),
    );
}

/// The room's name, code, players and (private rooms) invite link.
#[derive(Component, Debug)]
pub struct RoomText;
/// The recent kills, newest last.
#[derive(Component, Debug)]
pub struct KillFeedText;
#[derive(Component)]
struct ChatText;
#[derive(Component)]
struct AnnouncementBanner;
#[derive(Component)]
struct AnnouncementText;

/// The room line's box (top left; hidden on an upright phone, where the score needs the room).
#[derive(Component, Debug)]
pub struct RoomLine;

fn spawn(mut commands: Commands) {
    commands.spawn((
        Node { position_type: PositionType::Absolute, left: px(12), top: px(10), max_width: px(420), ..default() },
        RoomLine,
        DespawnOnExit(Screen::Playing),
        children![(written(13.0, DIM), RoomText)],
    ));
    commands.spawn((
        Node {
            position_type: PositionType::Absolute,
            left: px(12),
            bottom: px(12),
            max_width: percent(34),
            flex_direction: FlexDirection::Column,
            row_gap: px(8),
            ..default()
        },
        DespawnOnExit(Screen::Playing),
        children![(written(15.0, Color::srgb(0.85, 0.9, 1.0)), ChatText), (written(15.0, DIM), KillFeedText)],
    ));
    if let Some(entry) = chat_entry() {
        commands.spawn((entry, DespawnOnExit(Screen::Playing)));
    }
    commands.spawn((
        centred_row(BANNER_TOP),
        Visibility::Hidden,
        AnnouncementBanner,
        DespawnOnExit(Screen::Playing),
        children![(
            Node { padding: UiRect::axes(px(20), px(10)), border_radius: BorderRadius::all(px(8)), ..default() },
            BackgroundColor(Color::srgba(0.35, 0.2, 0.0, 0.8)),
            children![(written(20.0, Color::WHITE), AnnouncementText)],
        )],
    ));
}

fn update_room(session: Option<Res<Session>>, roster: Res<Roster>, launch: Res<Launch>, mut text: Single<&mut Text, With<RoomText>>) {
    let Some(session) = session else { return };
    if !roster.is_changed() && !session.is_changed() {
        return;
    }
    let room = &session.room;
    let pilots = format!("{}/{} pilots", roster.players.len(), room.max_players);
    let shown = if room.private {
        format!("Private room {} | {pilots}\nInvite: {}", room.code, share_link(&launch.server_url, &room.code))
    } else {
        format!("Room {} | {} | {pilots}", room.name, room.code)
    };
    show(&mut text, shown);
}

/// How the feed reads one kill.
fn describe_kill(kill: &KillEntry) -> String {
    let victim = label(&kill.victim, kill.victim_ai);
    match &kill.killer {
        Some(killer) => format!("{} destroyed {victim}", label(killer, kill.killer_ai)),
        None => format!("{victim} hit an asteroid"),
    }
}

fn update_kill_feed(
    session: Option<Res<Session>>,
    kills: Res<KillFeed>,
    time: Res<Time<Real>>,
    layout: Option<Res<Layout>>,
    mut text: Single<&mut Text, With<KillFeedText>>,
) {
    if session.is_none() {
        return;
    }
    let now = time.elapsed_secs_f64();
    let lines: Vec<String> = kills.0.iter().filter(|kill| now - kill.at < KILL_FEED_SECONDS).map(describe_kill).collect();
    show(&mut text, newest(lines, lines_for(layout.as_deref(), PHONE_KILL_LINES)).join("\n"));
}

fn update_chat(
    session: Option<Res<Session>>,
    chat: Res<ChatLog>,
    line: Res<ChatLine>,
    time: Res<Time<Real>>,
    layout: Option<Res<Layout>>,
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
            Some(name) => format!("{}: {}", isolate(name), entry.text),
            None => format!("- {}", entry.text),
        })
        .collect();
    if !line.open {
        lines = newest(lines, lines_for(layout.as_deref(), PHONE_CHAT_LINES));
    }
    if line.open {
        lines.push(format!("say> {}{}   (Enter sends, Esc cancels)", line.text, caret(now)));
    }
    show(&mut text, lines.join("\n"));
}

fn update_announcement(
    session: Option<Res<Session>>,
    announcement: Res<Announcement>,
    time: Res<Time<Real>>,
    mut banner: Single<&mut Visibility, With<AnnouncementBanner>>,
    mut text: Single<&mut Text, With<AnnouncementText>>,
) {
    let current = announcement.0.as_ref().filter(|said| session.is_some() && time.elapsed_secs_f64() - said.at < ANNOUNCEMENT_SECONDS);
    reveal(&mut banner, current.is_some());
    if let Some(said) = current {
        show(&mut text, said.text.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_keeps_the_newest_lines() {
        let lines = || (1..=5).map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(newest(lines(), 2), ["4", "5"]);
        assert_eq!(newest(lines(), usize::MAX), lines());
        assert_eq!(newest(Vec::new(), 2), Vec::<String>::new());
    }
}
