//! Compact snapshots: entities on the quantization grid (see [`crate::sim::quantize`]), sent
//! as deltas against what this client already holds.
//!
//! On an ordered, reliable stream (the WebSocket) the baseline of each snapshot is simply the
//! previous snapshot sent on the same connection; the first one (and any after a reset) is
//! full. Over datagrams, which may be lost or reordered, the baseline is the newest snapshot the
//! client has acknowledged (acks ride in its inputs), kept in a short ring of frames sent on
//! each side ([`DeltaEncoder::acked`]); a frame names its baseline by age in ticks, and a frame
//! whose baseline the client no longer holds is skipped, never misread. Both ends extrapolate every entity one tick with the same integer rules (motion, and
//! drag for coasting ships), so an entity moving as expected costs 2 bits ("present, as
//! predicted") and one that changed sends only the residuals, Elias-gamma coded. Entities
//! appear with an explicit spawn record and leave with a single "gone" bit.
//!
//! Frame layout: `reset` bit; for each baseline entity in id order a `present` bit and, if
//! present, a `changed` bit plus a delta record; then the spawn count and spawn records in
//! ascending id order.

mod bits;
mod encoder;
#[cfg(test)]
mod tests;

pub use bits::{BitReader, BitWriter};
use bits::{gamma_len, signed_len};
pub use encoder::{Budget, DeltaEncoder, EncodeStats};

use crate::sim::quantize::*;
use crate::sim::{DEFAULT_TICK_HZ, SimConfig};

/// Most spawns one frame may announce: a hostile count is refused before anything is read.
const MAX_SPAWNS_PER_FRAME: u64 = 1 << 16;

/// Why a delta frame could not be decoded. Client and server then disagree about the stream;
/// the connection has to start over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeltaError {
    /// The frame ended in the middle of a field.
    #[error("snapshot ends early")]
    Truncated,
    /// More than padding was left after the last record.
    #[error("bytes left over after the snapshot")]
    TrailingBytes,
    /// A field held a value no encoder writes.
    #[error("bad value: {0}")]
    BadValue(&'static str),
    /// A spawn named an entity the client already has.
    #[error("spawn of entity {0}, which already exists")]
    DuplicateSpawn(u32),
    /// The frame is a delta against tick `0`, which this decoder does not hold (a datagram
    /// stream lost it, or the client let it go): skip the frame, the next ones decode.
    #[error("no baseline {0}")]
    MissingBaseline(u64),
    /// The frame is no newer than one already decoded (datagrams arrive out of order): skip it.
    #[error("stale frame {0}")]
    Stale(u64),
}

impl DeltaError {
    /// Whether this frame may simply be skipped on a datagram stream (nothing was misread);
    /// every other error means client and server disagree about the stream.
    pub fn is_skippable(&self) -> bool {
        matches!(self, Self::MissingBaseline(_) | Self::Stale(_))
    }
}

/// What an entity is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// A player's ship.
    Ship,
    /// A bullet.
    Bullet,
    /// An asteroid.
    Asteroid,
}

/// One entity as grid integers: exactly what a snapshot carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridEntity {
    /// Entity id.
    pub id: u32,
    /// Kind.
    pub kind: EntityKind,
    /// Position in grid steps.
    pub pos: [i32; 2],
    /// Velocity in grid steps.
    pub vel: [i32; 2],
    /// Heading steps (ships; 0 otherwise).
    pub angle: u16,
    /// Pilot or shooter (ships and bullets; 0 for asteroids).
    pub owner: u32,
    /// Hit points (ships).
    pub health: u8,
    /// Engine on (ships).
    pub thrusting: bool,
    /// Spawn protection (ships).
    pub shielded: bool,
    /// Ticks to respawn while destroyed (ships).
    pub respawn_in: Option<u16>,
    /// 1..=3 (asteroids).
    pub size: u8,
}

/// The integer motion rules both ends extrapolate with; built from the tick rate alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeltaParams {
    tick_hz: i64,
    /// Ship drag per tick as a 16.16 fixed-point factor.
    drag_q16: i64,
}

