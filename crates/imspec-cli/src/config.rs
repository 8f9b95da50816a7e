//! The credentials and settings file: `--config FILE`, or the emulator's built-in demo file.

use std::path::Path;

use imspec_runtime::{Config, ConfigError};

pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    match path {
        None => Config::parse(imspec_emulator::DEFAULT_CONFIG, "<built-in demo config>"),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            Config::parse(&text, &path.display().to_string())
        }
    }
}
