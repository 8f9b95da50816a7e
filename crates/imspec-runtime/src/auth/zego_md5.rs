//! The `zego_md5` scheme. ZEGO's server API signature: `md5(AppId + SignatureNonce + ServerSecret + Timestamp)` as
//! plain concatenation (AppId and Timestamp in decimal), lowercase hex.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use md5::Digest as _;
use secrecy::{ExposeSecret as _, SecretString};

use super::{ConfigKey, Credentials, PerCall, Scheme, Sign, Signed};
use crate::api::ApiEntry;
use crate::section::{ConfigError, Section};
use crate::service::AuthInfo;

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

/// The `zego_md5` scheme: a fresh signature per call in the query string with the AppId, a
/// nonce, the timestamp and the signature version.
#[derive(Debug)]
pub struct ZegoMd5;

const KEYS: &[ConfigKey] =
    &[ConfigKey { name: "app_id", secret: false }, ConfigKey { name: "server_secret", secret: true }];

impl Scheme for ZegoMd5 {
    fn name(&self) -> &'static str {
        "zego_md5"
    }

    fn keys(&self) -> &'static [ConfigKey] {
        KEYS
    }

    fn credentials(&self, auth: &AuthInfo, section: &Section<'_>) -> Result<Arc<dyn Credentials>, ConfigError> {
        let bad = super::bad_param(auth, section);
        let app_id = section.u64(KEYS[0].name)?;
        let app_id = u32::try_from(app_id)
            .map_err(|_| ConfigError(format!("[{}] `{}`: must fit in 32 bits", section.vendor_id(), KEYS[0].name)))?;
        Ok(Arc::new(Creds {
            app_id_param: auth.text("app_id_param").map_err(&bad)?,
            nonce_param: auth.text("nonce_param").map_err(&bad)?,
            timestamp_param: auth.text("timestamp_param").map_err(&bad)?,
            version_param: auth.text("version_param").map_err(&bad)?,
            signature_param: auth.text("signature_param").map_err(&bad)?,
            version: auth.text("version").map_err(&bad)?,
            max_skew_seconds: auth.count("max_skew_seconds").map_err(&bad)?,
            app_id,
            server_secret: SecretString::from(section.str(KEYS[1].name)?.to_owned()),
        }))
    }
}

/// An app's ZEGO credentials and the spec's parameter names.
#[derive(Debug)]
struct Creds {
    app_id_param: &'static str,
    nonce_param: &'static str,
    timestamp_param: &'static str,
    version_param: &'static str,
    signature_param: &'static str,
    version: &'static str,
    /// Read by the service's check only.
    #[cfg_attr(not(feature = "service"), allow(dead_code))]
    max_skew_seconds: u64,
    app_id: u32,
    server_secret: SecretString,
}

impl Credentials for Creds {
    fn app_identity(&self, _: &ApiEntry, _: &HashMap<String, String>) -> String {
        self.app_id.to_string()
    }

    fn signer(self: Arc<Self>, _: Option<Duration>) -> Box<dyn Sign> {
        PerCall::boxed(self, sign)
    }

    #[cfg(feature = "service")]
    fn verifier(self: Arc<Self>) -> Box<dyn super::Verify> {
        Box::new(Verifier { creds: self })
    }
}

/// One call's query: the AppId, a fresh nonce, the timestamp, the version and the signature.
fn sign(c: &Creds, random: u64, ts: i64) -> Signed {
    let nonce = nonce(random);
    let sig = signature(c.app_id, &nonce, &c.server_secret, ts);
    let query = vec![
        (c.app_id_param, SecretString::from(c.app_id.to_string())),
        (c.nonce_param, SecretString::from(nonce)),
        (c.timestamp_param, SecretString::from(ts.to_string())),
        (c.version_param, SecretString::from(c.version)),
        (c.signature_param, SecretString::from(sig)),
    ];
    Signed { query, headers: Vec::new(), token: None }
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
        let app = call.query(c.app_id_param).ok_or_else(|| missing("app_id"))?;
        let nonce = call.query(c.nonce_param).ok_or_else(|| missing("nonce"))?;
        let timestamp = call.query(c.timestamp_param).ok_or_else(|| missing("timestamp"))?;
        let version = call.query(c.version_param).ok_or_else(|| missing("version"))?;
        let signature = call.query(c.signature_param).ok_or_else(|| missing("signature"))?;
        for (role, value) in [("app_id", app), ("nonce", nonce), ("timestamp", timestamp), ("signature", signature)] {
            if value.is_empty() {
                return Err(missing(role));
            }
        }
        if app.parse::<u32>().ok() != Some(c.app_id) {
            return Err(refusals.unknown_app.clone());
        }
        let Ok(ts) = timestamp.parse::<i64>() else { return Err(refusals.bad_timestamp.clone()) };
        if version != c.version {
            return Err(refusals.unsupported_version.clone());
        }
        if call.now.abs_diff(ts) > c.max_skew_seconds {
            return Err(refusals.expired.clone());
        }
        if !verify(c.app_id, nonce, &c.server_secret, ts, signature) {
            return Err(refusals.bad_signature.clone());
        }
        Ok(())
    }
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
