//! Names in every script, natively: the desktop's text engine (parley over the system's
//! fonts, which the install script provides) draws each of eight names in eight scripts with
//! no missing glyph, tells look-alike-free names apart, and the leaderboard lays them out by
//! the engine's measure.

use driftfire_client::game::hud::LeaderRow;
use driftfire_client::session::roster::isolate;
use driftfire_client::ui::kit::font;
use driftfire_client::ui::kit::written::{Written, WrittenText};

use super::*;

/// One name a script: Cyrillic, CJK, Arabic, Hebrew, Devanagari, Thai, Latin with
/// diacritics, emoji (a ZWJ sequence and a skin tone).
pub const NAMES: [&str; 8] = ["Дмитрий", "李小龍", "محمد", "דוד", "अर्जुन", "สมชาย", "Łukasz Zoë", "👩\u{200D}🚀Ace👍🏽"];

#[test]
fn the_native_engine_draws_every_script_with_no_missing_glyph() {
    let mut written = WrittenText::new();
    assert!(written.available(), "no system fonts: .ci/install-deps.sh installs the Noto fonts");
    for name in NAMES {
        let raster = written.draw(name, 32.0, Color::WHITE);
        assert_eq!(raster.missing_glyphs, 0, "{name:?} drew {} missing-glyph boxes", raster.missing_glyphs);
        assert!(!raster.is_blank(), "{name:?} drew nothing");
        assert!(raster.width > 20, "{name:?} is {} px wide", raster.width);
    }
    // Two names of the same length in the same script look different (the stroke font drew
    // both as four boxes).
    assert_ne!(written.draw("Иван", 32.0, Color::WHITE).rgba, written.draw("Олег", 32.0, Color::WHITE).rgba);
    // A colour emoji keeps its colours: some pixel is neither grey nor transparent.
    let rocket = written.draw("🚀", 32.0, Color::WHITE);
    assert!(rocket.rgba.chunks_exact(4).any(|p| p[3] > 0 && (p[0] != p[1] || p[1] != p[2])), "the emoji is drawn in colour");
    // What no font has is counted (and drawn as the font's missing-glyph box).
    assert!(written.draw("\u{0378}\u{0379}", 32.0, Color::WHITE).missing_glyphs > 0, "unassigned code points have no glyph");
}

#[test]
fn the_leaderboard_shows_names_as_written_laid_out_by_the_engines_measure() {
    let mut app = interface_app(NOWHERE);
    app.insert_resource(WrittenText::new());
    welcome(&mut app);
    for (i, name) in NAMES.iter().enumerate() {
        receive(&mut app, ServerMsg::PlayerJoined(PlayerInfo { id: PlayerId(40 + i as u32), name: (*name).into(), ai: false }));
    }
    let entries =
        (0..NAMES.len()).map(|i| ScoreEntry { id: PlayerId(40 + i as u32), score: 100 - i as u32, kills: 1, deaths: 0 }).collect();
    receive(&mut app, ServerMsg::Scoreboard { entries });
    // Each name also on a node of its own, as wide as its text.
    let alone: Vec<Entity> = NAMES
        .iter()
        .map(|name| {
            let text = app.world_mut().spawn((Text::new(*name), TextFont::from_font_size(16.0), TextLayout::no_wrap(), Written)).id();
            app.world_mut().spawn(Node { position_type: PositionType::Absolute, ..default() }).add_child(text);
            text
        })
        .collect();
    frames(&mut app, 3);
    let world = app.world_mut();
    let mut rows: Vec<(usize, String)> = world
        .query_filtered::<(&LeaderRow, &Text), With<Written>>()
        .iter(world)
        .filter(|(row, _)| row.0 < NAMES.len())
        .map(|(row, text)| (row.0, text.0.clone()))
        .collect();
    rows.sort();
    assert_eq!(rows.len(), NAMES.len(), "every row is written text");
    for ((place, text), name) in rows.into_iter().zip(NAMES) {
        // (A right-to-left name stands between direction isolates, so the score keeps its place.)
        assert_eq!(text, format!("{}. {}  {}", place + 1, isolate(name), 100 - place), "the name as written");
    }
    let mut unlike_strokes = 0;
    for (entity, name) in alone.into_iter().zip(NAMES) {
        let width = app.world().get::<ComputedNode>(entity).expect("laid out").content.width();
        let measured = app.world_mut().resource_mut::<WrittenText>().width(name, 16.0);
        assert!((width - measured).abs() <= 1.0, "{name:?}: laid out {width} px, the engine measures {measured}");
        unlike_strokes += usize::from((width - font::measure(name, 16.0, None).x).abs() > 1.0);
    }
    // (Some names happen to be about as wide as their row of missing-glyph boxes; CJK is 48
    // px against the boxes' 29, Devanagari 33 against 58.)
    assert!(unlike_strokes >= NAMES.len() / 2, "laid out by the stroke font's measure");
}
