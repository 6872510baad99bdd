//! Fuzzing the server's decoder and per-connection state machine: random byte frames, text
//! frames and random sequences of well-formed but arbitrary messages (any floats, any strings,
//! any order) go to a real server over real sockets. Every connection must end with a close
//! code the protocol defines, or stay open; the server must stay healthy; and a bystander in
//! the same room must keep receiving snapshots throughout.
//!
//! A short run (64 cases) is part of `cargo test`; `FUZZ_CASES=5000 cargo test --test fuzz`
//! runs longer.

mod common;

use std::time::Duration;

use common::*;
use driftfire_server::ServerConfig;
use driftfire_shared::codec::{decode_server, encode_client};
use driftfire_shared::protocol::{ClientMsg, InputFrame, PROTOCOL_VERSION, RequestId, ResumeToken, RoomTarget};
use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// One thing a hostile or broken client might send.
#[derive(Debug, Clone)]
enum Action {
    Bytes(Vec<u8>),
    Text(String),
    Msg(ClientMsg),
}

fn room_target() -> impl Strategy<Value = RoomTarget> {
    prop_oneof![
        Just(RoomTarget::QuickPlay),
        ".{0,12}".prop_map(RoomTarget::Code),
        (any::<bool>(), any::<bool>()).prop_map(|(private, ai_pilots)| RoomTarget::Create { private, ai_pilots }),
    ]
}

fn client_msg() -> impl Strategy<Value = ClientMsg> {
    prop_oneof![
        (prop_oneof![Just(PROTOCOL_VERSION), any::<u32>()], ".{0,40}", room_target(), proptest::option::of(any::<[u8; 16]>()))
            .prop_map(|(version, name, room, resume)| ClientMsg::Hello { version, name, room, resume: resume.map(ResumeToken) }),
        (any::<u32>(), proptest::num::f32::ANY, any::<bool>(), any::<bool>(), any::<u32>()).prop_map(
            |(seq, aim, thrust, fire, view_tick)| ClientMsg::Input(InputFrame { seq, aim, thrust, fire, view_tick, ack_tick: view_tick })
        ),
        any::<u32>().prop_map(|nonce| ClientMsg::Ping { nonce }),
        Just(ClientMsg::Leave),
        ".{0,300}".prop_map(|text| ClientMsg::Chat { text }),
        any::<u32>().prop_map(|request| ClientMsg::ListRooms { request: RequestId(request) }),
        (any::<u32>(), room_target()).prop_map(|(request, target)| ClientMsg::JoinRoom { request: RequestId(request), target }),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Action::Bytes),
        // A valid message with its tail cut or its bytes flipped: nearly-right input.
        1 => (client_msg(), any::<u8>(), any::<usize>()).prop_map(|(msg, flip, at)| {
            let mut bytes = encode_client(&msg).unwrap_or_default();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= flip;
                bytes.truncate(at % (bytes.len() + 1));
            }
            Action::Bytes(bytes)
        }),
        1 => ".{0,20}".prop_map(Action::Text),
        6 => client_msg().prop_map(Action::Msg),
    ]
}

/// The close codes the server may answer a client with.
fn allowed(code: CloseCode) -> bool {
    matches!(code, CloseCode::Normal | CloseCode::Unsupported | CloseCode::Invalid | CloseCode::Policy | CloseCode::Size | CloseCode::Again)
}

async fn run_case(url: &str, actions: Vec<Action>) -> Result<(), String> {
    let mut ws = connect(url).await;
    for action in actions {
        let frame = match action {
            Action::Bytes(bytes) => Message::Binary(bytes.into()),
            Action::Text(text) => Message::Text(text.into()),
            Action::Msg(msg) => Message::Binary(encode_client(&msg).map_err(|e| e.to_string())?.into()),
        };
        if ws.send(frame).await.is_err() {
            break; // The server closed on an earlier frame.
        }
    }
    // Read what comes back for a moment: a close must carry a defined code, announced by the
    // Disconnect right before it.
    let deadline = tokio::time::Instant::now() + Duration::from_millis(150);
    let mut last = None;
    while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, ws.next()).await {
        match frame {
            Ok(Message::Close(Some(close))) if !allowed(close.code) => return Err(format!("unexpected close {close:?}")),
            Ok(Message::Close(Some(close))) => return contract_broken(last.as_ref(), &close).map_or(Ok(()), Err),
            Ok(Message::Close(None)) | Err(_) => break,
            Ok(Message::Binary(bytes)) => last = Some(decode_server(&bytes).map_err(|e| format!("undecodable server message: {e}"))?),
            Ok(_) => {}
        }
    }
    Ok(())
}

#[test]
fn random_bytes_and_message_sequences_never_hurt_the_server_or_other_players() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let config = ServerConfig { arena_side: SMALL_ARENA, max_conns_per_ip: 0, ..ServerConfig::default() };
    let server = runtime.block_on(TestServer::start_with(config));
    let url = server.ws_url();
    let bystander = runtime.block_on(Client::join(&url, "bystander"));
    let me = bystander.welcome.player_id;
    // The runner takes an `Fn`: the bystander is borrowed mutably inside each case, across
    // awaits, hence an async lock (never contended).
    let bystander = tokio::sync::Mutex::new(bystander);

    let cases = std::env::var("FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let result = runner.run(&proptest::collection::vec(action(), 1..12), |actions| {
        let outcome = runtime.block_on(async {
            let outcome = run_case(&url, actions).await;
            let mut bystander = bystander.lock().await;
            // Between cases the bystander's stream must still flow (and its queue not fill).
            let before = bystander.latest.as_ref().map_or(0, |s| s.tick);
            bystander.until_snapshot(|s| s.tick > before && s.body.ships.iter().any(|x| x.owner == me)).await;
            outcome
        });
        prop_assert!(outcome.is_ok(), "{:?}", outcome);
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    let status = runtime.block_on(server.status());
    assert!(status["players"].as_u64().unwrap() >= 1, "{status}");
    let health = runtime.block_on(server.http("GET /healthz HTTP/1.1", ""));
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
}
