//! Your current life as the HUD tells it: since when your ship has been flying, the ships it
//! has destroyed (the kill streak), your best score this session, and how the last life ended
//! (who, after how long, with how many kills). Built from the session's kill messages and your
//! ship's snapshots; each death is reported on the console.
//!
//! A kill message and the snapshot that shows the wreck may arrive in either order, a frame
//! apart: the life ends at whichever comes first, and only a ship seen destroyed and then
//! flying again starts the next one.

use bevy::prelude::*;

use crate::console::{Report, report};
use crate::game::sync::MyShip;
use crate::game::sync::ShipView;
use crate::session::Session;
use crate::session::events::Killed;
use crate::session::roster::Roster;
use crate::state::{GameSet, Screen};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Life>();
    // Play and Retry start a new session (and a new best); a Welcome in the middle of one
    // (a resume, a room change) only starts the life over.
    app.add_systems(OnEnter(Screen::Connecting), |mut life: ResMut<Life>| *life = Life::default());
    app.add_systems(OnEnter(Screen::Playing), |mut life: ResMut<Life>| *life = Life { best: life.best, ..Life::default() });
    app.add_systems(Update, track.in_set(GameSet::Present).run_if(in_state(Screen::Playing)));
}

/// What destroyed your ship.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cause {
    /// Not known (yet): the kill message has not come, or the game was joined with the ship
    /// already destroyed.
    Unknown,
    /// An asteroid.
    Asteroid,
    /// A pilot's shot.
    Pilot {
        /// Their name.
        name: String,
        /// Whether they are an AI pilot.
        ai: bool,
    },
}

/// How a life ended.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Death {
    /// Who or what did it.
    pub cause: Cause,
    /// Seconds the life lasted.
    pub alive_secs: f64,
    /// Ships destroyed in it.
    pub kills: u32,
    /// The snapshots have shown the wreck: the next ship seen flying is a new life.
    seen_down: bool,
}

/// Your current life, your session's best score, and how the last life ended.
#[derive(Resource, Debug, Default)]
pub(super) struct Life {
    /// When the current life began (`Time<Real>` seconds), while your ship flies.
    pub since: Option<f64>,
    /// Ships destroyed in the current life: the kill streak.
    pub kills: u32,
    /// Your highest score since Play (or Retry).
    pub best: u32,
    /// How the last life ended, until your ship is back.
    pub death: Option<Death>,
}

impl Life {
    /// Ends the current life (if it has not ended already) at `now`.
    fn end(&mut self, now: f64) {
        if self.death.is_some() {
            return;
        }
        let alive_secs = self.since.take().map_or(0.0, |since| now - since);
        self.death = Some(Death { cause: Cause::Unknown, alive_secs, kills: std::mem::take(&mut self.kills), seen_down: false });
    }
}

/// Follows your lives: kills first (they say who did it), then your ship's newest snapshot.
pub(super) fn track(
    session: Option<Res<Session>>,
    roster: Res<Roster>,
    time: Res<Time<Real>>,
    mut killed: MessageReader<Killed>,
    me: Query<&ShipView, With<MyShip>>,
    mut life: ResMut<Life>,
) {
    let Some(session) = session else {
        killed.clear();
        return;
    };
    let now = time.elapsed_secs_f64();
    if let Some(entry) = roster.score_of(session.me)
        && entry.score > life.best
    {
        life.best = entry.score;
    }
    for kill in killed.read() {
        if kill.victim == session.me {
            life.end(now);
            let cause = match (kill.killer, &kill.killer_name) {
                (Some(id), Some(name)) => Cause::Pilot { name: name.clone(), ai: roster.is_ai(id) },
                _ => Cause::Asteroid,
            };
            let best = life.best;
            let Some(death) = life.death.as_mut() else { continue };
            death.cause = cause;
            report(Report::Death { killer: kill.killer_name.as_deref(), alive_secs: death.alive_secs as u32, kills: death.kills, best });
        } else if kill.killer == Some(session.me) {
            // A shot still in flight when you died counts for the life that fired it.
            match life.death.as_mut() {
                Some(death) => death.kills += 1,
                None => life.kills += 1,
            }
        }
    }
    let Some(view) = me.iter().next() else { return };
    if view.0.respawn_in.is_some() {
        life.end(now);
        if let Some(death) = life.death.as_mut().filter(|death| !death.seen_down) {
            death.seen_down = true;
        }
    } else if life.since.is_none() && life.death.as_ref().is_none_or(|death| death.seen_down) {
        *life = Life { since: Some(now), best: life.best, ..Life::default() };
    }
}
