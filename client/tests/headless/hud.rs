//! The HUD and the minimap as a player reads them, from the messages a server sends: hull and
//! shield bars, the large score with its "+N" and streak labels, the leaderboard with AI pilots
//! tagged and your place under the top ten, the minimap's leaders and you, the kill feed, and
//! the death overlay's story of the life that ended. The UI is found by its marker components.

use driftfire_client::game::hud::{
    DeathText, HealthBar, HealthText, KillFeedText, LeaderRow, RankLine, ScorePopup, ScoreText, ShieldBar, ShieldRow, StreakText,
};
use driftfire_client::game::minimap::{LeaderMarker, Minimap, YouMarker};
use driftfire_shared::sim::SimConfig;

use super::*;

/// An AI pilot that joins after Welcome.
const ROBO: PlayerId = PlayerId(20);

/// The one entity with marker `M`.
fn the<M: Component>(app: &mut App) -> Entity {
    let world = app.world_mut();
    world.query_filtered::<Entity, With<M>>().single(world).expect("one entity with the marker")
}

/// Whether `entity` is on screen: neither it nor an ancestor is hidden or taken out of the layout.
fn is_shown(app: &mut App, entity: Entity) -> bool {
    let world = app.world_mut();
    let mut nodes = world.query::<(Option<&Visibility>, Option<&Node>, Option<&ChildOf>)>();
    let mut at = Some(entity);
    while let Some(entity) = at {
        let Ok((visibility, node, parent)) = nodes.get(world, entity) else { break };
        if visibility == Some(&Visibility::Hidden) || node.is_some_and(|node| node.display == Display::None) {
            return false;
        }
        at = parent.map(ChildOf::parent);
    }
    true
}

fn text_of(app: &App, entity: Entity) -> String {
    app.world().get::<Text>(entity).expect("a text").0.clone()
}

/// The texts of those of `entities` that are shown, in order.
fn texts_shown(app: &mut App, entities: impl IntoIterator<Item = Entity>) -> Vec<String> {
    let mut texts = Vec::new();
    for entity in entities {
        if is_shown(app, entity) {
            texts.push(text_of(app, entity));
        }
    }
    texts
}

/// The text of the one entity with marker `M`, if it is shown.
fn shown_text<M: Component>(app: &mut App) -> Option<String> {
    let entity = the::<M>(app);
    is_shown(app, entity).then(|| text_of(app, entity))
}

fn percent_of(value: Val) -> f32 {
    let Val::Percent(percent) = value else { panic!("{value:?} is not a percentage") };
    percent
}

/// A bar's fill, in percent of its track.
fn fill<M: Component>(app: &mut App) -> f32 {
    let entity = the::<M>(app);
    percent_of(app.world().get::<Node>(entity).unwrap().width)
}

/// Where a marker sits on the minimap (percent from the top left), if it is shown.
fn marker_at(app: &mut App, entity: Entity) -> Option<Vec2> {
    let node = app.world().get::<Node>(entity).unwrap().clone();
    is_shown(app, entity).then(|| Vec2::new(percent_of(node.left), percent_of(node.top)))
}

/// The leader markers shown, by rank, with where they are.
fn leaders_shown(app: &mut App) -> Vec<(usize, Vec2)> {
    let world = app.world_mut();
    let mut markers: Vec<(usize, Entity)> = world.query::<(Entity, &LeaderMarker)>().iter(world).map(|(e, m)| (m.0, e)).collect();
    markers.sort();
    markers.into_iter().filter_map(|(rank, entity)| marker_at(app, entity).map(|at| (rank, at))).collect()
}

/// The "+N" labels on screen.
fn popups_shown(app: &mut App) -> Vec<String> {
    let world = app.world_mut();
    let popups: Vec<Entity> = world.query_filtered::<Entity, With<ScorePopup>>().iter(world).collect();
    let mut shown = texts_shown(app, popups);
    shown.sort();
    shown
}

/// The leaderboard's rows on screen, best first.
fn board(app: &mut App) -> Vec<String> {
    let world = app.world_mut();
    let mut rows: Vec<(usize, Entity)> = world.query::<(Entity, &LeaderRow)>().iter(world).map(|(e, r)| (r.0, e)).collect();
    rows.sort();
    texts_shown(app, rows.into_iter().map(|(_, e)| e))
}