impl DeltaParams {
    /// The rules at `tick_hz`.
    pub fn new(tick_hz: u16) -> Self {
        let cfg = SimConfig::new(tick_hz);
        Self { tick_hz: i64::from(cfg.tick_hz), drag_q16: (f64::from(cfg.drag_keep_per_tick()) * 65536.0).round() as i64 }
    }

    /// Position steps covered in one tick at `vel` velocity steps (rounded to nearest).
    fn step(&self, vel: i32) -> i32 {
        let ratio = (POS_STEPS_PER_UNIT / VEL_STEPS_PER_UNIT) as i64;
        let num = i64::from(vel) * ratio;
        let half = self.tick_hz / 2;
        let rounded = if num >= 0 { (num + half) / self.tick_hz } else { -((-num + half) / self.tick_hz) };
        rounded as i32
    }
}

impl Default for DeltaParams {
    fn default() -> Self {
        Self::new(DEFAULT_TICK_HZ)
    }
}

impl GridEntity {
    /// An entity of `kind` with every field zero, to be filled in.
    pub fn blank(id: u32, kind: EntityKind) -> Self {
        Self {
            id,
            kind,
            pos: [0; 2],
            vel: [0; 2],
            angle: 0,
            owner: 0,
            health: 0,
            thrusting: false,
            shielded: false,
            respawn_in: None,
            size: 0,
        }
    }

    /// Where this entity will be `steps` ticks on if nothing surprising happens (a baseline
    /// acknowledged a few ticks ago is extrapolated tick by tick, with the same rules both ends).
    pub fn predicted_by(&self, params: &DeltaParams, steps: u16) -> Self {
        let mut next = *self;
        for _ in 0..steps {
            next = next.predicted(params);
        }
        next
    }

    /// Where this entity will be next tick if nothing surprising happens.
    pub fn predicted(&self, params: &DeltaParams) -> Self {
        let mut next = *self;
        if self.kind == EntityKind::Ship && self.respawn_in.is_some() {
            return next;
        }
        for axis in 0..2 {
            next.pos[axis] = self.pos[axis].wrapping_add(params.step(self.vel[axis]));
            if self.kind == EntityKind::Ship && !self.thrusting {
                // Rust's integer division truncates toward zero, like the velocity grid.
                next.vel[axis] = (i64::from(self.vel[axis]) * params.drag_q16 / 65536) as i32;
            }
        }
        next
    }
}

fn kind_bits(kind: EntityKind) -> u64 {
    match kind {
        EntityKind::Ship => 0,
        EntityKind::Bullet => 1,
        EntityKind::Asteroid => 2,
    }
}

fn to_i32(value: i64) -> Result<i32, DeltaError> {
    i32::try_from(value).map_err(|_| DeltaError::BadValue("coordinate out of range"))
}

fn write_ship_state(w: &mut BitWriter, e: &GridEntity) {
    w.bits(u64::from(e.health), 8);
    w.bit(e.thrusting);
    w.bit(e.shielded);
    w.gamma(e.respawn_in.map_or(0, |r| u64::from(r) + 1));
}

fn read_ship_state(r: &mut BitReader, e: &mut GridEntity) -> Result<(), DeltaError> {
    e.health = r.bits(8)? as u8;
    e.thrusting = r.bit()?;
    e.shielded = r.bit()?;
    e.respawn_in = match r.gamma()? {
        0 => None,
        n => Some(u16::try_from(n - 1).map_err(|_| DeltaError::BadValue("respawn timer"))?),
    };
    Ok(())
}

