//! The only place that turns protocol messages into bytes and back.
//!
//! bincode 2 with the standard (varint) configuration and a hard size limit, so that a hostile
//! length prefix is refused before anything is allocated for it.

use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use serde::{Serialize, de::DeserializeOwned};

use crate::protocol::{ClientMsg, InputFrame, ServerMsg};

/// Largest client→server message: a Hello with a long name is the biggest by far (inputs are
/// ~10 bytes). The server's WebSocket frame limit is set from this too.
pub const MAX_CLIENT_MSG_BYTES: usize = 1024;

/// Largest server→client message. A full snapshot of a crowded room (50 ships, a few hundred
/// bullets and asteroids at ~25 bytes each) is ~20 KB; 1 MiB leaves room for growth while still
/// stopping a corrupt prefix from allocating gigabytes on the client.
pub const MAX_SERVER_MSG_BYTES: usize = 1 << 20;

type ClientConfig = Configuration<LittleEndian, Varint, Limit<MAX_CLIENT_MSG_BYTES>>;
type ServerConfig = Configuration<LittleEndian, Varint, Limit<MAX_SERVER_MSG_BYTES>>;

const CLIENT_CONFIG: ClientConfig = bincode::config::standard().with_limit::<MAX_CLIENT_MSG_BYTES>();
const SERVER_CONFIG: ServerConfig = bincode::config::standard().with_limit::<MAX_SERVER_MSG_BYTES>();

/// Why bytes could not become a message or a message could not become bytes.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The bytes are not a valid message (bad tag, truncated, bad UTF-8, over the size limit…).
    #[error("undecodable message: {0}")]
    Decode(#[from] bincode::error::DecodeError),
    /// A message decoded but bytes were left over, so sender and receiver disagree on the format.
    #[error("{0} trailing bytes after message")]
    TrailingBytes(usize),
    /// The message could not be encoded.
    #[error("unencodable message: {0}")]
    Encode(#[from] bincode::error::EncodeError),
    /// A datagram held something other than 1 to [`INPUTS_PER_DATAGRAM`] inputs.
    #[error("a datagram may carry only 1 to {INPUTS_PER_DATAGRAM} inputs")]
    NotInputs,
    /// The encoded message is larger than the receiver would accept.
    #[error("message of {size} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        max: usize,
    },
}

fn decode_exact<T: DeserializeOwned, C: bincode::config::Config>(bytes: &[u8], config: C) -> Result<T, CodecError> {
    let (value, read) = bincode::serde::decode_from_slice(bytes, config)?;
    match bytes.len() - read {
        0 => Ok(value),
        extra => Err(CodecError::TrailingBytes(extra)),
    }
}

/// bincode enforces its limit only when decoding, so the encoder checks the size itself: the
/// peer would refuse anything larger anyway.
fn encode<T: Serialize, C: bincode::config::Config>(value: &T, config: C, max: usize) -> Result<Vec<u8>, CodecError> {
    let bytes = bincode::serde::encode_to_vec(value, config)?;
    if bytes.len() > max {
        return Err(CodecError::TooLarge { size: bytes.len(), max });
    }
    Ok(bytes)
}

/// Encodes a client message.
pub fn encode_client(msg: &ClientMsg) -> Result<Vec<u8>, CodecError> {
    encode(msg, CLIENT_CONFIG, MAX_CLIENT_MSG_BYTES)
}

/// Inputs one WebTransport datagram carries: the newest and the three before it, newest first,
/// so that a lost datagram's input arrives with the next one (the server drops repeats by `seq`).
/// Three lost in a row are covered (Wi-Fi loses packets in bursts: with two repeats the bursty
/// link of BENCHMARKS.md left the input ack's p99 at 165 ms); a longer burst loses inputs. Each
/// input is ~12 bytes, so the repeats cost ~1 KB/s up.
pub const INPUTS_PER_DATAGRAM: usize = 4;

/// The first byte of every encoded [`ClientMsg::Input`] (its variant index), which is how the
/// browser's transport tells inputs (sent as datagrams) from everything else (the stream).
pub const INPUT_TAG: u8 = 3;

/// The first byte of every encoded [`ServerMsg::Snapshot`]: what a WebTransport connection sends
/// as a datagram (when it fits); everything else goes on its reliable stream.
pub const SNAPSHOT_TAG: u8 = 4;

/// Decodes an input datagram: 1 to [`INPUTS_PER_DATAGRAM`] encoded [`ClientMsg::Input`]s back to
/// back, newest first. Anything else in it is an error.
pub fn decode_input_datagram(bytes: &[u8]) -> Result<Vec<InputFrame>, CodecError> {
    let mut frames = Vec::with_capacity(INPUTS_PER_DATAGRAM);
    let mut rest = bytes;
    while !rest.is_empty() {
        if frames.len() == INPUTS_PER_DATAGRAM {
            return Err(CodecError::NotInputs);
        }
        let (msg, read): (ClientMsg, usize) = bincode::serde::decode_from_slice(rest, CLIENT_CONFIG)?;
        let ClientMsg::Input(frame) = msg else { return Err(CodecError::NotInputs) };
        frames.push(frame);
        rest = &rest[read..];
    }
    if frames.is_empty() {
        return Err(CodecError::NotInputs);
    }
    Ok(frames)
}

/// Encodes an input datagram from already encoded inputs, newest first (see
/// [`decode_input_datagram`]); those past [`INPUTS_PER_DATAGRAM`] are left out.
pub fn encode_input_datagram<'a>(newest_first: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    newest_first.into_iter().take(INPUTS_PER_DATAGRAM).flatten().copied().collect()
}

/// Decodes a client message; the whole slice must be exactly one message.
pub fn decode_client(bytes: &[u8]) -> Result<ClientMsg, CodecError> {
    decode_exact(bytes, CLIENT_CONFIG)
}

/// The protocol version of a Hello from any build, past or future, even when the rest of it
/// does not decode under this build's types: `Hello` is variant 0 and `version` its first
/// field in every version. `None` if the bytes do not start like a Hello.
pub fn peek_hello_version(bytes: &[u8]) -> Option<u32> {
    let ((variant, version), _): ((u32, u32), usize) = bincode::serde::decode_from_slice(bytes, CLIENT_CONFIG).ok()?;
    (variant == 0).then_some(version)
}

/// Encodes a server message.
pub fn encode_server(msg: &ServerMsg) -> Result<Vec<u8>, CodecError> {
    encode(msg, SERVER_CONFIG, MAX_SERVER_MSG_BYTES)
}

/// [`encode_server`] into `out` (cleared first), reusing its storage: the same bytes.
pub fn encode_server_into(msg: &ServerMsg, out: &mut Vec<u8>) -> Result<(), CodecError> {
    out.clear();
    bincode::serde::encode_into_std_write(msg, out, SERVER_CONFIG)?;
    if out.len() > MAX_SERVER_MSG_BYTES {
        return Err(CodecError::TooLarge { size: out.len(), max: MAX_SERVER_MSG_BYTES });
    }
    Ok(())
}

/// Decodes a server message; the whole slice must be exactly one message.
pub fn decode_server(bytes: &[u8]) -> Result<ServerMsg, CodecError> {
    decode_exact(bytes, SERVER_CONFIG)
}

#[cfg(test)]
mod tests;
