//! Reading a replay from its bytes: the header checked, the trailer and the keyframe index
//! found, then chunks on demand from any keyframe (seeking) with each chunk's checksum checked.

use super::{
    CHUNK_HEAD_BYTES, ChunkKind, MAGIC, MAX_HEADER_BYTES, REPLAY_FORMAT_VERSION, ReplayError, ReplayHeader, TRAILER_MAGIC, checksum,
    chunk_checksum,
};
use crate::protocol::PROTOCOL_VERSION;

/// Bytes of the trailer: the index's offset and [`TRAILER_MAGIC`].
const TRAILER_BYTES: usize = 16;

/// One chunk as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// What it holds.
    pub kind: ChunkKind,
    /// The room's tick it belongs to.
    pub tick: u64,
    /// Its payload.
    pub payload: &'a [u8],
    /// Where the next chunk starts.
    pub next: u64,
}

/// An opened replay: its header and keyframe index, over the file's bytes.
#[derive(Debug)]
pub struct Replay<'a> {
    bytes: &'a [u8],
    /// What the replay is of.
    pub header: ReplayHeader,
    /// Where the first chunk starts.
    first_chunk: u64,
    /// Where the index chunk starts (chunks end there).
    index_at: u64,
    /// (tick, offset) of every keyframe, ascending.
    keyframes: Vec<(u64, u64)>,
}

fn take(bytes: &[u8], at: u64, len: usize) -> Result<&[u8], ReplayError> {
    let start = usize::try_from(at).map_err(|_| ReplayError::Truncated { at })?;
    bytes.get(start..start.saturating_add(len)).filter(|slice| slice.len() == len).ok_or(ReplayError::Truncated { at: bytes.len() as u64 })
}

fn le_u64(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]))
}

fn le_u32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes.try_into().unwrap_or([0; 4]))
}

