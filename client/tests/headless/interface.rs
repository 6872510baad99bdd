//! The interface on top of the logic (menus and HUD, text only, no window): the title screen's
//! hall of fame against a small test server, its private-room buttons, and a new record in the
//! death overlay.

use bevy::diagnostic::DiagnosticsStore;
use driftfire_client::interface_plugin;
use driftfire_client::session::hall_of_fame::HallOfFame;

use super::*;

/// The logic with the menus and the HUD on top (text only), talking to `server_url`.
pub(super) fn interface_app(server_url: &str) -> App {
    let mut app = bare_app(server_url);
    // The F3 net graph's FPS line reads it; the game's diagnostics plugins fill it.
    app.init_resource::<DiagnosticsStore>();
    app.add_plugins((logic_plugin, interface_plugin));
    app.update();
    app
}

/// Every text on screen whose entity and ancestors are not hidden.
pub(super) fn shown_texts(app: &mut App) -> Vec<String> {
    let world = app.world_mut();
    let texts: Vec<(Entity, String)> = world.query::<(Entity, &Text)>().iter(world).map(|(e, t)| (e, t.0.clone())).collect();
    let mut visibility = world.query::<(Option<&Visibility>, Option<&ChildOf>)>();
    texts
        .into_iter()
        .filter(|(entity, _)| {
            let mut at = Some(*entity);
            while let Some(entity) = at {
                let Ok((shown, parent)) = visibility.get(world, entity) else { break };
                if shown == Some(&Visibility::Hidden) {
                    return false;
                }
                at = parent.map(ChildOf::parent);
            }
            true
        })
        .map(|(_, text)| text)
        .collect()
}

/// Updates (giving the network threads a moment each time) until a shown text is `wanted`;
/// panics with what is shown if none is within about ten seconds.
pub(super) fn update_until_shown(app: &mut App, wanted: &str) {
    for _ in 0..2000 {
        app.update();
        if shown_texts(app).iter().any(|text| text == wanted) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("{wanted:?} never shown; shown: {:?}", shown_texts(app));
}

/// What the test server answers for each board: all time has two pilots, this week's board is
/// switched off, today's is empty.
fn test_board(period: Period) -> Board {
    let entry = |name: &str, score, kills, alive_secs| BoardEntry {
        name: name.into(),
        score,
        kills,
        deaths: 2,
        alive_secs,
        room: "Vega".into(),
        ended_at: 1_796_083_200,
    };
    match period {
        Period::AllTime => Board { period, entries: vec![entry("ace", 1200, 12, 95), entry("bee", 800, 7, 3723)], available: true },
        Period::Week => Board { period, entries: Vec::new(), available: false },
        Period::Day => Board { period, entries: Vec::new(), available: true },
    }
}

/// A server that answers the title screen's requests (rooms: none; boards: [`test_board`]) and
/// reports each board asked for.
fn board_server() -> (String, std::sync::mpsc::Receiver<Period>) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (asked, periods) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            // One socket at a time is enough: the title screen opens one.
            while let Ok((tcp, _)) = listener.accept().await {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { continue };
                while let Some(Ok(frame)) = ws.next().await {
                    let Message::Binary(bytes) = frame else { continue };
                    let reply = match driftfire_shared::codec::decode_client(&bytes) {
                        Ok(ClientMsg::ListRooms { request }) => ServerMsg::Reply { request, reply: Reply::Rooms(Vec::new()) },
                        Ok(ClientMsg::HallOfFame { request, period }) => {
                            let _ = asked.send(period);
                            ServerMsg::Reply { request, reply: Reply::HallOfFame(test_board(period)) }
                        }
                        other => panic!("the title screen sent {other:?}"),
                    };
                    let bytes = driftfire_shared::codec::encode_server(&reply).unwrap();
                    if ws.send(Message::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                }
            }
        });
    });
    (format!("ws://{addr}/ws"), periods)
}

/// Presses and lets go of a key within one frame (no input plugin clears it here).
fn tap(app: &mut App, code: KeyCode) {
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(code);
    app.update();
    let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    keys.release(code);
    keys.clear();
}

