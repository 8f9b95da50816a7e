//! Pacing shared by every process that calls one app: the GCRA of [`Pacer`](super::Pacer), kept
//! in Redis. A call reserves its slot with one script run (one round trip) on the Redis
//! server's clock, so hosts with skewed clocks still agree, then waits for it; a call whose slot
//! lies further ahead than [`HORIZON`] is told when to ask again instead, so that no process
//! holds many slots ahead (a process that stops wastes few, and each keeps asking, so a
//! lost Redis is noticed while the work goes on). The in-process
//! pacer is consulted after it, so a process never sends faster than it would alone. When Redis
//! cannot be reached the process warns once and paces in-process until Redis answers again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use super::{Pace, Pacer, Pacing};
use crate::api::ApiEntry;
use crate::auth::Credentials;
use crate::config::{Config, ConfigError};

/// Reserves the next slot of a GCRA bucket on the server's clock and answers how long to wait
/// for it, in microseconds (0: go now); when that is more than the horizon, reserves nothing
/// and answers minus how long to wait before asking again. KEYS[1]: the bucket; ARGV[1]: the
/// emission interval; ARGV[2]: the burst tolerance, (burst − 1) intervals; ARGV[3]: the
/// horizon; all in microseconds. The bucket's theoretical arrival time expires a minute after
/// it has passed, so idle keys vanish.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - tonumber(ARGV[2]) - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[3]) then return tonumber(ARGV[3]) - wait end
local next_tat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 60000)
return wait
";

/// How far ahead a call may reserve its slot.
pub const HORIZON: Duration = Duration::from_millis(500);
/// How long a lost Redis is left alone before the next attempt to reach it.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Connecting to Redis and its answers: past this, the call is paced in-process.
const TIMEOUT: Duration = Duration::from_secs(1);

/// Whether this process has already said that Redis cannot be reached.
static WARNED: AtomicBool = AtomicBool::new(false);

/// Where the pacing state every process shares is kept: a Redis server. Clones share one
/// connection, opened on first use.
#[derive(Clone)]
pub struct SharedPacing {
    store: Arc<Store>,
}

struct Store {
    client: redis::Client,
    /// The URL without its password, for messages.
    shown: String,
    script: redis::Script,
    connection: tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
    /// While set and in the future, Redis is not asked.
    resting_until: std::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for SharedPacing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedPacing").field("redis", &self.store.shown).finish_non_exhaustive()
    }
}

impl SharedPacing {
    /// Pacing kept in the Redis server at `url` (`redis://[:password@]host[:port][/db]`).
    /// Nothing is connected yet: a server that cannot be reached is found (and warned about)
    /// on the first call.
    pub fn redis(url: &str) -> Result<SharedPacing, String> {
        let client =
            redis::Client::open(url).map_err(|e| format!("`{}` is not a Redis URL: {e}", hide_password(url)))?;
        Ok(SharedPacing {
            store: Arc::new(Store {
                client,
                shown: hide_password(url),
                script: redis::Script::new(RESERVE),
                connection: tokio::sync::Mutex::new(None),
                resting_until: std::sync::Mutex::new(None),
            }),
        })
    }

    /// The options' shared pacing, else the one the configuration's `[pacing] redis_url` names.
    pub fn configured(given: Option<SharedPacing>, config: &Config) -> Result<Option<SharedPacing>, ConfigError> {
        match (given, &config.redis_url) {
            (Some(given), _) => Ok(Some(given)),
            (None, None) => Ok(None),
            (None, Some(url)) => SharedPacing::redis(url)
                .map(Some)
                .map_err(|e| ConfigError(format!("{}: [pacing] `redis_url`: {e}", config.origin))),
        }
    }

    /// The URL, its password hidden.
    pub fn url(&self) -> &str {
        &self.store.shown
    }

    /// The pacer of one API of the app whose credentials and bound configuration values are
    /// given, drawing from the bucket of `budget`.
    pub fn pacer(
        &self,
        api: &ApiEntry,
        credentials: &dyn Credentials,
        binds: &HashMap<String, String>,
        budget: &str,
        pacing: Pacing,
    ) -> SharedPacer {
        let info = api.info;
        let app = credentials.app_identity(api, binds);
        let key = bucket_key(info.vendor.id, &app, budget);
        let (rate, burst) = pacing.quota(&info.rate_limit);
        let interval_us = (1e6 / rate).ceil() as u64;
        SharedPacer {
            shared: self.clone(),
            key,
            interval_us,
            tolerance_us: interval_us * u64::from(burst.saturating_sub(1)),
            local: Pacer::new(&info.rate_limit, pacing),
        }
    }

