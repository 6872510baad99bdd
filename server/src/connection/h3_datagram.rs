//! HTTP/3 datagram framing of a WebTransport session's datagrams (RFC 9297): each QUIC datagram
//! starts with the session's *quarter stream id* as a QUIC variable-length integer, then the
//! payload. The server reads and writes its sessions' datagrams on the QUIC connection itself
//! with this header instead of through `wtransport`'s per-connection worker: that worker wakes
//! for every datagram, re-polls every control stream and hands the datagram over one more
//! channel (about a tenth of the server's CPU under 100 players in the profile, BENCHMARKS.md).

use bytes::{BufMut, Bytes, BytesMut};
use wtransport::SessionId;

/// The longest QUIC variable-length integer, in bytes.
const MAX_VARINT_LEN: usize = 8;

/// The header every datagram of one session carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionHeader {
    bytes: [u8; MAX_VARINT_LEN],
    len: usize,
}

impl SessionHeader {
    /// The header of `session`'s datagrams.
    pub fn of(session: SessionId) -> Self {
        Self::of_quarter_stream_id(session.into_u64() / 4)
    }

    fn of_quarter_stream_id(id: u64) -> Self {
        let mut bytes = [0; MAX_VARINT_LEN];
        // RFC 9000 §16: the two top bits of the first byte give the length (1, 2, 4 or 8 bytes).
        let len = match id {
            0..0x40 => 1,
            0x40..0x4000 => 2,
            0x4000..0x4000_0000 => 4,
            _ => 8,
        };
        let tag: u64 = match len {
            1 => 0,
            2 => 0b01,
            4 => 0b10,
            _ => 0b11,
        };
        let value = id | tag << (len * 8 - 2);
        bytes[..len].copy_from_slice(&value.to_be_bytes()[MAX_VARINT_LEN - len..]);
        Self { bytes, len }
    }

    /// `payload` framed for this session.
    pub fn frame(&self, payload: &[u8]) -> Bytes {
        let mut datagram = BytesMut::with_capacity(self.len + payload.len());
        datagram.put_slice(&self.bytes[..self.len]);
        datagram.put_slice(payload);
        datagram.freeze()
    }

    /// The payload of a datagram of this session, or `None` when it carries another session's
    /// header (or none at all).
    pub fn payload_of(&self, mut datagram: Bytes) -> Option<Bytes> {
        if datagram.len() < self.len || datagram[..self.len] != self.bytes[..self.len] {
            return None;
        }
        Some(datagram.split_off(self.len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_stream_ids_encode_as_rfc_9000_varints() {
        // The examples of RFC 9000, appendix A.1.
        assert_eq!(&SessionHeader::of_quarter_stream_id(37).frame(&[])[..], &[0x25]);
        assert_eq!(&SessionHeader::of_quarter_stream_id(15_293).frame(&[])[..], &[0x7b, 0xbd]);
        assert_eq!(&SessionHeader::of_quarter_stream_id(494_878_333).frame(&[])[..], &[0x9d, 0x7f, 0x3e, 0x7d]);
        assert_eq!(
            &SessionHeader::of_quarter_stream_id(151_288_809_941_952_652).frame(&[])[..],
            &[0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c]
        );
    }

    #[test]
    fn a_framed_payload_comes_back_and_another_sessions_does_not() {
        let ours = SessionHeader::of_quarter_stream_id(0);
        let theirs = SessionHeader::of_quarter_stream_id(1);
        let datagram = ours.frame(b"inputs");
        assert_eq!(ours.payload_of(datagram.clone()).as_deref(), Some(&b"inputs"[..]));
        assert_eq!(theirs.payload_of(datagram), None);
        assert_eq!(ours.payload_of(Bytes::new()), None);
    }
}
