//! Delta frames → whole snapshots. The connection's decoder applies each `SnapshotFrame` to
//! what it already holds and publishes the full state around you as a [`WorldUpdate`], which
//! world sync and prediction consume. A frame that does not decode means client and server no
//! longer agree on the stream: the session ends with a message instead of showing garbage.

use bevy::prelude::*;
use driftfire_shared::delta::{DeltaDecoder, body_from_grid};
use driftfire_shared::protocol::{ServerMsg, Snapshot};

use super::sync::SyncSet;
use crate::net::{Connection, NetEvent};
use crate::screens::Screen;
use crate::session::{DisconnectNotice, Session};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<WorldUpdate>();
    app.init_resource::<SnapshotDecoder>();
    // A new connection starts a new delta stream.
    app.add_systems(OnEnter(Screen::Connecting), |mut decoder: ResMut<SnapshotDecoder>| decoder.0 = None);
    app.add_systems(Update, decode_snapshots.before(SyncSet));
}

/// The full decoded state around you at one tick.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct WorldUpdate(pub Snapshot);

/// This connection's delta decoder (created with the tick rate from Welcome).
#[derive(Resource, Debug, Default)]
pub struct SnapshotDecoder(Option<DeltaDecoder>);

fn decode_snapshots(
    mut commands: Commands,
    mut events: MessageReader<NetEvent>,
    session: Option<Res<Session>>,
    mut decoder: ResMut<SnapshotDecoder>,
    mut updates: MessageWriter<WorldUpdate>,
    mut notice: ResMut<DisconnectNotice>,
    mut next_screen: ResMut<NextState<Screen>>,
) {
    let Some(session) = session else { return };
    for event in events.read() {
        // Every Welcome (a resume, a new room) starts a new delta stream with a full frame.
        if let NetEvent::Received(ServerMsg::Welcome(_)) = event {
            decoder.0 = None;
        }
        let NetEvent::Received(ServerMsg::Snapshot(frame)) = event else { continue };
        let decoder = decoder.0.get_or_insert_with(|| DeltaDecoder::new(session.tick_hz));
        match decoder.decode(&frame.delta) {
            Ok(entities) => {
                let body = body_from_grid(&entities);
                updates.write(WorldUpdate(Snapshot { tick: frame.tick, last_input_seq: frame.last_input_seq, body }));
            }
            Err(error) => {
                warn!("driftfire: undecodable snapshot at tick {}: {error}", frame.tick);
                notice.0 = format!("Lost sync with the server ({error}). Press Retry to rejoin.");
                commands.remove_resource::<Connection>();
                next_screen.set(Screen::Disconnected);
                return;
            }
        }
    }
}
