//! The kit end to end in a headless app: layout from components to window pixels, the stack
//! order, and buttons pressed with the mouse.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use super::*;

fn app() -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    app.init_resource::<ButtonInput<MouseButton>>();
    app.add_plugins(plugin);
    app
}

fn rect(app: &App, entity: Entity) -> Rect {
    app.world().get::<ComputedNode>(entity).expect("a laid-out node").rect
}

#[test]
fn a_centred_column_lays_out_in_window_pixels() {
    let mut app = app();
    let root = app
        .world_mut()
        .spawn(Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            row_gap: px(10),
            ..default()
        })
        .id();
    let a = app.world_mut().spawn((Node { width: px(100), height: px(50), ..default() }, ChildOf(root))).id();
    // Text at size 30: capitals are 21 px, an "A" 18 px wide, a line 36 px high.
    let b = app.world_mut().spawn((Text::new("AA"), TextFont::from_font_size(30.0), ChildOf(root))).id();
    app.update();
    // Headless, the window is taken as 1280×720.
    assert_eq!(rect(&app, root), Rect::new(0.0, 0.0, 1280.0, 720.0));
    let column_height = 50.0 + 10.0 + 36.0;
    let top = (720.0 - column_height) / 2.0;
    assert_eq!(rect(&app, a), Rect::new(590.0, top, 690.0, top + 50.0));
    assert_eq!(rect(&app, b), Rect::new(640.0 - 18.0, top + 60.0, 640.0 + 18.0, top + 96.0));

    // Half the UI scale: everything half as big, centred all the same.
    app.world_mut().resource_mut::<UiScale>().0 = 0.5;
    app.update();
    assert_eq!(rect(&app, a).size(), Vec2::new(50.0, 25.0));
    assert_eq!(rect(&app, a).center().x, 640.0);
}

#[test]
fn text_wraps_to_its_box_and_padding_insets_it() {
    let mut app = app();
    let text = app
        .world_mut()
        .spawn((
            Text::new("AA AA AA"),
            TextFont::from_font_size(30.0),
            Node { max_width: px(95), padding: UiRect::all(px(5)), ..default() },
        ))
        .id();
    app.update();
    let node = app.world().get::<ComputedNode>(text).unwrap();
    assert_eq!(node.rect.height(), 3.0 * 36.0 + 10.0, "three lines of 36 px and the padding");
    assert_eq!(node.content, Rect { min: node.rect.min + 5.0, max: node.rect.max - 5.0 });
}

#[test]
fn the_stack_is_back_to_front_and_leaves_out_what_is_gone() {
    let mut app = app();
    let top = app.world_mut().spawn((Node::default(), GlobalZIndex(5))).id();
    let bottom = app.world_mut().spawn(Node::default()).id();
    let child = app.world_mut().spawn((Node::default(), ChildOf(bottom))).id();
    let gone = app.world_mut().spawn((Node { display: Display::None, ..default() }, ChildOf(bottom))).id();
    let hidden = app.world_mut().spawn((Node::default(), Visibility::Hidden, ChildOf(bottom))).id();
    let under_hidden = app.world_mut().spawn((Node::default(), ChildOf(hidden))).id();
    app.update();
    let stack = app.world().resource::<UiStack>();
    let order: Vec<Entity> = stack.entries.iter().map(|entry| entry.entity).collect();
    assert_eq!(order, [bottom, child, hidden, under_hidden, top]);
    assert!(!order.contains(&gone));
    let visibility = |entity| *app.world().get::<Visibility>(entity).unwrap();
    assert_eq!(shown(stack, visibility), [true, true, false, false, true], "hidden hides its children");
}

