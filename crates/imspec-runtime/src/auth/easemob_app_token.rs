//! The `easemob_app_token` scheme: an app token fetched with the app's client credentials from
//! the vendor's token endpoint, sent as a header; fetched once for all concurrent calls,
//! renewed before it expires and fetched again once when the service refuses it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret as _, SecretString};

use super::{Cached, ConfigKey, Credentials, FetchToken, Scheme, Sign, SignError, Signed, later, renew_after};
use crate::api::ApiEntry;
use crate::code::Code;
use crate::section::{ConfigError, Section};
use crate::service::AuthInfo;

/// The `easemob_app_token` scheme.
#[derive(Debug)]
pub struct EasemobAppToken;

const KEYS: &[ConfigKey] =
    &[ConfigKey { name: "client_id", secret: false }, ConfigKey { name: "client_secret", secret: true }];

impl Scheme for EasemobAppToken {
    fn name(&self) -> &'static str {
        "easemob_app_token"
    }

    fn keys(&self) -> &'static [ConfigKey] {
        KEYS
    }

    fn credentials(&self, auth: &AuthInfo, section: &Section<'_>) -> Result<Arc<dyn Credentials>, ConfigError> {
        let bad = super::bad_param(auth, section);
        Ok(Arc::new(Creds {
            token_path: auth.text("token_path").map_err(&bad)?,
            grant_type: auth.text("grant_type").map_err(&bad)?,
            header: auth.text("header").map_err(&bad)?,
            header_prefix: auth.text("header_prefix").map_err(&bad)?,
            client_id: section.str(KEYS[0].name)?.to_owned(),
            client_secret: SecretString::from(section.str(KEYS[1].name)?.to_owned()),
        }))
    }
}

/// An app's client credentials and the spec's token endpoint and header.
#[derive(Debug)]
struct Creds {
    /// Path template of the token endpoint (`{org_name}`-style segments).
    token_path: &'static str,
    grant_type: &'static str,
    header: &'static str,
    header_prefix: &'static str,
    client_id: String,
    client_secret: SecretString,
}

impl Credentials for Creds {
    /// The configuration values the token path binds (the app's own path), else the client id.
    fn app_identity(&self, api: &ApiEntry, binds: &HashMap<String, String>) -> String {
        let bound: Option<Vec<&str>> = self
            .token_path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| {
                let key = api.params.iter().find(|q| q.name == name).and_then(|q| q.bind)?;
                binds.get(key).map(String::as_str)
            })
            .collect();
        match bound {
            Some(parts) if !parts.is_empty() => parts.join("#"),
            _ => self.client_id.clone(),
        }
    }

    fn signer(self: Arc<Self>, _: Option<Duration>) -> Box<dyn Sign> {
        Box::new(Signer { creds: self, token: tokio::sync::Mutex::new(None), fetches: AtomicU64::new(0) })
    }

    #[cfg(feature = "service")]
    fn verifier(self: Arc<Self>) -> Box<dyn super::Verify> {
        Box::new(Verifier { creds: self, issued: std::sync::Mutex::new(HashMap::new()) })
    }
}

#[derive(Debug)]
struct Signer {
    creds: Arc<Creds>,
    token: tokio::sync::Mutex<Option<Cached>>,
    fetches: AtomicU64,
}

impl Sign for Signer {
    fn sign<'a>(&'a self, fetch: &'a dyn FetchToken) -> BoxFuture<'a, Result<Signed, SignError>> {
        Box::pin(async move {
            let c = &*self.creds;
            // Holding the lock across the fetch makes concurrent callers share one fetch.
            let mut cached = self.token.lock().await;
            let (token, generation) = match cached.as_ref().filter(|t| std::time::Instant::now() < t.renew_at) {
                Some(t) => (t.value.clone(), t.generation),
                None => {
                    let body = serde_json::json!({
                        "grant_type": c.grant_type,
                        "client_id": c.client_id,
                        "client_secret": c.client_secret.expose_secret(),
                    });
                    let generation = self.fetches.fetch_add(1, Ordering::Relaxed) + 1;
                    let (status, answer) =
                        fetch.fetch(c.token_path.to_owned(), body).await.map_err(SignError::Transport)?;
                    let token = answer.get("access_token").and_then(|t| t.as_str());
                    let (200, Some(token)) = (status, token) else {
                        let code = answer.get("error").and_then(|e| e.as_str()).map(|e| Code::Str(e.to_owned().into()));
                        return Err(SignError::Refused { code, status });
                    };
                    // `expires_in` 0 (or absent) means the token does not expire.
                    let lifetime = answer.get("expires_in").and_then(serde_json::Value::as_u64).unwrap_or(0);
                    let renew_at = match lifetime {
                        0 => later(Duration::MAX),
                        s => later(renew_after(Duration::from_secs(s))),
                    };
                    let value = SecretString::from(token.to_owned());
                    *cached = Some(Cached { value: value.clone(), renew_at, generation });
                    (value, generation)
                }
            };
            let header = SecretString::from(format!("{}{}", c.header_prefix, token.expose_secret()));
            Ok(Signed { query: Vec::new(), headers: vec![(c.header, header)], token: Some(generation) })
        })
    }

