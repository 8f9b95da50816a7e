//! The `netease_checksum` scheme. NetEase Yunxin's server API signs every call with four
//! request headers: the app key, a nonce, the current time (Unix seconds, as text) and
//! `CheckSum` = SHA1(AppSecret + Nonce + CurTime) as plain concatenation, lowercase hex. No
//! token step, nothing in the query; a checksum is good for a window around its time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use sha1::Digest as _;

use super::{ConfigKey, Credentials, PerCall, Scheme, Sign, Signed};
use crate::api::ApiEntry;
use crate::section::{ConfigError, Section};
use crate::service::AuthInfo;

/// The checksum of one call.
pub fn checksum(app_secret: &SecretString, nonce: &str, cur_time: &str) -> String {
    let text = format!("{}{nonce}{cur_time}", app_secret.expose_secret());
    sha1::Sha1::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `checksum` is right for these headers (compared in constant time; the hex digits
/// in either case, as a hex string may be written).
pub fn verify(app_secret: &SecretString, nonce: &str, cur_time: &str, checksum: &str) -> bool {
    let expected = self::checksum(app_secret, nonce, cur_time);
    super::constant_time_eq(expected.as_bytes(), checksum.to_ascii_lowercase().as_bytes())
}

/// The `netease_checksum` scheme: a fresh nonce and checksum per call, in headers.
#[derive(Debug)]
pub struct NeteaseChecksum;

const KEYS: &[ConfigKey] =
    &[ConfigKey { name: "app_key", secret: false }, ConfigKey { name: "app_secret", secret: true }];

impl Scheme for NeteaseChecksum {
    fn name(&self) -> &'static str {
        "netease_checksum"
    }

    fn keys(&self) -> &'static [ConfigKey] {
        KEYS
    }

    fn credentials(&self, auth: &AuthInfo, section: &Section<'_>) -> Result<Arc<dyn Credentials>, ConfigError> {
        let bad = super::bad_param(auth, section);
        Ok(Arc::new(Creds {
            app_key_header: auth.text("app_key_header").map_err(&bad)?,
            nonce_header: auth.text("nonce_header").map_err(&bad)?,
            time_header: auth.text("time_header").map_err(&bad)?,
            checksum_header: auth.text("checksum_header").map_err(&bad)?,
            nonce_max_len: auth.count("nonce_max_len").map_err(&bad)?,
            max_skew_seconds: auth.count("max_skew_seconds").map_err(&bad)?,
            app_key: section.str(KEYS[0].name)?.to_owned(),
            app_secret: SecretString::from(section.str(KEYS[1].name)?.to_owned()),
        }))
    }
}

/// An app's NetEase credentials and the spec's header names.
#[derive(Debug)]
struct Creds {
    app_key_header: &'static str,
    nonce_header: &'static str,
    time_header: &'static str,
    checksum_header: &'static str,
    /// Read by the service's check only (the client's nonces are 16 characters).
    #[cfg_attr(not(feature = "service"), allow(dead_code))]
    nonce_max_len: u64,
    #[cfg_attr(not(feature = "service"), allow(dead_code))]
    max_skew_seconds: u64,
    app_key: String,
    app_secret: SecretString,
}

impl Credentials for Creds {
    fn app_identity(&self, _: &ApiEntry, _: &HashMap<String, String>) -> String {
        self.app_key.clone()
    }

    fn signer(self: Arc<Self>, _: Option<Duration>) -> Box<dyn Sign> {
        PerCall::boxed(self, sign)
    }

    #[cfg(feature = "service")]
    fn verifier(self: Arc<Self>) -> Box<dyn super::Verify> {
        Box::new(Verifier { creds: self })
    }
}

/// One call's headers: the app key, a fresh nonce (16 hex characters), the time and the checksum.
fn sign(c: &Creds, random: u64, now: i64) -> Signed {
    let nonce = format!("{random:016x}");
    let cur_time = now.to_string();
    let sum = checksum(&c.app_secret, &nonce, &cur_time);
    let headers = vec![
        (c.app_key_header, SecretString::from(c.app_key.clone())),
        (c.nonce_header, SecretString::from(nonce)),
        (c.time_header, SecretString::from(cur_time)),
        (c.checksum_header, SecretString::from(sum)),
    ];
    Signed { query: Vec::new(), headers, token: None }
}

#[cfg(feature = "service")]
#[derive(Debug)]
struct Verifier {
    creds: Arc<Creds>,
}

#[cfg(feature = "service")]
impl super::Verify for Verifier {
    fn check(
        &self,
        call: &super::Presented<'_>,
        refusals: &crate::service::Refusals,
    ) -> Result<(), Option<crate::code::Code>> {
        let c = &*self.creds;
        let missing = |role: &str| refusals.missing(role).cloned();
        let present = |name: &str, role: &str| call.header(name).filter(|v| !v.is_empty()).ok_or_else(|| missing(role));
        let app_key = present(c.app_key_header, "app_key")?;
        let nonce = present(c.nonce_header, "nonce")?;
        let cur_time = present(c.time_header, "timestamp")?;
        let sum = present(c.checksum_header, "signature")?;
        if nonce.chars().count() as u64 > c.nonce_max_len {
            return Err(missing("nonce"));
        }
        if app_key != c.app_key {
            return Err(refusals.unknown_app.clone());
        }
        let Ok(ts) = cur_time.parse::<i64>() else { return Err(refusals.bad_timestamp.clone()) };
        if call.now.abs_diff(ts) > c.max_skew_seconds {
            return Err(refusals.expired.clone());
        }
        if !verify(&c.app_secret, nonce, cur_time, sum) {
            return Err(refusals.bad_signature.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_of_secret_nonce_and_time_in_lowercase_hex() {
        // SHA1("secret" + "nonce" + "1443592222"), as `printf %s secretnonce1443592222 | sha1sum` gives it.
        let secret = SecretString::from("secret");
        let sum = checksum(&secret, "nonce", "1443592222");
        assert_eq!(sum, "6c44195b0140d787ed24095408dfdc9ea9d83ccf");
        assert!(verify(&secret, "nonce", "1443592222", &sum));
        assert!(verify(&secret, "nonce", "1443592222", &sum.to_ascii_uppercase()));
        assert!(!verify(&secret, "nonce", "1443592223", &sum));
        assert!(!verify(&SecretString::from("secreT"), "nonce", "1443592222", &sum));
    }
}
