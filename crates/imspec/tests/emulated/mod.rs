//! Clients against a fresh emulator on loopback.
#![allow(dead_code)]

use std::time::Duration;

use imspec::runtime::{ClientOptions, Config, RetryPolicy};
use serde_json::Value;

/// The emulator's demo credentials with every vendor's `base_url` set to `url`, plus `extra`
/// TOML (an `[emulator]` table, or replacements of demo values).
pub fn config(url: &str, extra: &str) -> Config {
    let base = imspec_emulator::DEFAULT_CONFIG.split("[emulator]").next().unwrap_or_default();
    let sections: std::collections::BTreeSet<String> =
        imspec::apis().iter().map(|a| format!("[{}]", a.info.vendor.id)).collect();
    let mut text = String::new();
    for line in base.lines() {
        text.push_str(line);
        text.push('\n');
        if sections.contains(line) {
            text.push_str(&format!("base_url = \"{url}\"\n"));
        }
    }
    Config::parse(&format!("{text}\n{extra}"), "test.toml").expect("config")
}

pub struct Setup {
    pub url: String,
    _running: imspec_emulator::Running,
    pub http: reqwest::Client,
}

pub async fn emulator(extra: &str) -> Setup {
    let running = imspec_emulator::Emulator::new(&config("http://unused", extra))
        .expect("emulator")
        .spawn("127.0.0.1:0")
        .await
        .expect("bind");
    imspec::runtime::client::install_tls_provider();
    Setup { url: running.url(), _running: running, http: reqwest::Client::new() }
}

impl Setup {
    pub fn config(&self) -> Config {
        config(&self.url, "")
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.url)).send().await.expect("get").json().await.expect("json")
    }

    pub async fn friends(&self, vendor: &str, user: &str) -> Vec<String> {
        let json = self.get(&format!("/_emulator/friends/{vendor}/{user}")).await;
        json["friends"]
            .as_array()
            .expect("friends")
            .iter()
            .filter_map(|x| x["id"].as_str().map(str::to_owned))
            .collect()
    }

    pub async fn stats(&self, api: &str) -> Value {
        self.get("/_emulator/stats").await[api].clone()
    }
}

/// Quick retries, for tests under faults.
pub fn quick() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(40),
            ..RetryPolicy::default()
        },
        ..ClientOptions::default()
    }
}