#[test]
fn a_click_presses_the_topmost_button_under_the_mouse() {
    let mut app = app();
    let mut window = Window { resolution: (800, 600).into(), ..default() };
    window.set_cursor_position(Some(Vec2::new(50.0, 50.0)));
    app.world_mut().spawn((window, PrimaryWindow));
    let button = |app: &mut App, z: i32| {
        let node = Node { position_type: PositionType::Absolute, width: px(100), height: px(100), ..default() };
        app.world_mut().spawn((Button, node, GlobalZIndex(z))).id()
    };
    let below = button(&mut app, 0);
    let above = button(&mut app, 1);
    let elsewhere = app
        .world_mut()
        .spawn((Button, Node { position_type: PositionType::Absolute, left: px(300), width: px(10), height: px(10), ..default() }))
        .id();
    // The first frame lays out; the pointer is read against that layout from the next.
    app.update();
    app.update();
    let interaction = |app: &App, entity| *app.world().get::<Interaction>(entity).unwrap();
    assert_eq!(interaction(&app, above), Interaction::Hovered);
    assert_eq!(interaction(&app, below), Interaction::None, "covered by the one above");
    assert_eq!(interaction(&app, elsewhere), Interaction::None);

    app.world_mut().resource_mut::<ButtonInput<MouseButton>>().press(MouseButton::Left);
    app.update();
    assert_eq!(interaction(&app, above), Interaction::Pressed);

    // Held while the mouse leaves: still pressed; let go: no longer.
    app.world_mut().query::<&mut Window>().single_mut(app.world_mut()).unwrap().set_cursor_position(Some(Vec2::new(500.0, 500.0)));
    app.world_mut().resource_mut::<ButtonInput<MouseButton>>().clear();
    app.update();
    assert_eq!(interaction(&app, above), Interaction::Pressed);
    app.world_mut().resource_mut::<ButtonInput<MouseButton>>().release(MouseButton::Left);
    app.update();
    assert_eq!(interaction(&app, above), Interaction::None);
}

#[test]
fn a_label_in_nested_auto_width_columns_keeps_one_line() {
    let mut app = app();
    let column = || Node { flex_direction: FlexDirection::Column, align_items: AlignItems::Center, row_gap: px(6), ..default() };
    let root = app
        .world_mut()
        .spawn(Node {
            width: percent(100),
            height: percent(100),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            ..default()
        })
        .id();
    let row = app
        .world_mut()
        .spawn((
            Node { flex_wrap: FlexWrap::Wrap, justify_content: JustifyContent::Center, column_gap: px(48), ..default() },
            ChildOf(root),
        ))
        .id();
    let outer = app.world_mut().spawn((column(), ChildOf(row))).id();
    app.world_mut().spawn((Node { min_width: px(340), height: px(40), ..default() }, ChildOf(outer)));
    let inner = app.world_mut().spawn((column(), ChildOf(outer))).id();
    let list = app.world_mut().spawn((column(), ChildOf(inner))).id();
    let text = "Private 66J7K   2/50   private | needs its link";
    let label = app.world_mut().spawn((Text::new(text), TextFont::from_font_size(16.0), ChildOf(list))).id();
    app.world_mut().spawn((Node { width: px(470), height: px(300), ..default() }, ChildOf(row)));
    app.update();
    let height = rect(&app, label).height();
    assert_eq!(height, font::line_height(16.0).round(), "one line: {:?}", rect(&app, label));
}

#[test]
fn an_absolute_column_with_a_max_width_is_as_tall_as_its_wrapped_text() {
    let mut app = app();
    // A phone upright.
    app.world_mut().spawn((Window { resolution: (390, 844).into(), ..default() }, PrimaryWindow));
    app.world_mut().resource_mut::<UiScale>().0 = 0.78;
    let column = app
        .world_mut()
        .spawn(Node {
            position_type: PositionType::Absolute,
            left: px(12),
            bottom: px(12),
            max_width: percent(34),
            flex_direction: FlexDirection::Column,
            row_gap: px(8),
            ..default()
        })
        .id();
    let feed = "[AI] Deneb destroyed [AI] Altair\n[AI] Mira destroyed [AI] Antares\n[AI] Nova destroyed [AI] Rigel";
    let text = app.world_mut().spawn((Text::new(feed), TextFont::from_font_size(15.0), ChildOf(column))).id();
    app.update();
    let node = *app.world().get::<ComputedNode>(text).unwrap();
    let lines = font::lines(feed, 15.0 * 0.78, Some(node.content.width() + 2.0)).len();
    assert!(lines > 3, "the lines wrap: {lines}");
    assert!((node.content.height() - lines as f32 * font::line_height(15.0) * 0.78).abs() < 2.0, "{node:?}, {lines} lines");
}

#[test]
fn entities_outside_the_ui_do_not_lay_it_out_again() {
    let mut app = app();
    app.world_mut().spawn((Text::new("score"), Node::default()));
    app.update();
    app.update();
    assert!(!app.world().resource::<layout::Relaid>().0, "nothing changed");
    // A game object with a parent, as the arena's are: not the UI's business.
    let ship = app.world_mut().spawn(Visibility::default()).id();
    app.world_mut().spawn((Visibility::default(), ChildOf(ship)));
    app.update();
    assert!(!app.world().resource::<layout::Relaid>().0, "a non-UI entity changed nothing");
    app.world_mut().spawn((Text::new("more"), Node::default()));
    app.update();
    assert!(app.world().resource::<layout::Relaid>().0, "a new UI node is laid out");
}
