//! The components a UI is described with: boxes laid out as flexbox ([`Node`]), text, colours,
//! buttons. They follow the names and fields of Bevy's UI (the part of it the game uses), so a
//! screen reads like any Bevy UI; [`super::layout`] lays them out and [`super::draw`] draws them.

use bevy::prelude::*;

/// A length: automatic, pixels (UI pixels, see [`UiScale`]), or a percentage of the parent.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Val {
    /// Whatever the layout gives it.
    #[default]
    Auto,
    /// UI pixels.
    Px(f32),
    /// Percent of the parent's size along the same axis.
    Percent(f32),
}

impl Val {
    /// No length at all.
    pub const ZERO: Self = Self::Px(0.0);
}

/// A number a length can be made of.
pub trait ValNum {
    /// As a float.
    fn val_num_f32(self) -> f32;
}

macro_rules! val_num {
    ($($t:ty),*) => {$(
        impl ValNum for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn val_num_f32(self) -> f32 {
                self as f32
            }
        }
    )*};
}
val_num!(f32, f64, i32, u32, usize, u16, u8);

/// `value` UI pixels.
pub fn px(value: impl ValNum) -> Val {
    Val::Px(value.val_num_f32())
}

/// `value` percent of the parent.
pub fn percent(value: impl ValNum) -> Val {
    Val::Percent(value.val_num_f32())
}

/// Four lengths, one per side; zero by default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UiRect {
    /// The left side.
    pub left: Val,
    /// The right side.
    pub right: Val,
    /// The top.
    pub top: Val,
    /// The bottom.
    pub bottom: Val,
}

impl Default for UiRect {
    fn default() -> Self {
        Self::ZERO
    }
}

impl UiRect {
    /// Nothing on any side.
    pub const ZERO: Self = Self::all(Val::ZERO);

    /// `value` on every side.
    pub const fn all(value: Val) -> Self {
        Self { left: value, right: value, top: value, bottom: value }
    }

    /// `horizontal` left and right, `vertical` top and bottom.
    pub const fn axes(horizontal: Val, vertical: Val) -> Self {
        Self { left: horizontal, right: horizontal, top: vertical, bottom: vertical }
    }

    /// `value` at the top only.
    pub const fn top(value: Val) -> Self {
        Self { top: value, ..Self::ZERO }
    }

    /// `value` at the bottom only.
    pub const fn bottom(value: Val) -> Self {
        Self { bottom: value, ..Self::ZERO }
    }
}

/// How round a box's corners are: one radius for all four.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BorderRadius(pub Val);

impl BorderRadius {
    /// Square corners.
    pub const ZERO: Self = Self(Val::ZERO);
    /// As round as the box allows: a pill, or a circle for a square box.
    pub const MAX: Self = Self(Val::Px(f32::MAX));

    /// `radius` at every corner.
    pub const fn all(radius: Val) -> Self {
        Self(radius)
    }
}

/// Whether a box takes part in the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Display {
    /// Laid out as a flexbox.
    #[default]
    Flex,
    /// Gone: no space, not drawn, its children neither.
    None,
}

/// Laid out with its siblings, or placed by `left`/`top`/... within its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionType {
    /// In the flow of its siblings.
    #[default]
    Relative,
    /// Out of the flow, placed by its insets.
    Absolute,
}

/// The main axis of a box's children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlexDirection {
    /// Left to right.
    #[default]
    Row,
    /// Top to bottom.
    Column,
}

/// Whether children that do not fit start a new line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlexWrap {
    /// One line, however long.
    #[default]
    NoWrap,
    /// As many lines as needed.
    Wrap,
}

/// Where children go along the main axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JustifyContent {
    /// At the start.
    #[default]
    FlexStart,
    /// At the end.
    FlexEnd,
    /// In the middle.
    Center,
    /// Spread out, the first and last at the edges.
    SpaceBetween,
}

/// Where children go across the main axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlignItems {
    /// Stretched to fill the line.
    #[default]
    Default,
    /// At the start.
    FlexStart,
    /// At the end.
    FlexEnd,
    /// In the middle.
    Center,
}

/// What shows of content wider than its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overflow {
    /// The text of the nodes inside it is cut at its left and right edges, whole glyphs at a
    /// time (boxes are not cut).
    pub clip_x: bool,
}

impl Overflow {
    /// Cut at the left and right edges.
    pub const fn clip_x() -> Self {
        Self { clip_x: true }
    }
}

