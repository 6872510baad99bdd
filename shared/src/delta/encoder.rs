//! The server's half of delta snapshots: one encoder per client, mirroring exactly what that
//! client's decoder holds, with a per-snapshot byte budget filled by a priority accumulator.
//!
//! The common case (everything fits) is one merge pass over the sorted baseline and the sorted
//! visible list, writing straight into the frame. Only a frame over budget takes the slower
//! path: rank the waiting updates, then write again with just the chosen ones.

use std::collections::{HashMap, HashSet, VecDeque};

use super::bits::gamma_len;
use super::{BitWriter, DeltaParams, GridEntity, spawn_len, write_delta, write_spawn};

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
    /// Ticks between the frame and its baseline (0 for a full frame): the frame's `base_age`.
    pub base_age: u16,
}

/// Frames a datagram encoder keeps while it waits for the client to acknowledge one: a second at
/// 30 Hz. A client whose newest acknowledgement is older than this (a long burst of loss) gets a
/// full frame instead of a delta.
pub const MAX_UNACKED_FRAMES: usize = 32;

/// Priority gained per tick by a waiting update: the base keeps far, slow entities from
/// starving; nearness and speed add urgency (up to 3× for a fast entity at the centre).
const BASE_PRIORITY: f32 = 1.0;
/// Distance (grid steps) at which nearness stops adding priority: about a screen width.
const NEAR_RANGE_STEPS: f32 = 1000.0 * 8.0;
/// Speed (velocity steps) at which speed adds its full share: a ship at top speed.
const FAST_STEPS: f32 = 520.0 * 4.0;
/// Estimated bits of a spawn's id gap when ranking (the exact gap depends on what is chosen).
const SPAWN_ID_BITS: usize = 9;

/// One client's encoder.
#[derive(Debug, Clone)]
pub struct DeltaEncoder {
    params: DeltaParams,
    /// Exactly what the client's decoder holds after the last frame, sorted by id.
    baseline: Vec<GridEntity>,
    /// Accumulated priority of updates waiting for budget.
    waiting: HashMap<u32, f32>,
    /// The next frame starts from nothing (join, or after [`DeltaEncoder::reset`]).
    reset: bool,
    /// Reused for measuring records while ranking.
    scratch: BitWriter,
    /// The frame being written; its storage is reused from frame to frame.
    frame: BitWriter,
    /// What the client will hold after the frame being written (swapped with `baseline`).
    next: Vec<GridEntity>,
    /// Indices into `visible` of the entities the frame spawns.
    spawns: Vec<usize>,
    /// Tick of the frame `baseline` holds (the previous frame, on a reliable stream).
    base_tick: Option<u64>,
    /// Datagram mode: the frames sent (tick, what the client holds after it), oldest first,
    /// from the newest acknowledged one on. `None` on a reliable stream.
    sent: Option<VecDeque<(u64, Vec<GridEntity>)>>,
    /// Datagram mode: the newest tick the client said it decoded.
    acked: Option<u64>,
    /// Ticks between the frame being written and its baseline.
    steps: u16,
}

impl DeltaEncoder {
    /// An encoder for an ordered, reliable stream from a server ticking at `tick_hz`: each frame
    /// is a delta against the previous one; the first is full.
    pub fn new(tick_hz: u16) -> Self {
        Self {
            params: DeltaParams::new(tick_hz),
            baseline: Vec::new(),
            waiting: HashMap::new(),
            reset: true,
            scratch: BitWriter::new(),
            frame: BitWriter::new(),
            next: Vec::new(),
            spawns: Vec::new(),
            base_tick: None,
            sent: None,
            acked: None,
            steps: 0,
        }
    }

    /// An encoder for datagrams, which may be lost or reordered: each frame is a delta against
    /// the newest frame the client acknowledged ([`acknowledge`](Self::acknowledge)), full when
    /// there is none.
    pub fn acked(tick_hz: u16) -> Self {
        Self { sent: Some(VecDeque::new()), ..Self::new(tick_hz) }
    }

    /// Whether this encoder bases frames on acknowledgements (datagrams).
    pub fn is_acked(&self) -> bool {
        self.sent.is_some()
    }

