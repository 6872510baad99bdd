//! The texture the written lines are kept in: each distinct line (text, size, colour) is drawn
//! once and packed on shelves; when the texture is full it is emptied and refilled with what
//! is drawn from then on, so it never grows and never holds what is no longer shown. A new
//! line is sent to the GPU as a write of its own rectangle ([`AtlasWrite`]), not the texture.

use bevy::math::{URect, UVec2};
use bevy::platform::collections::HashMap;
use bevy::platform::hash::NoOpHash;

use super::Raster;

/// The texture's side, pixels: 4 MB of RGBA, room for ~300 names at 16 px on a 1× screen.
pub const ATLAS_SIDE: u32 = 1024;
/// Empty pixels around each line, so filtering never samples a neighbour.
const GAP: u32 = 1;

/// One shelf: a row of lines as tall as its first.
#[derive(Debug)]
struct Shelf {
    top: u32,
    height: u32,
    /// Where the next line goes.
    right: u32,
}

/// Pixels to write into the texture at a place: a line and the empty gap right of and below it.
#[derive(Debug, Clone, PartialEq)]
pub struct AtlasWrite {
    /// The top left corner, texels.
    pub at: UVec2,
    /// Columns and rows.
    pub size: UVec2,
    /// RGBA, premultiplied, sRGB, rows top to bottom.
    pub pixels: Vec<u8>,
}

/// The lines drawn into one texture.
#[derive(Debug, Default)]
pub struct Atlas {
    shelves: Vec<Shelf>,
    /// Places by key (a hash already).
    lines: HashMap<u64, URect, NoOpHash>,
    /// Counts the times it was emptied: whatever holds a place from before is stale.
    pub generation: u64,
    /// Writes not yet sent to the GPU, oldest first.
    pub writes: Vec<AtlasWrite>,
}

impl Atlas {
    /// Where the line keyed `key` is, if drawn.
    pub fn get(&self, key: u64) -> Option<URect> {
        self.lines.get(&key).copied()
    }

    /// How many lines it holds.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// A free place `size` big, on the best-fitting shelf or a new one.
    fn allocate(&mut self, size: UVec2) -> Option<UVec2> {
        let (w, h) = (size.x + GAP, size.y + GAP);
        if w > ATLAS_SIDE || h > ATLAS_SIDE {
            return None;
        }
        let best = self
            .shelves
            .iter_mut()
            .filter(|shelf| shelf.height >= h && shelf.height <= h + h / 2 + 2 && shelf.right + w <= ATLAS_SIDE)
            .min_by_key(|shelf| shelf.height);
        if let Some(shelf) = best {
            let at = UVec2::new(shelf.right, shelf.top);
            shelf.right += w;
            return Some(at);
        }
        let top = self.shelves.last().map_or(0, |shelf| shelf.top + shelf.height);
        if top + h > ATLAS_SIDE {
            return None;
        }
        self.shelves.push(Shelf { top, height: h, right: w });
        Some(UVec2::new(0, top))
    }

    /// Empties it (the texture keeps its old pixels until overwritten: nothing points there;
    /// writes not yet sent are of lines that are gone).
    pub fn clear(&mut self) {
        self.shelves.clear();
        self.lines.clear();
        self.writes.clear();
        self.generation += 1;
    }

    /// Copies `raster` in under `key` and says where; `None` when it does not fit even an
    /// empty atlas, or not in this one and `may_clear` is false.
    pub fn insert(&mut self, key: u64, raster: &Raster, may_clear: bool) -> Option<URect> {
        let size = UVec2::new(raster.width, raster.height);
        let at = match self.allocate(size) {
            Some(at) => at,
            None if may_clear => {
                self.clear();
                self.allocate(size)?
            }
            None => return None,
        };
        // The line's pixels and the gap right and below it (stale pixels of an older line
        // would otherwise bleed in through filtering).
        let written = UVec2::new((size.x + GAP).min(ATLAS_SIDE - at.x), (size.y + GAP).min(ATLAS_SIDE - at.y));
        let mut pixels = vec![0; (written.x * written.y * 4) as usize];
        let row_bytes = (size.x * 4) as usize;
        for row in 0..size.y as usize {
            let to = row * (written.x * 4) as usize;
            pixels[to..to + row_bytes].copy_from_slice(&raster.rgba[row * row_bytes..(row + 1) * row_bytes]);
        }
        self.writes.push(AtlasWrite { at, size: written, pixels });
        let rect = URect::from_corners(at, at + size);
        self.lines.insert(key, rect);
        Some(rect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raster(width: u32, height: u32, value: u8) -> Raster {
        Raster { width, height, rgba: vec![value; (width * height * 4) as usize], missing_glyphs: 0 }
    }

    #[test]
    fn lines_are_packed_on_shelves_without_overlap() {
        let mut atlas = Atlas::default();
        let a = atlas.insert(1, &raster(100, 20, 7), false).unwrap();
        let b = atlas.insert(2, &raster(50, 18, 8), false).unwrap();
        let c = atlas.insert(3, &raster(40, 60, 9), false).unwrap();
        assert_eq!(a, URect::new(0, 0, 100, 20));
        assert_eq!(b.min, UVec2::new(101, 0), "a line a little shorter shares the shelf");
        assert_eq!(c.min, UVec2::new(0, 21), "a much taller one starts a shelf of its own");
        assert_eq!(atlas.get(2), Some(b));
        // Each line is one write of its rectangle and the gap around it, emptied.
        let first = &atlas.writes[0];
        assert_eq!((first.at, first.size), (UVec2::ZERO, UVec2::new(101, 21)));
        let pixel = |p: UVec2| first.pixels[((p.y * first.size.x + p.x) * 4) as usize];
        assert_eq!(pixel(UVec2::new(99, 19)), 7);
        assert_eq!(pixel(UVec2::new(100, 0)), 0, "the gap is written empty");
        assert_eq!(pixel(UVec2::new(0, 20)), 0);
        assert_eq!(atlas.writes.len(), 3);
        assert_eq!(atlas.writes[1].at, b.min);
    }

    #[test]
    fn a_full_atlas_is_emptied_only_when_allowed() {
        let mut atlas = Atlas::default();
        let tall = raster(ATLAS_SIDE - 1, 300, 1);
        for key in 0..3 {
            assert!(atlas.insert(key, &tall, false).is_some());
        }
        assert_eq!(atlas.insert(9, &tall, false), None, "full");
        assert_eq!(atlas.generation, 0);
        assert_eq!(atlas.insert(9, &tall, true), Some(URect::new(0, 0, ATLAS_SIDE - 1, 300)));
        assert_eq!(atlas.generation, 1, "emptied");
        assert_eq!((atlas.len(), atlas.get(0)), (1, None), "what was there is gone");
        assert_eq!(atlas.writes.len(), 1, "writes of lines that are gone are not sent");
        assert_eq!(atlas.writes[0].size, UVec2::new(ATLAS_SIDE, 301), "clipped at the texture's edge");
        assert_eq!(atlas.insert(10, &raster(ATLAS_SIDE + 1, 10, 1), true), None, "wider than the texture");
    }
}