/// A box of the UI, laid out as a flexbox (the CSS meaning of each field). An entity with a
/// `Node` and no `Node` parent is a root, laid out over the whole window.
#[derive(Component, Debug, Clone, PartialEq, Default)]
#[require(Visibility, BackgroundColor, BorderColor, ComputedNode)]
pub struct Node {
    /// Laid out, or gone.
    pub display: Display,
    /// In the flow, or placed by the insets below.
    pub position_type: PositionType,
    /// Inset from the parent's left (absolute) or offset (relative).
    pub left: Val,
    /// Inset from the parent's right.
    pub right: Val,
    /// Inset from the parent's top.
    pub top: Val,
    /// Inset from the parent's bottom.
    pub bottom: Val,
    /// Width, border and padding included.
    pub width: Val,
    /// Height, border and padding included.
    pub height: Val,
    /// Never narrower than this.
    pub min_width: Val,
    /// Never lower than this.
    pub min_height: Val,
    /// Never wider than this (text wraps to fit).
    pub max_width: Val,
    /// Never higher than this.
    pub max_height: Val,
    /// Space outside the border.
    pub margin: UiRect,
    /// Space inside the border.
    pub padding: UiRect,
    /// Border widths (drawn with the left one on every side).
    pub border: UiRect,
    /// Rounded corners.
    pub border_radius: BorderRadius,
    /// The main axis of the children.
    pub flex_direction: FlexDirection,
    /// Whether the children wrap onto more lines.
    pub flex_wrap: FlexWrap,
    /// Its share of the parent's spare room along the main axis.
    pub flex_grow: f32,
    /// Where the children go along the main axis.
    pub justify_content: JustifyContent,
    /// Where the children go across it.
    pub align_items: AlignItems,
    /// Space between rows.
    pub row_gap: Val,
    /// Space between columns.
    pub column_gap: Val,
    /// What shows of content wider than the box.
    pub overflow: Overflow,
}

/// A box's fill colour (transparent by default).
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct BackgroundColor(pub Color);

impl Default for BackgroundColor {
    fn default() -> Self {
        Self(Color::NONE)
    }
}

/// A box's border colour (its width is [`Node::border`]).
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct BorderColor(pub Color);

impl Default for BorderColor {
    fn default() -> Self {
        Self(Color::NONE)
    }
}

impl BorderColor {
    /// `color` on every side.
    pub const fn all(color: Color) -> Self {
        Self(color)
    }
}

/// Moves a node and everything in it when drawn, without laying anything out again (a score
/// popup rising, say).
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct UiTransform {
    /// The offset, UI pixels.
    pub translation: Vec2,
}

/// Draws a root and everything in it above roots of a lower index (0 by default).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GlobalZIndex(pub i32);

/// A node's text.
#[derive(Component, Debug, Clone, PartialEq, Eq, Default)]
#[require(Node, TextFont, TextColor, TextLayout)]
pub struct Text(pub String);

impl Text {
    /// A node showing `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }
}

/// The size of a text: its em in UI pixels.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct TextFont {
    /// The em, UI pixels.
    pub font_size: f32,
}

impl Default for TextFont {
    fn default() -> Self {
        Self { font_size: 20.0 }
    }
}

impl TextFont {
    /// Text `font_size` UI pixels high.
    pub const fn from_font_size(font_size: f32) -> Self {
        Self { font_size }
    }
}

/// A text's colour.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct TextColor(pub Color);

impl Default for TextColor {
    fn default() -> Self {
        Self(Color::WHITE)
    }
}

/// How a text's lines sit in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Justify {
    /// Flush left.
    #[default]
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
}

/// A text's alignment, and whether it wraps at its box's width.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLayout {
    /// Where the lines sit.
    pub justify: Justify,
    /// Whether lines break between words at the box's width.
    pub wrap: bool,
}

impl Default for TextLayout {
    fn default() -> Self {
        Self { justify: Justify::Left, wrap: true }
    }
}

impl TextLayout {
    /// Lines aligned as `justify` says.
    pub const fn justify(justify: Justify) -> Self {
        Self { justify, wrap: true }
    }

    /// One line per `\n`, however wide.
    pub const fn no_wrap() -> Self {
        Self { justify: Justify::Left, wrap: false }
    }
}

/// A node that reacts to the pointer: see [`Interaction`].
#[derive(Component, Debug, Clone, Copy, Default)]
#[require(Node, Interaction)]
pub struct Button;

/// What the pointer (mouse or finger) is doing with a [`Button`].
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interaction {
    /// Pressed on it and not released yet.
    Pressed,
    /// Over it.
    Hovered,
    /// Neither.
    #[default]
    None,
}

/// Multiplies every UI length: a phone's smaller screen gets a smaller UI.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct UiScale(pub f32);

impl Default for UiScale {
    fn default() -> Self {
        Self(1.0)
    }
}

/// Where a node ended up, in logical window pixels (UI scale applied), from the top left.
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct ComputedNode {
    /// Its box, border included.
    pub rect: Rect,
    /// Inside its border and padding: where its text goes.
    pub content: Rect,
}

impl ComputedNode {
    /// Its size.
    pub fn size(&self) -> Vec2 {
        self.rect.size()
    }
}
