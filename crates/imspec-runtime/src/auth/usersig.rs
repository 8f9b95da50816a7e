//! Tencent's TLSSigAPIv2 UserSig: HMAC-SHA256 over a fixed text, in a zlib-compressed JSON
//! object, base64 with `+/=` mapped to `*-_`.

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit as _, Mac as _};
use secrecy::{ExposeSecret as _, SecretString};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The `TLS.sig` field: base64 of HMAC-SHA256, keyed by the secret key's UTF-8 bytes exactly as
/// the console shows it (not hex-decoded).
pub(crate) fn signature(key: &SecretString, sdkappid: u64, identifier: &str, time: i64, expire: i64) -> String {
    signature_with_userbuf(key, sdkappid, identifier, time, expire, None)
}

/// The signed text ends with `TLS.userbuf:` when the UserSig carries one (the official libraries do).
fn signature_with_userbuf(
    key: &SecretString,
    sdkappid: u64,
    identifier: &str,
    time: i64,
    expire: i64,
    userbuf: Option<&str>,
) -> String {
    let mut content =
        format!("TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n");
    if let Some(buf) = userbuf {
        content.push_str(&format!("TLS.userbuf:{buf}\n"));
    }
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key.expose_secret().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(content.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A UserSig for `identifier`, valid `expire` seconds from `time` (Unix seconds).
pub fn generate(key: &SecretString, sdkappid: u64, identifier: &str, time: i64, expire: i64) -> SecretString {
    let doc = serde_json::json!({
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": time,
        "TLS.sig": signature(key, sdkappid, identifier, time, expire),
    });
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let compressed = z.write_all(doc.to_string().as_bytes()).and_then(|()| z.finish()).unwrap_or_default();
    SecretString::from(url_encode(&STANDARD.encode(compressed)))
}

fn url_encode(b64: &str) -> String {
    b64.chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

/// The fields of a decoded UserSig.
#[derive(Debug, Clone)]
pub struct Fields {
    pub identifier: String,
    pub sdkappid: u64,
    pub time: i64,
    pub expire: i64,
    /// `TLS.sig`; compared, never logged.
    pub sig: SecretString,
    /// `TLS.userbuf` (base64), when the UserSig carries one; it is part of the signed text.
    pub userbuf: Option<String>,
}

/// Why a UserSig was refused, in the order the official verifiers check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not base64, not zlib, not JSON, or a field missing or of the wrong type.
    Undecodable,
    /// Issued for another SDKAppID.
    AppMismatch,
    /// Issued for another identifier.
    IdentifierMismatch,
    /// `now > time + expire`.
    Expired,
    /// The HMAC does not match: signed with another key.
    BadSignature,
}

/// Decodes a UserSig: any zlib stream, any JSON layout (official libraries differ in both).
pub fn decode(usersig: &str) -> Result<Fields, Refusal> {
    // Real UserSigs are a few hundred bytes; refuse anything absurd before decoding it.
    if usersig.len() > 8 * 1024 {
        return Err(Refusal::Undecodable);
    }
    let b64: String = usersig
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect();
    let compressed = STANDARD.decode(b64.as_bytes()).map_err(|_| Refusal::Undecodable)?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .take(64 * 1024) // a UserSig is tiny; refuse decompression bombs
        .read_to_end(&mut json)
        .map_err(|_| Refusal::Undecodable)?;
    let doc: serde_json::Value = serde_json::from_slice(&json).map_err(|_| Refusal::Undecodable)?;
    let str_field = |k: &str| doc.get(k).and_then(|v| v.as_str()).map(str::to_owned).ok_or(Refusal::Undecodable);
    let int_field = |k: &str| doc.get(k).and_then(|v| v.as_i64()).ok_or(Refusal::Undecodable);
    Ok(Fields {
        identifier: str_field("TLS.identifier")?,
        sdkappid: doc.get("TLS.sdkappid").and_then(|v| v.as_u64()).ok_or(Refusal::Undecodable)?,
        time: int_field("TLS.time")?,
        expire: int_field("TLS.expire")?,
        sig: SecretString::from(str_field("TLS.sig")?),
        userbuf: doc.get("TLS.userbuf").and_then(|v| v.as_str()).map(str::to_owned),
    })
}

/// Verifies a UserSig as the official verifiers do: SDKAppID, identifier, expiry, then HMAC.
pub fn verify(usersig: &str, key: &SecretString, sdkappid: u64, identifier: &str, now: i64) -> Result<Fields, Refusal> {
    let f = decode(usersig)?;
    if f.sdkappid != sdkappid {
        return Err(Refusal::AppMismatch);
    }
    if f.identifier != identifier {
        return Err(Refusal::IdentifierMismatch);
    }
    if now > f.time.saturating_add(f.expire) {
        return Err(Refusal::Expired);
    }
    let expected = signature_with_userbuf(key, f.sdkappid, &f.identifier, f.time, f.expire, f.userbuf.as_deref());
    if !super::constant_time_eq(f.sig.expose_secret().as_bytes(), expected.as_bytes()) {
        return Err(Refusal::BadSignature);
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretString {
        SecretString::from("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
    }

    #[test]
    fn the_official_test_vector() {
        let sig = signature(&key(), 1_400_000_000, "xiaojun", 1_600_000_000, 15_552_000);
        assert_eq!(sig, "1Z5PngDjGaufeSiPoBuxdHY7EK3JTdAjMP93S4KvV3M=");
    }

    #[test]
    fn generated_usersigs_verify_and_each_kind_of_mismatch_is_refused() {
        let us = generate(&key(), 1_400_000_000, "administrator", 1_700_000_000, 86_400);
        let us = us.expose_secret();
        assert!(verify(us, &key(), 1_400_000_000, "administrator", 1_700_000_100).is_ok());
        assert_eq!(verify(us, &key(), 1_400_000_001, "administrator", 1_700_000_100).err(), Some(Refusal::AppMismatch));
        assert_eq!(
            verify(us, &key(), 1_400_000_000, "someone", 1_700_000_100).err(),
            Some(Refusal::IdentifierMismatch)
        );
        assert_eq!(verify(us, &key(), 1_400_000_000, "administrator", 1_700_086_401).err(), Some(Refusal::Expired));
        let other = SecretString::from("another-key");
        assert_eq!(
            verify(us, &other, 1_400_000_000, "administrator", 1_700_000_100).err(),
            Some(Refusal::BadSignature)
        );
        assert_eq!(verify("not a usersig", &key(), 1, "a", 0).err(), Some(Refusal::Undecodable));
    }

    #[test]
    fn secrets_do_not_reach_debug_output() {
        let f = decode(generate(&key(), 1, "a", 2, 3).expose_secret()).expect("decodes");
        assert!(!format!("{f:?}").contains(&signature(&key(), 1, "a", 2, 3)));
    }
}
