//! The interface on top of the logic (menus and HUD, text only, no window): the title screen's
//! hall of fame against a small test server, its private-room buttons, and a new record in the
//! death overlay.

use driftfire_client::session::hall_of_fame::HallOfFame;

use super::*;

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

/// The title screen's server: it answers the room list (no rooms) and the hall of fame
/// ([`test_board`]), and the title screen asks nothing else.
fn title_answers(msg: &ClientMsg) -> Vec<ServerMsg> {
    match msg {
        ClientMsg::ListRooms { .. } => rooms_reply(msg, &[]),
        ClientMsg::HallOfFame { request, period } => {
            vec![ServerMsg::Reply { request: *request, reply: Reply::HallOfFame(test_board(*period)) }]
        }
        other => panic!("the title screen sent {other:?}"),
    }
}

/// The boards asked for among what the server heard since it was last asked.
fn boards_asked(heard: &Heard) -> Vec<Period> {
    let asked = heard.drain().into_iter();
    asked.filter_map(|msg| if let ClientMsg::HallOfFame { period, .. } = msg { Some(period) } else { None }).collect()
}

/// The title screen asks the server for the hall of fame on the room list's socket, shows the
/// board's rows, and Tab or a tab's click switches the board (asked for again each time).
#[test]
fn the_title_screen_shows_the_hall_of_fame_and_switches_boards() {
    let (url, heard) = fake_server(title_answers);
    let mut app = interface_app(&url);
    assert_eq!(current_screen(&app), Screen::Title);
    update_until_shown(&mut app, "ace");
    let shown = shown_texts(&mut app);
    for cell in ["1.", "ace", "1200", "12", "1:35", "2.", "bee", "800", "1:02:03", "Alive"] {
        assert!(shown.iter().any(|text| text == cell), "{cell:?} not in {shown:?}");
    }
    assert_eq!(boards_asked(&heard), [Period::AllTime]);

    tap(&mut app, KeyCode::Tab);
    assert_eq!(app.world().resource::<HallOfFame>().period(), Period::Week);
    update_until_shown(&mut app, "Hall of fame unavailable on this server");
    assert!(!shown_texts(&mut app).iter().any(|text| text == "ace"), "the other board's rows are gone");
    tap(&mut app, KeyCode::Tab);
    update_until_shown(&mut app, "No results yet \u{2014} be the first");
    assert_eq!(boards_asked(&heard), [Period::Week, Period::Day]);

    // Clicking a tab shows its board, the last copy at once.
    press_labelled(&mut app, "All time");
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
    receive(&mut app, ServerMsg::Kill { killer: Some(OTHER), victim: ME });
    app.update();
    let overlay = shown_texts(&mut app).into_iter().find(|text| text.starts_with("Destroyed by them"));
    assert!(overlay.as_ref().is_some_and(|text| !text.contains("record")), "{overlay:?}");

    let placements = vec![Placement { period: Period::Week, rank: 7 }, Placement { period: Period::Day, rank: 3 }];
    receive(&mut app, ServerMsg::MadeBoard { placements: placements.clone() });
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
    frames(&mut app, 600);
    assert!(!shown_texts(&mut app).iter().any(|text| text.contains("New record")));
}

/// The title screen's two private-room buttons open a private room, the second with AI pilots
/// (the server keeps the room lively for a creator playing alone).
#[test]
fn the_title_screen_opens_a_private_room_with_or_without_ai_pilots() {
    for (label, ai_pilots) in [("Private room", false), ("Private + AI pilots", true)] {
        let mut app = interface_app(NOWHERE);
        update_until_shown(&mut app, label);
        press_labelled(&mut app, label);
        app.update();
        app.update();
        let target = &app.world().resource::<driftfire_client::state::PlayTarget>().0;
        assert_eq!(*target, RoomTarget::Create { private: true, ai_pilots }, "{label}");
        assert_ne!(current_screen(&app), Screen::Title, "{label} leaves the title screen");
    }
}
