//! The `[emulator]` table of the shared configuration file.

use std::collections::BTreeMap;

use imspec_runtime::ConfigError;

/// How the emulator rate-limits each API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RateLimits {
    /// At each API's documented rate.
    #[default]
    Documented,
    /// Never.
    Off,
    /// Documented, except these APIs (by id) at these calls per second.
    Overrides(BTreeMap<String, u32>),
}

/// Faults injected on the four API endpoints (never on `/token` or `/_emulator`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    pub seed: u64,
    /// Answer HTTP 502 without doing the work.
    pub http_error_rate: f64,
    /// Do the work, then drop the connection.
    pub drop_after_apply_rate: f64,
    /// Answer an item with a code its API's table classes as retryable, without doing it.
    pub item_error_rate: f64,
}

/// The emulator's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Any id is registered on first use; otherwise only ids registered through the control API.
    pub auto_register: bool,
    pub rate_limits: RateLimits,
    /// Added to every API call before it is handled.
    pub latency_ms: u64,
    /// Friends per user, by vendor id, replacing (or supplying) the documented maximum.
    pub friend_limits: BTreeMap<String, u64>,
    /// Limits the vendor raised for this app, by API id: `(limit name, value)`.
    pub raised_limits: BTreeMap<String, Vec<(String, u64)>>,
    /// Validity of an app token when the request gives no `ttl`, in seconds.
    pub token_ttl_seconds: u64,
    pub faults: Faults,
    /// One line per request on standard error.
    pub log_requests: bool,
    /// Rate-limit buckets see time pass only when `POST /_emulator/clock` advances it: a test
    /// then knows exactly how many calls of a burst a bucket takes, however slow the machine.
    pub frozen_clock: bool,
    /// How long a connection may take to send a request's headers, or stay idle between
    /// requests, before it is closed.
    pub header_timeout_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_register: true,
            rate_limits: RateLimits::Documented,
            latency_ms: 0,
            friend_limits: BTreeMap::new(),
            raised_limits: BTreeMap::new(),
            token_ttl_seconds: 60 * 24 * 3600,
            faults: Faults::default(),
            log_requests: false,
            frozen_clock: false,
            header_timeout_ms: 10_000,
        }
    }
}

impl Settings {
    /// Reads `[emulator]`; unknown keys are errors.
    pub fn from_table(table: &toml::Table, origin: &str) -> Result<Settings, ConfigError> {
        let err = |key: &str, why: String| ConfigError(format!("{origin}: [emulator] `{key}`: {why}"));
        let mut s = Settings::default();
        for (key, value) in table {
            match (key.as_str(), value) {
                ("auto_register", toml::Value::Boolean(b)) => s.auto_register = *b,
                ("log_requests", toml::Value::Boolean(b)) => s.log_requests = *b,
                ("frozen_clock", toml::Value::Boolean(b)) => s.frozen_clock = *b,
                ("latency_ms", v) => {
                    s.latency_ms = non_negative(v).ok_or_else(|| err(key, expected("an integer ≥ 0", v)))?
                }
                ("header_timeout_ms", v) => {
                    s.header_timeout_ms =
                        non_negative(v).filter(|n| *n > 0).ok_or_else(|| err(key, expected("an integer ≥ 1", v)))?;
                }
                ("token_ttl_seconds", v) => {
                    s.token_ttl_seconds = non_negative(v).ok_or_else(|| err(key, expected("an integer ≥ 0", v)))?;
                }
                ("rate_limits", toml::Value::String(mode)) => {
                    s.rate_limits = match mode.as_str() {
                        "documented" => RateLimits::Documented,
                        "off" => RateLimits::Off,
                        other => {
                            return Err(err(
                                key,
                                format!("expected \"documented\", \"off\" or a table, found \"{other}\""),
                            ));
                        }
                    };
                }
                ("rate_limits", toml::Value::Table(t)) => {
                    let mut overrides = BTreeMap::new();
                    for (api, v) in t {
                        let n = non_negative(v)
                            .and_then(|n| u32::try_from(n).ok())
                            .filter(|n| *n > 0)
                            .ok_or_else(|| err(&format!("rate_limits.{api}"), expected("calls per second ≥ 1", v)))?;
                        overrides.insert(api.clone(), n);
                    }
                    s.rate_limits = RateLimits::Overrides(overrides);
                }
                ("friend_limits", toml::Value::Table(t)) => {
                    for (vendor, v) in t {
                        let n = non_negative(v)
                            .ok_or_else(|| err(&format!("friend_limits.{vendor}"), expected("an integer ≥ 0", v)))?;
                        s.friend_limits.insert(vendor.clone(), n);
                    }
                }
                ("faults", toml::Value::Table(t)) => s.faults = faults(t, origin)?,
                ("raised_limits", toml::Value::Table(t)) => {
                    for (api, limits) in t {
                        let toml::Value::Table(limits) = limits else {
                            return Err(err(&format!("raised_limits.{api}"), expected("a table of limits", limits)));
                        };
                        let mut raised = Vec::new();
                        for (name, v) in limits {
                            let n = non_negative(v).ok_or_else(|| {
                                err(&format!("raised_limits.{api}.{name}"), expected("an integer ≥ 0", v))
                            })?;
                            raised.push((name.clone(), n));
                        }
                        s.raised_limits.insert(api.clone(), raised);
                    }
                }
                ("auto_register" | "log_requests" | "frozen_clock", v) => {
                    return Err(err(key, expected("true or false", v)));
                }
                ("rate_limits" | "friend_limits" | "faults" | "raised_limits", v) => {
                    return Err(err(key, expected("a table", v)));
                }
                (other, _) => {
                    return Err(err(
                        other,
                        "unknown key; known: auto_register, rate_limits, latency_ms, friend_limits, raised_limits, token_ttl_seconds, faults, log_requests, frozen_clock, header_timeout_ms".into(),
                    ));
                }
            }
        }
        Ok(s)
    }
}

fn faults(t: &toml::Table, origin: &str) -> Result<Faults, ConfigError> {
    let mut f = Faults::default();
    for (key, value) in t {
        let err = |why: String| ConfigError(format!("{origin}: [emulator.faults] `{key}`: {why}"));
        match key.as_str() {
            "seed" => f.seed = non_negative(value).ok_or_else(|| err(expected("an integer ≥ 0", value)))?,
            "http_error_rate" | "drop_after_apply_rate" | "item_error_rate" => {
                let rate = match value {
                    toml::Value::Float(x) => *x,
                    toml::Value::Integer(i) => *i as f64,
                    v => return Err(err(expected("a number from 0 to 1", v))),
                };
                if !(0.0..=1.0).contains(&rate) {
                    return Err(err(format!("expected a number from 0 to 1, found {rate}")));
                }
                match key.as_str() {
                    "http_error_rate" => f.http_error_rate = rate,
                    "drop_after_apply_rate" => f.drop_after_apply_rate = rate,
                    _ => f.item_error_rate = rate,
                }
            }
            _ => {
                return Err(err(
                    "unknown key; known: seed, http_error_rate, drop_after_apply_rate, item_error_rate".into()
                ));
            }
        }
    }
    Ok(f)
}

fn non_negative(v: &toml::Value) -> Option<u64> {
    v.as_integer().and_then(|i| u64::try_from(i).ok())
}

fn expected(what: &str, found: &toml::Value) -> String {
    let shown = match found {
        toml::Value::String(s) => format!("\"{s}\""),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.type_str().to_owned(),
    };
    format!("expected {what}, found {shown}")
}
