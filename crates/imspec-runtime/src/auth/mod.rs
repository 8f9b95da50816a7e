//! Auth schemes: one trait ([`Scheme`]) that the client and the emulator call without knowing
//! which scheme it is, one module per scheme implementing it (the algorithm, the credentials a
//! configuration section holds, signing with the caching a serious client needs, the service's
//! check), and the registry ([`SCHEMES`]) from a spec's scheme name to it. Parameter names and
//! hosts come from the specs (`AuthInfo`); secrets never reach `Debug`. The emulator verifies
//! with the same code the clients sign with, and tests hold both to the vendors' official
//! vectors and libraries.
//!
//! A new scheme is its module, its line in [`SCHEMES`], its row in the spec crate's
//! `auth::SCHEMES` (its name, parameters and credential roles) and its tests.

pub mod easemob_app_token;
pub mod netease_checksum;
pub mod tencent_usersig;
pub mod zego_md5;

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;
use secrecy::SecretString;

use crate::api::ApiEntry;
use crate::code::Code;
use crate::section::{ConfigError, Section};
use crate::service::AuthInfo;

/// Every scheme this runtime implements, by the name specs give it.
pub static SCHEMES: &[&dyn Scheme] = &[
    &tencent_usersig::TencentUsersig,
    &easemob_app_token::EasemobAppToken,
    &zego_md5::ZegoMd5,
    &netease_checksum::NeteaseChecksum,
];

/// The scheme a spec names `name`.
pub fn scheme(name: &str) -> Option<&'static dyn Scheme> {
    SCHEMES.iter().copied().find(|s| s.name() == name)
}

/// Whether `key` holds a secret under some scheme.
pub fn is_secret(key: &str) -> bool {
    SCHEMES.iter().flat_map(|s| s.keys()).any(|k| k.secret && k.name == key)
}

impl Section<'_> {
    /// Every string or integer value as text, for parameters bound to configuration keys;
    /// the credential keys are left out (they are read only by [`Section::credentials`]).
    pub fn texts(&self) -> HashMap<String, String> {
        self.texts_except(is_secret)
    }

    /// The vendor's credentials, read by its auth scheme.
    pub fn credentials(&self, auth: &AuthInfo) -> Result<Arc<dyn Credentials>, ConfigError> {
        let scheme = scheme(auth.scheme)
            .ok_or_else(|| self.error("credentials", &format!("this runtime has no auth scheme `{}`", auth.scheme)))?;
        scheme.credentials(auth, self)
    }
}

/// One auth scheme.
pub trait Scheme: Sync {
    /// Its name in specs (`auth.scheme`).
    fn name(&self) -> &'static str;
    /// The keys of a configuration section it reads, and which hold secrets.
    fn keys(&self) -> &'static [ConfigKey];
    /// The app's credentials, from the spec's parameters (`auth`) and a configuration section.
    fn credentials(&self, auth: &AuthInfo, section: &Section<'_>) -> Result<Arc<dyn Credentials>, ConfigError>;
}

/// A configuration key a scheme reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKey {
    pub name: &'static str,
    /// Never shown, never passed to path parameters.
    pub secret: bool,
}

/// One app's credentials under its scheme; `Debug` never shows a secret.
pub trait Credentials: Send + Sync + std::fmt::Debug {
    /// What names the app whose rate the vendor counts (for shared pacing): the app id the
    /// credentials carry, or what the scheme's own paths bind.
    fn app_identity(&self, api: &ApiEntry, binds: &HashMap<String, String>) -> String;
    /// A signer of calls; `validity` is how long a credential the client makes itself stays
    /// valid (a UserSig), the spec's default when `None`.
    fn signer(self: Arc<Self>, validity: Option<Duration>) -> Box<dyn Sign>;
    /// The service's check of calls signed with these credentials (the emulator's).
    #[cfg(feature = "service")]
    fn verifier(self: Arc<Self>) -> Box<dyn Verify>;
}

/// Signs calls for one client.
pub trait Sign: Send + Sync + std::fmt::Debug {
    /// The credentials of one call. `fetch` posts to a token endpoint; a scheme with tokens
    /// calls it at most once for concurrent callers.
    fn sign<'a>(&'a self, fetch: &'a dyn FetchToken) -> BoxFuture<'a, Result<Signed, SignError>>;
    /// Whether a refusal of the credentials can be cured by fetching a new token.
    fn refetches_on_refusal(&self) -> bool {
        false
    }
    /// Forgets the token of this `generation` after the service refused it; a newer one is kept.
    fn invalidate(&self, generation: u64) -> BoxFuture<'_, ()> {
        let _ = generation;
        Box::pin(async {})
    }
    /// How many tokens were fetched.
    fn token_fetches(&self) -> u64 {
        0
    }
}

/// Posts a token request: `(path template, JSON body)` → `(HTTP status, JSON answer)`.
pub trait FetchToken: Sync {
    fn fetch(&self, path: String, body: serde_json::Value) -> BoxFuture<'_, Result<(u16, serde_json::Value), String>>;
}

/// What a call carries to authenticate.
#[derive(Debug, Default)]
pub struct Signed {
    /// Query parameters; values may be secrets, so never log them.
    pub query: Vec<(&'static str, SecretString)>,
    /// Headers and their values; secrets too, so never log them.
    pub headers: Vec<(&'static str, SecretString)>,
    /// Which token the call carries (its fetch number), to refuse exactly that one.
    pub token: Option<u64>,
}

/// Why a credential could not be obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignError {
    /// The token endpoint refused: its code (from the vendor's table) when it gave one.
    Refused { code: Option<Code>, status: u16 },
    /// The token endpoint could not be reached or answered something unreadable.
    Transport(String),
}

impl std::fmt::Display for SignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignError::Refused { code: Some(code), status } => {
                write!(f, "the token endpoint refused: HTTP {status}, {code}")
            }
            SignError::Refused { code: None, status } => write!(f, "the token endpoint refused: HTTP {status}"),
            SignError::Transport(why) => write!(f, "the token endpoint failed: {why}"),
        }
    }
}

