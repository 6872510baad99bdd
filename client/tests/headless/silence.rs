//! The client notices a silent link itself, against a small fake server that welcomes the player,
//! sends one snapshot and then nothing more (a tunnel: the socket stays open, nothing arrives):
//! "Connection problem…" shows, then the client drops the connection and resumes with its token,
//! without waiting for TCP or the server. (The app's clock is stepped, so the test checks the
//! order of things, not seconds.)

use driftfire_client::state::PilotName;
use driftfire_shared::delta::{Budget, DeltaEncoder};

use super::*;

/// Welcome, one full snapshot (an empty view), then silence.
fn welcoming_then_silent(msg: &ClientMsg) -> Vec<ServerMsg> {
    match msg {
        ClientMsg::Hello { .. } => {
            let (delta, _) = DeltaEncoder::new(30).encode(&[], &Budget::UNLIMITED);
            vec![
                ServerMsg::Welcome(welcome_body(ResumeToken([4; 16]), ResumeOutcome::Fresh)),
                ServerMsg::Snapshot(SnapshotFrame { tick: 101, last_input_seq: 0, base_age: 0, delta }),
            ]
        }
        other => rooms_reply(other, &[]),
    }
}

#[test]
fn a_silent_link_shows_a_sign_then_reconnects_by_itself() {
    let (url, heard) = fake_server(welcoming_then_silent);
    let mut app = interface_app(&url);
    app.world_mut().resource_mut::<PilotName>().0 = "Tunnel".into();
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);
    assert!(update_until(&mut app, 2000, NET_PAUSE, |app| current_screen(app) == Screen::Playing), "never in play");
    update_until_shown(&mut app, "Connection problem…");
    // (`hellos` takes what was heard since the last call.)
    assert_eq!(heard.hellos().len(), 1, "no reconnect before the sign");
    // Still silent: the client gives up on this connection and resumes on a new one.
    let mut again = Vec::new();
    assert!(
        update_until(&mut app, 2000, NET_PAUSE, |_| {
            again.extend(heard.hellos());
            !again.is_empty()
        }),
        "never reconnected"
    );
    let ClientMsg::Hello { resume, .. } = &again[0] else { unreachable!() };
    assert_eq!(*resume, Some(ResumeToken([4; 16])), "the same session, resumed");
}
