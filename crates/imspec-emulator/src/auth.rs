//! Credentials checked as each vendor's service checks them, answering with the codes the
//! vendor's spec gives in `auth.refusals`.

use std::collections::HashMap;
use std::sync::Mutex;

use imspec_runtime::auth::{usersig, zego};
use imspec_runtime::{AuthInfo, Code, Credentials, Refusals};
use secrecy::ExposeSecret;

/// Why a call is refused: the refusal's code, or `None` when the spec names none (then the
/// caller answers with a generic auth failure of its choosing).
pub type Refused = Option<Code>;

/// Issued app tokens and verified UserSigs (credentials: `Debug` shows counts only).
#[derive(Default)]
pub struct Tokens {
    /// A token's public selector → (its secret verifier, expiry in Unix seconds; `None`
    /// never expires). The selector finds the entry; the verifier is compared in constant time.
    issued: Mutex<HashMap<String, (String, Option<i64>)>>,
    /// UserSig → (SDKAppID, identifier, expiry): its HMAC was checked once.
    verified: Mutex<HashMap<String, (u64, String, i64)>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("issued", &lock(&self.issued).len())
            .field("verified_usersigs", &lock(&self.verified).len())
            .finish()
    }
}

/// The prefix of the emulator's app tokens; anything else is not a token at all.
const TOKEN_PREFIX: &str = "YWMt";
/// Hex digits of a token's selector (64 random bits) and verifier (128 random bits).
const SELECTOR_HEX: usize = 16;
const VERIFIER_HEX: usize = 32;

/// Why a token could not be issued.
#[derive(Debug)]
pub struct NoRandomness(pub String);

impl Tokens {
    /// Forgets every issued token and verified UserSig (a restarted service).
    pub fn clear(&self) {
        lock(&self.issued).clear();
        lock(&self.verified).clear();
    }

