//! Bit-level writing and reading: single bits, fixed-width fields, and Elias-gamma coded
//! integers (small numbers in few bits: 0 → 1 bit, ±1 → 3 bits, ±100 → 15 bits).

use super::DeltaError;

/// Longest gamma code accepted when reading: values up to 2^40, far beyond any field, so a
/// hostile run of zero bits is refused instead of looping or overflowing.
const MAX_GAMMA_ZEROS: u32 = 40;

/// Appends bits, most significant first within each byte.
#[derive(Debug, Clone, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    len_bits: usize,
}

impl BitWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bits written so far.
    pub fn len_bits(&self) -> usize {
        self.len_bits
    }

    /// One bit.
    pub fn bit(&mut self, value: bool) {
        if self.len_bits % 8 == 0 {
            self.bytes.push(0);
        }
        if value {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 0x80 >> (self.len_bits % 8);
        }
        self.len_bits += 1;
    }

    /// The low `width` bits of `value`, most significant first.
    pub fn bits(&mut self, value: u64, width: u32) {
        for i in (0..width).rev() {
            self.bit((value >> i) & 1 == 1);
        }
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
        self.gamma(((value << 1) ^ (value >> 63)) as u64);
    }

    /// Appends everything `other` holds.
    pub fn append(&mut self, other: &BitWriter) {
        for i in 0..other.len_bits {
            self.bit(other.bytes[i / 8] & (0x80 >> (i % 8)) != 0);
        }
    }

    /// The bytes, the last one padded with zero bits.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
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
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        assert!(BitReader::new(&[0, 0, 0, 0, 0, 0, 0]).gamma().is_err());
        assert!(BitReader::new(&[]).bit().is_err());
        assert!(BitReader::new(&[0, 1]).finish().is_err());
    }
}
