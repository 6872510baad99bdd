//! The texture the written lines are kept in: each distinct line (text, size, colour) is drawn
//! once and packed on shelves; when the texture is full it is emptied and refilled with what
//! is drawn from then on, so it never grows and never holds what is no longer shown.

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

/// The lines drawn into one texture.
#[derive(Debug)]
pub struct Atlas {
    /// RGBA, premultiplied, sRGB, rows top to bottom.
    pub pixels: Vec<u8>,
    shelves: Vec<Shelf>,
    /// Places by key (a hash already).
    lines: HashMap<u64, URect, NoOpHash>,
    /// Counts the times it was emptied: whatever holds a place from before is stale.
    pub generation: u64,
    /// Whether pixels changed since the texture was last sent to the GPU.
    pub dirty: bool,
}

impl Default for Atlas {
    fn default() -> Self {
        Self {
            pixels: vec![0; (ATLAS_SIDE * ATLAS_SIDE * 4) as usize],
            shelves: Vec::new(),
            lines: HashMap::default(),
            generation: 0,
            dirty: false,
        }
    }
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

    /// Empties it (the texture keeps its old pixels until overwritten: nothing points there).
    pub fn clear(&mut self) {
        self.shelves.clear();
        self.lines.clear();
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
        for row in 0..(size.y + GAP).min(ATLAS_SIDE - at.y) {
            let start = (((at.y + row) * ATLAS_SIDE + at.x) * 4) as usize;
            let span = ((size.x + GAP).min(ATLAS_SIDE - at.x) * 4) as usize;
            let target = &mut self.pixels[start..start + span];
            if row < size.y {
                let from = (row * size.x * 4) as usize;
                target[..(size.x * 4) as usize].copy_from_slice(&raster.rgba[from..from + (size.x * 4) as usize]);
                target[(size.x * 4) as usize..].fill(0);
            } else {
                target.fill(0);
            }
        }
        let rect = URect::from_corners(at, at + size);
        self.lines.insert(key, rect);
        self.dirty = true;
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
        let pixel = |p: UVec2| atlas.pixels[((p.y * ATLAS_SIDE + p.x) * 4) as usize];
        assert_eq!(pixel(UVec2::new(99, 19)), 7);
        assert_eq!(pixel(UVec2::new(100, 0)), 0, "the gap stays empty");
        assert_eq!(pixel(b.min), 8);
        assert!(atlas.dirty);
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
        assert_eq!(atlas.insert(10, &raster(ATLAS_SIDE + 1, 10, 1), true), None, "wider than the texture");
    }
}