    /// Reserves a slot in the bucket at `key`, or learns when to ask again; `None` when Redis
    /// could not be asked.
    async fn reserve(&self, key: &str, interval_us: u64, tolerance_us: u64) -> Option<Slot> {
        let store = &*self.store;
        if store.resting() {
            return None;
        }
        let mut connection = {
            let mut slot = store.connection.lock().await;
            match &*slot {
                Some(c) => c.clone(),
                None => {
                    let config = redis::AsyncConnectionConfig::new()
                        .set_connection_timeout(Some(TIMEOUT))
                        .set_response_timeout(Some(TIMEOUT));
                    match store.client.get_multiplexed_async_connection_with_config(&config).await {
                        Ok(c) => {
                            *slot = Some(c.clone());
                            c
                        }
                        Err(e) => {
                            drop(slot);
                            store.lost(&e);
                            return None;
                        }
                    }
                }
            }
        };
        let horizon_us = HORIZON.as_micros() as u64;
        let answer: redis::RedisResult<i64> = store
            .script
            .key(key)
            .arg(interval_us)
            .arg(tolerance_us)
            .arg(horizon_us)
            .invoke_async(&mut connection)
            .await;
        match answer {
            Ok(us) if us >= 0 => Some(Slot::Reserved(Duration::from_micros(us.unsigned_abs()))),
            Ok(us) => Some(Slot::AskAgain(Duration::from_micros(us.unsigned_abs()))),
            Err(e) => {
                *store.connection.lock().await = None;
                store.lost(&e);
                None
            }
        }
    }
}

/// Redis's answer to a reservation.
enum Slot {
    /// The call's slot is this far ahead.
    Reserved(Duration),
    /// Every slot within the horizon is taken: ask again after this.
    AskAgain(Duration),
}

impl Store {
    fn resting(&self) -> bool {
        let until = self.resting_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        until.is_some_and(|t| Instant::now() < t)
    }

    /// Redis failed: warn (once per process), and leave it alone for a while.
    fn lost(&self, e: &redis::RedisError) {
        *self.resting_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Instant::now() + RETRY_AFTER);
        if !WARNED.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "cannot use Redis at {} for shared pacing ({e}); pacing in this process only, at the rate of one process alone",
                self.shown
            );
        } else {
            tracing::debug!(redis = self.shown, %e, "shared pacing unavailable");
        }
    }
}

/// A pacer whose slots come from a bucket in Redis shared by every process of the app, and
/// then from an in-process pacer of the same rate (which alone paces while Redis is away).
#[derive(Debug)]
pub struct SharedPacer {
    shared: SharedPacing,
    key: String,
    interval_us: u64,
    tolerance_us: u64,
    local: Pacer,
}

impl SharedPacer {
    /// The Redis key of the bucket.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl Pace for SharedPacer {
    fn acquire(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            while let Some(slot) = self.shared.reserve(&self.key, self.interval_us, self.tolerance_us).await {
                let (Slot::Reserved(wait) | Slot::AskAgain(wait)) = slot;
                tracing::trace!(wait_ms = wait.as_millis() as u64, key = self.key, "shared pacing");
                tokio::time::sleep(wait).await;
                if matches!(slot, Slot::Reserved(_)) {
                    break;
                }
            }
            self.local.acquire().await;
        })
    }

    /// Holds this process's calls (through its local pacer, which every call also passes);
    /// other processes sharing the budget learn of the block from their own over-limit answer.
    fn hold(&self, penalty: Duration) {
        self.local.hold(penalty);
    }
}

/// The Redis key of a vendor's app's budget: `imspec:pace:{vendor}:{app}:{budget}`.
pub fn bucket_key(vendor: &str, app: &str, budget: &str) -> String {
    format!("imspec:pace:{vendor}:{app}:{budget}")
}

/// A Redis URL with its password, if any, replaced by `***`.
fn hide_password(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((auth, host)) => match auth.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                None => format!("{scheme}://***@{host}"),
            },
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(hide_password("redis://:hunter2@h:6379/0"), "redis://:***@h:6379/0");
        assert_eq!(hide_password("redis://u:hunter2@h"), "redis://u:***@h");
        assert_eq!(hide_password("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        let shared = SharedPacing::redis("redis://:hunter2@127.0.0.1:1").expect("url");
        assert!(!format!("{shared:?}").contains("hunter2"));
        assert!(SharedPacing::redis("http://nope").is_err());
    }
}
