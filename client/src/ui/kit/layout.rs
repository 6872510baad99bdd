//! Lays the UI out: every frame something changed, the [`Node`] trees go into a `taffy` tree
//! (the flexbox engine Bevy's UI uses too), text nodes measured by [`font`]; the boxes come
//! back as [`ComputedNode`]s in window pixels, and [`UiStack`] lists the nodes in the order
//! they are drawn (back to front), for drawing and for the pointer.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use taffy::{AvailableSpace, Dimension, LengthPercentage, LengthPercentageAuto, TaffyTree};

use super::font;
use super::style::*;
use super::written::{Written, WrittenText};

/// What a text node's measurement needs.
#[derive(Debug, Clone)]
struct TextMeasure {
    text: String,
    size: f32,
    wrap: bool,
    /// Players wrote it: measured by the text engine (when there is one).
    written: bool,
}

/// The UI's nodes, back to front: a node comes after its parent and before its later siblings.
#[derive(Resource, Debug, Default)]
pub struct UiStack {
    /// The nodes, back to front.
    pub entries: Vec<StackEntry>,
}

/// One node of [`UiStack`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StackEntry {
    /// The node.
    pub entity: Entity,
    /// Its parent's index in the stack; `None` for a root.
    pub parent: Option<usize>,
    /// The horizontal range its text is cut to (an ancestor's `Overflow::clip_x()`), window
    /// pixels.
    pub clip_x: Option<(f32, f32)>,
}

/// What the last layout was made for, to know when the window or the scale changed.
#[derive(Debug, Default, PartialEq, Clone, Copy)]
pub(super) struct LaidOutFor {
    window: Vec2,
    scale: f32,
}

/// Set when the layout ran this frame (the drawing rebuilds then).
#[derive(Resource, Debug, Default)]
pub(super) struct Relaid(pub bool);

type Changes =
    Or<(Changed<Node>, Changed<Text>, Changed<TextFont>, Changed<TextLayout>, Changed<Children>, Changed<ChildOf>, Changed<GlobalZIndex>)>;

#[allow(clippy::too_many_arguments)]
pub(super) fn lay_out(
    window: Query<&Window, With<PrimaryWindow>>,
    scale: Res<UiScale>,
    changed: Query<(), (With<Node>, Changes)>,
    mut removed: RemovedComponents<Node>,
    nodes: Query<(Entity, &Node, Option<&ChildOf>, Option<&GlobalZIndex>, Option<&Children>)>,
    texts: Query<(&Text, &TextFont, &TextLayout, Has<Written>)>,
    mut computed: Query<&mut ComputedNode>,
    mut stack: ResMut<UiStack>,
    mut relaid: ResMut<Relaid>,
    mut written: Option<ResMut<WrittenText>>,
    mut last: Local<LaidOutFor>,
) {
    // Without a window (headless tests) the UI is laid out over a desktop-sized screen.
    let window = window.single().map_or(Vec2::new(1280.0, 720.0), Window::size);
    let now = LaidOutFor { window, scale: scale.0.max(0.01) };
    let removed_any = removed.read().count() > 0;
    relaid.0 = *last != now || removed_any || !changed.is_empty();
    if !relaid.0 {
        return;
    }
    *last = now;
    let mut roots: Vec<(i32, u32, Entity)> = nodes
        .iter()
        .filter(|(_, _, parent, ..)| parent.is_none_or(|parent| !nodes.contains(parent.parent())))
        .map(|(entity, _, _, z, _)| (z.map_or(0, |z| z.0), entity.index_u32(), entity))
        .collect();
    roots.sort_unstable();

    let mut tree: TaffyTree<Option<TextMeasure>> = TaffyTree::new();
    let viewport = now.window / now.scale;
    stack.entries.clear();
    for (.., root) in roots {
        let mut built = Vec::new();
        let Some(root_id) = build(&mut tree, root, &nodes, &texts, &mut built) else { continue };
        let viewport_style = taffy::Style {
            size: taffy::Size { width: Dimension::length(viewport.x), height: Dimension::length(viewport.y) },
            align_items: Some(taffy::AlignItems::FlexStart),
            ..default()
        };
        let Ok(viewport_id) = tree.new_with_children(viewport_style, &[root_id]) else { continue };
        let available = taffy::Size { width: AvailableSpace::Definite(viewport.x), height: AvailableSpace::Definite(viewport.y) };
        let mut engine = written.as_deref_mut().filter(|written| written.available());
        let measured = |known, available, id, context: Option<&mut Option<TextMeasure>>, style: &taffy::Style| {
            measure(known, available, id, context, style, engine.as_deref_mut())
        };
        if tree.compute_layout_with_measure(viewport_id, available, measured).is_err() {
            continue;
        }
        place(&tree, &built, 0, Vec2::ZERO, None, None, now.scale, &mut computed, &mut stack.entries);
    }
}