/// The residuals of `current` against `predicted` (same entity). Nothing is written for an
/// entity that is exactly as predicted: the caller sends a `changed = 0` bit instead.
pub fn write_delta(w: &mut BitWriter, predicted: &GridEntity, current: &GridEntity) {
    let pos_changed = predicted.pos != current.pos;
    w.bit(pos_changed);
    if pos_changed {
        for axis in 0..2 {
            w.signed(i64::from(current.pos[axis]) - i64::from(predicted.pos[axis]));
        }
    }
    let vel_changed = predicted.vel != current.vel;
    w.bit(vel_changed);
    if vel_changed {
        for axis in 0..2 {
            w.signed(i64::from(current.vel[axis]) - i64::from(predicted.vel[axis]));
        }
    }
    if current.kind == EntityKind::Ship {
        let angle_changed = predicted.angle != current.angle;
        w.bit(angle_changed);
        if angle_changed {
            // The shorter way round: a turn of a few degrees costs a few bits either way.
            let turn = (i32::from(current.angle) - i32::from(predicted.angle)).rem_euclid(ANGLE_STEPS);
            let turn = if turn >= ANGLE_STEPS / 2 { turn - ANGLE_STEPS } else { turn };
            w.signed(i64::from(turn));
        }
        let state_changed = (predicted.health, predicted.thrusting, predicted.shielded, predicted.respawn_in)
            != (current.health, current.thrusting, current.shielded, current.respawn_in);
        w.bit(state_changed);
        if state_changed {
            write_ship_state(w, current);
        }
    }
}

/// Applies a record written by [`write_delta`] to `predicted`.
pub fn read_delta(r: &mut BitReader, predicted: &GridEntity) -> Result<GridEntity, DeltaError> {
    let mut e = *predicted;
    if r.bit()? {
        for axis in 0..2 {
            e.pos[axis] = to_i32(i64::from(e.pos[axis]) + r.signed()?)?;
        }
    }
    if r.bit()? {
        for axis in 0..2 {
            e.vel[axis] = to_i32(i64::from(e.vel[axis]) + r.signed()?)?;
        }
    }
    if e.kind == EntityKind::Ship {
        if r.bit()? {
            let turn = r.signed()?;
            if turn.abs() > i64::from(ANGLE_STEPS) {
                return Err(DeltaError::BadValue("turn"));
            }
            e.angle = (i64::from(e.angle) + turn).rem_euclid(i64::from(ANGLE_STEPS)) as u16;
        }
        if r.bit()? {
            read_ship_state(r, &mut e)?;
        }
    }
    Ok(e)
}

/// Everything about a new entity except its id (written separately, as a gap to the previous).
pub fn write_spawn(w: &mut BitWriter, e: &GridEntity) {
    w.bits(kind_bits(e.kind), 2);
    for axis in 0..2 {
        w.signed(i64::from(e.pos[axis]));
    }
    for axis in 0..2 {
        w.signed(i64::from(e.vel[axis]));
    }
    match e.kind {
        EntityKind::Ship => {
            w.bits(u64::from(e.angle), 12);
            w.gamma(u64::from(e.owner));
            write_ship_state(w, e);
        }
        EntityKind::Bullet => w.gamma(u64::from(e.owner)),
        EntityKind::Asteroid => w.bits(u64::from(e.size), 2),
    }
}

/// Bits [`write_spawn`] writes for `e`, without writing them.
pub fn spawn_len(e: &GridEntity) -> usize {
    let motion: usize = e.pos.iter().chain(e.vel.iter()).map(|&v| signed_len(i64::from(v))).sum();
    let tail = match e.kind {
        EntityKind::Ship => 12 + gamma_len(u64::from(e.owner)) + 10 + gamma_len(e.respawn_in.map_or(0, |r| u64::from(r) + 1)),
        EntityKind::Bullet => gamma_len(u64::from(e.owner)),
        EntityKind::Asteroid => 2,
    };
    2 + motion + tail
}

/// Reads a record written by [`write_spawn`] for entity `id`.
pub fn read_spawn(r: &mut BitReader, id: u32) -> Result<GridEntity, DeltaError> {
    let kind = match r.bits(2)? {
        0 => EntityKind::Ship,
        1 => EntityKind::Bullet,
        2 => EntityKind::Asteroid,
        _ => return Err(DeltaError::BadValue("entity kind")),
    };
    let mut e = GridEntity::blank(id, kind);
    for axis in 0..2 {
        e.pos[axis] = to_i32(r.signed()?)?;
    }
    for axis in 0..2 {
        e.vel[axis] = to_i32(r.signed()?)?;
    }
    let owner = |r: &mut BitReader| u32::try_from(r.gamma()?).map_err(|_| DeltaError::BadValue("owner"));
    match kind {
        EntityKind::Ship => {
            e.angle = r.bits(12)? as u16;
            e.owner = owner(r)?;
            read_ship_state(r, &mut e)?;
        }
        EntityKind::Bullet => e.owner = owner(r)?,
        EntityKind::Asteroid => e.size = r.bits(2)? as u8,
    }
    Ok(e)
}