fn entry(id: PlayerId, score: u32) -> ScoreEntry {
    ScoreEntry { id, score, kills: score / 100, deaths: 0 }
}

/// Joined, with an AI pilot and ten more pilots in the room, your ship flying at `pos`.
fn crowded_arena(pos: Vec2) -> App {
    let mut app = interface_app(NOWHERE);
    welcome(&mut app);
    receive(&mut app, ServerMsg::PlayerJoined(PlayerInfo { id: ROBO, name: "Robo".into(), ai: true }));
    for id in 21..31 {
        receive(&mut app, ServerMsg::PlayerJoined(PlayerInfo { id: PlayerId(id), name: format!("p{id}"), ai: false }));
    }
    snapshot(&mut app, 101, SnapshotBody { ships: vec![ship(1, ME, pos)], ..default() });
    frames(&mut app, 2);
    app
}

#[test]
fn the_hud_shows_bars_score_leaderboard_with_your_place_and_the_minimap() {
    let mut app = crowded_arena(Vec2::new(-1000.0, 0.0));
    // A fresh ship: full hull, and spawn protection counting down from full.
    let fresh = ShipState { shielded: true, ..ship(1, ME, Vec2::new(-1000.0, 0.0)) };
    snapshot(&mut app, 102, SnapshotBody { ships: vec![fresh], ..default() });
    frames(&mut app, 2);
    assert_eq!(fill::<HealthBar>(&mut app), 100.0);
    assert_eq!(shown_text::<HealthText>(&mut app).as_deref(), Some("100"));
    let row = the::<ShieldRow>(&mut app);
    assert!(is_shown(&mut app, row), "the shield shows while protected");
    assert_eq!(fill::<ShieldBar>(&mut app), 100.0);
    // One second of the two-second protection later: half left.
    let shield_ticks = SimConfig::new(30).spawn_shield_ticks;
    let hurt = ShipState { shielded: true, health: 60, ..fresh };
    snapshot(&mut app, 102 + u64::from(shield_ticks) / 2, SnapshotBody { ships: vec![hurt], ..default() });
    frames(&mut app, 2);
    assert!((fill::<ShieldBar>(&mut app) - 50.0).abs() < 1.0, "{}", fill::<ShieldBar>(&mut app));
    assert_eq!(fill::<HealthBar>(&mut app), 60.0);
    assert_eq!(shown_text::<HealthText>(&mut app).as_deref(), Some("60"));
    let unshielded = ShipState { shielded: false, ..hurt };
    snapshot(&mut app, 140, SnapshotBody { ships: vec![unshielded], ..default() });
    frames(&mut app, 2);
    assert!(!is_shown(&mut app, row), "no shield bar once protection is over");

    // Thirteen pilots and you the 13th: the top ten, then your place under them.
    let mut entries: Vec<ScoreEntry> = (21..31).map(|id| entry(PlayerId(id), 500 - id * 10)).collect();
    entries.insert(0, entry(ROBO, 900));
    entries.push(entry(OTHER, 20));
    entries.push(entry(ME, 5));
    receive(&mut app, ServerMsg::Scoreboard { entries: entries.clone() });
    frames(&mut app, 2);
    let rows = board(&mut app);
    assert_eq!(rows.len(), 10, "{rows:?}");
    assert_eq!(rows[0], "1. [AI] Robo  900");
    assert_eq!(rows[1], "2. p21  290");
    assert!(rows.iter().all(|row| !row.contains("me")), "{rows:?}");
    assert_eq!(shown_text::<RankLine>(&mut app).as_deref(), Some("#13 me  5"));
    assert_eq!(shown_text::<ScoreText>(&mut app).as_deref(), Some("5"));

    // In the top ten: marked in the list, no line under it.
    entries.retain(|e| e.id != ME);
    entries.insert(3, entry(ME, 700));
    receive(&mut app, ServerMsg::Scoreboard { entries });
    frames(&mut app, 2);
    assert_eq!(board(&mut app)[3], "4. > me  700");
    assert_eq!(shown_text::<RankLine>(&mut app), None);
    assert_eq!(shown_text::<ScoreText>(&mut app).as_deref(), Some("700"));

    // Ping and FPS are for the net graph (F3), not the HUD.
    let shown = shown_texts(&mut app);
    assert!(!shown.iter().any(|text| text.contains("Ping") || text.contains("FPS") || text.contains(" ms")), "{shown:?}");

    // The minimap: you where your ship is (the arena is 4000 across, centred on the origin)...
    let map = the::<Minimap>(&mut app);
    assert!(is_shown(&mut app, map));
    let you = the::<YouMarker>(&mut app);
    let at = marker_at(&mut app, you).expect("your marker");
    assert!((at - Vec2::new(25.0, 50.0)).length() < 0.5, "{at:?}");
    assert!(leaders_shown(&mut app).is_empty(), "no leaders before the server names them");
    // ...and the leaders where the server says they are, by rank.
    let leaders = vec![
        Leader { id: ROBO, pos: Vec2::new(1000.0, 1000.0) },
        Leader { id: ME, pos: Vec2::new(-1000.0, 0.0) },
        Leader { id: PlayerId(21), pos: Vec2::new(0.0, -2000.0) },
    ];
    receive(&mut app, ServerMsg::Leaders { leaders });
    frames(&mut app, 2);
    assert_eq!(leaders_shown(&mut app), vec![(0, Vec2::new(75.0, 25.0)), (1, Vec2::new(25.0, 50.0)), (2, Vec2::new(50.0, 100.0))]);
    receive(&mut app, ServerMsg::Leaders { leaders: vec![Leader { id: OTHER, pos: Vec2::ZERO }] });
    frames(&mut app, 2);
    assert_eq!(leaders_shown(&mut app), vec![(0, Vec2::new(50.0, 50.0))]);
}