    /// Issues a token valid for `ttl` seconds (0: forever): `YWMt` + a random selector + a
    /// random verifier, both from the operating system's CSPRNG, so nothing about a token
    /// (the app, the clock, a counter) helps guess another.
    pub fn issue(&self, ttl: u64, now: i64) -> Result<String, NoRandomness> {
        let mut bytes = [0u8; (SELECTOR_HEX + VERIFIER_HEX) / 2];
        getrandom::fill(&mut bytes).map_err(|e| NoRandomness(e.to_string()))?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let (selector, verifier) = hex.split_at(SELECTOR_HEX);
        let expiry = (ttl > 0).then(|| now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX)));
        lock(&self.issued).insert(selector.to_owned(), (verifier.to_owned(), expiry));
        Ok(format!("{TOKEN_PREFIX}{hex}"))
    }

    /// Whether `token` was issued, and if so its expiry. The selector is looked up; the
    /// verifier is compared in constant time.
    fn lookup(&self, token: &str) -> Option<Option<i64>> {
        let hex = token.strip_prefix(TOKEN_PREFIX)?;
        if hex.len() != SELECTOR_HEX + VERIFIER_HEX {
            return None;
        }
        let (selector, verifier) = hex.split_at(SELECTOR_HEX);
        let issued = lock(&self.issued);
        let (expected, expiry) = issued.get(selector)?;
        imspec_runtime::auth::constant_time_eq(expected.as_bytes(), verifier.as_bytes()).then_some(*expiry)
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-updated in a way that matters.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Checks a call's credentials. `query` holds the query parameters, `header` the value of the
/// auth header when the scheme uses one.
pub fn check(
    auth: &AuthInfo,
    refusals: &Refusals,
    creds: &Credentials,
    tokens: &Tokens,
    query: &[(String, String)],
    header: Option<&str>,
    now: i64,
) -> Result<(), Refused> {
    let get = |name: &str| query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let missing = |role: &str| refusals.missing(role).cloned();
    match (auth, creds) {
        (AuthInfo::TencentUsersig(p), Credentials::Usersig { sdkappid, secret_key, admin }) => {
            let app = get(p.app_id).ok_or_else(|| missing("app_id"))?;
            let identifier = get(p.identifier).ok_or_else(|| missing("identifier"))?;
            let sig = get(p.signature).ok_or_else(|| missing("signature"))?;
            let nonce = get(p.nonce).ok_or_else(|| missing("nonce"))?;
            if nonce.parse::<u64>().map_or(true, |n| n > p.nonce_max) {
                return Err(missing("nonce"));
            }
            if app.parse::<u64>().ok() != Some(*sdkappid) {
                return Err(refusals.unknown_app.clone());
            }
            let cached = lock(&tokens.verified).get(sig).cloned();
            match cached {
                Some((app, id, expiry)) => {
                    if app != *sdkappid {
                        return Err(refusals.app_mismatch.clone());
                    }
                    if id != identifier {
                        return Err(refusals.identifier_mismatch.clone());
                    }
                    if now > expiry {
                        return Err(refusals.expired.clone());
                    }
                }
                None => {
                    let fields = usersig::verify(sig, secret_key, *sdkappid, identifier, now).map_err(|r| match r {
                        usersig::Refusal::Undecodable => refusals.undecodable.clone(),
                        usersig::Refusal::AppMismatch => refusals.app_mismatch.clone(),
                        usersig::Refusal::IdentifierMismatch => refusals.identifier_mismatch.clone(),
                        usersig::Refusal::Expired => refusals.expired.clone(),
                        usersig::Refusal::BadSignature => refusals.bad_signature.clone(),
                    })?;
                    let mut verified = lock(&tokens.verified);
                    if verified.len() > 100_000 {
                        verified.clear(); // a bound, not a policy: re-verifying is only slower
                    }
                    verified.insert(
                        sig.to_owned(),
                        (fields.sdkappid, fields.identifier, fields.time.saturating_add(fields.expire)),
                    );
                }
            }
            if identifier != admin {
                return Err(refusals.not_admin.clone());
            }
            Ok(())
        }
        (AuthInfo::EasemobAppToken(p), Credentials::AppToken { .. }) => {
            let token = header.and_then(|h| h.strip_prefix(p.header_prefix)).ok_or_else(|| missing("token"))?;
            if token.is_empty() {
                return Err(missing("token"));
            }
            if !token.starts_with(TOKEN_PREFIX) || !token[TOKEN_PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(refusals.undecodable.clone());
            }
            match tokens.lookup(token) {
                None => Err(refusals.bad_signature.clone()),
                Some(Some(expiry)) if now >= expiry => Err(refusals.expired.clone()),
                Some(_) => Ok(()),
            }
        }
        (AuthInfo::ZegoMd5(p), Credentials::ZegoMd5 { app_id, server_secret }) => {
            let app = get(p.app_id).ok_or_else(|| missing("app_id"))?;
            let nonce = get(p.nonce).ok_or_else(|| missing("nonce"))?;
            let timestamp = get(p.timestamp).ok_or_else(|| missing("timestamp"))?;
            let version = get(p.version_param).ok_or_else(|| missing("version"))?;
            let signature = get(p.signature).ok_or_else(|| missing("signature"))?;
            for (role, value) in [("app_id", app), ("nonce", nonce), ("timestamp", timestamp), ("signature", signature)]
            {
                if value.is_empty() {
                    return Err(missing(role));
                }
            }
            if app.parse::<u32>().ok() != Some(*app_id) {
                return Err(refusals.unknown_app.clone());
            }
            let Ok(ts) = timestamp.parse::<i64>() else { return Err(refusals.bad_timestamp.clone()) };
            if version != p.version {
                return Err(refusals.unsupported_version.clone());
            }
            if now.abs_diff(ts) > p.max_skew_seconds {
                return Err(refusals.expired.clone());
            }
            if !zego::verify(*app_id, nonce, server_secret, ts, signature) {
                return Err(refusals.bad_signature.clone());
            }
            Ok(())
        }
        // The configuration's credentials are read by the same scheme, so this cannot happen.
        _ => Err(refusals.bad_signature.clone()),
    }
}

/// Checks client credentials at the token endpoint.
pub fn client_credentials(creds: &Credentials, client_id: &str, client_secret: &str) -> bool {
    match creds {
        Credentials::AppToken { client_id: id, client_secret: secret } => {
            id == client_id
                && imspec_runtime::auth::constant_time_eq(secret.expose_secret().as_bytes(), client_secret.as_bytes())
        }
        _ => false,
    }
}
