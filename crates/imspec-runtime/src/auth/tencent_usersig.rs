//! The `tencent_usersig` scheme. Tencent's TLSSigAPIv2 UserSig: HMAC-SHA256 over a fixed text,
//! in a zlib-compressed JSON object, base64 with `+/=` mapped to `*-_`.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit as _, Mac as _};
use secrecy::{ExposeSecret as _, SecretString};

use futures_util::future::BoxFuture;

use super::{
    Cached, ConfigKey, Credentials, FetchToken, Nonces, Scheme, Sign, SignError, Signed, later, renew_after, unix_now,
};
use crate::api::ApiEntry;
#[cfg(feature = "service")]
use crate::code::Code;
use crate::section::{ConfigError, Section};
use crate::service::AuthInfo;

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

/// The `tencent_usersig` scheme: a UserSig made from the app's secret key, reused until shortly
/// before it expires, in the query string with the SDKAppID, the admin identifier and a nonce.
#[derive(Debug)]
pub struct TencentUsersig;

const KEYS: &[ConfigKey] = &[
    ConfigKey { name: "sdkappid", secret: false },
    ConfigKey { name: "secret_key", secret: true },
    ConfigKey { name: "admin", secret: false },
];

impl Scheme for TencentUsersig {
    fn name(&self) -> &'static str {
        "tencent_usersig"
    }

    fn keys(&self) -> &'static [ConfigKey] {
        KEYS
    }

    fn credentials(&self, auth: &AuthInfo, section: &Section<'_>) -> Result<Arc<dyn Credentials>, ConfigError> {
        let bad = super::bad_param(auth, section);
        Ok(Arc::new(Creds {
            app_id_param: auth.text("app_id_param").map_err(&bad)?,
            identifier_param: auth.text("identifier_param").map_err(&bad)?,
            signature_param: auth.text("signature_param").map_err(&bad)?,
            nonce_param: auth.text("nonce_param").map_err(&bad)?,
            fixed_query: auth.pairs("fixed_query").map_err(&bad)?,
            nonce_max: auth.count("nonce_max").map_err(&bad)?,
            default_validity: Duration::from_secs(auth.count("default_validity_seconds").map_err(&bad)?),
            sdkappid: section.u64(KEYS[0].name)?,
            secret_key: SecretString::from(section.str(KEYS[1].name)?.to_owned()),
            admin: section.str(KEYS[2].name)?.to_owned(),
        }))
    }
}

/// An app's UserSig credentials and the spec's parameter names.
#[derive(Debug)]
struct Creds {
    app_id_param: &'static str,
    identifier_param: &'static str,
    signature_param: &'static str,
    nonce_param: &'static str,
    fixed_query: &'static [(&'static str, &'static str)],
    nonce_max: u64,
    default_validity: Duration,
    sdkappid: u64,
    secret_key: SecretString,
    admin: String,
}

impl Credentials for Creds {
    fn app_identity(&self, _: &ApiEntry, _: &HashMap<String, String>) -> String {
        self.sdkappid.to_string()
    }

    fn signer(self: Arc<Self>, validity: Option<Duration>) -> Box<dyn Sign> {
        let validity = validity.unwrap_or(self.default_validity);
        Box::new(Signer { creds: self, validity, cached: Mutex::new(None), nonces: Nonces::new() })
    }

    #[cfg(feature = "service")]
    fn verifier(self: Arc<Self>) -> Box<dyn super::Verify> {
        Box::new(Verifier { creds: self, verified: Mutex::new(HashMap::new()) })
    }
}

#[derive(Debug)]
struct Signer {
    creds: Arc<Creds>,
    validity: Duration,
    cached: Mutex<Option<Cached>>,
    nonces: Nonces,
}

