//! One vendor's section of the configuration file, as the auth schemes and the clients read
//! it, and the error that names the file, the key and why.

use std::fmt;

/// A problem with the configuration, naming the file, the key and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// One vendor's section.
#[derive(Clone, Copy)]
pub struct Section<'a> {
    origin: &'a str,
    vendor: &'a str,
    table: &'a toml::Table,
}

impl fmt::Debug for Section<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section").field("vendor", &self.vendor).finish_non_exhaustive()
    }
}

impl<'a> Section<'a> {
    /// A section of the file `origin`, for the vendor `vendor`.
    pub(crate) fn new(origin: &'a str, vendor: &'a str, table: &'a toml::Table) -> Section<'a> {
        Section { origin, vendor, table }
    }

    /// An error about `key` of this section.
    pub fn error(&self, key: &str, why: &str) -> ConfigError {
        ConfigError(format!("{}: [{}] `{key}`: {why}", self.origin, self.vendor))
    }

    /// A string value, if present.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(key, &format!("expected a string, found {}", other.type_str()))),
        }
    }

    pub fn str(&self, key: &str) -> Result<&'a str, ConfigError> {
        self.opt_str(key)?.ok_or_else(|| self.error(key, "is required"))
    }

    /// A non-negative integer value, if present.
    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>, ConfigError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) => {
                u64::try_from(*i).map(Some).map_err(|_| self.error(key, "must not be negative"))
            }
            Some(other) => Err(self.error(key, &format!("expected an integer, found {}", other.type_str()))),
        }
    }

    pub fn u64(&self, key: &str) -> Result<u64, ConfigError> {
        self.opt_u64(key)?.ok_or_else(|| self.error(key, "is required"))
    }

    /// A value as text, for parameters bound to configuration (`org`, `app`).
    pub fn text(&self, key: &str) -> Result<String, ConfigError> {
        match self.table.get(key) {
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(toml::Value::Integer(i)) => Ok(i.to_string()),
            Some(other) => Err(self.error(key, &format!("expected a string, found {}", other.type_str()))),
            None => Err(self.error(key, "is required")),
        }
    }

    /// Every string or integer value as text, but those of the keys `secret` names.
    pub fn texts_except(&self, secret: impl Fn(&str) -> bool) -> std::collections::HashMap<String, String> {
        self.table
            .iter()
            .filter(|(k, _)| !secret(k))
            .filter_map(|(k, v)| match v {
                toml::Value::String(s) => Some((k.clone(), s.clone())),
                toml::Value::Integer(i) => Some((k.clone(), i.to_string())),
                _ => None,
            })
            .collect()
    }

    /// The vendor's id (the section's name).
    pub fn vendor_id(&self) -> &str {
        self.vendor
    }
}
