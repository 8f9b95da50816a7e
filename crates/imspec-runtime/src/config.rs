//! The credentials and settings file (TOML) that clients and the emulator share. Each vendor has
//! a section named by its id; which keys a section needs depends on the vendor's auth scheme
//! (each scheme's [`crate::auth::Scheme::keys`]), plus the keys its APIs' parameters bind to
//! (e.g. `org`, `app`).
//!
//! Clients also read `region` or `base_url`. `[emulator]` belongs to the emulator; `[pacing]`
//! (`redis_url`) makes clients share each app's rate through Redis.
//!
//! The file is closed like the specs: [`Config::check`] refuses a section or key nobody reads,
//! with the nearest known name, so that a typo cannot silently turn a setting off.

use std::collections::BTreeMap;
use std::fmt;

use crate::service::AuthInfo;

pub use crate::section::{ConfigError, Section};

/// The whole file.
#[derive(Clone, Default)]
pub struct Config {
    /// Where the file came from, for messages.
    pub origin: String,
    /// The emulator's listen address.
    pub listen: Option<String>,
    /// Each vendor's section, by vendor id.
    pub vendors: BTreeMap<String, toml::Table>,
    /// The `[emulator]` table, for the emulator to read.
    pub emulator: toml::Table,
    /// `[pacing] redis_url`: the Redis server through which clients share each app's rate.
    pub redis_url: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sections hold secrets: name them, never print their values.
        f.debug_struct("Config")
            .field("origin", &self.origin)
            .field("listen", &self.listen)
            .field("vendors", &self.vendors.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Parses the file's text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        // toml's own message quotes the offending line, which may hold a secret: give the
        // position and the reason only.
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e.span().map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(":{line}:{col}")
            });
            ConfigError(format!("{origin}{}: {}", at.unwrap_or_default(), e.message()))
        })?;
        let mut config = Config { origin: origin.to_owned(), ..Config::default() };
        if let Some(listen) = table.remove("listen") {
            match listen {
                toml::Value::String(s) => config.listen = Some(s),
                other => {
                    return Err(ConfigError(format!(
                        "{origin}: `listen` must be a string, found {}",
                        other.type_str()
                    )));
                }
            }
        }
        if let Some(emulator) = table.remove("emulator") {
            match emulator {
                toml::Value::Table(t) => config.emulator = t,
                other => {
                    return Err(ConfigError(format!(
                        "{origin}: `emulator` must be a table, found {}",
                        other.type_str()
                    )));
                }
            }
        }
        if let Some(pacing) = table.remove(PACING) {
            let toml::Value::Table(pacing) = pacing else {
                return Err(ConfigError(format!("{origin}: `{PACING}` must be a table, found {}", pacing.type_str())));
            };
            for (key, value) in pacing {
                match (key.as_str(), value) {
                    ("redis_url", toml::Value::String(url)) => config.redis_url = Some(url),
                    ("redis_url", other) => {
                        return Err(ConfigError(format!(
                            "{origin}: [{PACING}] `redis_url` must be a string, found {}",
                            other.type_str()
                        )));
                    }
                    (other, _) => {
                        return Err(ConfigError(format!(
                            "{origin}: [{PACING}] unknown key `{other}`{}",
                            did_you_mean(other, PACING_KEYS.iter().copied(), key_name)
                        )));
                    }
                }
            }
        }
        for (key, value) in table {
            match value {
                toml::Value::Table(t) => {
                    config.vendors.insert(key, t);
                }
                other => {
                    return Err(ConfigError(format!(
                        "{origin}: top-level key `{key}` must be a vendor table, found {}{}",
                        other.type_str(),
                        did_you_mean(&key, TOP_LEVEL.iter().copied(), key_name)
                    )));
                }
            }
        }
        Ok(config)
    }

    /// Refuses what no one reads: a top-level key other than `listen`, `emulator`, `pacing` and
    /// the vendors of `apis`, and a key of a vendor's section other than its credentials (by
    /// its auth scheme), `base_url`, `region` and the keys its APIs' parameters bind to. Each
    /// error names the file, the section and key, and the nearest known name.
    pub fn check(&self, apis: &[&crate::ApiEntry]) -> Result<(), ConfigError> {
        let origin = &self.origin;
        let mut vendors: Vec<&crate::VendorInfo> = Vec::new();
        for api in apis {
            if !vendors.iter().any(|v| v.id == api.info.vendor.id) {
                vendors.push(api.info.vendor);
            }
        }
        for (id, table) in &self.vendors {
            let Some(vendor) = vendors.iter().find(|v| v.id == id.as_str()) else {
                let known = TOP_LEVEL.iter().copied().chain(vendors.iter().map(|v| v.id));
                // Every known name but `listen` is a table: suggest it as one.
                let hint =
                    did_you_mean(id, known, |k| if k == TOP_LEVEL[0] { key_name(k) } else { format!("`[{k}]`") });
                return Err(ConfigError(format!("{origin}: unknown section `[{id}]`{hint}")));
            };
            let binds = apis
                .iter()
                .filter(|a| a.info.vendor.id == vendor.id)
                .flat_map(|a| a.params.iter())
                .filter_map(|p| p.bind);
            let known: Vec<&str> = credential_keys(&vendor.auth).chain(CLIENT_KEYS).chain(binds).collect();
            if let Some(key) = table.keys().find(|k| !known.contains(&k.as_str())) {
                return Err(ConfigError(format!(
                    "{origin}: [{id}] unknown key `{key}`{}",
                    did_you_mean(key, known.iter().copied(), key_name)
                )));
            }
        }
        Ok(())
    }

    /// A configuration built in code rather than read from a file: `value` set at `key` of the
    /// vendor's section.
    ///
    /// ```
    /// let config = imspec_runtime::Config::default()
    ///     .with("zego_zim", "app_id", 12345)
    ///     .with("zego_zim", "server_secret", "…")
    ///     .with("zego_zim", "region", "singapore");
    /// assert!(config.vendor("zego_zim").is_ok());
    /// ```
    pub fn with(mut self, vendor: &str, key: &str, value: impl Into<toml::Value>) -> Config {
        if self.origin.is_empty() {
            self.origin = "<configuration built in code>".into();
        }
        self.vendors.entry(vendor.to_owned()).or_default().insert(key.to_owned(), value.into());
        self
    }

    /// The same with `value` set at `key` of the `[emulator]` table.
    pub fn with_emulator(mut self, key: &str, value: impl Into<toml::Value>) -> Config {
        self.emulator.insert(key.to_owned(), value.into());
        self
    }

    /// A vendor's section, or an error naming what is missing.
    pub fn vendor(&self, id: &str) -> Result<Section<'_>, ConfigError> {
        match self.vendors.get_key_value(id) {
            Some((vendor, table)) => Ok(Section::new(&self.origin, vendor, table)),
            None => Err(ConfigError(format!("{}: no `[{id}]` section", self.origin))),
        }
    }
}