    /// The client has decoded the frame of `tick` (datagram mode; ignored on a reliable
    /// stream). Frames older than the newest acknowledged are let go.
    pub fn acknowledge(&mut self, tick: u64) {
        let Some(sent) = self.sent.as_mut() else { return };
        if self.acked.is_some_and(|acked| tick <= acked) {
            return;
        }
        // Only a frame actually sent can be a baseline (a hostile ack names anything).
        let Some(index) = sent.iter().position(|(t, _)| *t == tick) else { return };
        self.acked = Some(tick);
        sent.drain(..index);
    }

    /// Makes the next frame a full one (e.g. after the client resynchronised).
    pub fn reset(&mut self) {
        self.reset = true;
    }

    /// What the client holds, by id.
    pub fn client_view(&self) -> impl Iterator<Item = &GridEntity> {
        self.baseline.iter()
    }

    /// Encodes `visible` (sorted by id: everything this client should see now) as the frame of
    /// the tick after the previous one, within `budget`; for tests and tools.
    pub fn encode(&mut self, visible: &[GridEntity], budget: &Budget) -> (Vec<u8>, EncodeStats) {
        let mut bytes = Vec::new();
        let tick = self.base_tick.map_or(1, |tick| tick + 1);
        let stats = self.encode_into(tick, visible, budget, &mut bytes);
        (bytes, stats)
    }

    /// Encodes `visible` (sorted by id: everything this client should see now) as the frame of
    /// `tick` against what the client holds, within `budget`, into `out` (cleared first). No
    /// allocation once the encoder's buffers and `out` have grown to the client's view (but for
    /// the ring of sent frames in datagram mode).
    pub fn encode_into(&mut self, tick: u64, visible: &[GridEntity], budget: &Budget, out: &mut Vec<u8>) -> EncodeStats {
        debug_assert!(visible.windows(2).all(|w| w[0].id < w[1].id), "visible must be sorted by id");
        if let Some(sent) = &self.sent {
            // Datagram mode: the baseline is the newest acknowledged frame, if still held.
            let base = self.acked.and_then(|acked| sent.iter().find(|(t, _)| *t == acked));
            match base {
                Some((base_tick, entities)) => {
                    self.baseline.clone_from(entities);
                    self.base_tick = Some(*base_tick);
                }
                None => self.reset = true,
            }
        }
        let steps = self.base_tick.and_then(|base| tick.checked_sub(base)).and_then(|age| u16::try_from(age).ok());
        match steps {
            Some(steps) if steps > 0 => self.steps = steps,
            // A baseline that is not older than this tick, or too old to name: start over.
            _ => self.reset = true,
        }
        if self.reset {
            self.baseline.clear();
            self.waiting.clear();
            self.steps = 0;
        }
        let mut stats = self.write_frame(visible, None);
        if budget.max_bytes > 0 && self.frame.len_bits().div_ceil(8) > budget.max_bytes {
            let chosen = self.choose(visible, budget);
            stats = self.write_frame(visible, Some(&chosen));
        } else {
            self.waiting.clear();
        }
        self.waiting.retain(|id, _| visible.binary_search_by_key(id, |e| e.id).is_ok());
        stats.base_age = self.steps;
        if let Some(sent) = self.sent.as_mut() {
            if sent.len() == MAX_UNACKED_FRAMES {
                sent.pop_front();
            }
            sent.push_back((tick, self.next.clone()));
        }
        std::mem::swap(&mut self.baseline, &mut self.next);
        self.base_tick = Some(tick);
        self.reset = false;
        out.clear();
        out.extend_from_slice(self.frame.padded_bytes());
        stats
    }

