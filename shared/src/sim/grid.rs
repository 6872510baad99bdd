//! A uniform spatial grid for circle and rectangle queries: collision candidates and interest
//! management without an all-pairs scan.
//!
//! Flat, reused storage: every insert appends one `(cell, item)` entry to a vector, and
//! [`SpatialGrid::finish`] files the entries by cell with a counting sort over the cells the
//! entries span (column-major, so a query reads each column of cells it overlaps as one
//! contiguous run). Nothing is hashed and, once the vectors have grown to a tick's size,
//! nothing is allocated: [`SpatialGrid::clear`] keeps the storage for the next tick. Should the
//! entries span far more cells than there are entries (a stray far-away item), the grid sorts
//! the entries instead and finds each column by binary search; the results are the same.

use bevy_math::Vec2;

/// One item filed under one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    x: i32,
    y: i32,
    item: u32,
}

/// A cell's sort key for the sparse layout: column-major, like the dense one.
fn cell_key(x: i32, y: i32) -> u64 {
    // Flipping the sign bit maps i32 order onto u32 order.
    (u64::from(x as u32 ^ 0x8000_0000) << 32) | u64::from(y as u32 ^ 0x8000_0000)
}

/// How the entries are filed after [`SpatialGrid::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Inserted since the last `finish`: not queryable.
    Unfinished,
    /// `items` holds the entries' items cell by cell; the cells of `x0.. × y0..y0 + rows`,
    /// column-major, start at `starts[cell]`.
    Dense { x0: i32, y0: i32, columns: i32, rows: i32 },
    /// `entries` sorted by (column, row, insertion order).
    Sparse,
}

/// Items by square cell. Lookups visit cells column by column (x outer, y inner) and items in
/// insertion order within a cell, so results are deterministic.
///
/// Use: [`clear`](Self::clear), [`insert`](Self::insert) or
/// [`insert_point`](Self::insert_point) every item, [`finish`](Self::finish), then query.
#[derive(Debug, Clone)]
pub struct SpatialGrid {
    cell_size: f32,
    /// Every (cell, item) in insertion order (sorted by cell in the sparse layout).
    entries: Vec<Entry>,
    /// Dense layout: where each cell's items start in `items` (one more than the cells).
    starts: Vec<u32>,
    /// Dense layout: the items, cell by cell.
    items: Vec<u32>,
    layout: Layout,
}

impl Default for SpatialGrid {
    /// An empty grid with 1-unit cells; see [`SpatialGrid::reset`].
    fn default() -> Self {
        Self::new(1.0)
    }
}

/// The dense layout is used while the cells spanned are at most this many per entry (plus a
/// constant): a room's field spans a few hundred to a few thousand cells.
const DENSE_CELLS_PER_ENTRY: i64 = 8;
const DENSE_CELLS_MIN: i64 = 4096;

impl SpatialGrid {
    /// An empty grid. `cell_size` should be about the largest query radius: a query then visits
    /// at most 3×3 cells.
    pub fn new(cell_size: f32) -> Self {
        Self { cell_size, entries: Vec::new(), starts: Vec::new(), items: Vec::new(), layout: Layout::Sparse }
    }

