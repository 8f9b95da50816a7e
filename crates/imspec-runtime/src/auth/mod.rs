//! Signers and verifiers of the vendors' auth schemes (the algorithms; the parameter names and
//! hosts come from the specs). The emulator verifies with the same code the clients sign with,
//! and tests hold both to the vendors' official vectors and libraries.

pub mod usersig;
pub mod zego;

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
