//! The server's half of delta snapshots: one encoder per client, mirroring exactly what that
//! client's decoder holds, with a per-snapshot byte budget filled by a priority accumulator.

use std::collections::{BTreeMap, HashMap};

use super::{BitWriter, DeltaParams, GridEntity, write_delta, write_spawn};

/// How much one snapshot for one client may carry, and whose view it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// Most bytes of entity data per snapshot; 0 = unlimited.
    pub max_bytes: usize,
    /// Centre of the client's view, grid steps: nearer entities are more urgent.
    pub focus: [i32; 2],
    /// The client's own ship: always sent in full detail.
    pub own: Option<u32>,
}

impl Budget {
    /// No limit.
    pub const UNLIMITED: Budget = Budget { max_bytes: 0, focus: [0, 0], own: None };
}

/// What one encode produced, for metrics and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EncodeStats {
    /// Size of the frame, bits.
    pub bits: usize,
    /// Entities the client had and still has.
    pub kept: usize,
    /// Kept entities that differed from the prediction and were sent.
    pub changed: usize,
    /// Bits of those entities' delta records (with their present/changed bits).
    pub changed_delta_bits: usize,
    /// Bits the same entities would have cost as full records.
    pub changed_full_bits: usize,
    /// New entities sent.
    pub spawned: usize,
    /// Entities the client dropped.
    pub despawned: usize,
    /// Changes and spawns held back by the budget (sent on a later tick).
    pub deferred: usize,
}

/// Priority gained per tick by a waiting update: the base keeps far, slow entities from
/// starving; nearness and speed add urgency (up to 3× for a fast entity at the centre).
const BASE_PRIORITY: f32 = 1.0;
/// Distance (grid steps) at which nearness stops adding priority: about a screen width.
const NEAR_RANGE_STEPS: f32 = 1000.0 * 8.0;
/// Speed (velocity steps) at which speed adds its full share: a ship at top speed.
const FAST_STEPS: f32 = 520.0 * 4.0;

/// One client's encoder.
#[derive(Debug, Clone)]
pub struct DeltaEncoder {
    params: DeltaParams,
    /// Exactly what the client's decoder holds after the last frame.
    baseline: BTreeMap<u32, GridEntity>,
    /// Accumulated priority of updates waiting for budget.
    waiting: HashMap<u32, f32>,
    /// The next frame starts from nothing (join, or after [`DeltaEncoder::reset`]).
    reset: bool,
}

enum Candidate {
    Change { record: BitWriter },
    Spawn { record: BitWriter },
}

impl DeltaEncoder {
    /// An encoder for a client of a server ticking at `tick_hz`; its first frame is full.
    pub fn new(tick_hz: u16) -> Self {
        Self { params: DeltaParams::new(tick_hz), baseline: BTreeMap::new(), waiting: HashMap::new(), reset: true }
    }

    /// Makes the next frame a full one (e.g. after the client resynchronised).
    pub fn reset(&mut self) {
        self.reset = true;
    }

    /// What the client holds, by id.
    pub fn client_view(&self) -> impl Iterator<Item = &GridEntity> {
        self.baseline.values()
    }

