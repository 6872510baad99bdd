//! Per-client snapshots: interest management through a spatial grid (each client gets only
//! what is in and near its view), then delta encoding against what that client already has.

use std::time::Instant;

use bevy_ecs::prelude::*;
use bevy_math::Vec2;
use bytes::Bytes;
use driftfire_shared::codec::{CodecError, encode_server_into};
use driftfire_shared::delta::{Budget, DeltaEncoder, GridEntity};
use driftfire_shared::protocol::{ServerMsg, SnapshotFrame, VIEW_MARGIN, VIEW_SIZE};
use driftfire_shared::sim::SpatialGrid;
use driftfire_shared::sim::quantize::{pos_from_steps, quantize_pos};
use driftfire_shared::snapshot::read_world;

use crate::tick_stats::SnapshotTotals;

/// Interest grid cell: a view (2,100 × 1,500 with margins) then spans about 9 × 7 cells.
const INTEREST_CELL: f32 = 256.0;

/// The world of one tick, indexed for view queries; read once per tick, queried per client.
pub struct TickView {
    /// Every entity on the wire's grid, by id.
    entities: Vec<GridEntity>,
    /// Their centres in world units, by the same index.
    points: Vec<Vec2>,
    grid: SpatialGrid,
}

impl Default for TickView {
    fn default() -> Self {
        Self { entities: Vec::new(), points: Vec::new(), grid: SpatialGrid::new(INTEREST_CELL) }
    }
}

impl TickView {
    /// Reads every entity out of `world` straight onto the wire's grid, reusing the buffers.
    pub fn read(&mut self, world: &mut World) {
        read_world(world, &mut self.entities);
        self.points.clear();
        self.points.extend(self.entities.iter().map(|e| Vec2::new(pos_from_steps(e.pos[0]), pos_from_steps(e.pos[1]))));
        self.grid.clear();
        for (i, p) in self.points.iter().enumerate() {
            self.grid.insert_point(i, *p);
        }
        self.grid.finish();
    }

    /// Every entity within the view (plus margin) centred on `center`, sorted by id.
    pub fn around(&self, center: Vec2, scratch: &mut Vec<usize>, out: &mut Vec<GridEntity>) {
        let half = VIEW_SIZE * 0.5 + Vec2::splat(VIEW_MARGIN);
        scratch.clear();
        self.grid.points_in_rect(center - half, center + half, &self.points, scratch);
        // Entities are stored by id, so index order is id order.
        scratch.sort_unstable();
        out.clear();
        out.extend(scratch.iter().map(|&i| self.entities[i]));
    }
}

/// What one client gets this tick.
pub struct FrameRequest<'a> {
    /// Tick number.
    pub tick: u64,
    /// Newest input of theirs applied.
    pub last_input_seq: u32,
    /// Centre of their view (their ship).
    pub center: Vec2,
    /// Their ship's entity id.
    pub own: Option<u32>,
    /// Entity bytes allowed per snapshot (0 = unlimited).
    pub budget_bytes: usize,
    /// The tick's world.
    pub view: &'a TickView,
}

/// Storage [`client_frame`] reuses from client to client and tick to tick.
#[derive(Default)]
pub struct FrameBuffers {
    /// Indices of the entities in view.
    indices: Vec<usize>,
    /// The entities in view, by id.
    visible: Vec<GridEntity>,
    /// The snapshot message, its delta vector reused.
    frame: SnapshotFrame,
    /// The encoded message.
    wire: Vec<u8>,
}

/// Builds and encodes one client's snapshot message, adding its figures to `totals`. The only
/// allocation is the returned frame itself.
pub fn client_frame(
    encoder: &mut DeltaEncoder,
    request: &FrameRequest,
    buffers: &mut FrameBuffers,
    totals: &mut SnapshotTotals,
) -> Result<Bytes, CodecError> {
    let started = Instant::now();
    let FrameBuffers { indices, visible, frame, wire } = buffers;
    request.view.around(request.center, indices, visible);
    let focus = [quantize_pos(request.center.x), quantize_pos(request.center.y)];
    let budget = Budget { max_bytes: request.budget_bytes, focus, own: request.own };
    let stats = encoder.encode_into(request.tick, visible, &budget, &mut frame.delta);
    frame.tick = request.tick;
    frame.base_age = stats.base_age;
    frame.last_input_seq = request.last_input_seq;
    // The message owns its frame only while it is encoded; the frame's buffer comes back.
    let msg = ServerMsg::Snapshot(std::mem::take(frame));
    let encoded = encode_server_into(&msg, wire);
    if let ServerMsg::Snapshot(taken) = msg {
        *frame = taken;
    }
    encoded?;
    totals.frames += 1;
    totals.bytes += wire.len() as u64;
    totals.entities_in_view += visible.len() as u64;
    totals.changed += stats.changed as u64;
    totals.changed_delta_bits += stats.changed_delta_bits as u64;
    totals.changed_full_bits += stats.changed_full_bits as u64;
    totals.spawned += stats.spawned as u64;
    totals.deferred += stats.deferred as u64;
    totals.encode_ns += started.elapsed().as_nanos() as u64;
    Ok(Bytes::copy_from_slice(wire))
}
