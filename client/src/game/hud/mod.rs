//! The in-game HUD, made to be read at a glance: your hull and spawn shield as bars, your score
//! large with "+N" for each gain and kill-streak labels, the leaderboard with your place even
//! outside the top ten, the kill feed and chat, the room's name and invite link, the operator's
//! announcement, and the death overlay. It only reads the session's resources and messages and
//! your ship's snapshots; ping and FPS are in the net graph (F3), not here.
//!
//! - `style`: the shared look (panels, bars, colours) and the change-aware setters.
//! - `life`: your current life, the last death and your session best, from kills and snapshots.
//! - `vitals`: hull and shield bars, score, "+N", streaks, and the `hud` console line.
//! - `leaderboard`: the top ten and your place.
//! - `feed`: kill feed, chat, announcement, room line.
//! - `death`: the death overlay and the record toast.
//! - `portrait`: the arrangement on an upright phone.
//!
//! Each part spawns its UI when the arena is entered (`DespawnOnExit(Screen::Playing)`) and
//! updates it in place; the public markers let tests find what is shown.

mod death;
mod feed;
mod leaderboard;
mod life;
mod portrait;
mod style;
mod vitals;

use bevy::prelude::*;

pub use self::death::{DeathOverlay, DeathText, clock};
pub use self::feed::{KillFeedText, RoomLine, RoomText};
pub use self::leaderboard::{LeaderRow, PORTRAIT_ROWS, ROWS, RankLine, RowsShown};
pub use self::vitals::{
    HealthBar, HealthText, ScorePopup, ScoreText, ShieldBar, ShieldRow, ShieldText, StreakText, VitalsRoot, streak_label,
};

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((life::plugin, vitals::plugin, leaderboard::plugin, feed::plugin, death::plugin, portrait::plugin));
}