/// The keys a scheme's credentials are read from.
fn credential_keys(auth: &AuthInfo) -> impl Iterator<Item = &'static str> {
    crate::auth::scheme(auth.scheme).map_or(&[][..], |s| s.keys()).iter().map(|k| k.name)
}

/// Top-level keys other than the vendors' sections.
const TOP_LEVEL: [&str; 3] = ["listen", "emulator", PACING];
const PACING: &str = "pacing";
const PACING_KEYS: [&str; 1] = ["redis_url"];
/// Keys of a vendor's section that the client reads besides credentials and bound values.
const CLIENT_KEYS: [&str; 2] = ["base_url", "region"];

/// `; did you mean <nearest>?` when a known name is near `name`, else `; known: <all>`, each
/// name as `show` writes it.
fn did_you_mean<'k>(name: &str, known: impl Iterator<Item = &'k str>, show: impl Fn(&str) -> String) -> String {
    let known: Vec<&str> = known.collect();
    let nearest = known
        .iter()
        .map(|k| (strsim::normalized_damerau_levenshtein(name, k), *k))
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match nearest {
        Some((_, k)) => format!("; did you mean {}?", show(k)),
        None => format!("; known: {}", known.iter().map(|k| show(k)).collect::<Vec<_>>().join(", ")),
    }
}

fn key_name(k: &str) -> String {
    format!("`{k}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_file_is_named_with_its_position_but_never_its_text() {
        let err = Config::parse("[easemob]\nclient_id = \"i\"\nclient_secret = hunter2-unquoted\n", "my.toml")
            .expect_err("broken");
        assert!(err.0.starts_with("my.toml:3:"), "{err}");
        assert!(!err.0.contains("hunter2"), "the secret is in the message: {err}");
    }

    #[test]
    fn bound_texts_leave_the_secrets_out() {
        let config = Config::parse(
            "[v]\norg = \"o\"\nsecret_key = \"s1\"\nclient_secret = \"s2\"\nserver_secret = \"s3\"\n",
            "t",
        )
        .expect("config");
        let texts = config.vendor("v").expect("section").texts();
        assert_eq!(texts.into_iter().collect::<Vec<_>>(), [("org".to_owned(), "o".to_owned())]);
    }
}
