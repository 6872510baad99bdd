//! What the room tells you while you play, each in its own resource: who is in it
//! ([`Roster`]: names, AI pilots, scores, the minimap's leaders), the chat with join/leave
//! notices ([`ChatLog`]), the kill feed ([`KillFeed`]), the operator's [`Announcement`], and
//! the measured round trip ([`RoundTrip`]). The session applies each in-game message in
//! arrival order through [`RoomFeeds`]; the HUD only reads these.

use std::collections::{BTreeMap, BTreeSet};

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use driftfire_shared::protocol::{Leader, PlayerId, PlayerInfo, ScoreEntry, ServerMsg, Welcome};

use super::events::Killed;
use crate::console::{Report, report};

/// Chat lines remembered for the HUD.
pub const CHAT_LINES_KEPT: usize = 8;

/// Kills remembered for the feed: the HUD shows the recent ones, and five is as many as fit
/// under the chat without crowding the arena.
const KILLS_KEPT: usize = 5;

/// Weight of the newest round-trip sample: smooth enough that one late Pong does not make the
/// HUD's ping jump, quick enough to follow a real change within a few seconds.
const RTT_SMOOTHING: f32 = 0.3;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Roster>();
    app.init_resource::<ChatLog>();
    app.init_resource::<KillFeed>();
    app.init_resource::<Announcement>();
    app.init_resource::<RoundTrip>();
}

/// The tag before an AI pilot's name wherever players read it (the default font has no
/// emoji, so a robot face would draw as a box).
pub const AI_TAG: &str = "[AI]";

/// Everyone in the room, the scoreboard, and where the leaders are.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Roster {
    /// Everyone in the room, you included.
    pub players: BTreeMap<PlayerId, String>,
    /// The server's AI pilots among them.
    pub ai: BTreeSet<PlayerId>,
    /// Latest scoreboard, highest first.
    pub scores: Vec<ScoreEntry>,
    /// Latest `Leaders`: the room's best living ships and where they are, best first (twice a
    /// second, for the minimap).
    pub leaders: Vec<Leader>,
}

impl Roster {
    /// A player's name, or a placeholder for someone who already left.
    pub fn name_of(&self, id: PlayerId) -> String {
        self.players.get(&id).cloned().unwrap_or_else(|| format!("pilot {}", id.0))
    }

    /// Whether a player is one of the server's AI pilots.
    pub fn is_ai(&self, id: PlayerId) -> bool {
        self.ai.contains(&id)
    }

    /// A player's name as lists show it: AI pilots carry [`AI_TAG`].
    pub fn label_of(&self, id: PlayerId) -> String {
        label(&self.name_of(id), self.is_ai(id))
    }

    /// Your place on the scoreboard (1 for the best), if it lists you.
    pub fn rank_of(&self, id: PlayerId) -> Option<usize> {
        self.scores.iter().position(|s| s.id == id).map(|i| i + 1)
    }

    fn insert(&mut self, info: &PlayerInfo) {
        self.players.insert(info.id, info.name.clone());
        if info.ai {
            self.ai.insert(info.id);
        } else {
            self.ai.remove(&info.id);
        }
    }

    /// A player's score entry, if the scoreboard has arrived.
    pub fn score_of(&self, id: PlayerId) -> Option<&ScoreEntry> {
        self.scores.iter().find(|s| s.id == id)
    }
}

/// One chat line or notice.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatEntry {
    /// Who said it; `None` for notices and the server.
    pub speaker: Option<String>,
    /// What was said.
    pub text: String,
    /// When it arrived (`Time<Real>` seconds).
    pub at: f64,
}

/// Recent chat lines and join/leave notices, newest last, at most [`CHAT_LINES_KEPT`]. Survives
/// a reconnect and a move to another room; a new connection from the menus starts it over.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct ChatLog(pub Vec<ChatEntry>);

/// A name as lists show it: an AI pilot's carries [`AI_TAG`].
pub fn label(name: &str, ai: bool) -> String {
    let name = isolate(name);
    if ai { format!("{AI_TAG} {name}") } else { name }
}

/// `name` ready to stand inside a line of other text: a name with right-to-left letters goes
/// between a first-strong isolate and its pop (U+2068, U+2069), so the numbers and words around
/// it keep their places ("3. محمد  0", not "3. 0  محمد", where the score would join the name's
/// run); other names as they are.
pub fn isolate(name: &str) -> String {
    let right_to_left = |c: char| matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFC}' | '\u{10800}'..='\u{10FFF}' | '\u{1E800}'..='\u{1EFFF}');
    if name.chars().any(right_to_left) { format!("\u{2068}{name}\u{2069}") } else { name.to_owned() }
}

/// One destroyed ship.
#[derive(Debug, Clone, PartialEq)]
pub struct KillEntry {
    /// The shooter's name; `None` for an asteroid.
    pub killer: Option<String>,
    /// Whether the shooter is an AI pilot.
    pub killer_ai: bool,
    /// The pilot whose ship it was.
    pub victim: String,
    /// Whether that pilot is an AI.
    pub victim_ai: bool,
    /// When it was announced (`Time<Real>` seconds).
    pub at: f64,
}

/// Recent kills, newest last.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct KillFeed(pub Vec<KillEntry>);

/// What the operator announced last.
#[derive(Debug, Clone, PartialEq)]
pub struct Announced {
    /// The text.
    pub text: String,
    /// When it arrived (`Time<Real>` seconds).
    pub at: f64,
}

/// The operator's latest announcement, if any this session.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Announcement(pub Option<Announced>);

