//! The server's hall of fame, for the title screen: while a [`HallOfFame`] resource exists (next
//! to the [`RoomList`], whose socket carries its requests), it asks for the board of the
//! chosen [`Period`] (a request with an id, answered once, given up after a timeout), again
//! every half minute and at once when the period changes, and keeps the latest board of each
//! period. The screen that shows it inserts the resource and removes it when done.

use bevy::prelude::*;
use driftfire_shared::protocol::{Board, ClientMsg, Period, Reply, RequestId};

use super::room_list::{REQUEST_TIMEOUT_SECS, RoomList, poll_rooms};
use crate::console::{Report, report};
use crate::launch::Launch;
use crate::state::GameSet;

/// Seconds between refreshes of the board shown: results are stored after every death, and a
/// board read on a menu may be half a minute old.
const REFRESH_SECS: f64 = 30.0;

/// Seconds before asking again after a request went unanswered.
const RETRY_SECS: f64 = 5.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        poll_hall_of_fame
            .after(poll_rooms)
            .in_set(GameSet::Session)
            .run_if(resource_exists::<HallOfFame>.and_then(resource_exists::<RoomList>)),
    );
}

/// The boards asked for and the latest of each.
#[derive(Resource, Debug)]
pub struct HallOfFame {
    /// The board shown.
    period: Period,
    /// The request in flight and when it was sent.
    waiting: Option<(RequestId, f64)>,
    /// When to ask for the shown board next (`Time<Real>` seconds).
    next_ask_at: f64,
    /// The latest board of each period that has answered.
    boards: Vec<Board>,
    /// Why the board shown is missing, if it is.
    pub problem: Option<String>,
}

impl Default for HallOfFame {
    fn default() -> Self {
        Self { period: Period::default(), waiting: None, next_ask_at: f64::NEG_INFINITY, boards: Vec::new(), problem: None }
    }
}

impl HallOfFame {
    /// The board shown.
    pub fn period(&self) -> Period {
        self.period
    }

    /// Shows another board: it is asked for at once (the one in flight is given up), and the
    /// last copy of it, if any, is shown meanwhile.
    pub fn show(&mut self, period: Period) {
        if period == self.period {
            return;
        }
        self.period = period;
        self.waiting = None;
        self.next_ask_at = f64::NEG_INFINITY;
        self.problem = None;
    }

    /// The latest board of the period shown, if it has arrived.
    pub fn board(&self) -> Option<&Board> {
        self.boards.iter().find(|board| board.period == self.period)
    }

    /// Keeps a board that arrived; `true` if it differs from the last one of its period.
    fn keep(&mut self, board: Board) -> bool {
        match self.boards.iter_mut().find(|kept| kept.period == board.period) {
            Some(kept) if *kept == board => false,
            Some(kept) => {
                *kept = board;
                true
            }
            None => {
                self.boards.push(board);
                true
            }
        }
    }
}

fn poll_hall_of_fame(mut fame: ResMut<HallOfFame>, mut list: ResMut<RoomList>, launch: Res<Launch>, time: Res<Time<Real>>) {
    let now = time.elapsed_secs_f64();
    for (request, reply) in list.take_replies() {
        // Only the request in flight counts: a late reply, or one for a board no longer shown,
        // is ignored.
        let Reply::HallOfFame(board) = reply else { continue };
        if fame.waiting.is_none_or(|(id, _)| id != request) {
            continue;
        }
        fame.waiting = None;
        fame.problem = None;
        fame.next_ask_at = now + REFRESH_SECS;
        if fame.keep(board.clone()) {
            report(Report::HallOfFame(&board));
        }
    }
    if let Some((_, sent)) = fame.waiting
        && now - sent > REQUEST_TIMEOUT_SECS
    {
        // The room list reopens the socket if it is the one that died.
        fame.problem = Some("The hall of fame is not answering.".into());
        fame.waiting = None;
        fame.next_ask_at = now + RETRY_SECS;
    }
    if fame.waiting.is_none() && now >= fame.next_ask_at {
        let period = fame.period;
        if let Some(request) = list.ask(&launch.server_url, |request| ClientMsg::HallOfFame { request, period }) {
            fame.waiting = Some((request, now));
            fame.next_ask_at = now + REFRESH_SECS;
        }
    }
}

#[cfg(test)]
mod tests {
    use driftfire_shared::protocol::BoardEntry;

    use super::*;

    fn board(period: Period, names: &[&str]) -> Board {
        let entries = names
            .iter()
            .map(|name| BoardEntry {
                name: (*name).into(),
                score: 10,
                kills: 1,
                deaths: 1,
                alive_secs: 60,
                room: "Vega".into(),
                ended_at: 0,
            })
            .collect();
        Board { period, entries, available: true }
    }

    #[test]
    fn keeps_the_latest_board_of_each_period_and_shows_the_chosen_one() {
        let mut fame = HallOfFame::default();
        assert_eq!(fame.period(), Period::AllTime);
        assert!(fame.keep(board(Period::AllTime, &["ace"])));
        assert!(!fame.keep(board(Period::AllTime, &["ace"])), "the same board again is no change");
        assert!(fame.keep(board(Period::Day, &["bee"])));
        assert_eq!(fame.board().unwrap().entries[0].name, "ace");
        fame.waiting = Some((RequestId(4), 0.0));
        fame.next_ask_at = 30.0;
        fame.show(Period::Day);
        assert_eq!(fame.board().unwrap().entries[0].name, "bee", "the last copy shows while the new one is asked for");
        assert_eq!(fame.waiting, None, "the request for the other board is given up");
        assert_eq!(fame.next_ask_at, f64::NEG_INFINITY, "asked for at once");
        fame.show(Period::Week);
        assert_eq!(fame.board(), None);
    }
}