#[test]
fn kills_pop_points_and_streaks_and_the_death_overlay_tells_that_life() {
    let mut app = crowded_arena(Vec2::ZERO);
    let points = SimConfig::new(30).score_per_kill;
    receive(&mut app, ServerMsg::Scoreboard { entries: vec![entry(ME, 0), entry(OTHER, 0)] });
    frames(&mut app, 2);
    assert!(popups_shown(&mut app).is_empty());

    // A kill: "+100" at once, before the scoreboard counts it; no streak for one.
    receive(&mut app, ServerMsg::Kill { killer: Some(ME), victim: OTHER });
    frames(&mut app, 1);
    assert_eq!(popups_shown(&mut app), vec![format!("+{points}")]);
    assert_eq!(shown_text::<StreakText>(&mut app), None);
    // The kill feed tags AI pilots.
    receive(&mut app, ServerMsg::Kill { killer: Some(ME), victim: ROBO });
    frames(&mut app, 1);
    assert_eq!(shown_text::<StreakText>(&mut app).as_deref(), Some("Double kill"));
    let feed = shown_text::<KillFeedText>(&mut app).unwrap();
    assert_eq!(feed, "me destroyed them\nme destroyed [AI] Robo");
    // The scoreboard catches up, with a broken rock too: only the rock's points pop.
    receive(&mut app, ServerMsg::Scoreboard { entries: vec![entry(ME, 2 * points + 10), entry(OTHER, 0)] });
    frames(&mut app, 1);
    assert_eq!(shown_text::<ScoreText>(&mut app).as_deref(), Some(format!("{}", 2 * points + 10).as_str()));
    assert!(popups_shown(&mut app).contains(&"+10".to_string()), "{:?}", popups_shown(&mut app));
    // 16 ms frames: 200 are 3.2 s, past the labels' time on screen.
    frames(&mut app, 200);
    assert!(popups_shown(&mut app).is_empty());
    assert_eq!(shown_text::<StreakText>(&mut app), None);

    // Robo shoots you down a little over three seconds into your life.
    receive(&mut app, ServerMsg::Kill { killer: Some(ROBO), victim: ME });
    let wreck = ShipState { respawn_in: Some(90), ..ship(1, ME, Vec2::ZERO) };
    snapshot(&mut app, 102, SnapshotBody { ships: vec![wreck], ..default() });
    frames(&mut app, 2);
    let score = 2 * points + 10;
    assert_eq!(
        shown_text::<DeathText>(&mut app).as_deref(),
        Some(format!("Destroyed by [AI] Robo\nAlive 0:03   Kills 2\nScore {score}   Best {score}\nRespawning in 3...").as_str())
    );
    assert_eq!(fill::<HealthBar>(&mut app), 0.0, "an empty hull while destroyed");
    let you = the::<YouMarker>(&mut app);
    assert_eq!(marker_at(&mut app, you), None, "no ship of yours on the minimap while destroyed");

    // Back: the overlay goes, and the next kill starts a new streak.
    snapshot(&mut app, 103, SnapshotBody { ships: vec![ship(1, ME, Vec2::ZERO)], ..default() });
    frames(&mut app, 2);
    assert_eq!(shown_text::<DeathText>(&mut app), None);
    assert!(marker_at(&mut app, you).is_some());
    receive(&mut app, ServerMsg::Kill { killer: Some(ME), victim: OTHER });
    frames(&mut app, 1);
    assert_eq!(shown_text::<StreakText>(&mut app), None, "one kill in this life");

    // An asteroid: said so, the kill of this life counted, and the session's best kept.
    receive(&mut app, ServerMsg::Scoreboard { entries: vec![entry(ME, score + points), entry(OTHER, 0)] });
    frames(&mut app, 1);
    receive(&mut app, ServerMsg::Kill { killer: None, victim: ME });
    snapshot(&mut app, 104, SnapshotBody { ships: vec![ShipState { respawn_in: Some(30), ..ship(1, ME, Vec2::ZERO) }], ..default() });
    frames(&mut app, 2);
    let overlay = shown_text::<DeathText>(&mut app).expect("the overlay");
    assert!(overlay.starts_with("Destroyed by an asteroid\nAlive 0:00   Kills 1\n"), "{overlay}");
    assert!(overlay.ends_with("Respawning in 1..."), "{overlay}");
    assert_eq!(shown_text::<StreakText>(&mut app), None);
}

