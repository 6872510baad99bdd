//! Several servers acting as one game, against small fake servers: a redirect answering Hello
//! is followed to the other server on the Connecting screen (never the Disconnected one), a
//! fleet that keeps passing the player on is given up on after `MAX_REDIRECTS`, and a listed
//! room that lives on another server is joined there directly.

use driftfire_client::state::{GameServer, MAX_REDIRECTS, PilotName};

use super::*;

/// Answers Hello with a redirect to `url` for `room`, then says why and closes, as a server of
/// a fleet does.
fn redirecting(url: String, room: RoomTarget) -> impl Fn(&ClientMsg) -> Vec<ServerMsg> + Send + Sync + 'static {
    move |msg| match msg {
        ClientMsg::Hello { .. } => vec![
            ServerMsg::Redirect(Redirect { url: url.clone(), room: room.clone() }),
            ServerMsg::Disconnect(DisconnectReason::Redirected),
        ],
        other => rooms_reply(other, &[]),
    }
}

/// Answers Hello with a Welcome and keeps the socket open.
fn welcoming(msg: &ClientMsg) -> Vec<ServerMsg> {
    match msg {
        ClientMsg::Hello { .. } => vec![ServerMsg::Welcome(welcome_body(ResumeToken([4; 16]), ResumeOutcome::Fresh))],
        other => rooms_reply(other, &[]),
    }
}

fn hello(name: &str, room: RoomTarget) -> ClientMsg {
    ClientMsg::Hello { version: PROTOCOL_VERSION, name: name.into(), room, resume: None }
}

/// Updates (giving the network threads a moment each time) until the screen is `wanted`, for at
/// most about ten seconds; returns every screen shown on the way (each once, in order) and
/// whether the Connecting screen ever said it was moving to another server.
fn update_until_screen(app: &mut App, wanted: Screen) -> (Vec<Screen>, bool) {
    let mut screens = Vec::new();
    let mut moving = false;
    update_until(app, 2000, NET_PAUSE, |app| {
        let screen = current_screen(app);
        if screens.last() != Some(&screen) {
            screens.push(screen);
        }
        moving |= shown_texts(app).iter().any(|text| text.starts_with("Moving to another server"));
        screen == wanted
    });
    (screens, moving)
}

/// Quick play on server A finds its seat on server B: A answers Hello with a redirect, and the
/// client says the same Hello (same name, B's room) to B, which lets it in. The player sees
/// "Moving to another server", never the Disconnected screen, and a reconnect goes to B.
#[test]
fn a_redirect_answering_hello_is_followed_to_the_other_server() {
    let (a, a_url) = listen();
    let (b, b_url) = listen();
    let heard_a = serve(a, redirecting(b_url.clone(), RoomTarget::Code("AB2CD".into())));
    let heard_b = serve(b, welcoming);
    let mut app = interface_app(&a_url);
    app.world_mut().resource_mut::<PilotName>().0 = "Wanderer".into();
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);

    let (screens, moving) = update_until_screen(&mut app, Screen::Playing);
    assert_eq!(screens, [Screen::Connecting, Screen::Playing], "straight in, through no other screen");
    assert!(moving, "the Connecting screen says the game is moving to another server");
    assert!(app.world().resource::<EndedLog>().0.is_empty(), "{:?}", app.world().resource::<EndedLog>().0);
    assert_eq!(app.world().resource::<DisconnectNotice>().0, None);
    assert_eq!(heard_a.hellos(), [hello("Wanderer", RoomTarget::QuickPlay)]);
    assert_eq!(heard_b.hellos(), [hello("Wanderer", RoomTarget::Code("AB2CD".into()))]);
    // The session is on B now: a reconnect after a drop resumes there.
    let server = app.world().resource::<GameServer>();
    assert_eq!((server.url.as_str(), server.hops), (b_url.as_str(), 0));
    assert_eq!(app.world().resource::<StartedLog>().0, [SessionStarted { me: ME, resume: ResumeOutcome::Fresh }]);

    // The link to B drops: the client resumes on B, where the session is, not on A.
    app.world_mut().remove_resource::<driftfire_client::net::Connection>();
    app.world_mut().write_message(NetEvent::Closed(LinkEnd::Lost("connection reset".into())));
    update_until(&mut app, 2000, NET_PAUSE, |app| app.world().get_resource::<Reconnecting>().is_none());
    assert_eq!(app.world().resource::<StartedLog>().0.len(), 2, "B welcomed the reconnect");
    let resumed = ClientMsg::Hello {
        version: PROTOCOL_VERSION,
        name: "Wanderer".into(),
        room: RoomTarget::QuickPlay,
        resume: Some(ResumeToken([4; 16])),
    };
    assert_eq!(heard_b.hellos(), [resumed]);
    assert!(heard_a.hellos().is_empty(), "A is not asked again");
}