/// A built taffy node: its entity, its id, and its children's indices in the built list.
struct Built {
    entity: Entity,
    id: taffy::NodeId,
    children: Vec<usize>,
    clip_x: bool,
}

/// Adds `entity`'s subtree to `tree` (nodes with `Display::None` left out) and returns its id;
/// `built` gets the subtree, `entity` first.
fn build(
    tree: &mut TaffyTree<Option<TextMeasure>>,
    entity: Entity,
    nodes: &Query<(Entity, &Node, Option<&ChildOf>, Option<&GlobalZIndex>, Option<&Children>)>,
    texts: &Query<(&Text, &TextFont, &TextLayout, Has<Written>)>,
    built: &mut Vec<Built>,
) -> Option<taffy::NodeId> {
    let (_, node, _, _, children) = nodes.get(entity).ok()?;
    if node.display == Display::None {
        return None;
    }
    let index = built.len();
    // A placeholder until the children are built (they come after it in the list).
    built.push(Built { entity, id: taffy::NodeId::from(0u64), children: Vec::new(), clip_x: node.overflow.clip_x });
    let mut child_ids = Vec::new();
    let mut child_indices = Vec::new();
    for child in children.into_iter().flat_map(|children| children.iter()) {
        let at = built.len();
        if let Some(id) = build(tree, child, nodes, texts, built) {
            child_ids.push(id);
            child_indices.push(at);
        }
    }
    let style = style_of(node);
    let id = match texts.get(entity) {
        Ok((text, font, layout, written)) if child_ids.is_empty() => {
            let measure = TextMeasure { text: text.0.clone(), size: font.font_size, wrap: layout.wrap, written };
            tree.new_leaf_with_context(style, Some(measure)).ok()?
        }
        _ => tree.new_with_children(style, &child_ids).ok()?,
    };
    built[index].id = id;
    built[index].children = child_indices;
    Some(id)
}

fn measure(
    _known: taffy::Size<Option<f32>>,
    available: taffy::Size<AvailableSpace>,
    _id: taffy::NodeId,
    context: Option<&mut Option<TextMeasure>>,
    _style: &taffy::Style,
    engine: Option<&mut WrittenText>,
) -> taffy::Size<f32> {
    let Some(Some(text)) = context else { return taffy::Size::ZERO };
    // Not `_known`: that is the node's whole box (padding and border included) where taffy
    // knows it; `available` is what is left inside them, the width the text wraps at.
    let wrap_width = text.wrap.then_some(()).and(match available.width {
        AvailableSpace::Definite(width) => Some(width),
        AvailableSpace::MinContent => Some(0.0),
        AvailableSpace::MaxContent => None,
    });
    let size = match engine {
        Some(engine) if text.written => engine.measure(&text.text, text.size, wrap_width),
        _ => font::measure(&text.text, text.size, wrap_width),
    };
    taffy::Size { width: size.x, height: size.y }
}