    /// Encodes `visible` (sorted by id: everything this client should see now) against what
    /// the client has, within `budget`.
    pub fn encode(&mut self, visible: &[GridEntity], budget: &Budget) -> (Vec<u8>, EncodeStats) {
        debug_assert!(visible.windows(2).all(|w| w[0].id < w[1].id), "visible must be sorted by id");
        let mut stats = EncodeStats::default();
        if self.reset {
            self.baseline.clear();
            self.waiting.clear();
        }
        // Kept entities are predicted; those that differ, and new ones, compete for the budget.
        let mut candidates: Vec<(u32, Candidate, &GridEntity)> = Vec::new();
        let mut predicted: HashMap<u32, GridEntity> = HashMap::with_capacity(self.baseline.len());
        for current in visible {
            match self.baseline.get(&current.id) {
                Some(base) => {
                    let guess = base.predicted(&self.params);
                    predicted.insert(current.id, guess);
                    if guess != *current {
                        let mut record = BitWriter::new();
                        write_delta(&mut record, &guess, current);
                        candidates.push((current.id, Candidate::Change { record }, current));
                    }
                }
                None => {
                    let mut record = BitWriter::new();
                    write_spawn(&mut record, current);
                    candidates.push((current.id, Candidate::Spawn { record }, current));
                }
            }
        }

        let selected = self.select(&mut candidates, visible.len(), budget, &mut stats);

        let mut frame = BitWriter::new();
        frame.bit(self.reset);
        let mut next = BTreeMap::new();
        let by_id: HashMap<u32, &GridEntity> = visible.iter().map(|e| (e.id, e)).collect();
        let chosen: HashMap<u32, &Candidate> = candidates.iter().filter(|(id, ..)| selected.contains_key(id)).map(|(id, c, _)| (*id, c)).collect();
        for id in self.baseline.keys() {
            let Some(current) = by_id.get(id) else {
                frame.bit(false);
                stats.despawned += 1;
                self.waiting.remove(id);
                continue;
            };
            frame.bit(true);
            stats.kept += 1;
            match chosen.get(id) {
                Some(Candidate::Change { record }) => {
                    let before = frame.len_bits();
                    frame.bit(true);
                    frame.append(record);
                    stats.changed += 1;
                    stats.changed_delta_bits += frame.len_bits() - before + 1;
                    let mut full = BitWriter::new();
                    write_spawn(&mut full, current);
                    stats.changed_full_bits += full.len_bits() + id_gap_bits(1) + 1;
                    next.insert(*id, **current);
                }
                _ => {
                    frame.bit(false);
                    // What the decoder will compute: the prediction (which may lag the truth
                    // if the budget held the update back; a later frame carries the rest).
                    next.insert(*id, predicted[id]);
                }
            }
        }
        let mut spawns: Vec<(u32, &BitWriter)> = candidates
            .iter()
            .filter(|(id, ..)| selected.contains_key(id))
            .filter_map(|(id, c, _)| match c {
                Candidate::Spawn { record } => Some((*id, record)),
                Candidate::Change { .. } => None,
            })
            .collect();
        spawns.sort_unstable_by_key(|(id, _)| *id);
        frame.gamma(spawns.len() as u64);
        let mut previous = 0u32;
        for (id, record) in &spawns {
            frame.gamma(u64::from(id - previous));
            frame.append(record);
            previous = *id;
            next.insert(*id, *by_id[id]);
        }
        stats.spawned = spawns.len();
        stats.bits = frame.len_bits();
        self.baseline = next;
        self.reset = false;
        (frame.into_bytes(), stats)
    }

    /// Chooses which candidates fit the budget, most urgent first; returns the chosen ids.
    /// Everything chosen has its waiting priority cleared; the rest keep accumulating.
    fn select(&mut self, candidates: &mut [(u32, Candidate, &GridEntity)], visible: usize, budget: &Budget, stats: &mut EncodeStats) -> HashMap<u32, ()> {
        if budget.max_bytes == 0 {
            for (id, ..) in candidates.iter() {
                self.waiting.remove(id);
            }
            return candidates.iter().map(|(id, ..)| (*id, ())).collect();
        }
        for (id, _, entity) in candidates.iter() {
            let gain = if Some(*id) == budget.own { f32::INFINITY } else { urgency(entity, budget.focus) };
            *self.waiting.entry(*id).or_insert(0.0) += gain;
        }
        candidates.sort_by(|a, b| self.waiting[&b.0].total_cmp(&self.waiting[&a.0]).then(a.0.cmp(&b.0)));
        // Fixed cost: reset, present and changed bits, the spawn count.
        let mut used = 1 + 2 * self.baseline.len().max(visible) + 17;
        let limit = budget.max_bytes * 8;
        let mut chosen = HashMap::new();
        for (id, candidate, _) in candidates.iter() {
            let cost = match candidate {
                Candidate::Change { record } => record.len_bits(),
                Candidate::Spawn { record } => record.len_bits() + id_gap_bits(8),
            };
            // The most urgent update always goes, so an entity larger than the budget still moves.
            if chosen.is_empty() || used + cost <= limit {
                used += cost;
                chosen.insert(*id, ());
                self.waiting.remove(id);
            } else {
                stats.deferred += 1;
            }
        }
        chosen
    }
}

/// Rough cost of an id gap in a spawn list.
fn id_gap_bits(gap: u64) -> usize {
    let mut w = BitWriter::new();
    w.gamma(gap);
    w.len_bits()
}

/// How urgent an update to `entity` is for a viewer at `focus`.
fn urgency(entity: &GridEntity, focus: [i32; 2]) -> f32 {
    let dx = (entity.pos[0] - focus[0]) as f32;
    let dy = (entity.pos[1] - focus[1]) as f32;
    let nearness = (1.0 - (dx * dx + dy * dy).sqrt() / NEAR_RANGE_STEPS).max(0.0);
    let speed = ((entity.vel[0] as f32).powi(2) + (entity.vel[1] as f32).powi(2)).sqrt();
    BASE_PRIORITY + nearness + (speed / FAST_STEPS).min(1.0)
}
