//! Round trips of every message, and refusal of hostile or malformed bytes.

use std::time::{Duration, Instant};

use bevy_math::Vec2;

use super::*;
use crate::protocol::*;

fn all_client_msgs() -> Vec<ClientMsg> {
    vec![
        ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            name: "Ripley ✈".into(),
            room: RoomTarget::Code("AB2CD".into()),
            resume: Some(ResumeToken([7; 16])),
        },
        ClientMsg::Input(InputFrame { seq: 42, aim: -3.1, thrust: true, fire: false, view_tick: 7, ack_tick: 9 }),
        ClientMsg::Ping { nonce: u32::MAX },
        ClientMsg::Leave,
        ClientMsg::Chat { text: "gg ✈".into() },
        ClientMsg::ListRooms { request: RequestId(3) },
        ClientMsg::HallOfFame { request: RequestId(9), period: Period::Week },
        ClientMsg::JoinRoom { request: RequestId(4), target: RoomTarget::Create { private: true, ai_pilots: false } },
        ClientMsg::hello("plain"),
    ]
}

fn all_server_msgs() -> Vec<ServerMsg> {
    let player = PlayerInfo { id: PlayerId(1), name: "a".into(), ai: false };
    vec![
        ServerMsg::Welcome(Welcome {
            player_id: PlayerId(1),
            name: "a".into(),
            tick_hz: 30,
            tick: 99,
            arena: Vec2::new(4000.0, 4000.0),
            players: vec![player.clone()],
            room: RoomWelcome { name: "Nebula".into(), code: "AB2CD".into(), private: true, max_players: 50 },
            resume_token: ResumeToken([0xAB; 16]),
            resume: ResumeOutcome::Expired,
        }),
        ServerMsg::Reply {
            request: RequestId(3),
            reply: Reply::Rooms(vec![RoomInfo {
                name: "Nebula".into(),
                code: None,
                players: 3,
                max_players: 50,
                private: true,
                server: Some("wss://eu2.example.net/ws".into()),
            }]),
        },
        ServerMsg::Reply { request: RequestId(4), reply: Reply::Joined },
        ServerMsg::Reply {
            request: RequestId(8),
            reply: Reply::Redirect(Redirect { url: "ws://10.0.0.2:8080/ws".into(), room: RoomTarget::Code("AB2CD".into()) }),
        },
        ServerMsg::Redirect(Redirect {
            url: "ws://10.0.0.3:8080/ws".into(),
            room: RoomTarget::Create { private: false, ai_pilots: false },
        }),
        ServerMsg::Reply { request: RequestId(5), reply: Reply::BadCode },
        ServerMsg::Reply {
            request: RequestId(6),
            reply: Reply::HallOfFame(Board {
                period: Period::Day,
                entries: vec![BoardEntry {
                    name: "ace".into(),
                    score: 1200,
                    kills: 12,
                    deaths: 3,
                    alive_secs: 95,
                    room: "Nebula".into(),
                    ended_at: 1_796_083_200,
                }],
                available: true,
            }),
        },
        ServerMsg::MadeBoard {
            placements: vec![Placement { period: Period::AllTime, rank: 1 }, Placement { period: Period::Day, rank: 10 }],
        },
        ServerMsg::Rejected { reason: RejectReason::RoomNotFound },
        ServerMsg::Rejected { reason: RejectReason::VersionMismatch { server: 1, client: 0 } },
        ServerMsg::Rejected { reason: RejectReason::ServerFull },
        ServerMsg::Rejected { reason: RejectReason::InvalidName },
        ServerMsg::Snapshot(SnapshotFrame { tick: 1 << 40, last_input_seq: 5, base_age: 3, delta: vec![0x80, 0x12, 0xFF] }),
        ServerMsg::Pong { nonce: 17 },
        ServerMsg::Leaders { leaders: vec![Leader { id: PlayerId(3), pos: Vec2::new(-120.5, 900.0) }] },
        ServerMsg::PlayerJoined(PlayerInfo { id: PlayerId(9), name: "Ace (AI)".into(), ai: true }),
        ServerMsg::PlayerJoined(player),
        ServerMsg::PlayerLeft { id: PlayerId(2) },
        ServerMsg::Kill { killer: Some(PlayerId(1)), victim: PlayerId(2) },
        ServerMsg::Kill { killer: None, victim: PlayerId(2) },
        ServerMsg::Scoreboard { entries: vec![ScoreEntry { id: PlayerId(1), score: 100, kills: 1, deaths: 0 }] },
        ServerMsg::Disconnect(DisconnectReason::ShuttingDown),
        ServerMsg::Disconnect(DisconnectReason::Violation(Violation::RateLimited)),
        ServerMsg::Disconnect(DisconnectReason::Rejected(RejectReason::RoomFull)),
        ServerMsg::Chat { from: Some(PlayerId(3)), text: "hi".into() },
        ServerMsg::Chat { from: None, text: "slow down".into() },
        ServerMsg::Announcement { text: "restart in 5 min".into() },
    ]
}

#[test]
fn every_client_message_round_trips() {
    for msg in all_client_msgs() {
        let bytes = encode_client(&msg).unwrap();
        assert_eq!(decode_client(&bytes).unwrap(), msg);
    }
}

#[test]
fn every_server_message_round_trips() {
    for msg in all_server_msgs() {
        let bytes = encode_server(&msg).unwrap();
        assert_eq!(decode_server(&bytes).unwrap(), msg);
    }
}