/// Writes the laid-out boxes of `built[index]`'s subtree (`origin`: its parent's top left, UI
/// pixels) and appends them to `stack`.
#[allow(clippy::too_many_arguments)]
fn place(
    tree: &TaffyTree<Option<TextMeasure>>,
    built: &[Built],
    index: usize,
    origin: Vec2,
    parent: Option<usize>,
    clip_x: Option<(f32, f32)>,
    scale: f32,
    computed: &mut Query<&mut ComputedNode>,
    stack: &mut Vec<StackEntry>,
) {
    let node = &built[index];
    let Ok(layout) = tree.layout(node.id) else { return };
    let min = origin + Vec2::new(layout.location.x, layout.location.y);
    let size = Vec2::new(layout.size.width, layout.size.height);
    let rect = Rect::from_corners(min * scale, (min + size) * scale);
    let inset = |side: f32| side * scale;
    let content = Rect {
        min: rect.min + Vec2::new(inset(layout.padding.left + layout.border.left), inset(layout.padding.top + layout.border.top)),
        max: rect.max - Vec2::new(inset(layout.padding.right + layout.border.right), inset(layout.padding.bottom + layout.border.bottom)),
    };
    if let Ok(mut computed) = computed.get_mut(node.entity) {
        computed.set_if_neq(ComputedNode { rect, content });
    }
    let at = stack.len();
    stack.push(StackEntry { entity: node.entity, parent, clip_x });
    let clip_x = if node.clip_x {
        let own = (rect.min.x, rect.max.x);
        Some(clip_x.map_or(own, |(lo, hi)| (lo.max(own.0), hi.min(own.1))))
    } else {
        clip_x
    };
    for &child in &node.children {
        place(tree, built, child, min, Some(at), clip_x, scale, computed, stack);
    }
}

fn length(val: Val) -> LengthPercentage {
    match val {
        Val::Px(px) => LengthPercentage::length(px),
        Val::Percent(percent) => LengthPercentage::percent(percent / 100.0),
        Val::Auto => LengthPercentage::length(0.0),
    }
}

fn length_auto(val: Val) -> LengthPercentageAuto {
    match val {
        Val::Px(px) => LengthPercentageAuto::length(px),
        Val::Percent(percent) => LengthPercentageAuto::percent(percent / 100.0),
        Val::Auto => LengthPercentageAuto::auto(),
    }
}

fn dimension(val: Val) -> Dimension {
    match val {
        Val::Px(px) => Dimension::length(px),
        Val::Percent(percent) => Dimension::percent(percent / 100.0),
        Val::Auto => Dimension::auto(),
    }
}

fn sides<T>(rect: UiRect, f: impl Fn(Val) -> T) -> taffy::Rect<T> {
    taffy::Rect { left: f(rect.left), right: f(rect.right), top: f(rect.top), bottom: f(rect.bottom) }
}

/// The taffy style of a node.
fn style_of(node: &Node) -> taffy::Style {
    taffy::Style {
        display: taffy::Display::Flex,
        position: match node.position_type {
            PositionType::Relative => taffy::Position::Relative,
            PositionType::Absolute => taffy::Position::Absolute,
        },
        inset: taffy::Rect {
            left: length_auto(node.left),
            right: length_auto(node.right),
            top: length_auto(node.top),
            bottom: length_auto(node.bottom),
        },
        size: taffy::Size { width: dimension(node.width), height: dimension(node.height) },
        min_size: taffy::Size { width: dimension(node.min_width), height: dimension(node.min_height) },
        max_size: taffy::Size { width: dimension(node.max_width), height: dimension(node.max_height) },
        margin: sides(node.margin, length_auto),
        padding: sides(node.padding, length),
        border: sides(node.border, length),
        overflow: taffy::Point {
            x: if node.overflow.clip_x { taffy::Overflow::Clip } else { taffy::Overflow::Visible },
            y: taffy::Overflow::Visible,
        },
        flex_direction: match node.flex_direction {
            FlexDirection::Row => taffy::FlexDirection::Row,
            FlexDirection::Column => taffy::FlexDirection::Column,
        },
        flex_wrap: match node.flex_wrap {
            FlexWrap::NoWrap => taffy::FlexWrap::NoWrap,
            FlexWrap::Wrap => taffy::FlexWrap::Wrap,
        },
        flex_grow: node.flex_grow,
        justify_content: Some(match node.justify_content {
            JustifyContent::FlexStart => taffy::JustifyContent::FlexStart,
            JustifyContent::FlexEnd => taffy::JustifyContent::FlexEnd,
            JustifyContent::Center => taffy::JustifyContent::Center,
            JustifyContent::SpaceBetween => taffy::JustifyContent::SpaceBetween,
        }),
        align_items: match node.align_items {
            AlignItems::Default => None,
            AlignItems::FlexStart => Some(taffy::AlignItems::FlexStart),
            AlignItems::FlexEnd => Some(taffy::AlignItems::FlexEnd),
            AlignItems::Center => Some(taffy::AlignItems::Center),
        },
        gap: taffy::Size { width: length(node.column_gap), height: length(node.row_gap) },
        ..default()
    }
}
