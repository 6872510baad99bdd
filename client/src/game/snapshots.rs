//! The snapshot receiver: delta frames → whole snapshots. Every `SnapshotFrame` of the
//! connection passes through one [`SnapshotReader`], which publishes the full state around you
//! as a [`WorldUpdate`] for world sync and prediction. A frame that does not decode means client
//! and server no longer agree on the stream: the receiver reports it to the session
//! ([`EndSession`]), which ends the game with a message instead of showing garbage.

use bevy::prelude::*;
use driftfire_shared::protocol::ServerMsg;
use driftfire_shared::snapshot::{Snapshot, SnapshotReader};

use crate::console::{Report, report};
use crate::net::NetEvent;
use crate::session::Session;
use crate::session::events::EndSession;
use crate::state::{EndReason, GameSet, Screen};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<WorldUpdate>();
    app.init_resource::<SnapshotStream>();
    // A new connection starts a new delta stream.
    app.add_systems(OnEnter(Screen::Connecting), |mut stream: ResMut<SnapshotStream>| *stream = SnapshotStream::default());
    app.add_systems(Update, receive_snapshots.in_set(GameSet::Receive));
}

/// The full decoded state around you at one tick.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct WorldUpdate(pub Snapshot);

/// This connection's snapshot stream.
#[derive(Resource, Debug, Default)]
pub struct SnapshotStream {
    /// Created with the tick rate from Welcome; every Welcome starts it over.
    reader: Option<SnapshotReader>,
    /// The stream stopped decoding (already reported): frames are ignored until the next
    /// Welcome.
    lost: bool,
    /// Newest tick decoded: every input acknowledges it (datagram snapshots are deltas against it).
    pub newest: u64,
    /// The first tick decoded and how many have been: the net graph's share of snapshots lost.
    first: u64,
    decoded: u64,
}

impl SnapshotStream {
    /// Percent of this stream's ticks whose snapshot never decoded (lost or late datagrams).
    pub fn lost_percent(&self) -> f64 {
        let spanned = (self.newest + 1).saturating_sub(self.first);
        if self.decoded == 0 || spanned == 0 { 0.0 } else { 100.0 * (1.0 - self.decoded as f64 / spanned as f64).max(0.0) }
    }
}

fn receive_snapshots(
    mut events: MessageReader<NetEvent>,
    session: Option<Res<Session>>,
    mut stream: ResMut<SnapshotStream>,
    mut updates: MessageWriter<WorldUpdate>,
    mut end: MessageWriter<EndSession>,
) {
    // Before the first Welcome has made a session, frames wait (unread) for the next frame.
    let Some(session) = session else { return };
    for event in events.read() {
        match event {
            // Every Welcome (a resume, a new room) starts a new delta stream with a full frame.
            NetEvent::Received(ServerMsg::Welcome(welcome)) => {
                *stream = SnapshotStream { reader: Some(SnapshotReader::new(welcome.tick_hz)), ..default() };
            }
            NetEvent::Received(ServerMsg::Snapshot(frame)) if !stream.lost => {
                let reader = stream.reader.get_or_insert_with(|| SnapshotReader::new(session.tick_hz));
                match reader.apply(frame) {
                    Ok(snapshot) => {
                        if stream.decoded == 0 {
                            stream.first = snapshot.tick;
                        }
                        stream.decoded += 1;
                        stream.newest = snapshot.tick;
                        updates.write(WorldUpdate(snapshot));
                    }
                    // A late datagram, or a delta against a frame this client never got.
                    Err(error) if error.is_skippable() => {}
                    Err(error) => {
                        report(Report::SnapshotLost { tick: frame.tick, error: &error });
                        end.write(EndSession(EndReason::LostSync(error.to_string())));
                        *stream = SnapshotStream { lost: true, ..default() };
                    }
                }
            }
            _ => {}
        }
    }
}
