//! Signing calls as each auth scheme requires, with the credential caching a serious client
//! needs: a UserSig reused until shortly before it expires, an app token fetched once for all
//! concurrent calls and refreshed before it expires (and once on a 401), a fresh ZEGO signature
//! per call. Parameter names come from the spec (`AuthInfo`); secrets never reach `Debug`.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret as _, SecretString};

use crate::auth::{usersig, zego};
use crate::code::Code;
use crate::config::Credentials;
use crate::service::AuthInfo;

/// Fresh per-call randomness for nonces (uniqueness, not secrecy, is what a nonce needs).
#[derive(Debug)]
struct Nonces {
    state: RandomState,
    counter: AtomicU64,
}

impl Nonces {
    fn next(&self) -> u64 {
        self.state.hash_one(self.counter.fetch_add(1, Ordering::Relaxed))
    }
}

/// What a call carries to authenticate.
#[derive(Debug, Default)]
pub struct Signed {
    /// Query parameters; values may be secrets, so never log them.
    pub query: Vec<(&'static str, SecretString)>,
    /// A header and its value.
    pub header: Option<(&'static str, SecretString)>,
    /// Which app token the call carries (its fetch number), to refuse exactly that one.
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

/// Signs calls for one vendor.
#[derive(Debug)]
pub struct Signer {
    auth: AuthInfo,
    creds: Credentials,
    usersig_validity: Duration,
    usersig: Mutex<Option<Cached>>,
    token: tokio::sync::Mutex<Option<Cached>>,
    token_fetches: AtomicU64,
    nonces: Nonces,
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Renew at 90% of a lifetime, and at least a minute early when the lifetime allows.
fn renew_after(lifetime: Duration) -> Duration {
    let early = (lifetime / 10).max(Duration::from_secs(60).min(lifetime / 2));
    lifetime.saturating_sub(early)
}

impl Signer {
    /// A signer for `auth` with `creds`; `usersig_validity` defaults to the spec's.
    pub fn new(auth: AuthInfo, creds: Credentials, usersig_validity: Option<Duration>) -> Signer {
        let validity = match (&auth, usersig_validity) {
            (_, Some(v)) => v,
            (AuthInfo::TencentUsersig(p), None) => Duration::from_secs(p.default_validity_seconds),
            _ => Duration::ZERO,
        };
        Signer {
            auth,
            creds,
            usersig_validity: validity,
            usersig: Mutex::new(None),
            token: tokio::sync::Mutex::new(None),
            token_fetches: AtomicU64::new(0),
            nonces: Nonces { state: RandomState::new(), counter: AtomicU64::new(0) },
        }
    }

    /// The credentials it signs with.
    pub fn credentials(&self) -> &Credentials {
        &self.creds
    }

    /// How many app tokens were fetched.
    pub fn token_fetches(&self) -> u64 {
        self.token_fetches.load(Ordering::Relaxed)
    }

    /// Forgets the cached app token after the service refused the one with this `generation`;
    /// a newer one (fetched after another call's refusal) is kept.
    pub async fn invalidate_token(&self, generation: u64) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|c| c.generation == generation) {
            *cached = None;
        }
    }

    /// Whether a refusal can be cured by fetching a new token.
    pub fn refetches_on_refusal(&self) -> bool {
        matches!(self.auth, AuthInfo::EasemobAppToken(_))
    }

    /// The credentials for one call. `fetch_token(path, body)` posts to the token endpoint and
    /// returns the status and JSON body; it is called at most once for concurrent callers.
    pub async fn sign<F, Fut>(&self, fetch_token: F) -> Result<Signed, SignError>
    where
        F: FnOnce(String, serde_json::Value) -> Fut,
        Fut: std::future::Future<Output = Result<(u16, serde_json::Value), String>>,
    {
        match (&self.auth, &self.creds) {
            (AuthInfo::TencentUsersig(p), Credentials::Usersig { sdkappid, secret_key, admin }) => {
                let sig = {
                    let mut cached = self.usersig.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    match cached.as_ref().filter(|c| Instant::now() < c.renew_at) {
                        Some(c) => c.value.clone(),
                        None => {
                            // At most ten years: TLS.expire is a signed 64-bit number of seconds.
                            let validity = self.usersig_validity.as_secs().clamp(1, 10 * 365 * 86_400);
                            let fresh = usersig::generate(secret_key, *sdkappid, admin, unix_now(), validity as i64);
                            let renew_at = later(renew_after(Duration::from_secs(validity)));
                            *cached = Some(Cached { value: fresh.clone(), renew_at, generation: 0 });
                            fresh
                        }
                    }
                };
                let nonce = self.nonces.next() % (p.nonce_max.saturating_add(1)).max(1);
                let mut query: Vec<(&'static str, SecretString)> = vec![
                    (p.app_id, SecretString::from(sdkappid.to_string())),
                    (p.identifier, SecretString::from(admin.clone())),
                    (p.signature, sig),
                    (p.nonce, SecretString::from(nonce.to_string())),
                ];
                query.extend(p.fixed_query.iter().map(|(k, v)| (*k, SecretString::from(*v))));
                Ok(Signed { query, header: None, token: None })
            }
            (AuthInfo::ZegoMd5(p), Credentials::ZegoMd5 { app_id, server_secret }) => {
                let nonce = zego::nonce(self.nonces.next());
                let ts = unix_now();
                let sig = zego::signature(*app_id, &nonce, server_secret, ts);
                let query = vec![
                    (p.app_id, SecretString::from(app_id.to_string())),
                    (p.nonce, SecretString::from(nonce)),
                    (p.timestamp, SecretString::from(ts.to_string())),
                    (p.version_param, SecretString::from(p.version)),
                    (p.signature, SecretString::from(sig)),
                ];
                Ok(Signed { query, header: None, token: None })
            }
            (AuthInfo::EasemobAppToken(p), Credentials::AppToken { client_id, client_secret }) => {
                // Holding the lock across the fetch makes concurrent callers share one fetch.
                let mut cached = self.token.lock().await;
                let (token, generation) = match cached.as_ref().filter(|c| Instant::now() < c.renew_at) {
                    Some(c) => (c.value.clone(), c.generation),
                    None => {
                        let body = serde_json::json!({
                            "grant_type": p.grant_type,
                            "client_id": client_id,
                            "client_secret": client_secret.expose_secret(),
                        });
                        let generation = self.token_fetches.fetch_add(1, Ordering::Relaxed) + 1;
                        let (status, answer) =
                            fetch_token(p.token_path.to_owned(), body).await.map_err(SignError::Transport)?;
                        let token = answer.get("access_token").and_then(|t| t.as_str());
                        let (200, Some(token)) = (status, token) else {
                            let code =
                                answer.get("error").and_then(|e| e.as_str()).map(|e| Code::Str(e.to_owned().into()));
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
                let header = SecretString::from(format!("{}{}", p.header_prefix, token.expose_secret()));
                Ok(Signed { query: Vec::new(), header: Some((p.header, header)), token: Some(generation) })
            }
            _ => Err(SignError::Transport("the credentials do not fit the vendor's auth scheme".into())),
        }
    }
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
}