    /// One pass: kept entities in baseline order (present bit, then changed bit and residuals
    /// if they differ from the prediction and are `allowed`), then the allowed spawns. Leaves
    /// the frame in `self.frame` and what the client will hold afterwards in `self.next`.
    fn write_frame(&mut self, visible: &[GridEntity], allowed: Option<&HashSet<u32>>) -> EncodeStats {
        let may_send = |id: u32| allowed.is_none_or(|a| a.contains(&id));
        let mut stats = EncodeStats::default();
        let Self { params, baseline, reset, frame, next, spawns, steps, .. } = self;
        let steps = *steps;
        frame.clear();
        frame.bit(*reset);
        next.clear();
        spawns.clear();
        let mut v = 0;
        for base in baseline.iter() {
            while v < visible.len() && visible[v].id < base.id {
                spawns.push(v);
                v += 1;
            }
            let Some(current) = visible.get(v).filter(|c| c.id == base.id) else {
                frame.bit(false);
                stats.despawned += 1;
                continue;
            };
            v += 1;
            frame.bit(true);
            stats.kept += 1;
            let guess = base.predicted_by(params, steps);
            if guess == *current {
                frame.bit(false);
                next.push(guess);
            } else if may_send(current.id) {
                let before = frame.len_bits();
                frame.bit(true);
                write_delta(frame, &guess, current);
                stats.changed += 1;
                stats.changed_delta_bits += frame.len_bits() - before + 1;
                stats.changed_full_bits += spawn_len(current) + gamma_len(1) + 1;
                next.push(*current);
            } else {
                // The decoder will hold the prediction; a later frame carries the rest.
                frame.bit(false);
                stats.deferred += 1;
                next.push(guess);
            }
        }
        spawns.extend(v..visible.len());
        let before = spawns.len();
        spawns.retain(|&i| may_send(visible[i].id));
        stats.deferred += before - spawns.len();
        frame.gamma(spawns.len() as u64);
        let mut previous = 0u32;
        for &i in spawns.iter() {
            let spawn = &visible[i];
            frame.gamma(u64::from(spawn.id - previous));
            write_spawn(frame, spawn);
            previous = spawn.id;
            next.push(*spawn);
        }
        stats.spawned = spawns.len();
        stats.bits = frame.len_bits();
        // Kept entities went in in baseline (id) order: only spawns need sorting in.
        if !spawns.is_empty() {
            next.sort_unstable_by_key(|e| e.id);
        }
        stats
    }

    /// Ranks every waiting update (changes and spawns) by accumulated priority and picks the
    /// most urgent that fit. Everything chosen has its priority cleared; the rest keep
    /// accumulating, so nothing waits forever.
    fn choose(&mut self, visible: &[GridEntity], budget: &Budget) -> HashSet<u32> {
        let mut candidates: Vec<(u32, usize)> = Vec::new();
        let mut b = 0;
        for current in visible {
            while b < self.baseline.len() && self.baseline[b].id < current.id {
                b += 1;
            }
            let cost = match self.baseline.get(b).filter(|base| base.id == current.id) {
                Some(base) => {
                    let guess = base.predicted_by(&self.params, self.steps);
                    if guess == *current {
                        continue;
                    }
                    self.scratch.clear();
                    write_delta(&mut self.scratch, &guess, current);
                    self.scratch.len_bits()
                }
                None => spawn_len(current) + SPAWN_ID_BITS,
            };
            let gain = if Some(current.id) == budget.own { f32::INFINITY } else { urgency(current, budget.focus) };
            *self.waiting.entry(current.id).or_insert(0.0) += gain;
            candidates.push((current.id, cost));
        }
        candidates.sort_by(|a, b| self.waiting[&b.0].total_cmp(&self.waiting[&a.0]).then(a.0.cmp(&b.0)));
        // Fixed cost: reset, present and changed bits, the spawn count.
        let mut used = 1 + 2 * self.baseline.len() + 17;
        let limit = budget.max_bytes * 8;
        let mut chosen = HashSet::new();
        for (id, cost) in candidates {
            // The most urgent update always goes, so one larger than the budget still moves.
            if chosen.is_empty() || used + cost <= limit {
                used += cost;
                chosen.insert(id);
                self.waiting.remove(&id);
            }
        }
        chosen
    }
}

/// How urgent an update to `entity` is for a viewer at `focus`.
fn urgency(entity: &GridEntity, focus: [i32; 2]) -> f32 {
    let dx = (entity.pos[0] - focus[0]) as f32;
    let dy = (entity.pos[1] - focus[1]) as f32;
    let nearness = (1.0 - (dx * dx + dy * dy).sqrt() / NEAR_RANGE_STEPS).max(0.0);
    let speed = ((entity.vel[0] as f32).powi(2) + (entity.vel[1] as f32).powi(2)).sqrt();
    BASE_PRIORITY + nearness + (speed / FAST_STEPS).min(1.0)
}