impl<'a> Replay<'a> {
    /// Opens the replay in `bytes`, refusing anything that is not a whole, undamaged replay of
    /// this protocol.
    pub fn open(bytes: &'a [u8]) -> Result<Self, ReplayError> {
        if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(ReplayError::NotAReplay);
        }
        let format = take(bytes, 8, 2)?;
        let format = u16::from_le_bytes([format[0], format[1]]);
        if format > REPLAY_FORMAT_VERSION {
            return Err(ReplayError::NewerFormat { found: format, supported: REPLAY_FORMAT_VERSION });
        }
        if format == 0 {
            return Err(ReplayError::Corrupt { at: 8, what: "format version 0" });
        }
        let protocol = le_u32(take(bytes, 10, 4)?);
        if protocol != PROTOCOL_VERSION {
            return Err(ReplayError::OtherProtocol { found: protocol, expected: PROTOCOL_VERSION });
        }
        let header_len = le_u32(take(bytes, 14, 4)?);
        if header_len > MAX_HEADER_BYTES {
            return Err(ReplayError::Corrupt { at: 14, what: "header length" });
        }
        let sum = le_u32(take(bytes, 18, 4)?);
        let body = take(bytes, 22, header_len as usize)?;
        if checksum(&[body]) != sum {
            return Err(ReplayError::Corrupt { at: 18, what: "header checksum" });
        }
        let (header, used) = bincode::serde::decode_from_slice::<ReplayHeader, _>(body, bincode::config::standard())
            .map_err(|_| ReplayError::Corrupt { at: 22, what: "header" })?;
        if used != body.len() {
            return Err(ReplayError::Corrupt { at: 22, what: "header length" });
        }
        let first_chunk = 22 + u64::from(header_len);
        // The trailer: without it the file was cut short.
        let end = bytes.len() as u64;
        if bytes.len() < TRAILER_BYTES || bytes[bytes.len() - MAGIC.len()..] != TRAILER_MAGIC {
            return Err(ReplayError::Truncated { at: end });
        }
        let index_at = le_u64(&bytes[bytes.len() - TRAILER_BYTES..bytes.len() - MAGIC.len()]);
        if index_at < first_chunk || index_at >= end {
            return Err(ReplayError::Corrupt { at: end - TRAILER_BYTES as u64, what: "index offset" });
        }
        let mut replay = Self { bytes, header, first_chunk, index_at, keyframes: Vec::new() };
        let index = replay.chunk_at(index_at)?;
        if index.kind != ChunkKind::Index || index.payload.len() % 16 != 0 || index.next != end - TRAILER_BYTES as u64 {
            return Err(ReplayError::Corrupt { at: index_at, what: "index" });
        }
        replay.keyframes = index.payload.chunks_exact(16).map(|entry| (le_u64(&entry[..8]), le_u64(&entry[8..]))).collect();
        let ordered = replay.keyframes.windows(2).all(|pair| pair[0].0 <= pair[1].0 && pair[0].1 < pair[1].1);
        let inside = replay.keyframes.iter().all(|(_, offset)| (first_chunk..index_at).contains(offset));
        if !ordered || !inside {
            return Err(ReplayError::Corrupt { at: index_at, what: "index entries" });
        }
        Ok(replay)
    }

    /// The chunk at byte `at`, its checksum checked.
    fn chunk_at(&self, at: u64) -> Result<Chunk<'a>, ReplayError> {
        let head = take(self.bytes, at, CHUNK_HEAD_BYTES)?;
        let kind = ChunkKind::from_byte(head[0]).ok_or(ReplayError::Corrupt { at, what: "chunk kind" })?;
        let tick = le_u64(&head[1..9]);
        let len = le_u32(&head[9..13]);
        let sum = le_u32(&head[13..17]);
        let payload =
            take(self.bytes, at + CHUNK_HEAD_BYTES as u64, len as usize).map_err(|_| ReplayError::Corrupt { at, what: "chunk length" })?;
        if chunk_checksum(head[0], tick, len, payload) != sum {
            return Err(ReplayError::Corrupt { at, what: "chunk checksum" });
        }
        let len = len as usize;
        Ok(Chunk { kind, tick, payload, next: at + (CHUNK_HEAD_BYTES + len) as u64 })
    }

    /// Every keyframe's (tick, offset), ascending.
    pub fn keyframes(&self) -> &[(u64, u64)] {
        &self.keyframes
    }

    /// Where playback of `tick` starts: the offset of the last keyframe at or before it (the
    /// first keyframe for a tick before it; the start of the chunks if there is none).
    pub fn seek(&self, tick: u64) -> u64 {
        match self.keyframes.partition_point(|(t, _)| *t <= tick) {
            0 => self.keyframes.first().map_or(self.first_chunk, |(_, offset)| *offset),
            n => self.keyframes[n - 1].1,
        }
    }

    /// The chunks from byte `at` (an offset from [`seek`](Self::seek) or a chunk's `next`) up to
    /// the index, each checked; the first damaged one ends the iteration with its error.
    pub fn chunks_from(&self, at: u64) -> impl Iterator<Item = Result<Chunk<'a>, ReplayError>> + '_ {
        let mut at = Some(at);
        std::iter::from_fn(move || {
            let here = at.filter(|here| *here < self.index_at)?;
            match self.chunk_at(here) {
                Ok(chunk) if chunk.kind == ChunkKind::Index => {
                    at = None;
                    Some(Err(ReplayError::Corrupt { at: here, what: "an index among the chunks" }))
                }
                Ok(chunk) => {
                    at = Some(chunk.next);
                    Some(Ok(chunk))
                }
                Err(error) => {
                    at = None;
                    Some(Err(error))
                }
            }
        })
    }

    /// Every chunk from the first.
    pub fn chunks(&self) -> impl Iterator<Item = Result<Chunk<'a>, ReplayError>> + '_ {
        self.chunks_from(self.first_chunk)
    }
}