/// Two servers that keep sending the player to each other: the client follows
/// `MAX_REDIRECTS` redirects, refuses the next, and says why on the Disconnected screen.
#[test]
fn a_fleet_that_keeps_passing_the_player_on_is_given_up_on() {
    let (a, a_url) = listen();
    let (b, b_url) = listen();
    let room = RoomTarget::Code("AB2CD".into());
    let heard_a = serve(a, redirecting(b_url.clone(), room.clone()));
    let heard_b = serve(b, redirecting(a_url.clone(), room.clone()));
    let mut app = logic_app(&a_url, Clock::Stepped);
    app.world_mut().resource_mut::<PilotName>().0 = "Wanderer".into();
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);

    let (screens, _) = update_until_screen(&mut app, Screen::Disconnected);
    assert_eq!(screens, [Screen::Connecting, Screen::Disconnected]);
    let notice = app.world().resource::<DisconnectNotice>().text();
    assert!(notice.starts_with("Too many redirects"), "{notice}");
    // The first Hello, then one per redirect followed: A, B, A, B.
    let (at_a, at_b) = (heard_a.hellos(), heard_b.hellos());
    assert_eq!((at_a.len() + at_b.len()) as u32, 1 + MAX_REDIRECTS, "{at_a:?} {at_b:?}");
    assert_eq!(at_a[0], hello("Wanderer", RoomTarget::QuickPlay));
    assert!(at_a[1..].iter().chain(&at_b).all(|msg| *msg == hello("Wanderer", room.clone())), "{at_a:?} {at_b:?}");
    assert_eq!(
        app.world().resource::<EndedLog>().0,
        [EndReason::TooManyRedirects { followed: MAX_REDIRECTS, next: a_url }],
        "B's second redirect (back to A), the fourth in all, is the one refused"
    );
}

/// A's room list includes a room that lives on B: every row says which server it is on, and
/// picking B's room connects to B directly, asking for the room by its code.
#[test]
fn a_listed_room_on_another_server_is_joined_there() {
    let (a, a_url) = listen();
    let (b, b_url) = listen();
    let room = |name: &str, code: &str, server: Option<&str>| RoomInfo {
        name: name.into(),
        code: Some(code.into()),
        players: 3,
        max_players: 50,
        private: false,
        server: server.map(str::to_string),
    };
    let rooms = vec![room("Vega", "VEGA2", None), room("Orion", "ZQ7PX", Some(&b_url))];
    // A answers nothing but the list (a Hello to A would show below).
    let heard_a = serve(a, move |msg| rooms_reply(msg, &rooms));
    let heard_b = serve(b, welcoming);
    let mut app = interface_app(&a_url);
    app.world_mut().resource_mut::<PilotName>().0 = "Wanderer".into();

    let a_host = a_url.trim_start_matches("ws://").trim_end_matches("/ws");
    let b_host = b_url.trim_start_matches("ws://").trim_end_matches("/ws");
    update_until_shown(&mut app, &format!("Vega   3/50   public   on {a_host}"));
    let orion = format!("Orion   3/50   public   on {b_host}");
    assert!(shown_texts(&mut app).contains(&orion), "{:?}", shown_texts(&mut app));

    press_labelled(&mut app, &orion);
    let (screens, moving) = update_until_screen(&mut app, Screen::Playing);
    assert_eq!(screens.last(), Some(&Screen::Playing), "{screens:?}");
    assert!(!moving, "no redirect: the room's own server was asked");
    assert_eq!(heard_b.hellos(), [hello("Wanderer", RoomTarget::Code("ZQ7PX".into()))]);
    assert!(heard_a.hellos().is_empty());
    assert_eq!(app.world().resource::<GameServer>().url, b_url);
}

/// The server a session is on dies (`kill -9`): its socket drops without a word and the port
/// refuses the reconnect, so the client goes back through its entrance with the token. The
/// entrance, finding no live server holding that seat, seats the player afresh; the player
/// sees "Reconnecting", then a note that the server went down, never the Disconnected screen.
#[test]
fn a_session_whose_server_died_comes_back_through_the_entrance() {
    let (entrance, entrance_url) = listen();
    let (a, a_url) = listen();
    let to_a = a_url.clone();
    let heard_entrance = serve(entrance, move |msg| match msg {
        // First contact: quick play places the player on A.
        ClientMsg::Hello { resume: None, .. } => vec![
            ServerMsg::Redirect(Redirect { url: to_a.clone(), room: RoomTarget::Code("AB2CD".into()) }),
            ServerMsg::Disconnect(DisconnectReason::Redirected),
        ],
        // A token whose server is gone: a fresh seat here.
        ClientMsg::Hello { resume: Some(_), .. } => {
            vec![ServerMsg::Welcome(welcome_body(ResumeToken([9; 16]), ResumeOutcome::Expired))]
        }
        other => rooms_reply(other, &[]),
    });
    let (heard_a, kill_a) = serve_until_killed(a, welcoming);
    let mut app = interface_app(&entrance_url);
    app.world_mut().resource_mut::<PilotName>().0 = "Wanderer".into();
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);
    update_until_screen(&mut app, Screen::Playing);
    assert_eq!(app.world().resource::<GameServer>().url, a_url, "placed on A");
    assert_eq!(heard_a.hellos().len(), 1);
    assert_eq!(heard_entrance.hellos().len(), 1);

    kill_a.kill();
    let mut screens = Vec::new();
    update_until(&mut app, 3000, NET_PAUSE, |app| {
        let screen = current_screen(app);
        if screens.last() != Some(&screen) {
            screens.push(screen);
        }
        app.world().resource::<StartedLog>().0.len() == 2
    });
    let chat = &app.world().resource::<ChatLog>().0;
    let notes: Vec<_> = chat.iter().filter(|line| line.text == "Your server went down: you are in a new room.").collect();
    assert_eq!(screens, [Screen::Playing], "no Disconnected screen on the way");
    assert!(app.world().resource::<EndedLog>().0.is_empty(), "{:?}", app.world().resource::<EndedLog>().0);
    assert_eq!(app.world().resource::<StartedLog>().0[1], SessionStarted { me: ME, resume: ResumeOutcome::Expired });
    assert_eq!(notes.len(), 1, "the player is told why they are in a new room: {chat:?}");
    // Through the entrance, with the dead session's token, by quick play.
    let back = ClientMsg::Hello {
        version: PROTOCOL_VERSION,
        name: "Wanderer".into(),
        room: RoomTarget::QuickPlay,
        resume: Some(ResumeToken([4; 16])),
    };
    assert_eq!(heard_entrance.hellos(), [back]);
    let server = app.world().resource::<GameServer>();
    assert_eq!((server.url.as_str(), server.failed_over), (entrance_url.as_str(), false));
}

