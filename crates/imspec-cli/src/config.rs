//! The credentials and settings file: `--config FILE`, or the emulator's built-in demo file.
//! Closed: a section or key that nothing reads is an error naming the nearest known one.

use std::path::Path;

use imspec_runtime::{Config, ConfigError};

pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    let config = match path {
        None => Config::parse(imspec_emulator::DEFAULT_CONFIG, "<built-in demo config>")?,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            Config::parse(&text, &path.display().to_string())?
        }
    };
    config.check(&imspec::apis())?;
    Ok(config)
}
