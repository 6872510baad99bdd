//! Bit-level writing and reading: single bits, fixed-width fields, and Elias-gamma coded
//! integers (small numbers in few bits: 0 → 1 bit, ±1 → 3 bits, ±100 → 15 bits).

use super::DeltaError;

/// Longest gamma code accepted when reading: values up to 2^40, far beyond any field, so a
/// hostile run of zero bits is refused instead of looping or overflowing.
const MAX_GAMMA_ZEROS: u32 = 40;

/// Appends bits, most significant first within each byte. Bits gather in a 64-bit accumulator
/// and leave it a byte at a time, so writing costs a few instructions per field, not per bit.
#[derive(Debug, Clone, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    acc_bits: u32,
}

/// Widest field [`BitWriter::bits`] takes in one step (the accumulator keeps < 8 bits between
/// calls, so 56 more always fit).
const MAX_STEP: u32 = 56;

impl BitWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bits written so far.
    pub fn len_bits(&self) -> usize {
        self.bytes.len() * 8 + self.acc_bits as usize
    }

    /// One bit.
    pub fn bit(&mut self, value: bool) {
        self.bits(u64::from(value), 1);
    }

    /// The low `width` bits of `value` (`width` up to 64), most significant first.
    pub fn bits(&mut self, value: u64, width: u32) {
        if width > MAX_STEP {
            self.bits(value >> MAX_STEP, width - MAX_STEP);
            self.bits(value, MAX_STEP);
            return;
        }
        if width == 0 {
            return;
        }
        let masked = value & (u64::MAX >> (64 - width));
        self.acc = (self.acc << width) | masked;
        self.acc_bits += width;
        while self.acc_bits >= 8 {
            self.acc_bits -= 8;
            self.bytes.push((self.acc >> self.acc_bits) as u8);
        }
        self.acc &= (1u64 << self.acc_bits) - 1;
    }

    /// A non-negative integer, Elias-gamma coded (of `value + 1`).
    pub fn gamma(&mut self, value: u64) {
        let v = value.saturating_add(1);
        let width = 64 - v.leading_zeros();
        self.bits(0, width - 1);
        self.bits(v, width);
    }

    /// A signed integer: zigzag (0, -1, 1, -2, …) then gamma.
    pub fn signed(&mut self, value: i64) {
        self.gamma(zigzag(value));
    }

    /// Appends everything `other` holds.
    pub fn append(&mut self, other: &BitWriter) {
        for &byte in &other.bytes {
            self.bits(u64::from(byte), 8);
        }
        self.bits(other.acc, other.acc_bits);
    }

    /// Forgets everything written, keeping the allocation.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.acc = 0;
        self.acc_bits = 0;
    }

    /// The bytes so far, the last one padded with zero bits (which counts as written: write
    /// nothing more before [`clear`](Self::clear)).
    pub fn padded_bytes(&mut self) -> &[u8] {
        if self.acc_bits > 0 {
            let pad = 8 - self.acc_bits;
            self.bits(0, pad);
        }
        &self.bytes
    }

    /// The bytes, the last one padded with zero bits.
    pub fn into_bytes(mut self) -> Vec<u8> {
        if self.acc_bits > 0 {
            let pad = 8 - self.acc_bits;
            self.bits(0, pad);
        }
        self.bytes
    }
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Bits [`BitWriter::gamma`] uses for `value`.
pub fn gamma_len(value: u64) -> usize {
    let v = value.saturating_add(1);
    (2 * (64 - v.leading_zeros()) - 1) as usize
}

/// Bits [`BitWriter::signed`] uses for `value`.
pub fn signed_len(value: i64) -> usize {
    gamma_len(zigzag(value))
}

/// Reads what a [`BitWriter`] wrote; running past the end is an error, never a panic.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    pos_bits: usize,
}

impl<'a> BitReader<'a> {
    /// Reads `bytes` from the first bit.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos_bits: 0 }
    }

    /// One bit.
    pub fn bit(&mut self) -> Result<bool, DeltaError> {
        let byte = self.bytes.get(self.pos_bits / 8).ok_or(DeltaError::Truncated)?;
        let value = byte & (0x80 >> (self.pos_bits % 8)) != 0;
        self.pos_bits += 1;
        Ok(value)
    }

    /// `width` bits (at most 64) as an integer.
    pub fn bits(&mut self, width: u32) -> Result<u64, DeltaError> {
        let mut value = 0u64;
        for _ in 0..width {
            value = (value << 1) | u64::from(self.bit()?);
        }
        Ok(value)
    }

    /// A gamma-coded non-negative integer.
    pub fn gamma(&mut self) -> Result<u64, DeltaError> {
        let mut zeros = 0;
        while !self.bit()? {
            zeros += 1;
            if zeros > MAX_GAMMA_ZEROS {
                return Err(DeltaError::BadValue("gamma code too long"));
            }
        }
        let rest = self.bits(zeros)?;
        Ok(((1u64 << zeros) | rest) - 1)
    }

    /// A zigzag + gamma signed integer.
    pub fn signed(&mut self) -> Result<i64, DeltaError> {
        let z = self.gamma()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    /// Checks that only zero padding (less than a byte) is left.
    pub fn finish(&mut self) -> Result<(), DeltaError> {
        let total = self.bytes.len() * 8;
        if total - self.pos_bits.min(total) >= 8 {
            return Err(DeltaError::TrailingBytes);
        }
        while self.pos_bits < total {
            if self.bit()? {
                return Err(DeltaError::TrailingBytes);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_written_reads_back() {
        let mut w = BitWriter::new();
        w.bit(true);
        w.bits(0b1011, 4);
        for v in [0u64, 1, 2, 100, 1 << 20] {
            w.gamma(v);
        }
        for v in [0i64, -1, 1, -100, 12345, -(1 << 30)] {
            w.signed(v);
        }
        let bytes = w.into_bytes();
        let mut r = BitReader::new(&bytes);
        assert!(r.bit().unwrap());
        assert_eq!(r.bits(4).unwrap(), 0b1011);
        for v in [0u64, 1, 2, 100, 1 << 20] {
            assert_eq!(r.gamma().unwrap(), v);
        }
        for v in [0i64, -1, 1, -100, 12345, -(1 << 30)] {
            assert_eq!(r.signed().unwrap(), v);
        }
        r.finish().unwrap();
    }

    #[test]
    fn small_numbers_are_short() {
        let size = |v: i64| {
            let mut w = BitWriter::new();
            w.signed(v);
            w.len_bits()
        };
        assert_eq!((size(0), size(-1), size(1)), (1, 3, 3));
        for v in [0i64, 1, -1, 77, -4096, 1 << 40] {
            assert_eq!(size(v), signed_len(v));
        }
    }

    #[test]
    fn wide_fields_and_appends_keep_their_bits() {
        let mut a = BitWriter::new();
        a.bits(0b101, 3);
        a.bits(u64::MAX - 5, 64);
        let mut b = BitWriter::new();
        b.bit(true);
        b.append(&a);
        assert_eq!(b.len_bits(), 68);
        let bytes = b.into_bytes();
        let mut r = BitReader::new(&bytes);
        assert!(r.bit().unwrap());
        assert_eq!(r.bits(3).unwrap(), 0b101);
        assert_eq!(r.bits(32).unwrap() << 32 | r.bits(32).unwrap(), u64::MAX - 5);
        r.finish().unwrap();
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        assert!(BitReader::new(&[0, 0, 0, 0, 0, 0, 0]).gamma().is_err());
        assert!(BitReader::new(&[]).bit().is_err());
        assert!(BitReader::new(&[0, 1]).finish().is_err());
    }
}