/// A single server (the session is at the entrance) that dies: nothing to fail over to, so the
/// client keeps retrying it with backoff under the reconnect overlay, as before failover existed.
#[test]
fn a_single_server_that_died_is_retried_where_it_was() {
    let (only, only_url) = listen();
    let (_heard, kill) = serve_until_killed(only, welcoming);
    let mut app = interface_app(&only_url);
    app.world_mut().resource_mut::<PilotName>().0 = "Loner".into();
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);
    update_until_screen(&mut app, Screen::Playing);
    kill.kill();
    // Until the second retry is scheduled: the first was refused.
    update_until(&mut app, 3000, NET_PAUSE, |app| app.world().get_resource::<Reconnecting>().is_some_and(|r| r.attempt >= 2));
    let server = app.world().resource::<GameServer>();
    assert_eq!((server.url.as_str(), server.failed_over), (only_url.as_str(), false), "retried where it was");
    assert_eq!(current_screen(&app), Screen::Playing, "under the reconnect overlay, not Disconnected");
}

/// A private room that died with its server: through the entrance its code is not found, so the
/// client asks for quick play instead and is seated, score restored, without the Disconnected
/// screen.
#[test]
fn a_private_room_that_died_with_its_server_gives_way_to_quick_play() {
    let (entrance, entrance_url) = listen();
    let (a, a_url) = listen();
    let heard_entrance = serve(entrance, move |msg| match msg {
        ClientMsg::Hello { room: RoomTarget::Code(_), .. } => vec![
            ServerMsg::Rejected { reason: RejectReason::RoomNotFound },
            ServerMsg::Disconnect(DisconnectReason::Rejected(RejectReason::RoomNotFound)),
        ],
        ClientMsg::Hello { resume: Some(_), .. } => {
            vec![ServerMsg::Welcome(welcome_body(ResumeToken([9; 16]), ResumeOutcome::Restored))]
        }
        other => rooms_reply(other, &[]),
    });
    let (_heard_a, kill_a) = serve_until_killed(a, |msg| match msg {
        ClientMsg::Hello { .. } => {
            let mut private = welcome_body(ResumeToken([4; 16]), ResumeOutcome::Fresh);
            private.room.private = true;
            vec![ServerMsg::Welcome(private)]
        }
        other => rooms_reply(other, &[]),
    });
    // The page was opened on A's address here (its entrance is the launch's server): move the
    // entrance to the other server, as a fleet page's origin would be.
    let mut app = interface_app(&a_url);
    app.world_mut().resource_mut::<PilotName>().0 = "Host".into();
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Connecting);
    update_until_screen(&mut app, Screen::Playing);
    app.world_mut().resource_mut::<GameServer>().entrance = entrance_url.clone();

    kill_a.kill();
    update_until(&mut app, 3000, NET_PAUSE, |app| app.world().resource::<StartedLog>().0.len() == 2);
    assert_eq!(current_screen(&app), Screen::Playing);
    assert!(app.world().resource::<EndedLog>().0.is_empty(), "{:?}", app.world().resource::<EndedLog>().0);
    assert_eq!(app.world().resource::<StartedLog>().0[1], SessionStarted { me: ME, resume: ResumeOutcome::Restored });
    let rooms: Vec<RoomTarget> = heard_entrance
        .hellos()
        .into_iter()
        .map(|hello| match hello {
            ClientMsg::Hello { room, .. } => room,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(rooms, [RoomTarget::Code("AB2CD".into()), RoomTarget::QuickPlay], "the room's code first, then quick play");
    let chat = &app.world().resource::<ChatLog>().0;
    assert!(chat.iter().any(|line| line.text.ends_with("your score came with you.")), "{chat:?}");
}