impl std::error::Error for SignError {}

/// The service's side of a scheme: checks calls, and serves the token endpoint when the scheme
/// has one.
#[cfg(feature = "service")]
pub trait Verify: Send + Sync + std::fmt::Debug {
    /// Checks one call's credential; the refusal's code from `refusals` (`None` when the spec
    /// names none).
    fn check(&self, call: &Presented<'_>, refusals: &crate::service::Refusals) -> Result<(), Option<Code>>;
    /// The token endpoint's path template, when the scheme fetches tokens.
    fn token_path(&self) -> Option<&'static str> {
        None
    }
    /// Answers a token request with the JSON body of a success, or why not.
    fn issue(
        &self,
        request: &serde_json::Value,
        grant: &TokenGrant<'_>,
        refusals: &crate::service::Refusals,
    ) -> Result<serde_json::Value, TokenRefusal> {
        let _ = (request, grant, refusals);
        Err(TokenRefusal::Malformed("this scheme has no token endpoint".into()))
    }
    /// Forgets issued tokens and verified credentials (a restarted or reset service).
    fn clear(&self) {}
}

/// A call's credential as the service received it.
#[cfg(feature = "service")]
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    pub query: &'a [(String, String)],
    /// The request's headers (names as sent; looked up in any case).
    pub headers: &'a [(String, String)],
    /// The service's clock, in Unix seconds.
    pub now: i64,
}

#[cfg(feature = "service")]
impl Presented<'_> {
    /// The last value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The value of header `name` (header names are not case-sensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the service grants a token request.
#[cfg(feature = "service")]
#[derive(Debug, Clone, Copy)]
pub struct TokenGrant<'a> {
    /// Lifetime in seconds when the request names none (0: forever).
    pub default_ttl: u64,
    pub now: i64,
    /// The app's id, as the answer names it.
    pub application: &'a str,
}

/// Why a token request is not granted.
#[cfg(feature = "service")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// The credentials are refused: the refusal's code, when the spec names one.
    Refused(Option<Code>),
    /// The request is malformed: why.
    Malformed(String),
    /// The service failed (no randomness).
    Internal(String),
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Turns a missing or ill-typed parameter of the spec's `auth.params` into an error naming the
/// vendor and the scheme (the spec lint makes sure it does not happen).
fn bad_param<'a>(auth: &'a AuthInfo, section: &'a Section<'_>) -> impl Fn(String) -> ConfigError + 'a {
    move |why| ConfigError(format!("[{}] auth scheme `{}`: {why}", section.vendor_id(), auth.scheme))
}

/// Fresh per-call randomness for nonces (uniqueness, not secrecy, is what a nonce needs).
#[derive(Debug)]
struct Nonces {
    state: RandomState,
    counter: AtomicU64,
}

impl Nonces {
    fn new() -> Nonces {
        Nonces { state: RandomState::new(), counter: AtomicU64::new(0) }
    }

    fn next(&self) -> u64 {
        self.state.hash_one(self.counter.fetch_add(1, Ordering::Relaxed))
    }
}

/// The signer of a scheme that signs every call afresh from its credentials, a nonce and the
/// clock (ZEGO, NetEase): no token, nothing cached.
struct PerCall<C> {
    creds: Arc<C>,
    nonces: Nonces,
    /// The credentials of one call, from a fresh random number and the Unix time in seconds.
    sign: fn(&C, u64, i64) -> Signed,
}

impl<C: Send + Sync + 'static> PerCall<C> {
    fn boxed(creds: Arc<C>, sign: fn(&C, u64, i64) -> Signed) -> Box<dyn Sign> {
        Box::new(PerCall { creds, nonces: Nonces::new(), sign })
    }
}

impl<C> std::fmt::Debug for PerCall<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerCall").finish_non_exhaustive()
    }
}

impl<C: Send + Sync> Sign for PerCall<C> {
    fn sign<'a>(&'a self, _: &'a dyn FetchToken) -> BoxFuture<'a, Result<Signed, SignError>> {
        Box::pin(std::future::ready(Ok((self.sign)(&self.creds, self.nonces.next(), unix_now()))))
    }
}

/// A credential reused until shortly before it expires.
#[derive(Debug)]
struct Cached {
    value: SecretString,
    /// When to get a new one (before the real expiry).
    renew_at: Instant,
    /// Which fetch (or generation) produced it.
    generation: u64,
}

/// `now + after`, or a year from now when that overflows or is further.
fn later(after: Duration) -> Instant {
    let cap = Duration::from_secs(365 * 24 * 3600);
    Instant::now() + after.min(cap)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Renew at 90% of a lifetime, and at least a minute early when the lifetime allows.
fn renew_after(lifetime: Duration) -> Duration {
    let early = (lifetime / 10).max(Duration::from_secs(60).min(lifetime / 2));
    lifetime.saturating_sub(early)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_renewed_before_they_expire() {
        assert_eq!(renew_after(Duration::from_secs(180 * 86400)), Duration::from_secs(162 * 86400));
        assert_eq!(renew_after(Duration::from_secs(300)), Duration::from_secs(240));
        assert_eq!(renew_after(Duration::from_secs(10)), Duration::from_secs(5));
    }

    #[test]
    fn every_scheme_is_found_by_its_name() {
        for s in SCHEMES {
            assert_eq!(scheme(s.name()).map(|f| f.name()), Some(s.name()));
        }
        assert!(scheme("nope").is_none());
    }
}
