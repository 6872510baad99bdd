//! Writing a replay: the header, then chunks as the room records them, then the keyframe index
//! and the trailer on [`ReplayWriter::finish`].

use std::io::{self, Write};

use super::{CHUNK_HEAD_BYTES, ChunkKind, MAGIC, REPLAY_FORMAT_VERSION, ReplayHeader, TRAILER_MAGIC, checksum, chunk_checksum};
use crate::protocol::PROTOCOL_VERSION;

/// Writes one replay file to `W`, keeping the keyframes' offsets for the index.
#[derive(Debug)]
pub struct ReplayWriter<W: Write> {
    out: W,
    /// Bytes written so far: the next chunk's offset.
    offset: u64,
    /// (tick, offset) of every keyframe.
    keyframes: Vec<(u64, u64)>,
}

impl<W: Write> ReplayWriter<W> {
    /// Starts a replay on `out` with `header`.
    pub fn new(mut out: W, header: &ReplayHeader) -> io::Result<Self> {
        let body = bincode::serde::encode_to_vec(header, bincode::config::standard()).map_err(io::Error::other)?;
        let body_len = u32::try_from(body.len()).map_err(io::Error::other)?;
        out.write_all(&MAGIC)?;
        out.write_all(&REPLAY_FORMAT_VERSION.to_le_bytes())?;
        out.write_all(&PROTOCOL_VERSION.to_le_bytes())?;
        out.write_all(&body_len.to_le_bytes())?;
        out.write_all(&checksum(&[&body]).to_le_bytes())?;
        out.write_all(&body)?;
        let offset = (MAGIC.len() + 2 + 4 + 4 + 4 + body.len()) as u64;
        Ok(Self { out, offset, keyframes: Vec::new() })
    }

    /// Appends a chunk; returns its offset.
    pub fn chunk(&mut self, kind: ChunkKind, tick: u64, payload: &[u8]) -> io::Result<u64> {
        let len = u32::try_from(payload.len()).map_err(io::Error::other)?;
        let at = self.offset;
        self.out.write_all(&[kind as u8])?;
        self.out.write_all(&tick.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&chunk_checksum(kind as u8, tick, len, payload).to_le_bytes())?;
        self.out.write_all(payload)?;
        self.offset += (CHUNK_HEAD_BYTES + payload.len()) as u64;
        if kind == ChunkKind::Keyframe {
            self.keyframes.push((tick, at));
        }
        Ok(at)
    }

    /// Bytes written so far (for a recorder's segment size and disk quota).
    pub fn bytes_written(&self) -> u64 {
        self.offset
    }

    /// Writes the index and the trailer; returns the writer's output.
    pub fn finish(mut self) -> io::Result<W> {
        let index: Vec<u8> =
            self.keyframes.iter().flat_map(|(tick, offset)| tick.to_le_bytes().into_iter().chain(offset.to_le_bytes())).collect();
        let at = self.chunk(ChunkKind::Index, 0, &index)?;
        self.out.write_all(&at.to_le_bytes())?;
        self.out.write_all(&TRAILER_MAGIC)?;
        self.out.flush()?;
        Ok(self.out)
    }
}
