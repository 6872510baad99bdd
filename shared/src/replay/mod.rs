//! The replay file format: a room's recorded snapshot stream, for seeking and sharing.
//!
//! Version 1, all integers little-endian (the shape of Teeworlds/DDNet demos: a header, then
//! chunks, then an index of keyframes for seeking):
//!
//! | part | bytes | what |
//! |---|---|---|
//! | magic | 8 | `DFREPLAY` |
//! | format | u16 | [`REPLAY_FORMAT_VERSION`]: a reader refuses a newer one by name |
//! | protocol | u32 | the recording server's `PROTOCOL_VERSION`: chunk payloads are its bincode |
//! | header length | u32 | the length of the header's body |
//! | header checksum | u32 | FNV-1a of the body |
//! | header body | … | [`ReplayHeader`] in bincode |
//! | chunks | … | each: kind (u8, [`ChunkKind`]), tick (u64), length (u32), checksum (u32, FNV-1a of kind, tick, length and payload), payload |
//! | index | … | a chunk of kind `Index`: (tick u64, file offset u64) of every keyframe, in order |
//! | trailer | 16 | the index chunk's offset (u64), then `DFINDEX` and a zero byte |
//!
//! The checksum finds a damaged file, not a forged one (a replay is a recording, not a proof).
//! A file without its trailer (cut short) or with a damaged chunk is refused with a typed
//! [`ReplayError`]; nothing here panics on any input.

mod reader;
mod writer;

#[cfg(test)]
mod tests;

pub use reader::{Chunk, Replay};
pub use writer::ReplayWriter;

use serde::{Deserialize, Serialize};

/// The first eight bytes of every replay file.
pub const MAGIC: [u8; 8] = *b"DFREPLAY";

/// The last eight bytes of a finished replay file.
pub const TRAILER_MAGIC: [u8; 8] = *b"DFINDEX\0";

/// The format this build writes and the newest it reads.
pub const REPLAY_FORMAT_VERSION: u16 = 1;

/// A header's size limit: a room's name and code are short; anything larger is damage.
pub const MAX_HEADER_BYTES: u32 = 4096;

/// Bytes before a chunk's payload: kind, tick, length, checksum.
pub const CHUNK_HEAD_BYTES: usize = 1 + 8 + 4 + 4;

/// What a replay is of.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ReplayHeader {
    /// The room's simulation rate.
    pub tick_hz: u16,
    /// The arena's side, world units.
    pub arena_side: f32,
    /// The room's code.
    pub room_code: String,
    /// The room's name.
    pub room_name: String,
    /// When the recording began, Unix milliseconds.
    pub started_unix_ms: u64,
    /// The room's tick at the first chunk.
    pub first_tick: u64,
}

/// What a chunk holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ChunkKind {
    /// A full snapshot of every entity: where seeking starts.
    Keyframe = 1,
    /// A snapshot frame as a delta against the chunk before it.
    Delta = 2,
    /// A room event (a kill, a join, a leave): a server message in bincode.
    Event = 3,
    /// The keyframe index (written once, last).
    Index = 0xFF,
}

impl ChunkKind {
    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::Keyframe),
            2 => Some(Self::Delta),
            3 => Some(Self::Event),
            0xFF => Some(Self::Index),
            _ => None,
        }
    }
}

/// Why a replay could not be read: each says what is wrong with the file in words a player
/// can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The file does not start as a replay does.
    #[error("this is not a Driftfire replay")]
    NotAReplay,
    /// Written by a newer build.
    #[error("this replay was recorded in format {found}, newer than this build reads ({supported}): update the game")]
    NewerFormat {
        /// The file's format.
        found: u16,
        /// The newest this build reads.
        supported: u16,
    },
    /// Recorded by a server speaking another protocol, whose snapshots this build cannot decode.
    #[error("this replay was recorded with protocol {found}; this build speaks {expected}")]
    OtherProtocol {
        /// The file's protocol.
        found: u32,
        /// This build's.
        expected: u32,
    },
    /// The file ends early (a download cut short, a recording whose server stopped mid-write).
    #[error("this replay is cut short (it ends at byte {at})")]
    Truncated {
        /// Where the bytes ran out.
        at: u64,
    },
    /// A part of the file is damaged.
    #[error("this replay is damaged at byte {at}: {what}")]
    Corrupt {
        /// Where.
        at: u64,
        /// What did not hold.
        what: &'static str,
    },
}

/// FNV-1a, 32 bits, over `parts` in order: the header's and each chunk's checksum (no
/// dependency; finds damage, not forgery).
pub fn checksum(parts: &[&[u8]]) -> u32 {
    parts.iter().flat_map(|part| part.iter()).fold(0x811C_9DC5_u32, |hash, byte| (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193))
}

/// A chunk's checksum: over its kind, tick and length as written, and its payload.
pub(crate) fn chunk_checksum(kind: u8, tick: u64, len: u32, payload: &[u8]) -> u32 {
    checksum(&[&[kind], &tick.to_le_bytes(), &len.to_le_bytes(), payload])
}
