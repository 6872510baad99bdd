//! Where a player's seat is, as a pure function of this server's load and the fleet's cached
//! directory: no Redis, no locks, no clock — so every rule has its own unit test below.
//!
//! - Quick play: the server with the fullest public room with a free seat, of those not
//!   draining (this one wins ties); with every room full, the least-loaded server that may
//!   open one. The chosen server gets `QuickPlayHere` and seats the player by its own quick
//!   play: the room seen in its last heartbeat may have filled since.
//! - A code: here if the room is here, else on the server whose entry lists it, else here
//!   (which then answers `RoomNotFound`).
//! - A new room: here, unless this server is draining; then the least-loaded server.

use driftfire_shared::input::normalize_room_code;
use driftfire_shared::protocol::{Redirect, RoomTarget};

use super::{LocalLoad, ServerEntry};

/// Where a target's seat is: here, or on another server of the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seating {
    /// Seat the player on this server.
    Here,
    /// Send the player to another server.
    Elsewhere(Redirect),
}

fn elsewhere(server: &ServerEntry, room: RoomTarget) -> Seating {
    Seating::Elsewhere(Redirect { url: server.url.clone(), room })
}

/// Where `target` is seated, given this server's `here` and the `others` in the directory
/// (never this server; draining ones included, as the directory holds them).
pub fn place(target: &RoomTarget, here: &LocalLoad, others: &[ServerEntry]) -> Seating {
    let open: Vec<&ServerEntry> = others.iter().filter(|s| !s.draining).collect();
    match target {
        RoomTarget::QuickPlay => {
            let local_best = if here.draining { None } else { here.rooms.iter().filter(|r| r.has_public_seat()).map(|r| r.players).max() };
            let remote_best = open
                .iter()
                .flat_map(|s| s.rooms.iter().map(move |r| (*s, r)))
                .filter(|(_, r)| r.has_public_seat())
                .max_by_key(|(_, r)| r.players);
            match (local_best, remote_best) {
                (Some(mine), Some((server, room))) if room.players > mine => elsewhere(server, RoomTarget::QuickPlayHere),
                (Some(_), _) => Seating::Here,
                (None, Some((server, _))) => elsewhere(server, RoomTarget::QuickPlayHere),
                (None, None) => least_loaded(here, &open, RoomTarget::QuickPlayHere),
            }
        }
        RoomTarget::QuickPlayHere => Seating::Here,
        RoomTarget::Code(code) => {
            let Some(code) = normalize_room_code(code) else { return Seating::Here };
            if here.rooms.iter().any(|r| r.code == code) {
                return Seating::Here;
            }
            match others.iter().find(|s| s.rooms.iter().any(|r| r.code == code)) {
                Some(server) => elsewhere(server, RoomTarget::Code(code)),
                None => Seating::Here,
            }
        }
        RoomTarget::Create { .. } if here.draining => least_loaded(here, &open, target.clone()),
        RoomTarget::Create { .. } => Seating::Here,
    }
}