    fn refetches_on_refusal(&self) -> bool {
        true
    }

    fn invalidate(&self, generation: u64) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let mut cached = self.token.lock().await;
            if cached.as_ref().is_some_and(|c| c.generation == generation) {
                *cached = None;
            }
        })
    }

    fn token_fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }
}

/// The prefix of the emulator's app tokens; anything else is not a token at all.
#[cfg(feature = "service")]
const TOKEN_PREFIX: &str = "YWMt";
/// Hex digits of a token's selector (64 random bits) and verifier (128 random bits).
#[cfg(feature = "service")]
const SELECTOR_HEX: usize = 16;
#[cfg(feature = "service")]
const VERIFIER_HEX: usize = 32;

/// The service's side: the tokens it issued, by their public selector → (their secret
/// verifier, expiry in Unix seconds; `None` never expires). The selector finds the entry; the
/// verifier is compared in constant time. `Debug` shows the count only.
#[cfg(feature = "service")]
struct Verifier {
    creds: Arc<Creds>,
    issued: std::sync::Mutex<HashMap<String, (String, Option<i64>)>>,
}

#[cfg(feature = "service")]
impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("issued", &self.lock().len()).finish_non_exhaustive()
    }
}

#[cfg(feature = "service")]
impl Verifier {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Option<i64>)>> {
        self.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `token` was issued, and if so its expiry.
    fn lookup(&self, token: &str) -> Option<Option<i64>> {
        let hex = token.strip_prefix(TOKEN_PREFIX)?;
        if hex.len() != SELECTOR_HEX + VERIFIER_HEX {
            return None;
        }
        let (selector, verifier) = hex.split_at(SELECTOR_HEX);
        let issued = self.lock();
        let (expected, expiry) = issued.get(selector)?;
        super::constant_time_eq(expected.as_bytes(), verifier.as_bytes()).then_some(*expiry)
    }
}

#[cfg(feature = "service")]
impl super::Verify for Verifier {
    fn check(&self, call: &super::Presented<'_>, refusals: &crate::service::Refusals) -> Result<(), Option<Code>> {
        let missing = || refusals.missing("token").cloned();
        let token = call
            .header(self.creds.header)
            .and_then(|h| h.strip_prefix(self.creds.header_prefix))
            .ok_or_else(missing)?;
        if token.is_empty() {
            return Err(missing());
        }
        if !token.starts_with(TOKEN_PREFIX) || !token[TOKEN_PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(refusals.undecodable.clone());
        }
        match self.lookup(token) {
            None => Err(refusals.bad_signature.clone()),
            Some(Some(expiry)) if call.now >= expiry => Err(refusals.expired.clone()),
            Some(_) => Ok(()),
        }
    }

    fn token_path(&self) -> Option<&'static str> {
        Some(self.creds.token_path)
    }

    /// Issues a token valid for the request's `ttl` seconds (0: forever): `YWMt` + a random
    /// selector + a random verifier, both from the operating system's CSPRNG, so nothing about
    /// a token (the app, the clock, a counter) helps guess another.
    fn issue(
        &self,
        request: &serde_json::Value,
        grant: &super::TokenGrant<'_>,
        refusals: &crate::service::Refusals,
    ) -> Result<serde_json::Value, super::TokenRefusal> {
        use super::TokenRefusal;
        let c = &*self.creds;
        let text = |k: &str| request.get(k).and_then(serde_json::Value::as_str).unwrap_or("");
        let secret_ok =
            super::constant_time_eq(c.client_secret.expose_secret().as_bytes(), text("client_secret").as_bytes());
        if text("grant_type") != c.grant_type || text("client_id") != c.client_id || !secret_ok {
            return Err(TokenRefusal::Refused(refusals.bad_credentials.clone()));
        }
        // `ttl` is documented as a number but sent as a string by the page's own examples.
        let ttl = match request.get("ttl") {
            None | Some(serde_json::Value::Null) => Some(grant.default_ttl),
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            Some(_) => None,
        };
        let Some(ttl) = ttl else { return Err(TokenRefusal::Malformed("`ttl` must be a number of seconds".into())) };
        let mut bytes = [0u8; (SELECTOR_HEX + VERIFIER_HEX) / 2];
        getrandom::fill(&mut bytes).map_err(|e| TokenRefusal::Internal(format!("no randomness: {e}")))?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let (selector, verifier) = hex.split_at(SELECTOR_HEX);
        let expiry = (ttl > 0).then(|| grant.now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX)));
        self.lock().insert(selector.to_owned(), (verifier.to_owned(), expiry));
        Ok(serde_json::json!({
            "access_token": format!("{TOKEN_PREFIX}{hex}"),
            "expires_in": ttl,
            "application": grant.application,
        }))
    }

    fn clear(&self) {
        self.lock().clear();
    }
}