/// Frames a decoder keeps as possible baselines. The server bases a frame on the newest tick
/// the client acknowledged, a few ticks back at most on a live link; a frame older than this ring
/// is skipped, and the next acknowledgement fixes it.
pub const DECODER_HISTORY: usize = 32;

/// The client's half: keeps the frames it has decoded and applies each new frame to the one it
/// names as its baseline.
#[derive(Debug, Clone, Default)]
pub struct DeltaDecoder {
    params: DeltaParams,
    /// Decoded frames (tick, entities sorted by id), oldest first.
    held: Vec<(u64, Vec<GridEntity>)>,
}

impl DeltaDecoder {
    /// A decoder for a server ticking at `tick_hz` (from Welcome).
    pub fn new(tick_hz: u16) -> Self {
        Self { params: DeltaParams::new(tick_hz), held: Vec::new() }
    }

    /// Applies the next frame of an ordered stream (one tick after the previous); for tests
    /// and tools. See [`decode_frame`](Self::decode_frame).
    pub fn decode(&mut self, bytes: &[u8]) -> Result<Vec<GridEntity>, DeltaError> {
        let tick = self.held.last().map_or(1, |(tick, _)| tick + 1);
        self.decode_frame(tick, 1, bytes)
    }

    /// Applies the frame of `tick`, a delta against the frame `base_age` ticks older (ignored
    /// for a full frame); returns every entity the client now has, by id. On error the state is
    /// unchanged; [`DeltaError::is_skippable`] tells a lost baseline or a late datagram from a
    /// broken stream.
    pub fn decode_frame(&mut self, tick: u64, base_age: u16, bytes: &[u8]) -> Result<Vec<GridEntity>, DeltaError> {
        if self.held.last().is_some_and(|(newest, _)| tick <= *newest) {
            return Err(DeltaError::Stale(tick));
        }
        let mut r = BitReader::new(bytes);
        let reset = r.bit()?;
        let mut next = Vec::new();
        let mut base_index = None;
        if !reset {
            let base_tick = tick.checked_sub(u64::from(base_age)).filter(|_| base_age > 0).ok_or(DeltaError::BadValue("base age"))?;
            let index = self.held.iter().position(|(t, _)| *t == base_tick).ok_or(DeltaError::MissingBaseline(base_tick))?;
            let baseline = &self.held[index].1;
            next.reserve(baseline.len() + 8);
            for base in baseline {
                if !r.bit()? {
                    continue;
                }
                let predicted = base.predicted_by(&self.params, base_age);
                next.push(if r.bit()? { read_delta(&mut r, &predicted)? } else { predicted });
            }
            base_index = Some(index);
        }
        let kept = next.len();
        let spawns = r.gamma()?;
        if spawns > MAX_SPAWNS_PER_FRAME {
            return Err(DeltaError::BadValue("spawn count"));
        }
        let mut id = 0u32;
        for n in 0..spawns {
            let gap = u32::try_from(r.gamma()?).map_err(|_| DeltaError::BadValue("id gap"))?;
            if n > 0 && gap == 0 {
                return Err(DeltaError::DuplicateSpawn(id));
            }
            id = id.checked_add(gap).ok_or(DeltaError::BadValue("id"))?;
            if next[..kept].binary_search_by_key(&id, |e| e.id).is_ok() {
                return Err(DeltaError::DuplicateSpawn(id));
            }
            next.push(read_spawn(&mut r, id)?);
        }
        r.finish()?;
        next.sort_unstable_by_key(|e| e.id);
        // The server's baselines only move forward (its acknowledged tick is the newest it has
        // heard of), so frames older than this one's baseline will never be named again.
        if let Some(index) = base_index {
            self.held.drain(..index);
        }
        if self.held.len() == DECODER_HISTORY {
            self.held.remove(0);
        }
        self.held.push((tick, next.clone()));
        Ok(next)
    }
}