/// The title screen asks the server for the hall of fame on the room list's socket, shows the
/// board's rows, and Tab or a tab's click switches the board (asked for again each time).
#[test]
fn the_title_screen_shows_the_hall_of_fame_and_switches_boards() {
    let (url, periods) = board_server();
    let mut app = interface_app(&url);
    assert_eq!(*app.world().resource::<State<Screen>>().get(), Screen::Title);
    update_until_shown(&mut app, "ace");
    let shown = shown_texts(&mut app);
    for cell in ["1.", "ace", "1200", "12", "1:35", "2.", "bee", "800", "1:02:03", "Alive"] {
        assert!(shown.iter().any(|text| text == cell), "{cell:?} not in {shown:?}");
    }
    assert_eq!(periods.try_recv(), Ok(Period::AllTime));

    tap(&mut app, KeyCode::Tab);
    assert_eq!(app.world().resource::<HallOfFame>().period(), Period::Week);
    update_until_shown(&mut app, "Hall of fame unavailable on this server");
    assert!(!shown_texts(&mut app).iter().any(|text| text == "ace"), "the other board's rows are gone");
    tap(&mut app, KeyCode::Tab);
    update_until_shown(&mut app, "No results yet \u{2014} be the first");
    assert_eq!(periods.try_iter().collect::<Vec<_>>(), [Period::Week, Period::Day]);

    // Clicking a tab shows its board, the last copy at once.
    let world = app.world_mut();
    let label = world.query::<(&Text, &ChildOf)>().iter(world).find(|(text, _)| text.0 == "All time").map(|(_, parent)| parent.parent());
    app.world_mut().entity_mut(label.expect("an All time tab")).insert(Interaction::Pressed);
    app.update();
    assert!(shown_texts(&mut app).iter().any(|text| text == "ace"));
    assert_eq!(app.world().resource::<HallOfFame>().period(), Period::AllTime);
}

/// `MadeBoard` becomes a typed message, the death overlay's record line, and once the ship is
/// back a toast.
#[test]
fn a_made_board_shows_in_the_death_overlay_then_as_a_toast() {
    let mut app = interface_app(NOWHERE);
    welcome(&mut app);
    let dead = ShipState { respawn_in: Some(90), ..ship(1, ME, Vec2::ZERO) };
    snapshot(&mut app, 101, SnapshotBody { ships: vec![dead], ..default() });
    app.world_mut().write_message(NetEvent::Received(ServerMsg::Kill { killer: Some(OTHER), victim: ME }));
    app.update();
    let overlay = shown_texts(&mut app).into_iter().find(|text| text.starts_with("Destroyed by them"));
    assert!(overlay.as_ref().is_some_and(|text| !text.contains("record")), "{overlay:?}");

    let placements = vec![Placement { period: Period::Week, rank: 7 }, Placement { period: Period::Day, rank: 3 }];
    app.world_mut().write_message(NetEvent::Received(ServerMsg::MadeBoard { placements: placements.clone() }));
    app.update();
    app.update();
    assert_eq!(app.world().resource::<MadeBoardLog>().0, vec![MadeBoard(placements)]);
    let overlay = shown_texts(&mut app).into_iter().find(|text| text.starts_with("Destroyed by them"));
    assert!(overlay.as_ref().is_some_and(|text| text.contains("\nNew record: #3 today, #7 this week\n")), "{overlay:?}");

    // Back in the arena: the overlay goes, the record stays a few seconds as a toast.
    snapshot(&mut app, 102, SnapshotBody { ships: vec![ship(1, ME, Vec2::ZERO)], ..default() });
    app.update();
    app.update();
    let shown = shown_texts(&mut app);
    assert!(!shown.iter().any(|text| text.starts_with("Destroyed")), "{shown:?}");
    assert!(shown.iter().any(|text| text == "New record: #3 today, #7 this week"), "{shown:?}");
    // 16 ms frames: 600 are 9.6 s, past the toast's 8 s.
    for _ in 0..600 {
        app.update();
    }
    assert!(!shown_texts(&mut app).iter().any(|text| text.contains("New record")));
}

/// The title screen's two private-room buttons open a private room, the second with AI pilots
/// (the server keeps the room lively for a creator playing alone).
#[test]
fn the_title_screen_opens_a_private_room_with_or_without_ai_pilots() {
    for (label, ai_pilots) in [("Private room", false), ("Private + AI pilots", true)] {
        let mut app = interface_app(NOWHERE);
        update_until_shown(&mut app, label);
        let world = app.world_mut();
        let button = world.query::<(&Text, &ChildOf)>().iter(world).find(|(text, _)| text.0 == label).map(|(_, parent)| parent.parent());
        app.world_mut().entity_mut(button.expect("the button")).insert(Interaction::Pressed);
        app.update();
        app.update();
        let target = &app.world().resource::<driftfire_client::state::PlayTarget>().0;
        assert_eq!(*target, RoomTarget::Create { private: true, ai_pilots }, "{label}");
        assert_ne!(*app.world().resource::<State<Screen>>().get(), Screen::Title, "{label} leaves the title screen");
    }
}
