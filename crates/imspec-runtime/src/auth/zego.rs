//! ZEGO's server API signature: `md5(AppId + SignatureNonce + ServerSecret + Timestamp)` as
//! plain concatenation (AppId and Timestamp in decimal), lowercase hex.

use md5::Digest as _;
use secrecy::{ExposeSecret as _, SecretString};

/// The signature of one call.
pub fn signature(app_id: u32, nonce: &str, server_secret: &SecretString, timestamp: i64) -> String {
    let text = format!("{app_id}{nonce}{}{timestamp}", server_secret.expose_secret());
    md5::Md5::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh nonce: 16 hex characters from 8 random bytes, as ZEGO's samples make them.
pub fn nonce(random: u64) -> String {
    format!("{random:016x}")
}

/// Whether `signature` is right for these parameters (compared in constant time).
pub fn verify(app_id: u32, nonce: &str, server_secret: &SecretString, timestamp: i64, signature: &str) -> bool {
    let expected = self::signature(app_id, nonce, server_secret, timestamp);
    super::constant_time_eq(expected.as_bytes(), signature.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_test_vector() {
        let secret = SecretString::from("9193cc662a4c0ec135ec71fb57194b38");
        let sig = signature(12345, "4fd24687296dd9f3", &secret, 1_615_186_943);
        assert_eq!(sig, "43e5cfcca828314675f91b001390566a");
        assert!(verify(12345, "4fd24687296dd9f3", &secret, 1_615_186_943, &sig));
        assert!(!verify(12345, "4fd24687296dd9f4", &secret, 1_615_186_943, &sig));
    }
}