/// Round-trip probes (the HUD's ping).
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct RoundTrip {
    /// Smoothed round-trip time, ms.
    pub rtt_ms: Option<f32>,
    nonce: u32,
    /// The probe in flight: its nonce and when it went out.
    in_flight: Option<(u32, f64)>,
    last_ping_at: f64,
}

impl Default for RoundTrip {
    fn default() -> Self {
        Self { rtt_ms: None, nonce: 0, in_flight: None, last_ping_at: f64::NEG_INFINITY }
    }
}

impl RoundTrip {
    /// The nonce of a new probe, if `interval` has passed since the last one at `now`.
    pub fn probe_due(&mut self, now: f64, interval: f64) -> Option<u32> {
        if now - self.last_ping_at < interval {
            return None;
        }
        self.last_ping_at = now;
        self.nonce = self.nonce.wrapping_add(1);
        self.in_flight = Some((self.nonce, now));
        Some(self.nonce)
    }

    fn answered(&mut self, nonce: u32, now: f64) {
        if let Some((sent, at)) = self.in_flight
            && sent == nonce
        {
            let sample = ((now - at) * 1e3) as f32;
            self.rtt_ms = Some(self.rtt_ms.map_or(sample, |old| old * (1.0 - RTT_SMOOTHING) + sample * RTT_SMOOTHING));
            self.in_flight = None;
        }
    }
}

/// The room's feeds, written together by the session as messages arrive.
#[derive(SystemParam)]
pub struct RoomFeeds<'w> {
    roster: ResMut<'w, Roster>,
    chat: ResMut<'w, ChatLog>,
    kills: ResMut<'w, KillFeed>,
    announcement: ResMut<'w, Announcement>,
    round_trip: ResMut<'w, RoundTrip>,
}

impl RoomFeeds<'_> {
    /// A new connection from the menus: everything starts over, the chat too.
    pub fn clear(&mut self) {
        self.chat.0.clear();
        self.reset_all_but_chat();
    }

    /// Welcome: the room's players are the ones it lists; the rest starts over (the chat
    /// survives a reconnect or a room change).
    pub fn start(&mut self, welcome: &Welcome) {
        self.reset_all_but_chat();
        for info in &welcome.players {
            self.roster.insert(info);
        }
    }

    fn reset_all_but_chat(&mut self) {
        *self.roster = Roster::default();
        self.kills.0.clear();
        self.announcement.0 = None;
        *self.round_trip = RoundTrip::default();
    }

    /// A notice in the chat (no speaker).
    pub fn note(&mut self, text: String, now: f64) {
        self.push_chat(None, text, now);
    }

    /// Applies one in-game message (not Welcome, not snapshots); `me` is your id. A kill is
    /// returned for the rest of the game to react to.
    pub fn apply(&mut self, me: PlayerId, msg: &ServerMsg, now: f64) -> Option<Killed> {
        match msg {
            ServerMsg::PlayerJoined(info) => {
                self.roster.insert(info);
                if info.id != me {
                    self.push_chat(None, format!("{} joined", info.name), now);
                }
            }
            ServerMsg::PlayerLeft { id } => {
                let name = self.roster.name_of(*id);
                self.roster.players.remove(id);
                self.roster.ai.remove(id);
                self.roster.scores.retain(|s| s.id != *id);
                self.roster.leaders.retain(|l| l.id != *id);
                self.push_chat(None, format!("{name} left"), now);
            }
            ServerMsg::Chat { from, text } => {
                let speaker = from.map(|id| self.roster.name_of(id));
                report(Report::Chat { speaker: speaker.as_deref(), text });
                self.push_chat(speaker, text.clone(), now);
            }
            ServerMsg::Announcement { text } => self.announcement.0 = Some(Announced { text: text.clone(), at: now }),
            ServerMsg::Scoreboard { entries } => self.roster.scores = entries.clone(),
            ServerMsg::Leaders { leaders } => self.roster.leaders = leaders.clone(),
            ServerMsg::Kill { killer, victim } => {
                let killed = Killed {
                    killer: *killer,
                    killer_name: killer.map(|k| self.roster.name_of(k)),
                    victim: *victim,
                    victim_name: self.roster.name_of(*victim),
                };
                self.kills.0.push(KillEntry {
                    killer: killed.killer_name.clone(),
                    killer_ai: killer.is_some_and(|k| self.roster.is_ai(k)),
                    victim: killed.victim_name.clone(),
                    victim_ai: self.roster.is_ai(*victim),
                    at: now,
                });
                let excess = self.kills.0.len().saturating_sub(KILLS_KEPT);
                self.kills.0.drain(..excess);
                return Some(killed);
            }
            ServerMsg::Pong { nonce } => self.round_trip.answered(*nonce, now),
            _ => {}
        }
        None
    }

    fn push_chat(&mut self, speaker: Option<String>, text: String, now: f64) {
        self.chat.0.push(ChatEntry { speaker, text, at: now });
        let excess = self.chat.0.len().saturating_sub(CHAT_LINES_KEPT);
        self.chat.0.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_names_are_isolated_inside_lines() {
        assert_eq!(isolate("محمد"), "\u{2068}محمد\u{2069}");
        assert_eq!(isolate("דוד 7"), "\u{2068}דוד 7\u{2069}");
        assert_eq!(isolate("Дмитрий"), "Дмитрий");
        assert_eq!(label("محمد", true), "[AI] \u{2068}محمد\u{2069}");
        assert_eq!(label("Robo", true), "[AI] Robo");
    }
}