/// On an upright phone the HUD is rearranged: a three-row leaderboard, the hull panel moved up
/// under it (the bottom is the thumbs'), the room line hidden, and the kill feed cut to its two
/// newest lines; back on a desktop-sized window everything returns.
#[test]
fn an_upright_phone_gets_the_portrait_hud() {
    use bevy::window::WindowResolution;
    use driftfire_client::game::hud::{RoomLine, VitalsRoot};

    let mut app = crowded_arena(Vec2::ZERO);
    let scores: Vec<ScoreEntry> = (21..31).map(|id| entry(PlayerId(id), 1000 - id)).chain([entry(ME, 0)]).collect();
    receive(&mut app, ServerMsg::Scoreboard { entries: scores });
    for victim in [OTHER, ROBO, PlayerId(21), PlayerId(22)] {
        receive(&mut app, ServerMsg::Kill { killer: Some(ME), victim });
    }
    frames(&mut app, 2);
    assert_eq!(board(&mut app).len(), 10, "{:?}", board(&mut app));
    assert_eq!(shown_text::<KillFeedText>(&mut app).unwrap().lines().count(), 4);
    let room_line = the::<RoomLine>(&mut app);
    assert!(is_shown(&mut app, room_line));

    let window = phone_window(&mut app);
    frames(&mut app, 2);
    assert_eq!(app.world().resource::<driftfire_client::ui::layout::Layout>().fit, driftfire_client::ui::layout::Fit::Portrait);
    assert_eq!(board(&mut app).len(), driftfire_client::game::hud::PORTRAIT_ROWS, "{:?}", board(&mut app));
    let vitals = the::<VitalsRoot>(&mut app);
    let node = app.world().get::<Node>(vitals).unwrap();
    assert!(matches!(node.top, Val::Px(top) if top > 100.0) && node.bottom == Val::Auto, "hull panel at the top: {node:?}");
    assert!(!is_shown(&mut app, room_line), "the room line gives way to the score");
    let feed = shown_text::<KillFeedText>(&mut app).unwrap();
    assert_eq!(feed, "me destroyed p21\nme destroyed p22", "only the newest kills");

    app.world_mut().entity_mut(window).get_mut::<Window>().unwrap().resolution = WindowResolution::new(1280, 720);
    frames(&mut app, 2);
    assert_eq!(board(&mut app).len(), 10);
    assert!(is_shown(&mut app, room_line));
    assert_eq!(shown_text::<KillFeedText>(&mut app).unwrap().lines().count(), 4);
    let node = app.world().get::<Node>(vitals).unwrap();
    assert_eq!(node.top, Val::Auto, "hull panel back at the bottom");
}
