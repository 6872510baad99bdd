//! The lobby's seating rules on a server of its own (no fleet): quick play, codes, the
//! per-address room cap, the room cap and draining. Rooms are real (their tick tasks run).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use driftfire_shared::protocol::{RejectReason, RoomTarget};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Lobby;
use crate::config::ServerConfig;
use crate::fleet::Seating;
use crate::hall_of_fame::HallOfFame;
use crate::metrics::Metrics;
use crate::services::Services;

const ALICE: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const BOB: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

fn lobby(config: ServerConfig) -> Lobby {
    let services = Services::new(Arc::new(Metrics::new()), HallOfFame::disabled("lobby unit test"));
    Lobby::new(config, CancellationToken::new(), TaskTracker::new(), services, None)
}

fn create(private: bool) -> RoomTarget {
    RoomTarget::Create { private, ai_pilots: false }
}

#[tokio::test]
async fn quick_play_fills_the_fullest_public_room_then_opens_another() {
    let lobby = lobby(ServerConfig { max_players_per_room: 2, ..ServerConfig::default() });
    let first = lobby.seat(&RoomTarget::QuickPlay, ALICE).unwrap();
    let second = lobby.seat(&RoomTarget::QuickPlay, BOB).unwrap();
    assert_eq!(first.shared.id, second.shared.id, "the room with a free seat is filled first");
    let third = lobby.seat(&RoomTarget::QuickPlay, BOB).unwrap();
    assert_ne!(third.shared.id, first.shared.id, "a full room makes quick play open a new one");
    // The fuller of two rooms with seats wins.
    let fourth = lobby.seat(&RoomTarget::QuickPlay, ALICE).unwrap();
    assert_eq!(fourth.shared.id, third.shared.id);
    assert_eq!(lobby.players(), 4);
    let load = lobby.local_load();
    assert_eq!((load.rooms.len(), load.free_rooms, load.draining), (2, ServerConfig::default().max_rooms - 2, false));
}

#[tokio::test]
async fn a_private_room_is_found_by_its_code_and_never_by_quick_play() {
    let lobby = lobby(ServerConfig::default());
    let private = lobby.seat(&create(true), ALICE).unwrap();
    let quick = lobby.seat(&RoomTarget::QuickPlay, BOB).unwrap();
    assert_ne!(quick.shared.id, private.shared.id);
    let code = private.shared.code.to_lowercase();
    assert_eq!(lobby.seat(&RoomTarget::Code(code), BOB).unwrap().shared.id, private.shared.id, "codes are case-insensitive");
    assert_eq!(lobby.seat(&RoomTarget::Code("ZZZZZ".into()), BOB).unwrap_err(), RejectReason::RoomNotFound);
    assert_eq!(lobby.seat(&RoomTarget::Code("no!".into()), BOB).unwrap_err(), RejectReason::BadRoomCode);
    // The list shows the private room without its code.
    let listed = lobby.list();
    let entry = listed.iter().find(|r| r.private).unwrap();
    assert_eq!((entry.code.as_ref(), entry.players), (None, 2));
    // Without a fleet, every target is seated here.
    assert_eq!(lobby.placement(&RoomTarget::QuickPlay), Seating::Here);
}

#[tokio::test]
async fn a_full_room_refuses_its_code() {
    let lobby = lobby(ServerConfig { max_players_per_room: 1, ..ServerConfig::default() });
    let room = lobby.seat(&create(true), ALICE).unwrap();
    assert_eq!(lobby.seat(&RoomTarget::Code(room.shared.code.clone()), BOB).unwrap_err(), RejectReason::RoomFull);
}

#[tokio::test]
async fn one_address_may_open_only_so_many_rooms() {
    let lobby = lobby(ServerConfig { max_rooms_per_ip: 2, ..ServerConfig::default() });
    lobby.seat(&create(true), ALICE).unwrap();
    lobby.seat(&create(false), ALICE).unwrap();
    assert_eq!(lobby.seat(&create(true), ALICE).unwrap_err(), RejectReason::TooManyRooms);
    // Another address, and quick play's rooms, are not held back by Alice's.
    lobby.seat(&create(true), BOB).unwrap();
    lobby.seat(&RoomTarget::QuickPlay, ALICE).unwrap();
}

#[tokio::test]
async fn the_room_cap_and_draining_refuse_new_seats() {
    let lobby = lobby(ServerConfig { max_rooms: 1, max_players_per_room: 1, ..ServerConfig::default() });
    lobby.seat(&RoomTarget::QuickPlay, ALICE).unwrap();
    assert_eq!(lobby.seat(&RoomTarget::QuickPlay, BOB).unwrap_err(), RejectReason::ServerFull, "the one room is full");
    assert_eq!(lobby.local_load().free_rooms, 0);
    let lobby = self::lobby(ServerConfig::default());
    lobby.start_draining();
    assert!(lobby.is_draining() && lobby.local_load().draining);
    assert_eq!(lobby.seat(&RoomTarget::QuickPlay, ALICE).unwrap_err(), RejectReason::ServerFull);
}
