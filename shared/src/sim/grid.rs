//! A uniform spatial hash for circle queries: collision candidates (and, later, interest
//! management) without an all-pairs scan.

use std::collections::HashMap;

use bevy_math::Vec2;

/// Buckets of item indices by square cell. Lookups visit cells in a fixed order and items in
/// insertion order, so results are deterministic.
#[derive(Debug, Clone)]
pub struct SpatialGrid {
    cell_size: f32,
    cells: HashMap<(i32, i32), Vec<usize>>,
}

impl SpatialGrid {
    /// An empty grid. `cell_size` should be about the largest query radius: a query then visits
    /// at most 3×3 cells.
    pub fn new(cell_size: f32) -> Self {
        Self { cell_size, cells: HashMap::new() }
    }

    fn cell_of(&self, p: Vec2) -> (i32, i32) {
        ((p.x / self.cell_size).floor() as i32, (p.y / self.cell_size).floor() as i32)
    }

    /// Adds item `index` with its bounding circle.
    pub fn insert(&mut self, index: usize, center: Vec2, radius: f32) {
        let lo = self.cell_of(center - Vec2::splat(radius));
        let hi = self.cell_of(center + Vec2::splat(radius));
        for x in lo.0..=hi.0 {
            for y in lo.1..=hi.1 {
                self.cells.entry((x, y)).or_default().push(index);
            }
        }
    }

    /// Calls `visit` for every item whose cells overlap the square around the circle, each once.
    /// Visiting order is deterministic; callers still test the exact distance.
    pub fn query(&self, center: Vec2, radius: f32, seen: &mut Vec<usize>, mut visit: impl FnMut(usize)) {
        seen.clear();
        let lo = self.cell_of(center - Vec2::splat(radius));
        let hi = self.cell_of(center + Vec2::splat(radius));
        for x in lo.0..=hi.0 {
            for y in lo.1..=hi.1 {
                if let Some(items) = self.cells.get(&(x, y)) {
                    for &i in items {
                        if !seen.contains(&i) {
                            seen.push(i);
                            visit(i);
                        }
                    }
                }
            }
        }
    }

    /// Adds item `index` at a point (it lands in exactly one cell).
    pub fn insert_point(&mut self, index: usize, p: Vec2) {
        let cell = self.cell_of(p);
        self.cells.entry(cell).or_default().push(index);
    }

    /// Appends to `out` every point item (see [`SpatialGrid::insert_point`]) inside the
    /// rectangle `min..=max`, visiting only the cells it overlaps.
    pub fn points_in_rect(&self, min: Vec2, max: Vec2, points: &[Vec2], out: &mut Vec<usize>) {
        let lo = self.cell_of(min);
        let hi = self.cell_of(max);
        for x in lo.0..=hi.0 {
            for y in lo.1..=hi.1 {
                let Some(items) = self.cells.get(&(x, y)) else { continue };
                out.extend(items.iter().copied().filter(|&i| {
                    let p = points[i];
                    p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y
                }));
            }
        }
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
        let mut seen = Vec::new();
        let mut found = Vec::new();
        grid.query(Vec2::new(50.0, 0.0), 60.0, &mut seen, |i| found.push(i));
        found.sort();
        assert_eq!(found, vec![0, 1]);
        found.clear();
        grid.query(Vec2::new(-120.0, 0.0), 40.0, &mut seen, |i| found.push(i));
        assert!(found.contains(&2) && !found.contains(&3));
    }
}
