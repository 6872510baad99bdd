//! Unguessable bytes from the operating system, for resume tokens and room codes.

/// Fills `buf` from the OS's random source.
pub fn random_bytes(buf: &mut [u8]) {
    // The OS source failing means the machine is unusable for secrets; there is no fallback.
    getrandom::fill(buf).expect("the OS random source works");
}