    /// Empties the grid, keeping its storage.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.layout = Layout::Sparse;
    }

    /// Empties the grid and gives it a new cell size, keeping its storage.
    pub fn reset(&mut self, cell_size: f32) {
        self.cell_size = cell_size;
        self.clear();
    }

    fn cell_of(&self, p: Vec2) -> (i32, i32) {
        ((p.x / self.cell_size).floor() as i32, (p.y / self.cell_size).floor() as i32)
    }

    fn push(&mut self, x: i32, y: i32, index: usize) {
        self.entries.push(Entry { x, y, item: index as u32 });
        self.layout = Layout::Unfinished;
    }

    /// Adds item `index` with its bounding circle.
    pub fn insert(&mut self, index: usize, center: Vec2, radius: f32) {
        let lo = self.cell_of(center - Vec2::splat(radius));
        let hi = self.cell_of(center + Vec2::splat(radius));
        for x in lo.0..=hi.0 {
            for y in lo.1..=hi.1 {
                self.push(x, y, index);
            }
        }
    }

    /// Adds item `index` at a point (it lands in exactly one cell).
    pub fn insert_point(&mut self, index: usize, p: Vec2) {
        let (x, y) = self.cell_of(p);
        self.push(x, y, index);
    }

    /// Files what was inserted; queries need it after the last insert.
    pub fn finish(&mut self) {
        if self.layout != Layout::Unfinished {
            return;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for e in &self.entries {
            (x0, y0, x1, y1) = (x0.min(e.x), y0.min(e.y), x1.max(e.x), y1.max(e.y));
        }
        let (columns, rows) = (i64::from(x1) - i64::from(x0) + 1, i64::from(y1) - i64::from(y0) + 1);
        if columns * rows > DENSE_CELLS_MIN + DENSE_CELLS_PER_ENTRY * self.entries.len() as i64 {
            // Stable: items within a cell keep their insertion order.
            self.entries.sort_by_key(|e| cell_key(e.x, e.y));
            self.layout = Layout::Sparse;
            return;
        }
        let (columns, rows) = (columns as i32, rows as i32);
        let cell = |e: &Entry| ((e.x - x0) * rows + (e.y - y0)) as usize;
        // Counting sort: count per cell, prefix sums, then place in insertion order.
        self.starts.clear();
        self.starts.resize((columns * rows) as usize + 1, 0);
        for e in &self.entries {
            self.starts[cell(e) + 1] += 1;
        }
        for i in 1..self.starts.len() {
            self.starts[i] += self.starts[i - 1];
        }
        self.items.clear();
        self.items.resize(self.entries.len(), 0);
        for e in &self.entries {
            let slot = &mut self.starts[cell(e)];
            self.items[*slot as usize] = e.item;
            *slot += 1;
        }
        // Placing advanced each start to the next cell's: shift them back.
        let cells = self.starts.len() - 1;
        self.starts.copy_within(0..cells, 1);
        self.starts[0] = 0;
        self.layout = Layout::Dense { x0, y0, columns, rows };
    }

    /// Calls `visit` with every item filed in the cells `lo..=hi`, column by column, in
    /// insertion order within a cell.
    fn each_in_cells(&self, lo: (i32, i32), hi: (i32, i32), mut visit: impl FnMut(usize)) {
        match self.layout {
            Layout::Unfinished => panic!("SpatialGrid queried before finish()"),
            Layout::Dense { x0, y0, columns, rows } => {
                let (ylo, yhi) = (lo.1.max(y0), hi.1.min(y0 + rows - 1));
                if ylo > yhi {
                    return;
                }
                for x in lo.0.max(x0)..=hi.0.min(x0 + columns - 1) {
                    let column = (x - x0) * rows;
                    let first = self.starts[(column + ylo - y0) as usize] as usize;
                    let last = self.starts[(column + yhi - y0) as usize + 1] as usize;
                    for &item in &self.items[first..last] {
                        visit(item as usize);
                    }
                }
            }
            Layout::Sparse => {
                for x in lo.0..=hi.0 {
                    let (first, last) = (cell_key(x, lo.1), cell_key(x, hi.1));
                    let start = self.entries.partition_point(|e| cell_key(e.x, e.y) < first);
                    for entry in self.entries[start..].iter().take_while(|e| cell_key(e.x, e.y) <= last) {
                        visit(entry.item as usize);
                    }
                }
            }
        }
    }

    /// Calls `visit` for every item whose cells overlap the square around the circle, each once.
    /// Visiting order is deterministic; callers still test the exact distance.
    pub fn query(&self, center: Vec2, radius: f32, seen: &mut Vec<usize>, mut visit: impl FnMut(usize)) {
        seen.clear();
        let lo = self.cell_of(center - Vec2::splat(radius));
        let hi = self.cell_of(center + Vec2::splat(radius));
        self.each_in_cells(lo, hi, |i| {
            if !seen.contains(&i) {
                seen.push(i);
                visit(i);
            }
        });
    }

    /// Appends to `out` every point item (see [`SpatialGrid::insert_point`]) inside the
    /// rectangle `min..=max`, visiting only the cells it overlaps.
    pub fn points_in_rect(&self, min: Vec2, max: Vec2, points: &[Vec2], out: &mut Vec<usize>) {
        self.each_in_cells(self.cell_of(min), self.cell_of(max), |i| {
            let p = points[i];
            if p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y {
                out.push(i);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_query_finds_exactly_the_points_inside() {
        let points: Vec<Vec2> = (0..400).map(|i| Vec2::new((i % 20) as f32 * 97.0 - 900.0, (i / 20) as f32 * 89.0 - 900.0)).collect();
        let mut grid = SpatialGrid::new(256.0);
        for (i, p) in points.iter().enumerate() {
            grid.insert_point(i, *p);
        }
        grid.finish();
        let (min, max) = (Vec2::new(-300.0, -120.0), Vec2::new(410.0, 333.0));
        let mut found = Vec::new();
        grid.points_in_rect(min, max, &points, &mut found);
        found.sort();
        let expected: Vec<usize> = (0..points.len()).filter(|&i| points[i].cmpge(min).all() && points[i].cmple(max).all()).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn query_finds_exactly_the_overlapping_items_once() {
        let mut grid = SpatialGrid::new(100.0);
        let points = [Vec2::new(0.0, 0.0), Vec2::new(95.0, 5.0), Vec2::new(-150.0, 0.0), Vec2::new(1000.0, 1000.0)];
        for (i, p) in points.iter().enumerate() {
            grid.insert(i, *p, 20.0);
        }
        grid.finish();
        let mut seen = Vec::new();
        let mut found = Vec::new();
        grid.query(Vec2::new(50.0, 0.0), 60.0, &mut seen, |i| found.push(i));
        found.sort();
        assert_eq!(found, vec![0, 1]);
        found.clear();
        grid.query(Vec2::new(-120.0, 0.0), 40.0, &mut seen, |i| found.push(i));
        assert!(found.contains(&2) && !found.contains(&3));
    }

    /// The grid as it was before issue 11 (a hash map of cells, rebuilt every tick): the flat
    /// grid must visit exactly the same items in exactly the same order, or the simulation,
    /// which breaks asteroids in visiting order, would no longer replay the same.
    fn reference_query(items: &[(Vec2, f32)], cell: f32, center: Vec2, radius: f32) -> Vec<usize> {
        let cell_of = |p: Vec2| ((p.x / cell).floor() as i32, (p.y / cell).floor() as i32);
        let mut cells: std::collections::HashMap<(i32, i32), Vec<usize>> = std::collections::HashMap::new();
        for (i, &(p, r)) in items.iter().enumerate() {
            let (lo, hi) = (cell_of(p - Vec2::splat(r)), cell_of(p + Vec2::splat(r)));
            for x in lo.0..=hi.0 {
                for y in lo.1..=hi.1 {
                    cells.entry((x, y)).or_default().push(i);
                }
            }
        }
        let (lo, hi) = (cell_of(center - Vec2::splat(radius)), cell_of(center + Vec2::splat(radius)));
        let mut seen = Vec::new();
        for x in lo.0..=hi.0 {
            for y in lo.1..=hi.1 {
                for &i in cells.get(&(x, y)).into_iter().flatten() {
                    if !seen.contains(&i) {
                        seen.push(i);
                    }
                }
            }
        }
        seen
    }

    #[test]
    fn visiting_order_is_the_hash_grids_and_storage_is_reused() {
        let mut rng = crate::sim::SimRng::new(11);
        let mut grid = SpatialGrid::default();
        for round in 0..40 {
            let items: Vec<(Vec2, f32)> = (0..(rng.next_u64() % 300))
                .map(|_| (Vec2::new(rng.range(-3000.0, 3000.0), rng.range(-3000.0, 3000.0)), rng.range(0.0, 300.0)))
                .collect();
            let mut items = items;
            if round % 4 == 3 {
                // A stray far-away item: the grid files by sorting instead (same results).
                items.push((Vec2::new(9.0e6, -7.5e6), 1.0));
            }
            grid.reset(128.0);
            for (i, &(p, r)) in items.iter().enumerate() {
                grid.insert(i, p, r);
            }
            grid.finish();
            let capacity = grid.entries.capacity();
            let mut seen = Vec::new();
            for _ in 0..50 {
                let center = Vec2::new(rng.range(-3500.0, 3500.0), rng.range(-3500.0, 3500.0));
                let radius = rng.range(0.0, 400.0);
                let mut visited = Vec::new();
                grid.query(center, radius, &mut seen, |i| visited.push(i));
                assert_eq!(visited, reference_query(&items, 128.0, center, radius), "round {round}");
            }
            assert_eq!(grid.entries.capacity(), capacity, "queries do not allocate");
        }
    }
}