#[test]
fn encoding_into_a_reused_buffer_gives_the_same_bytes() {
    let mut out = vec![0xAA; 3];
    for msg in all_server_msgs() {
        encode_server_into(&msg, &mut out).unwrap();
        assert_eq!(out, encode_server(&msg).unwrap(), "{msg:?}");
    }
}

#[test]
fn hello_stays_decodable_as_variant_zero_with_version_first() {
    // An old or future client's Hello must always decode far enough to read its version.
    let bytes = encode_client(&ClientMsg::Hello { version: 9, name: String::new(), room: RoomTarget::QuickPlay, resume: None }).unwrap();
    assert_eq!(bytes[..2], [0, 9]);
    assert_eq!(peek_hello_version(&bytes), Some(9));
    // A version-3 Hello (version and name only) no longer decodes, but its version still reads.
    let old_hello = [0, 3, 2, b'o', b'k'];
    assert!(decode_client(&old_hello).is_err());
    assert_eq!(peek_hello_version(&old_hello), Some(3));
    assert_eq!(peek_hello_version(&encode_client(&ClientMsg::Leave).unwrap()), None);
}

#[test]
fn hostile_length_prefix_is_refused_fast_without_allocating() {
    // Hello { version: 1, name: <length u64::MAX - 1> } followed by nothing.
    let mut bytes = vec![0u8, 1, 0xFD];
    bytes.extend_from_slice(&(u64::MAX - 1).to_le_bytes());
    let started = Instant::now();
    let err = decode_client(&bytes).unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(50), "took {:?}", started.elapsed());
    assert!(matches!(err, CodecError::Decode(_)), "{err}");

    // The same against the larger server limit, with a Vec length (Scoreboard entries).
    let mut bytes = vec![7u8, 0xFD]; // Scoreboard
    bytes.extend_from_slice(&(1u64 << 40).to_le_bytes());
    let started = Instant::now();
    assert!(decode_server(&bytes).is_err());
    assert!(started.elapsed() < Duration::from_millis(50));
}

#[test]
fn garbage_and_truncation_and_trailing_bytes_are_errors() {
    assert!(decode_client(&[]).is_err());
    assert!(decode_client(&[200]).is_err(), "unknown variant");
    let bytes = encode_client(&ClientMsg::Ping { nonce: 5 }).unwrap();
    assert!(decode_client(&bytes[..bytes.len() - 1]).is_err());
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(decode_client(&long), Err(CodecError::TrailingBytes(1))));
    // Invalid UTF-8 in a name.
    assert!(decode_client(&[0, 1, 2, 0xFF, 0xFE]).is_err());
}

#[test]
fn oversize_message_cannot_be_encoded() {
    let msg = ClientMsg::Hello { version: 1, name: "x".repeat(MAX_CLIENT_MSG_BYTES * 2), room: RoomTarget::QuickPlay, resume: None };
    assert!(matches!(encode_client(&msg), Err(CodecError::TooLarge { max: MAX_CLIENT_MSG_BYTES, .. })));
}

proptest::proptest! {
    /// Any byte sequence decodes to a message or an error, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
        let _ = decode_client(&bytes);
        let _ = decode_server(&bytes);
        let _ = decode_input_datagram(&bytes);
    }

    /// Inputs with any float bits survive the codec bit for bit.
    #[test]
    fn input_round_trips(seq: u32, aim_bits: u32, thrust: bool, fire: bool) {
        let msg = ClientMsg::Input(InputFrame { seq, aim: f32::from_bits(aim_bits), thrust, fire, view_tick: seq, ack_tick: seq });
        let back = decode_client(&encode_client(&msg).unwrap()).unwrap();
        let (ClientMsg::Input(a), ClientMsg::Input(b)) = (&msg, &back) else { panic!("variant changed") };
        proptest::prop_assert_eq!(a.aim.to_bits(), b.aim.to_bits());
        proptest::prop_assert_eq!((a.seq, a.thrust, a.fire), (b.seq, b.thrust, b.fire));
    }
}

#[test]
fn an_input_datagram_carries_up_to_four_inputs_and_nothing_else() {
    let input = |seq| encode_client(&ClientMsg::Input(InputFrame { seq, aim: 0.5, thrust: true, ..Default::default() })).unwrap();
    let (a, b, c, d, e) = (input(9), input(8), input(7), input(6), input(5));
    assert_eq!(a[0], INPUT_TAG, "the browser's transport routes inputs by their first byte");
    let snapshot = encode_server(&ServerMsg::Snapshot(SnapshotFrame::default())).unwrap();
    assert_eq!(snapshot[0], SNAPSHOT_TAG, "the server's WebTransport sends snapshots as datagrams by their first byte");
    let four = encode_input_datagram([a.as_slice(), b.as_slice(), c.as_slice(), d.as_slice(), e.as_slice()]);
    let seqs: Vec<u32> = decode_input_datagram(&four).unwrap().iter().map(|f| f.seq).collect();
    assert_eq!(seqs, [9, 8, 7, 6], "the fifth is left out");
    let mut five = four.clone();
    five.extend_from_slice(&e);
    assert!(matches!(decode_input_datagram(&five), Err(CodecError::NotInputs)));
    assert!(matches!(decode_input_datagram(&[]), Err(CodecError::NotInputs)));
    let ping = encode_client(&ClientMsg::Ping { nonce: 1 }).unwrap();
    assert!(matches!(decode_input_datagram(&[a.clone(), ping].concat()), Err(CodecError::NotInputs)));
    assert!(decode_input_datagram(&a[..a.len() - 1]).is_err(), "a cut input is an error");
}