impl Sign for Signer {
    fn sign<'a>(&'a self, _: &'a dyn FetchToken) -> BoxFuture<'a, Result<Signed, SignError>> {
        let c = &*self.creds;
        let sig = {
            let mut cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match cached.as_ref().filter(|c| Instant::now() < c.renew_at) {
                Some(c) => c.value.clone(),
                None => {
                    // At most ten years: TLS.expire is a signed 64-bit number of seconds.
                    let validity = self.validity.as_secs().clamp(1, 10 * 365 * 86_400);
                    let fresh = generate(&c.secret_key, c.sdkappid, &c.admin, unix_now(), validity as i64);
                    let renew_at = later(renew_after(Duration::from_secs(validity)));
                    *cached = Some(Cached { value: fresh.clone(), renew_at, generation: 0 });
                    fresh
                }
            }
        };
        let nonce = self.nonces.next() % (c.nonce_max.saturating_add(1)).max(1);
        let mut query: Vec<(&'static str, SecretString)> = vec![
            (c.app_id_param, SecretString::from(c.sdkappid.to_string())),
            (c.identifier_param, SecretString::from(c.admin.clone())),
            (c.signature_param, sig),
            (c.nonce_param, SecretString::from(nonce.to_string())),
        ];
        query.extend(c.fixed_query.iter().map(|(k, v)| (*k, SecretString::from(*v))));
        Box::pin(std::future::ready(Ok(Signed { query, headers: Vec::new(), token: None })))
    }
}

/// The service's check, with the UserSigs whose HMAC it verified once: UserSig → (SDKAppID,
/// identifier, expiry).
#[cfg(feature = "service")]
struct Verifier {
    creds: Arc<Creds>,
    verified: Mutex<HashMap<String, (u64, String, i64)>>,
}

#[cfg(feature = "service")]
impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verified = self.verified.lock().map_or(0, |v| v.len());
        f.debug_struct("Verifier").field("verified_usersigs", &verified).finish_non_exhaustive()
    }
}

#[cfg(feature = "service")]
impl super::Verify for Verifier {
    fn check(&self, call: &super::Presented<'_>, refusals: &crate::service::Refusals) -> Result<(), Option<Code>> {
        let c = &*self.creds;
        let missing = |role: &str| refusals.missing(role).cloned();
        let app = call.query(c.app_id_param).ok_or_else(|| missing("app_id"))?;
        let identifier = call.query(c.identifier_param).ok_or_else(|| missing("identifier"))?;
        let sig = call.query(c.signature_param).ok_or_else(|| missing("signature"))?;
        let nonce = call.query(c.nonce_param).ok_or_else(|| missing("nonce"))?;
        if nonce.parse::<u64>().map_or(true, |n| n > c.nonce_max) {
            return Err(missing("nonce"));
        }
        if app.parse::<u64>().ok() != Some(c.sdkappid) {
            return Err(refusals.unknown_app.clone());
        }
        let cached = self.verified.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(sig).cloned();
        match cached {
            Some((app, id, expiry)) => {
                if app != c.sdkappid {
                    return Err(refusals.app_mismatch.clone());
                }
                if id != identifier {
                    return Err(refusals.identifier_mismatch.clone());
                }
                if call.now > expiry {
                    return Err(refusals.expired.clone());
                }
            }
            None => {
                let fields = verify(sig, &c.secret_key, c.sdkappid, identifier, call.now).map_err(|r| match r {
                    Refusal::Undecodable => refusals.undecodable.clone(),
                    Refusal::AppMismatch => refusals.app_mismatch.clone(),
                    Refusal::IdentifierMismatch => refusals.identifier_mismatch.clone(),
                    Refusal::Expired => refusals.expired.clone(),
                    Refusal::BadSignature => refusals.bad_signature.clone(),
                })?;
                let mut verified = self.verified.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if verified.len() > 100_000 {
                    verified.clear(); // a bound, not a policy: re-verifying is only slower
                }
                verified.insert(
                    sig.to_owned(),
                    (fields.sdkappid, fields.identifier, fields.time.saturating_add(fields.expire)),
                );
            }
        }
        if identifier != c.admin {
            return Err(refusals.not_admin.clone());
        }
        Ok(())
    }

    fn clear(&self) {
        self.verified.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
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