/// The server with the fewest players that may open a room; this one wins ties, and is the
/// answer when no server can (it then refuses with `ServerFull`).
fn least_loaded(here: &LocalLoad, open: &[&ServerEntry], room: RoomTarget) -> Seating {
    let mine = (!here.draining && here.free_rooms > 0).then(|| here.players());
    let best_other = open.iter().filter(|s| s.free_rooms > 0).min_by_key(|s| s.players);
    match (mine, best_other) {
        (Some(mine), Some(other)) if other.players < mine => elsewhere(other, room),
        (None, Some(other)) => elsewhere(other, room),
        _ => Seating::Here,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::{RoomId, RoomSummary};

    const MAX: usize = 4;

    fn room(code: &str, players: usize, private: bool) -> RoomSummary {
        RoomSummary {
            id: RoomId(1),
            name: format!("Room {code}"),
            code: code.to_string(),
            private,
            players,
            max_players: MAX,
            ai_pilots: 0,
            tick_overruns: 0,
            tick_p99_ms: 0.0,
        }
    }

    fn here(rooms: Vec<RoomSummary>) -> LocalLoad {
        LocalLoad { draining: false, free_rooms: 8, tick_p99_ms: 0.0, rooms, records: Vec::new() }
    }

    fn server(url: &str, rooms: Vec<RoomSummary>) -> ServerEntry {
        ServerEntry {
            id: url.to_string(),
            url: url.to_string(),
            draining: false,
            players: rooms.iter().map(|r| r.players).sum(),
            free_rooms: 8,
            tick_p99_ms: 0.0,
            rooms,
            beat: 1,
        }
    }

    fn to(url: &str, room: RoomTarget) -> Seating {
        Seating::Elsewhere(Redirect { url: url.to_string(), room })
    }

    #[test]
    fn quick_play_goes_to_the_fullest_public_room_with_a_seat() {
        let others = [server("ws://b", vec![room("BBBBB", 3, false)]), server("ws://c", vec![room("CCCCC", 2, false)])];
        assert_eq!(place(&RoomTarget::QuickPlay, &here(vec![room("AAAAA", 1, false)]), &others), to("ws://b", RoomTarget::QuickPlayHere));
        // A tie stays here; a fuller room here stays here.
        assert_eq!(place(&RoomTarget::QuickPlay, &here(vec![room("AAAAA", 3, false)]), &others), Seating::Here);
    }

    #[test]
    fn quick_play_skips_full_private_and_draining_rooms() {
        let mut draining = server("ws://d", vec![room("DDDDD", 3, false)]);
        draining.draining = true;
        let others = [server("ws://b", vec![room("BBBBB", MAX, false), room("PPPPP", 3, true)]), draining];
        assert_eq!(place(&RoomTarget::QuickPlay, &here(vec![room("AAAAA", 1, false)]), &others), Seating::Here);
    }

    #[test]
    fn with_every_room_full_quick_play_opens_one_on_the_least_loaded_server() {
        let mut busy = server("ws://b", vec![room("BBBBB", MAX, false), room("BBBB2", MAX, false)]);
        busy.free_rooms = 1;
        let idle = server("ws://c", vec![room("CCCCC", MAX, false)]);
        let mine = here(vec![room("AAAAA", MAX, false), room("AAAA2", MAX, false)]);
        assert_eq!(place(&RoomTarget::QuickPlay, &mine, &[busy.clone(), idle]), to("ws://c", RoomTarget::QuickPlayHere));
        // The least loaded server is here: stay.
        assert_eq!(place(&RoomTarget::QuickPlay, &here(vec![room("AAAAA", MAX, false)]), &[busy]), Seating::Here);
    }

    #[test]
    fn a_server_that_may_open_no_room_is_not_least_loaded() {
        let mut full = server("ws://b", vec![]);
        full.free_rooms = 0;
        let mut mine = here(vec![room("AAAAA", MAX, false)]);
        mine.free_rooms = 0;
        // Nobody can open a room: here answers (ServerFull).
        assert_eq!(place(&RoomTarget::QuickPlay, &mine, &[full.clone()]), Seating::Here);
        let open = server("ws://c", vec![room("CCCCC", MAX, false)]);
        assert_eq!(place(&RoomTarget::QuickPlay, &mine, &[full, open]), to("ws://c", RoomTarget::QuickPlayHere));
    }

    #[test]
    fn quick_play_routed_here_is_never_redirected_again() {
        let others = [server("ws://b", vec![room("BBBBB", 3, false)])];
        assert_eq!(place(&RoomTarget::QuickPlayHere, &here(vec![]), &others), Seating::Here);
    }

    #[test]
    fn a_code_is_found_here_then_in_the_directory() {
        let others = [server("ws://b", vec![room("BBBBB", 1, true)])];
        let mine = here(vec![room("AAAAA", 1, true)]);
        assert_eq!(place(&RoomTarget::Code("aaaaa".into()), &mine, &others), Seating::Here);
        // Codes are matched after normalizing (case, spaces).
        assert_eq!(place(&RoomTarget::Code(" bbbbb".into()), &mine, &others), to("ws://b", RoomTarget::Code("BBBBB".into())));
        // Unknown or malformed: here, which answers RoomNotFound / BadRoomCode.
        assert_eq!(place(&RoomTarget::Code("ZZZZZ".into()), &mine, &others), Seating::Here);
        assert_eq!(place(&RoomTarget::Code("not a code".into()), &mine, &others), Seating::Here);
    }

    #[test]
    fn a_draining_server_seats_nobody_new() {
        let mut mine = here(vec![room("AAAAA", 1, false)]);
        mine.draining = true;
        let others = [server("ws://b", vec![room("BBBBB", MAX, false)])];
        let create = RoomTarget::Create { private: true, ai_pilots: false };
        assert_eq!(place(&RoomTarget::QuickPlay, &mine, &others), to("ws://b", RoomTarget::QuickPlayHere));
        assert_eq!(place(&create, &mine, &others), to("ws://b", create.clone()));
        // Not draining: a new room opens here.
        mine.draining = false;
        assert_eq!(place(&create, &mine, &others), Seating::Here);
    }

    #[test]
    fn without_other_servers_everything_is_here() {
        for target in [RoomTarget::QuickPlay, RoomTarget::Code("AB2CD".into()), RoomTarget::Create { private: false, ai_pilots: true }] {
            assert_eq!(place(&target, &here(vec![room("AAAAA", MAX, false)]), &[]), Seating::Here);
        }
    }
}
